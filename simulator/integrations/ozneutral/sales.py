"""The sales lifecycle between OZneutral and OZmap.

    address ─► qualification ─► reservation ─► confirmed order ─► activation (add)
                   (codeOrder)     (a port)      (the sale's ids)       │
                                       │                                ▼
                                       └── cancellation (delete) ◄── active
                                             reserved: removed from OZmap at once
                                             active: not implanted, port kept until the
                                             field inspection is accepted, then removed

* **Addresses** (TMF673) resolve offline against the addresses of the operator's own OZmap
  world (``ftth.addresses``, this simulator only) and answer a ``place``
  (``{externalId, externalSystem}``) per operator where the address is known.
* **Qualification** (TMF645) of a place asks OZmap's feasibility around it and keeps only
  boxes of the projects the caller may sell in (and, when the operator set them, carrying a
  viability tag); each box is exposed by identity, position and available-port count only,
  with its unavailability reasons. Every item answers a new ``codeOrder``.
* **Reservation** (TMF685) of a qualified box creates the OZmap client (``code`` = the
  ``codeOrder``, not implanted) on the box's first free port; its **port resource** gets an
  id of its own that names the sale from then on (``port.idExternal``, the service's ``id``).
* **Service orders** (TMF641): ``add`` implants the client, ``delete`` cancels (above),
  ``modify`` changes the client's name or observation, ``modifyPort`` moves it to another
  port with a reason; an inspection answers a cancellation of an active client.

No port is sold twice: OZmap's port ledger decides every race, and a sale is recorded only
after OZmap said yes. A sale is claimed (``busy``) while an order runs on it, so two orders
on one sale never interleave (409). A partner sees and acts only on its own sales; the
operator on every sale of its network.
"""
from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass

from ...core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, RuleViolation
from ...core.geo import distance_m
from ...core.jobs import Job
from ...ftth import addresses
from . import tmf
from .ozmap import where
from .records import Caller, Party

POLL_SECONDS = 300
LIVE = ("reserved", "active", "inactive")       # a sale's states while it holds a port
PORT_REASONS = ("crossing", "closerCTO", "signalIssue", "blockedAccess", "fullCTO",
                "operationalError", "occupied", "noSignal", "attenuated", "others")
MODIFIABLE = {"clientName": "name", "observation": "observation"}  # characteristic -> client field
NEAREST_ADDRESS_M = 500.0        # a point resolves to the nearest known address within this


@dataclass
class Place:
    id: str                     # externalId
    operator: Party
    coords: list                # [lng, lat] of the customer
    address: dict               # the TMF673 answer it came from

    @property
    def system(self) -> str:
        return tmf.system_of(self.operator)


@dataclass
class Qualification:
    code: str                   # codeOrder
    seller: Party
    operator: Party
    place: Place
    boxes: dict                 # qualified box id -> {name, project, coords}


@dataclass
class Sale:
    id: str                     # the reservation item
    resource: str               # the port resource: port.idExternal, the service's id
    code: str
    seller: Party
    operator: Party
    place: Place
    party: dict                 # the reservation's relatedParty (the customer)
    box: dict                   # {id, name, project, coords}
    splitter: dict              # {id, name}
    port: int
    property: str
    client: str
    reserved: str
    state: str = "reserved"
    confirmed: dict | None = None     # the confirm-order body, with its `_id`
    ended: str | None = None
    busy: bool = False

    @property
    def port_name(self) -> str:
        return f"{self.splitter['name'] or self.splitter['id']} porta {self.port}"


@dataclass
class ServiceOrder:
    id: str
    sale: Sale
    body: dict
    action: str
    state: str = "Completed"
    message: str | None = None


class Sales:
    def __init__(self, market):
        self.market = market
        self.lock = market.lock
        self.places: dict[tuple, Place] = {}              # (externalSystem, externalId)
        self.qualifications: dict[str, Qualification] = {}
        self.sales: dict[str, Sale] = {}                  # by reservation id
        self.by_resource: dict[str, Sale] = {}
        self.by_code: dict[str, Sale] = {}
        self.orders: dict[str, ServiceOrder] = {}
        self.confirmed: dict[str, Sale] = {}              # confirmed order `_id` -> sale

    # ---- TMF673: addresses ---------------------------------------------------------------
    def address(self, caller: Caller, body: dict) -> dict:
        operators = self._selling_on(caller)
        point = None
        if body.get("lat") and body.get("lng"):
            point = [float(body["lng"]), float(body["lat"])]
        elif not (body.get("name") and body.get("postcode") and body.get("streetNr")):
            raise Invalid("send lat and lng, or name, postcode and streetNr", "MISSING_FIELD",
                          "lat" if body.get("lng") or not body.get("name") else "postcode")
        found = []                                        # (operator, item, coords)
        for operator in operators:
            world = self.market.world_of(operator.integration.api_key) \
                if operator.integration.url is None else None
            if world is None:
                continue
            if point is not None:
                item = addresses.locate(world, point[0], point[1])
                if item and _metres(item["coords"], point) <= NEAREST_ADDRESS_M:
                    found.append((operator, item, point))
            else:
                items = addresses.structured(world, body["name"], body["streetNr"],
                                             body["postcode"], limit=1)
                if items:
                    found.append((operator, items[0], items[0]["coords"]))
        if not found:
            where_ = (f"within {NEAREST_ADDRESS_M:.0f} m of ({point[1]}, {point[0]})" if point
                      else f"for {body['name']}, {body['streetNr']}, {body['postcode']}")
            raise NotFound(f"no known address {where_} in the networks this token sells on",
                           "ADDRESS_NOT_FOUND")
        first = found[0][1]
        # one id per address and, for a point, per point: two customers near one address
        # are two places
        address_id = hashlib.sha1("|".join([str(first.get(k)) for k in (
            "street", "number", "neighbourhood", "city", "uf")] + [str(point)]).encode()
        ).hexdigest()[:24]
        out = tmf.address(address_id, first, found[0][2], [op for op, _, _ in found])
        with self.lock:
            for operator, _, coords in found:
                place = Place(address_id, operator, list(coords), out)
                self.places[(place.system, address_id)] = place
        return out

    def _selling_on(self, caller: Caller) -> list[Party]:
        """The operators whose networks the caller sells on: itself, or its active partners."""
        if caller.party.kind == "operator":
            self.market.link(caller.party)                  # 422 without an integration
            return [caller.party]
        operators = [p.operator for p in self.market.partnerships_of(caller)
                     if p.status == "active" and p.operator.integration]
        if not operators:
            raise Forbidden(f"{caller.party.company.name} has no active partnership with an "
                            "integrated operator", "NO_PARTNERSHIP")
        return operators

    # ---- TMF645: qualification -----------------------------------------------------------
    def qualify(self, caller: Caller, body: dict) -> dict:
        return {"provideUnavailabilityReason": True, "serviceQualificationItem": [
            self._qualify(caller, self._place(item["service"]["place"]))
            for item in body["serviceQualificationItem"]]}

    def _place(self, ref: dict) -> Place:
        place = self.places.get((ref.get("externalSystem"), str(ref.get("externalId"))))
        if place is None:
            raise NotFound(f"unknown place {ref.get('externalSystem')}/{ref.get('externalId')}: "
                           "resolve the address first (geographicAddress)", "PLACE_NOT_FOUND")
        return place

    def _qualify(self, caller: Caller, place: Place) -> dict:
        operator = place.operator
        allowed = self.market.selling_projects(caller, operator)
        link = self.market.link(operator)
        lng, lat = place.coords
        viability = link.call("GET", "ftth-viability/radius", {"lat": lat, "lng": lng})
        boxes = viability.get("boxes") or []
        docs = {d["id"]: d for d in link.rows(
            "boxes", [where("id", "in", [b["id"] for b in boxes])], "id project tags name")} \
            if boxes else {}
        tags = set(operator.viability_tags)
        candidates = []
        for box in boxes:
            doc = docs.get(box["id"])
            if doc is None or doc.get("project") not in allowed:
                continue
            if tags and not tags & set(doc.get("tags") or ()):
                continue
            candidates.append((box, doc["project"]))
        code = f"OZN-{self.market.new_id()[-12:].upper()}"
        qualified = {box["id"]: {"id": box["id"], "name": box.get("name"), "project": project,
                                 "coords": [box["lng"], box["lat"]]}
                     for box, project in candidates if box["viable"]}
        with self.lock:
            self.qualifications[code] = Qualification(code, caller.party, operator, place,
                                                      qualified)
        return tmf.qualification_item(code, candidates, bool(boxes))

    # ---- TMF685: reservation -------------------------------------------------------------
    def reserve(self, caller: Caller, body: dict) -> dict:
        item = body["reservationItem"][0]
        values = {c["name"]: c["value"] for c in item["appliedCapacityAmount"]["characteristic"]}
        if not values.get("codeOrder"):
            raise Invalid("reservationItem[0].appliedCapacityAmount.characteristic needs "
                          "{name: codeOrder, value: <the qualification's codeOrder>}",
                          "MISSING_FIELD", "reservationItem[0].appliedCapacityAmount.characteristic")
        qualification = self._qualification(caller, values["codeOrder"])
        operator = qualification.operator
        ref = item["resourceCapacity"]["place"]
        box = qualification.boxes.get(str(ref["externalId"]))
        if ref["externalSystem"] != tmf.system_of(operator) or box is None:
            raise RuleViolation(f"box {ref['externalSystem']}/{ref['externalId']} was not qualified "
                                f"with {qualification.code}", "BOX_NOT_QUALIFIED",
                                "reservationItem[0].resourceCapacity.place")
        if box["project"] not in self.market.selling_projects(caller, operator):
            raise Forbidden(f"project {box['project']} is not one this token may sell in",
                            "PROJECT_NOT_FOR_SALE")
        with self.lock:
            used = self.by_code.get(qualification.code)
            if used is not None:                         # a codeOrder reserves once
                raise Conflict(f"{qualification.code} is already reserved (reservation "
                               f"{used.id}, {used.state})", "ALREADY_RESERVED")
        customer = {p["name"]: p["value"] for p in body["relatedParty"]["property"]}
        name = customer.get("name") or qualification.code
        link = self.market.link(operator)
        made = link.call("POST", "properties", None, {
            "project": box["project"], "box": box["id"], "auto_connect": True,
            "coords": qualification.place.coords, "address": qualification.place.address["name"],
            "name": name, "observation": f"OZneutral {qualification.seller.company.name}",
            "client": {"code": qualification.code, "name": name, "implanted": False,
                       "observation": f"vendido por {qualification.seller.company.name} "
                                      "(OZneutral)"}})
        connection = made["connections"][0]
        try:
            splitter = link.call("GET", f"splitters/{connection['id']}", {"select": "id name"})
        except DomainError:                              # nothing half-done stays in OZmap
            link.send("DELETE", f"properties/{made['id']}")
            raise
        sale = Sale(self.market.new_id(), self.market.new_id(), qualification.code,
                    qualification.seller, operator, qualification.place, body["relatedParty"],
                    box, {"id": splitter["id"], "name": splitter.get("name")}, connection["port"],
                    made["id"], made["client"], self._now(operator))
        with self.lock:
            self.sales[sale.id] = sale
            self.by_resource[sale.resource] = sale
            self.by_code[sale.code] = sale
        return tmf.reservation(sale)

    def _qualification(self, caller: Caller, code: str) -> Qualification:
        found = self.qualifications.get(code)
        if found is None or found.seller is not caller.party:
            raise NotFound(f"no qualification {code!r} of this token's party",
                           "QUALIFICATION_NOT_FOUND")
        return found

    def _now(self, operator: Party) -> str:
        return self.market.clock_of(operator).now_iso()

    def sale(self, caller: Caller, sale: Sale | None, what: str) -> Sale:
        """A sale the caller may see (its seller's, or its operator's), else 404."""
        if sale is None or caller.party not in (sale.seller, sale.operator):
            raise NotFound(f"no {what} of this token's party", "NOT_FOUND")
        return sale

    def reservation(self, caller: Caller, reservation_id: str) -> dict:
        sale = self.sale(caller, self.sales.get(reservation_id), f"reservation {reservation_id}")
        if sale.state == "terminated":
            raise NotFound(f"reservation {reservation_id} was cancelled at {sale.ended}",
                           "RESERVATION_CANCELLED")
        return tmf.reservation(sale)

    def cancel_reservation(self, caller: Caller, reservation_id: str, body: dict) -> dict:
        """TMF685 PATCH ``{reservationItem: {reservationState: "CANCELLED"}}``: a reservation
        (not implanted) is removed from OZmap at once."""
        state = body["reservationItem"]["reservationState"]
        if state.upper() != "CANCELLED":
            raise Invalid(f"a reservation can only be CANCELLED, not {state!r}", "INVALID_FIELD",
                          "reservationItem.reservationState")
        sale = self.sale(caller, self.sales.get(reservation_id), f"reservation {reservation_id}")
        with self._claim(sale, ("reserved",)):
            self.market.link(sale.operator).call("DELETE", f"properties/{sale.property}")
            self._end(sale)
        return {"id": sale.id, "relatedParty": body["relatedParty"],
                "reservationItem": {"reservationState": "CANCELLED"}}

    # ---- the claim of a sale while an order runs ---------------------------------------------
    @contextlib.contextmanager
    def _claim(self, sale: Sale, states: tuple):
        """Hold ``sale`` for one order (409 when another runs, or it is in none of ``states``)."""
        with self.lock:
            if sale.busy:
                raise Conflict(f"an order is already running on {sale.code}", "ORDER_IN_PROGRESS")
            if sale.state not in states:
                raise Conflict(f"{sale.code} is {sale.state}; this needs it "
                               f"{' or '.join(states)}", "INVALID_SALE_STATE")
            sale.busy = True
        try:
            yield
        finally:
            with self.lock:
                sale.busy = False

    def _end(self, sale: Sale) -> None:
        with self.lock:
            sale.state, sale.ended = "terminated", self._now(sale.operator)

    # ---- confirm order ---------------------------------------------------------------------
    def confirm(self, caller: Caller, body: dict) -> dict:
        sale = self.sale(caller, self.by_code.get(body["codeOrder"]),
                         f"reservation of {body['codeOrder']!r}")
        ids = body["idsExternals"]
        for field_name, given, expected in (
                ("port.idExternal", body["port"]["idExternal"], sale.resource),
                ("idsExternals.idBox", ids["idBox"], sale.box["id"]),
                ("idsExternals.idSplitter", ids["idSplitter"], sale.splitter["id"])):
            if given != expected:
                raise RuleViolation(f"{field_name} {given!r} is not the reservation's "
                                    f"({expected})", "ORDER_MISMATCH", field_name)
        with self._claim(sale, ("reserved",)):
            if sale.confirmed is not None:
                raise Conflict(f"{sale.code} was confirmed already (order "
                               f"{sale.confirmed['_id']})", "ORDER_ALREADY_CONFIRMED")
            if body["address"] and body["address"] != sale.place.address["name"]:
                self.market.link(sale.operator).call("PATCH", f"properties/{sale.property}",
                                                     None, {"address": body["address"]})
            order_id = self.market.new_id()
            with self.lock:
                sale.confirmed = {**body, "_id": order_id}
                self.confirmed[order_id] = sale
        return {"_id": order_id}

    # ---- TMF641: service orders -----------------------------------------------------------
    def order(self, caller: Caller, body: dict) -> dict:
        if not body["orderItem"] or not body["orderItem"][0]["service"]:
            raise Invalid("a service order needs one orderItem with one service", "MISSING_FIELD",
                          "orderItem[0].service")
        item = body["orderItem"][0]
        service = item["service"][0]
        sale = self.sale(caller, self.by_resource.get(service["id"]),
                         f"service {service['id']}")
        if body["externalId"] != sale.code:
            raise RuleViolation(f"externalId {body['externalId']!r} is not the codeOrder of "
                                f"service {service['id']} ({sale.code})", "ORDER_MISMATCH",
                                "externalId")
        if caller.party is not sale.seller:
            raise Forbidden("only the seller orders on its services", "NOT_YOUR_SERVICE")
        run = {"add": self._activate, "delete": self._cancel, "modify": self._modify,
               "modifyPort": self._modify_port}[item["action"]]
        order = ServiceOrder(self.market.new_id(), sale, body, item["action"])
        run(sale, order, service)
        with self.lock:
            self.orders[order.id] = order
        return tmf.service_order(order)

    def _activate(self, sale: Sale, order: ServiceOrder, service: dict) -> None:
        with self._claim(sale, ("reserved",)):
            if sale.confirmed is None:
                raise RuleViolation(f"{sale.code} has no confirmed order yet: POST "
                                    "/ozneutral/orders/confirm first", "ORDER_NOT_CONFIRMED")
            self.market.link(sale.operator).call("PATCH", f"ftth-clients/{sale.client}", None,
                                                 {"implanted": True})
            sale.state = "active"
        order.message = "activated: the OZmap client is implanted"

    def _cancel(self, sale: Sale, order: ServiceOrder, service: dict) -> None:
        with self._claim(sale, ("reserved", "active")):
            link = self.market.link(sale.operator)
            if sale.state == "reserved":
                link.call("DELETE", f"properties/{sale.property}")
                self._end(sale)
                order.message = "reservation cancelled: the OZmap client was removed"
            else:
                link.call("PATCH", f"ftth-clients/{sale.client}", None, {"implanted": False})
                sale.state = "inactive"
                order.state = "InProgress"
                order.message = ("cancelled: the OZmap client is not implanted and keeps its "
                                 "port until the field inspection is accepted")

    def _modify(self, sale: Sale, order: ServiceOrder, service: dict) -> None:
        changes = {}
        for i, pair in enumerate(service.get("serviceCharacteristic") or ()):
            if pair["name"] not in MODIFIABLE:
                raise Invalid(f"serviceCharacteristic {pair['name']!r} cannot be modified; use "
                              f"{', '.join(MODIFIABLE)}", "INVALID_FIELD",
                              f"orderItem[0].service[0].serviceCharacteristic[{i}].name")
            changes[MODIFIABLE[pair["name"]]] = pair["value"]
        if not changes:
            raise Invalid("a modify order needs serviceCharacteristic to change ("
                          f"{', '.join(MODIFIABLE)})", "MISSING_FIELD",
                          "orderItem[0].service[0].serviceCharacteristic")
        with self._claim(sale, ("reserved", "active")):
            self.market.link(sale.operator).call("PATCH", f"ftth-clients/{sale.client}", None,
                                                 changes)
        order.message = f"modified: {', '.join(changes)}"

    def _modify_port(self, sale: Sale, order: ServiceOrder, service: dict) -> None:
        values = {p["name"]: p["value"] for p in service.get("serviceCharacteristic") or ()}
        reason = values.get("changeReason")
        if reason not in PORT_REASONS:
            raise Invalid(f"modifyPort needs serviceCharacteristic changeReason, one of "
                          f"{', '.join(PORT_REASONS)}; got {reason!r}", "INVALID_FIELD",
                          "orderItem[0].service[0].serviceCharacteristic")
        target = {p["name"]: p["value"] for r in service.get("resource") or ()
                  for p in r["resource"]["property"]}
        with self._claim(sale, ("reserved", "active")):
            link = self.market.link(sale.operator)
            box_id = target.get("box") or sale.box["id"]
            if box_id != sale.box["id"]:
                box = link.call("GET", f"boxes/{box_id}", {"select": "id name project coords"})
                if box["project"] not in self.market.selling_projects(
                        Caller(sale.seller, None), sale.operator):
                    raise Forbidden(f"box {box_id} is in a project this seller may not sell in",
                                    "PROJECT_NOT_FOR_SALE")
                patch = {"box": box_id, "auto_connect": True}
            elif target.get("splitter") or target.get("port"):
                if not (target.get("splitter") and str(target.get("port", "")).isdigit()):
                    raise Invalid("a port is named by both 'splitter' and 'port' (a number)",
                                  "INVALID_FIELD", "orderItem[0].service[0].resource")
                patch = {"connector": target["splitter"], "port": int(target["port"])}
            else:
                patch = self._another_port(link, sale)
            link.call("PATCH", f"properties/{sale.property}", None, patch)
            self._refresh(link, sale)
        order.message = f"port changed ({reason}): now {sale.port_name} in {sale.box['name']}"

    @staticmethod
    def _another_port(link, sale: Sale) -> dict:
        """The first free port of the sale's box other than its own."""
        lng, lat = sale.box["coords"]
        viability = link.call("GET", "ftth-viability/radius", {"lat": lat, "lng": lng,
                                                               "radius": 1})
        for box in viability.get("boxes") or ():
            if box["id"] == sale.box["id"]:
                for splitter in box.get("splitters") or ():
                    if splitter["availablePorts"]:
                        return {"connector": splitter["id"], "port": splitter["availablePorts"][0]}
        raise RuleViolation(f"box {sale.box['name']} has no other free port", "BOX_FULL")

    def _refresh(self, link, sale: Sale) -> None:
        """Read the sale's property back from OZmap: box, splitter and port after a move."""
        prop = link.call("GET", f"properties/{sale.property}")
        self._follow(link, sale, prop)

    def _follow(self, link, sale: Sale, prop: dict) -> bool:
        """Apply a property's box and connection to the sale; True when they changed."""
        connection = (prop.get("connections") or [None])[0]
        where_now = (prop.get("box"), connection and connection["id"],
                     connection and connection["port"])
        if where_now == (sale.box["id"], sale.splitter["id"], sale.port) \
                or connection is None:
            return False
        if prop["box"] != sale.box["id"]:
            box = link.call("GET", f"boxes/{prop['box']}", {"select": "id name project coords"})
            sale.box = {"id": box["id"], "name": box.get("name"), "project": box["project"],
                        "coords": box["coords"]}
        if connection["id"] != sale.splitter["id"]:
            splitter = link.call("GET", f"splitters/{connection['id']}", {"select": "id name"})
            sale.splitter = {"id": splitter["id"], "name": splitter.get("name")}
        sale.port = connection["port"]
        return True

    def service_order(self, caller: Caller, order_id: str) -> dict:
        order = self.orders.get(order_id)
        self.sale(caller, order and order.sale, f"service order {order_id}")
        return tmf.service_order(order)

    def inspect(self, caller: Caller, order_id: str, body: dict) -> dict:
        """The field inspection of an active client's cancellation, by the operator:
        accepted — the client leaves OZmap and frees its port; refused — the order is held."""
        order = self.orders.get(order_id)
        sale = self.sale(caller, order and order.sale, f"service order {order_id}")
        caller.must_be("operator")
        if order.action != "delete" or order.state not in ("InProgress", "Held"):
            raise Conflict(f"service order {order_id} awaits no inspection (a {order.action}, "
                           f"{order.state})", "NO_INSPECTION_PENDING")
        if not body["accepted"]:
            with self.lock:
                order.state = "Held"
                order.message = "field inspection refused: the client keeps its port"
            return tmf.service_order(order)
        with self._claim(sale, ("inactive",)):
            self.market.link(sale.operator).call("DELETE", f"properties/{sale.property}")
            self._end(sale)
        with self.lock:
            order.state = "Completed"
            order.message = "field inspection accepted: the client was removed from OZmap"
        return tmf.service_order(order)

    # ---- order details and the service inventory ------------------------------------------
    def details(self, caller: Caller, order_id: str) -> dict:
        sale = self.sale(caller, self.confirmed.get(order_id), f"order {order_id}")
        if sale.state == "terminated":
            raise NotFound(f"order {order_id} ended at {sale.ended}", "ORDER_ENDED")
        link = self.market.link(sale.operator)
        prop = link.call("GET", f"properties/{sale.property}")
        box = link.call("GET", f"boxes/{prop['box']}", {"select": "id name coords"})
        out = {"box": {"name": box.get("name") or box["id"], "lat": box["coords"][1],
                       "lng": box["coords"][0]}}
        if prop.get("coords"):
            out["property"] = {"lat": prop["coords"][1], "lng": prop["coords"][0]}
        if prop.get("drop"):
            drop = link.call("GET", f"cables/{prop['drop']}")
            out["drop"] = {"length": drop.get("length") or 0}
            ids = [p["id"] if isinstance(p, dict) else p for p in drop.get("poles") or ()]
            poles = {p["id"]: p for p in link.rows("poles", [where("id", "in", ids)], "id coords")} \
                if ids else {}
            out["poles"] = [{"lat": poles[i]["coords"][1], "lng": poles[i]["coords"][0]}
                            for i in ids if i in poles]
        return out

    def services(self, caller: Caller, state: str | None = None) -> list[dict]:
        with self.lock:
            mine = [s for s in self.sales.values() if caller.party in (s.seller, s.operator)
                    and (state is None or s.state == state)]
        return [tmf.service(s) for s in mine]

    # ---- the 5-minute poll --------------------------------------------------------------------
    @staticmethod
    def job_name(operator: Party) -> str:
        return f"ozneutral-poll-{operator.id}"

    def schedule(self, operator: Party, world) -> None:
        world.jobs.schedule(Job(self.job_name(operator), POLL_SECONDS,
                                lambda: self.poll(operator),
                                f"OZneutral: {operator.company.name}'s sales follow changes made "
                                "directly in OZmap (moved, un-implanted, removed clients)"))

    def unschedule(self, operator: Party, integration) -> None:
        world = self.market.world_of(integration.api_key)
        if world is not None:
            world.jobs.cancel(self.job_name(operator))

    def poll(self, operator: Party) -> dict:
        """One cycle: the properties and clients of the operator's live sales that OZmap wrote
        or removed since the last good cycle started (``updatedAt``/``deletedAt >= since``),
        applied to the sales; the counts of what changed. Idempotent: applying the same
        changes again changes nothing. A failed OZmap call fails the cycle — which keeps
        ``since``, so the next cycle reads the same changes again — and so does a sale with an
        order running (left for the next cycle)."""
        integration = operator.integration
        started = (integration.clock or self.market.clock).now_iso()
        since = integration.synced
        with self.lock:
            live = [s for s in self.sales.values()
                    if s.operator is operator and s.state != "terminated"]
        changed = dict.fromkeys(("moved", "implanted", "unimplanted", "removed"), 0)
        skipped = False
        if live:
            link = self.market.link(operator)
            props, clients = [s.property for s in live], [s.client for s in live]
            written = {d["id"]: d for route, ids in (("properties", props), ("ftth-clients", clients))
                       for d in link.rows(route, [where("updatedAt", ">=", since),
                                                  where("id", "in", ids)])}
            gone = {t["id"] for route, ids in (("properties", props), ("ftth-clients", clients))
                    for t in link.rows(route, [where("deletedAt", ">=", since),
                                               where("id", "in", ids)])}
            for sale in live:
                try:
                    with self._claim(sale, LIVE):
                        what = self._reconcile(link, sale, written, gone)
                except Conflict:
                    skipped = True
                    continue
                for name in what:
                    changed[name] += 1
        if not skipped:
            integration.synced = started
        return changed

    def _reconcile(self, link, sale: Sale, written: dict, gone: set) -> list[str]:
        """Apply to a sale what OZmap says of its property and client; what changed."""
        if sale.property in gone or sale.client in gone:
            self._end(sale)
            return ["removed"]
        what = []
        if sale.property in written and self._follow(link, sale, written[sale.property]):
            what.append("moved")
        client = written.get(sale.client)
        if client is not None:
            if client["implanted"] and sale.state == "reserved":
                sale.state = "active"
                what.append("implanted")
            elif not client["implanted"] and sale.state == "active":
                sale.state = "reserved"
                what.append("unimplanted")
        return what


def _metres(a, b) -> float:
    return distance_m(a[0], a[1], b[0], b[1])


__all__ = ["Sales", "Sale", "Place", "Qualification", "ServiceOrder", "POLL_SECONDS",
           "PORT_REASONS"]
