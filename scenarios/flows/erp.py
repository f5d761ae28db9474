"""Business management (ERP) — the features of OZmap's Integrator's Guide, one function each.

Basic: technical feasibility (radius or pole, plus condominiums), port reservation, customer
deployment, removal of reservations and customers, address change, update customer box.
Advanced: search box/splitter/port of a customer (``populate=box``), update customer data
(client + property), update customer status, update customer optical power, create pendencies.

Every function takes the typed client first and plain parameters, and returns a typed result.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

from ..client import Document, OZmapClient, ViabilityBox
from .common import (Customer, FlowError, Removal, Reservation, connection_of, customer,
                     customer_from, free_ports, property_of, ref_id, status_value)


# ---- technical feasibility -------------------------------------------------------------------
@dataclass
class FeasibilityOption:
    """Somewhere a customer can be connected: a box, or a building (vertical condominium)."""

    kind: str                       # "Box" | "Building"
    id: str
    name: str | None
    distance: float | None
    available_ports: int
    splitters: list[dict[str, Any]] = field(default_factory=list)
    drop_length: float | None = None
    condominium: str | None = None  # the horizontal condominium the box belongs to


@dataclass
class Feasibility:
    lat: float
    lng: float
    viable: bool
    mode: str
    options: list[FeasibilityOption]
    best: FeasibilityOption | None
    not_viable: list[dict[str, Any]]
    condominium: str | None         # set when the point lies in a viable horizontal condominium


def _option(item: ViabilityBox, condominium: str | None = None) -> FeasibilityOption:
    return FeasibilityOption(kind=str(item.get("kind") or "Box"), id=str(item["id"]),
                             name=item.get("name"), distance=item.get("distance"),
                             available_ports=int(item.get("availablePorts") or 0),
                             splitters=[dict(s) for s in item.get("splitters") or []],
                             drop_length=item.get("dropLength"), condominium=condominium)


def feasibility(api: OZmapClient, lat: float, lng: float, radius: float | None = None,
                mode: Literal["radius", "pole"] = "radius",
                condominiums: bool = True) -> Feasibility:
    """Technical feasibility: feasibility by radius (or pole) **and** condominium feasibility.

    Options are the viable boxes and buildings, nearest first. When the point lies inside a
    viable horizontal condominium, only that condominium's boxes are offered (OZloc's rule).
    """
    by_point = (api.feasibility_pole(lat, lng) if mode == "pole"
                else api.feasibility_radius(lat, lng, radius))
    options = [_option(b) for b in by_point.get("viableBoxes") or []]
    not_viable = [{"id": b.get("id"), "name": b.get("name"), "reason": b.get("reason")}
                  for b in by_point.get("notViableBoxes") or []]
    inside: str | None = None
    if condominiums:
        condo = api.feasibility_condominiums(lat, lng, radius)
        for hc in condo.get("horizontalCondominiums") or []:
            if hc.get("viable"):
                inside = str(hc["id"])
                options = [_option(b, inside) for b in hc.get("boxes") or [] if b.get("viable")]
                break
        if inside is None:
            options += [_option(b) for b in condo.get("buildings") or [] if b.get("viable", True)]
    options.sort(key=lambda o: o.drop_length if o.drop_length is not None else (o.distance or 0.0))
    return Feasibility(lat=lat, lng=lng, viable=bool(options), mode=mode, options=options,
                       best=options[0] if options else None, not_viable=not_viable,
                       condominium=inside)


# ---- port reservation ------------------------------------------------------------------------
def _project_of(api: OZmapClient, box: str | None, splitter: str | None) -> str | None:
    if box:
        for route in ("boxes", "buildings"):
            doc = api.get(route, box)
            if doc:
                return ref_id(doc.get("project"))
    if splitter:
        doc = api.get("splitters", splitter)
        if doc:
            return ref_id(doc.get("project"))
    return None


def _reservation(code: str, prop: Document) -> Reservation:
    splitter, port = connection_of(prop)
    return Reservation(code=code, client=str(ref_id(prop.get("client"))),
                       property=str(prop["id"]), box=ref_id(prop.get("box")), splitter=splitter,
                       port=port, drop=ref_id(prop.get("drop")), implanted=False)


def reserve_port(api: OZmapClient, code: str, *, lat: float | None = None,
                 lng: float | None = None, box: str | None = None,
                 splitter: str | None = None, port: int | None = None,
                 name: str | None = None, address: str | None = None,
                 observation: str | None = None, radius: float | None = None,
                 mode: Literal["radius", "pole"] = "radius", implanted: bool = False,
                 onu: Mapping[str, str] | None = None) -> Reservation:
    """Port reservation: a property with a not-implanted client on a port.

    * ``splitter`` + ``port``: that port (``connector`` + ``port`` instructions);
    * ``box``: the first free port of the box (``auto_connect``);
    * otherwise feasibility at ``lat``/``lng`` picks the nearest viable box or building.
    """
    if box is None and splitter is None:
        if lat is None or lng is None:
            raise ValueError("reserve_port needs a box, a splitter and port, or lat/lng")
        result = feasibility(api, lat, lng, radius, mode)
        if result.best is None:
            raise FlowError("NOT_VIABLE", f"no box with a free port near ({lat}, {lng})",
                            lat=lat, lng=lng, not_viable=result.not_viable)
        box = result.best.id
    body: dict[str, Any] = {}
    project = _project_of(api, box, splitter)
    if project:
        body["project"] = project
    if box:
        body["box"] = box
    if splitter is not None:
        if port is None:
            raise ValueError("a splitter needs a port")
        body.update(connector=splitter, port=int(port))
    else:
        body["auto_connect"] = True
    if lat is not None and lng is not None:
        body["coords"] = [float(lng), float(lat)]
    if address is not None:
        body["address"] = address
    client: dict[str, Any] = {"code": code, "implanted": implanted}
    if name is not None:
        client["name"] = name
    if observation is not None:
        client["observation"] = observation
    if onu:
        client["onu"] = {"user_PPPoE": onu.get("user_PPPoE", ""),
                         "serial_number": onu.get("serial_number", ""),
                         "mac_address": onu.get("mac_address", "")}
    body["client"] = client
    # client codes are unique: after a failure that may have reserved anyway (no answer, a
    # 504), the code tells whether it did — never a second port for one customer
    prop = api.create("properties", body, existing=lambda: _property_with(api, code))
    reservation = _reservation(code, prop)
    reservation.implanted = implanted
    return reservation


def _property_with(api: OZmapClient, code: str) -> Document | None:
    rows = api.properties_by_client_code(code)
    return rows[0] if rows else None


# ---- deployment, removal ---------------------------------------------------------------------
def deploy_customer(api: OZmapClient, code: str) -> Customer:
    """Customer deployment: ``PATCH /ftth-clients/:id {implanted: true}``."""
    prop = property_of(api, code)
    client_id = ref_id(prop.get("client"))
    api.update("ftth-clients", str(client_id), {"implanted": True})
    return customer(api, code)


def remove_customer(api: OZmapClient, code: str) -> Removal:
    """Removal of a reservation or a customer: ``DELETE /ftth-clients/:id``.

    OZmap deletes the client together with its property and drop, which frees the port.
    """
    current = customer_from(property_of(api, code))
    api.delete("ftth-clients", current.client)
    return Removal(code=code, client=current.client, property=current.property,
                   box=current.box, splitter=current.splitter, port=current.port,
                   was_implanted=current.implanted)


# ---- address change --------------------------------------------------------------------------
@dataclass
class AddressChange:
    code: str
    old: Customer
    new: Reservation | Customer
    completed: bool
    transitional_code: str


def transitional_code(code: str) -> str:
    """The code the new-address reservation carries while the old customer still exists
    (client codes are unique)."""
    return f"{code}#MUDANCA"


def start_address_change(api: OZmapClient, code: str, lat: float, lng: float, *,
                         radius: float | None = None, box: str | None = None,
                         address: str | None = None) -> AddressChange:
    """Address change, first half: feasibility + port reservation at the new address."""
    old = customer(api, code)
    temp = transitional_code(code)
    new = reserve_port(api, temp, lat=lat, lng=lng, box=box, radius=radius, address=address,
                       name=old.name,
                       onu=old.onu if any(old.onu.values()) else None,
                       observation=f"mudança de endereço do cliente {code}")
    return AddressChange(code=code, old=old, new=new, completed=False, transitional_code=temp)


def complete_address_change(api: OZmapClient, code: str) -> AddressChange:
    """Address change, second half (the installation at the new address is done): remove the
    customer at the old address, then deploy the new one under the original code."""
    old = customer(api, code)
    temp = transitional_code(code)
    new_prop = property_of(api, temp)
    api.delete("ftth-clients", old.client)
    api.update("ftth-clients", str(ref_id(new_prop.get("client"))),
               {"code": code, "implanted": True, "status": old.status})
    return AddressChange(code=code, old=old, new=customer(api, code), completed=True,
                         transitional_code=temp)


def change_address(api: OZmapClient, code: str, lat: float, lng: float, *,
                   radius: float | None = None, box: str | None = None,
                   address: str | None = None) -> AddressChange:
    """Address change in one go: reserve at the new address, remove the old, deploy the new."""
    start_address_change(api, code, lat, lng, radius=radius, box=box, address=address)
    return complete_address_change(api, code)


# ---- update customer box ---------------------------------------------------------------------
def update_customer_box(api: OZmapClient, code: str, *, box: str | None = None,
                        splitter: str | None = None, port: int | None = None,
                        radius: float | None = None) -> Customer:
    """The box used at installation differs from the reserved one: move the property.

    Without ``box`` a new feasibility at the property's coordinates chooses the nearest viable
    box other than the current one; a ``splitter`` without ``port`` takes its first free port.
    """
    prop = property_of(api, code)
    current = customer_from(prop)
    if box is None and splitter is None:
        if current.lat is None or current.lng is None:
            raise FlowError("NO_COORDINATES", f"customer {code} has no coordinates")
        result = feasibility(api, current.lat, current.lng, radius)
        choices = [o for o in result.options if o.id != current.box]
        if not choices:
            raise FlowError("NOT_VIABLE", f"no other viable box near customer {code}")
        box = choices[0].id
    body: dict[str, Any] = {}
    if box is not None:
        body["box"] = box
    if splitter is not None:            # a chosen splitter: the given port, else its first free
        if port is None:
            free = free_ports(api.get("splitters", splitter) or {})
            if not free:
                raise FlowError("NO_FREE_PORT", f"splitter {splitter} has no free port")
            port = free[0]
        body.update(connector=splitter, port=int(port))
    else:
        body["auto_connect"] = True
    api.update("properties", current.property, body)
    return customer(api, code)


# ---- search box, splitter and port of a customer --------------------------------------------
@dataclass
class Connection:
    code: str
    client: str
    property: str
    box: dict[str, Any] | None
    splitter: dict[str, Any] | None
    port: int | None


def find_connection(api: OZmapClient, code: str) -> Connection:
    """The box, splitter and port of a customer: list properties of the client with
    ``populate=box`` (the Guide's advanced "search for splitter, box and port")."""
    clients = api.find("ftth-clients", [{"property": "code", "operator": "=", "value": code}],
                       limit=1).rows
    if not clients:
        raise FlowError("NOT_FOUND", f"no customer with code {code!r}", code=code)
    client_id = str(clients[0]["id"])
    rows = api.find("properties", [{"property": "client", "operator": "=", "value": client_id}],
                    limit=1, populate="box").rows
    if not rows:
        raise FlowError("NO_PROPERTY", f"customer {code} has no property", code=code)
    prop = rows[0]
    box_doc = prop.get("box")
    box = ({"id": ref_id(box_doc), "name": box_doc.get("name")} if isinstance(box_doc, Mapping)
           else ({"id": box_doc, "name": None} if box_doc else None))
    splitter: dict[str, Any] | None = None
    port: int | None = None
    for conn in prop.get("connections") or []:
        if conn and conn.get("port") is not None:
            splitter = {"id": ref_id(conn.get("id")), "name": conn.get("name")}
            port = int(conn["port"])
            break
    return Connection(code=code, client=client_id, property=str(prop["id"]), box=box,
                      splitter=splitter, port=port)


# ---- update customer data, status, optical power ---------------------------------------------
CLIENT_FIELDS = {"name", "observation", "code", "onu", "cpe", "certified", "tags"}
PROPERTY_FIELDS = {"address", "coords", "name", "observation", "tags", "potencyRead", "pole"}


def update_customer_data(api: OZmapClient, code: str, *,
                         client: Mapping[str, Any] | None = None,
                         property: Mapping[str, Any] | None = None,
                         lat: float | None = None, lng: float | None = None) -> Customer:
    """Update general customer data: person data on the client, premises data on the property."""
    prop = property_of(api, code)
    client_update = dict(client or {})
    property_update = dict(property or {})
    if lat is not None and lng is not None:
        property_update["coords"] = [float(lng), float(lat)]
    if bad := set(client_update) - CLIENT_FIELDS:
        raise ValueError(f"not client fields: {sorted(bad)}")
    if bad := set(property_update) - PROPERTY_FIELDS:
        raise ValueError(f"not property fields: {sorted(bad)}")
    if client_update:
        api.update("ftth-clients", str(ref_id(prop.get("client"))), client_update)
    if property_update:
        api.update("properties", str(prop["id"]), property_update)
    return customer(api, str(client_update.get("code", code)))


def update_status(api: OZmapClient, code: str, status: int | str | bool) -> Customer:
    """Update customer status: 0/"OK"/online (green) or 1/"ERROR"/offline (red)."""
    prop = property_of(api, code)
    api.update("ftth-clients", str(ref_id(prop.get("client"))), {"status": status_value(status)})
    return customer(api, code)


def update_optical_power(api: OZmapClient, code: str, potency: float | None) -> Customer:
    """Update customer optical power: the read power (dBm) on the property's ``potencyRead``."""
    prop = property_of(api, code)
    api.update("properties", str(prop["id"]),
               {"potencyRead": None if potency is None else float(potency)})
    return customer(api, code)


# ---- pendencies ------------------------------------------------------------------------------
@dataclass
class Pendency:
    id: str
    name: str | None
    project: str
    pendency_type: str
    owner: str
    lat: float
    lng: float


def create_pendency(api: OZmapClient, name: str, *, code: str | None = None,
                    lat: float | None = None, lng: float | None = None,
                    description: str | None = None, pendency_type: str | None = None,
                    project: str | None = None) -> Pendency:
    """Create a pendency (a to-do pinned on the map) at a customer's premises or at a point.

    Official flow: list ``pendency-types`` → the owner from the key's user → ``POST /pendencies``.
    """
    if code is not None:
        prop = property_of(api, code)
        lat = prop.get("lat") if lat is None else lat
        lng = prop.get("lng") if lng is None else lng
        project = project or ref_id(prop.get("project"))
    if lat is None or lng is None:
        raise ValueError("create_pendency needs a customer code or lat/lng")
    if project is None:
        near = api.find("boxes", [{"property": "coords", "operator": "near",
                                   "value": {"lat": lat, "lng": lng}}], limit=1).rows
        if not near:
            raise FlowError("NO_PROJECT", "no project given and no box to take it from")
        project = ref_id(near[0].get("project"))
    types = list(api.find_all("pendency-types"))
    if not types:
        raise FlowError("NO_PENDENCY_TYPE", "the tenant has no pendency types")
    chosen = types[0]
    if pendency_type is not None:
        matches = [t for t in types if pendency_type in (t.get("id"), t.get("name"))]
        if not matches:
            raise FlowError("NO_PENDENCY_TYPE", f"no pendency type {pendency_type!r}")
        chosen = matches[0]
    owner = str(api.authenticated()["id"])
    doc = api.create("pendencies", {"owner": owner, "project": project,
                                    "pendencyType": chosen["id"], "coords": [lng, lat],
                                    "name": name, "description": description,
                                    "solved": False})
    return Pendency(id=str(doc["id"]), name=doc.get("name"), project=str(project),
                    pendency_type=str(chosen["id"]), owner=owner, lat=float(lat),
                    lng=float(lng))


__all__ = ["Feasibility", "FeasibilityOption", "feasibility", "reserve_port", "deploy_customer",
           "remove_customer", "AddressChange", "start_address_change", "complete_address_change",
           "change_address", "transitional_code", "update_customer_box", "Connection",
           "find_connection", "update_customer_data", "update_status", "update_optical_power",
           "Pendency", "create_pendency", "Document"]
