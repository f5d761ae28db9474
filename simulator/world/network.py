"""The optical network: splitter ports, cables and fibres, connectors, fusions, PON wiring.

Elements that hold fibres — splitters, connectors, fusions, PONs — list them in
``connectables``; every fibre lists in ``connectors`` the elements it is plugged into
(ARCHITECTURE.md, "The optical network model"). This module keeps both sides in step, derives
splitters from their type, measures cables, keeps the per-box count of available ports
(``PortLedger``) and routes along pole adjacencies.
"""
from __future__ import annotations

import heapq
from . import geo
from .behaviour import Behaviour, Named, Pons
from .errors import Invalid, RuleViolation
from .model import BASE_BOXES, BOX_LIKE, RESOURCES
from .world import check_object_id

WIRED = ("splitters", "connectors", "fusions", "pons")
HOLDERS = ("boxes", "buildings")          # where clients are served from


# ---- ports ------------------------------------------------------------------------------

def is_service(splitter: dict) -> bool:
    return splitter.get("isDrop") is True


def available_ports(splitter: dict) -> list[int]:
    """1-based output ports that are free (no fibre) and not blocked."""
    output = (splitter.get("connectables") or {}).get("output") or ()
    ports = splitter.get("ports") or ()
    return [i + 1 for i, fiber in enumerate(output)
            if fiber is None and not (i < len(ports) and ports[i].get("blocked"))]


def serving_entry(splitter: dict) -> tuple:
    """A service splitter in its holder's ledger: (serving order — ``index``, then creation —,
    id, name, available ports)."""
    index = splitter.get("index")
    return ((index is None, index or 0, splitter["id"]), splitter["id"], splitter.get("name"),
            tuple(available_ports(splitter)))


class PortLedger:
    """The sellable ports of every holder (box or building): its service splitters in serving
    order (``index``, then creation), each with its available 1-based ports.

    ``World._index`` calls ``note`` on every stored write of a splitter, box or building, so
    the ledger follows every path that changes a port (behaviours, generator, snapshot load).
    ``available`` counts a holder's available ports; ``cache`` holds per-holder values derived
    from the ledger (feasibility items): an entry is dropped whenever the holder or one of its
    splitters is written.
    """

    def __init__(self):
        self.available: dict[str, int] = {}
        self.cache: dict[str, object] = {}
        self._served: dict[str, dict[str, tuple]] = {}   # holder -> {splitter: entry}
        self._holder: dict[str, str] = {}                # service splitter -> its holder

    def note(self, route: str, doc: dict, add: bool) -> None:
        if route != "splitters":
            self.cache.pop(doc["id"], None)
            return
        splitter_id = doc["id"]
        if add:
            holder = doc.get("parent")
            if holder is None or not is_service(doc):
                return
            entry = serving_entry(doc)
            self._served.setdefault(holder, {})[splitter_id] = entry
            self._holder[splitter_id] = holder
            change = len(entry[3])
        else:
            holder = self._holder.pop(splitter_id, None)
            if holder is None:
                return
            served = self._served[holder]
            change = -len(served.pop(splitter_id)[3])
            if not served:
                del self._served[holder]
        count = self.available.get(holder, 0) + change
        if count:
            self.available[holder] = count
        else:
            self.available.pop(holder, None)
        self.cache.pop(holder, None)

    def holders(self):
        """Every holder with a service splitter."""
        return self._served.keys()

    def serving(self, holder: str) -> list[tuple[str, str | None, tuple]]:
        """``[(splitter id, name, available ports)]`` of a holder's service splitters, in
        serving order (``index``, then creation)."""
        served = self._served.get(holder)
        if not served:
            return []
        entries = served.values() if len(served) == 1 else sorted(served.values())
        return [entry[1:] for entry in entries]


# ---- wiring: connectables <-> fibre connectors ----------------------------------------------

def held_fibers(route: str, doc: dict) -> list[str]:
    """Every fibre id an element holds, inputs first."""
    wiring = doc.get("connectables")
    if route == "pons":
        return [f for f in wiring or () if f]
    wiring = wiring or {}
    return [f for side in ("input", "output") for f in wiring.get(side) or () if f]


def drop_owner(world, fiber_id: str) -> dict | None:
    """The property whose drop cable holds this fibre (a client fibre), else None."""
    fiber = world.docs["fibers"].get(fiber_id)
    holders = world.ids_where("properties", "drop", fiber["parent"]) if fiber else ()
    return world.docs["properties"][min(holders)] if holders else None


def check_wiring(world, value, sizes: tuple | None, project, route: str | None = None,
                 element: dict | None = None):
    """A validated ``connectables`` value (a PON's list when ``sizes`` is None) for ``element``
    (None while creating it).

    Each fibre must exist in the element's project, appear once, join at most two elements,
    and not be a property's drop (drops are connected through /properties).
    """
    where = "connectables"
    if sizes is None:
        if not isinstance(value, list):
            raise Invalid(f"'{where}' of a PON must be an array of fiber ids", "INVALID_FIELD", where)
        slots = [(f"{where}[{i}]", f) for i, f in enumerate(value)]
    else:
        if not isinstance(value, dict):
            raise Invalid(f"'{where}' must be an object {{input: [...], output: [...]}}",
                          "INVALID_FIELD", where)
        slots = []
        for side, size in zip(("input", "output"), sizes):
            items = value.get(side)
            if not isinstance(items, list) or len(items) != size:
                raise Invalid(f"'{where}.{side}' must be an array of {size} fiber ids or nulls",
                              "INVALID_FIELD", f"{where}.{side}")
            slots += [(f"{where}.{side}[{i}]", f) for i, f in enumerate(items)]
    current = set(held_fibers(route, element)) if element else set()
    own_id = element["id"] if element else None
    seen = set()
    for field, fiber_id in slots:
        if fiber_id is None:
            continue
        check_object_id(fiber_id, field)
        fiber = world.check_ref(field, fiber_id, ("fibers",), project)
        if fiber_id in seen:
            raise RuleViolation(f"fiber {fiber_id} appears twice in '{where}'",
                                "FIBER_ALREADY_PLUGGED", field)
        seen.add(fiber_id)
        others = [c for c in fiber["connectors"] if c != own_id]
        if len(others) >= 2:
            raise RuleViolation(f"fiber {fiber_id} already joins {others[0]} and {others[1]}; "
                                "a fiber has two ends", "FIBER_ALREADY_PLUGGED", field)
        owner = drop_owner(world, fiber_id)
        if owner and fiber_id not in current:
            raise RuleViolation(f"fiber {fiber_id} is the drop of property {owner['id']}; "
                                "connect properties through /properties", "DROP_FIBER", field)
    return [f for _, f in slots] if sizes is None else {side: list(value[side])
                                                        for side in ("input", "output")}


def mirror(world, element_id: str, before: list, after: list) -> None:
    """Keep fibre ``connectors`` in step after an element's fibres changed from before to after."""
    for fiber_id in set(before) - set(after):
        fiber = world.docs["fibers"].get(fiber_id)
        if fiber:
            world.set_fields("fibers", fiber, {"connectors": [c for c in fiber["connectors"]
                                                              if c != element_id]})
    for fiber_id in set(after) - set(before):
        fiber = world.docs["fibers"][fiber_id]
        world.set_fields("fibers", fiber, {"connectors": fiber["connectors"] + [element_id]})


def plug(world, splitter: dict, port: int, fiber_id: str | None) -> None:
    """Set output ``port`` (1-based) of a splitter to a fibre (or None), mirroring the fibre."""
    output = list(splitter["connectables"]["output"])
    before = output[port - 1]
    output[port - 1] = fiber_id
    world.set_fields("splitters", splitter,
                     {"connectables": {**splitter["connectables"], "output": output}})
    mirror(world, splitter["id"], [before] if before else [], [fiber_id] if fiber_id else [])


def unplug(world, fiber: dict) -> None:
    """Pull a fibre out of every element holding it."""
    for element_id in fiber["connectors"]:
        route, element = world.lookup(WIRED, element_id)
        if element is None:
            continue
        wiring = element["connectables"]
        if route == "pons":
            wiring = [f for f in wiring if f != fiber["id"]]
        else:
            wiring = {side: [None if f == fiber["id"] else f for f in wiring[side]]
                      for side in ("input", "output")}
        world.set_fields(route, element, {"connectables": wiring})
    world.set_fields("fibers", fiber, {"connectors": []})


def _unplug_element(world, route: str, doc: dict) -> None:
    mirror(world, doc["id"], held_fibers(route, doc), [])


# ---- cables -----------------------------------------------------------------------------

def cable_type_loss(world, cable: dict) -> float:
    """dB lost along a cable: length (slack included) × its type's dB/km."""
    ctype = world.docs["cable-types"].get(cable.get("cableType")) or {}
    return (cable.get("length") or 0.0) / 1000.0 * (ctype.get("base_loss") or 0.0)


def normalise_poles(world, poles, field: str = "poles") -> list[dict]:
    """Path items as ``{id, reserve}`` (plain ids accepted); every pole must exist."""
    if not isinstance(poles, list):
        raise Invalid(f"'{field}' must be an array of poles", "INVALID_FIELD", field)
    out = []
    for i, item in enumerate(poles):
        where = f"{field}[{i}]"
        if isinstance(item, str):
            item = {"id": item}
        if not isinstance(item, dict) or "id" not in item:
            raise RuleViolation(f"'{where}' must name an existing pole by id (creating points "
                                "from lat/lng is not supported)", "POINT_NOT_SUPPORTED", where)
        world.check_ref(f"{where}.id", item["id"], ("poles",), None)
        reserve = item.get("reserve") or 0
        if isinstance(reserve, bool) or not isinstance(reserve, (int, float)) or reserve < 0:
            raise Invalid(f"'{where}.reserve' must be a number of metres >= 0", "INVALID_FIELD",
                          f"{where}.reserve")
        out.append({**{k: v for k, v in item.items() if k in ("from", "into")},
                    "id": item["id"], "reserve": reserve})
    return out


def measure(world, end_a: dict | None, poles: list[dict], end_b: dict | None,
            cable_type: dict) -> dict:
    """Length fields of a cable: A → poles → B in straight spherical segments, plus slack."""
    points = [end.get("coords") for end in (end_a,) if end]
    points += [(world.docs["poles"].get(p["id"]) or {}).get("coords") for p in poles]
    points += [end.get("coords") for end in (end_b,) if end]
    points = [p for p in points if p]
    ground = sum(geo.distance_m(a[0], a[1], b[0], b[1]) for a, b in zip(points, points[1:]))
    length = ground + sum(p["reserve"] for p in poles)
    return {"ground_length": round(ground, 2), "altitude_length": 0, "length": round(length, 2),
            "loss": round(length / 1000.0 * (cable_type.get("base_loss") or 0.0), 4)}


def new_cable(world, fields: dict) -> dict:
    """Store a validated cable, its ``fiberNumber`` fibres, and list it on its end boxes."""
    cable = {**RESOURCES["cables"].fresh_defaults(), **fields}
    world.insert("cables", cable)
    _add_fibers(world, cable)
    for end in ("boxA", "boxB"):
        _link(world, cable[end], cable["id"], True)
    return cable


def _add_fibers(world, cable: dict) -> None:
    defaults = RESOURCES["fibers"].fresh_defaults()
    for n in range(1, cable["fiberNumber"] + 1):
        world.insert("fibers", {**defaults, "connectors": [], "parent": cable["id"],
                                "project": cable["project"], "fiberNumber": n,
                                "isDrop": cable["kind"] == "Drop"})


def remove_cable(world, cable: dict) -> None:
    """Delete a cable and its fibres, unplugging them, and unlist it from its end boxes."""
    for fiber in world.docs_where("fibers", "parent", cable["id"]):
        unplug(world, fiber)
        world.remove("fibers", fiber["id"])
    for end in ("boxA", "boxB"):
        _link(world, cable.get(end), cable["id"], False)
    world.remove("cables", cable["id"])


def _link(world, end_id, cable_id: str, add: bool) -> None:
    """List (or unlist) a cable on the box, building or POP at one of its ends (a property's
    ``cables`` is derived from its drop)."""
    route, end = world.lookup(BASE_BOXES, end_id) if end_id else (None, None)
    if end is None:
        return
    cables = [c for c in end.get("cables") or () if c != cable_id] + ([cable_id] if add else [])
    world.set_fields(route, end, {"cables": cables}, touch=False)


# ---- pole adjacency ---------------------------------------------------------------------

def pole_distances(world, start: str, limit: float | None = None, target: str | None = None):
    """Dijkstra along pole adjacencies: ({pole: metres from start}, {pole: previous pole}).

    Stops at ``target`` when given; poles farther than ``limit`` metres are not expanded.
    """
    poles = world.docs["poles"]
    dist, prev, queue, done = {start: 0.0}, {}, [(0.0, start)], set()
    while queue:
        d, pole_id = heapq.heappop(queue)
        if pole_id in done:
            continue
        done.add(pole_id)
        if pole_id == target:
            break
        here = poles[pole_id]["coords"]
        for other in poles[pole_id].get("adjacents") or ():
            there = poles.get(other, {}).get("coords")
            if not there or other in done:
                continue
            nd = d + geo.distance_m(here[0], here[1], there[0], there[1])
            if (limit is None or nd <= limit) and nd < dist.get(other, float("inf")):
                dist[other], prev[other] = nd, pole_id
                heapq.heappush(queue, (nd, other))
    return {p: dist[p] for p in done}, prev


def pole_path(world, start: str, end: str) -> list[str] | None:
    """Pole ids of the shortest adjacency path start → end, or None when unreachable."""
    dist, prev = pole_distances(world, start, target=end)
    if end not in dist:
        return None
    path = [end]
    while path[-1] != start:
        path.append(prev[path[-1]])
    return path[::-1]


# ---- behaviours -------------------------------------------------------------------------

class Splitters(Named):
    """Splitters take ratio, balance, losses and service flag from their type; ports are sold
    through properties, so wiring patches may never touch a port holding a client's drop."""

    type_field = "splitterType"
    DERIVED = ("ratio", "isBalanced", "currentPower", "installPower", "olt", "slot", "pon")

    def prepare_create(self, world, resource, body, access):
        for key in self.DERIVED:
            body.pop(key, None)
        parent = world.check_ref("parent", body.get("parent"), resource.refs["parent"], None)
        stype = world.check_ref("splitterType", body.get("splitterType"), ("splitter-types",), None)
        super().prepare_create(world, resource, body, access)
        body["project"] = parent.get("project")
        body.setdefault("isDrop", bool(stype.get("isDrop")))
        n_in, n_out = _ratio(stype)
        body.update(self._typed(stype, body.get("attenuation")),
                    ports=merge_ports(world, _fresh_ports(world, n_out), body.get("ports")))
        body["connectables"] = (check_wiring(world, body["connectables"], (n_in, n_out),
                                             body["project"])
                                if body.get("connectables") is not None
                                else {"input": [None] * n_in, "output": [None] * n_out})

    def after_create(self, world, resource, doc):
        mirror(world, doc["id"], [], held_fibers("splitters", doc))

    def prepare_update(self, world, resource, doc, patch):
        for key in self.DERIVED:
            patch.pop(key, None)
        given_ports, given_wiring = patch.pop("ports", None), patch.pop("connectables", None)
        clients = self.client_ports(world, doc)
        if patch.get("parent", doc["parent"]) != doc["parent"] and clients:
            raise self.in_use(doc, clients, "move it to another box")
        if "isDrop" in patch and not patch["isDrop"] and clients:
            raise self.in_use(doc, clients, "make it a network splitter")
        wiring, ports = doc["connectables"], doc["ports"]
        if patch.get("splitterType", doc["splitterType"]) != doc["splitterType"]:
            stype = world.check_ref("splitterType", patch["splitterType"], ("splitter-types",), None)
            n_in, n_out = _ratio(stype)
            if any(f for side, n in (("input", n_in), ("output", n_out)) for f in wiring[side][n:]):
                raise RuleViolation(f"splitter {_label(doc)} has fibers on ports its new type "
                                    f"({n_in}x{n_out}) lacks", "SPLITTER_IN_USE", "splitterType")
            wiring = {"input": (wiring["input"] + [None] * n_in)[:n_in],
                      "output": (wiring["output"] + [None] * n_out)[:n_out]}
            ports = [{**p, "index": i}
                     for i, p in enumerate((ports + _fresh_ports(world, n_out))[:n_out])]
            patch.update(self._typed(stype, patch.get("attenuation")), connectables=wiring,
                         ports=ports)
        elif "attenuation" in patch:
            patch["attenuation"] = _losses(patch["attenuation"], len(wiring["output"]))
        if given_ports is not None:
            patch["ports"] = merge_ports(world, ports, given_ports)
        if given_wiring is not None:
            new = check_wiring(world, given_wiring, (len(wiring["input"]), len(wiring["output"])),
                               doc["project"], "splitters", doc)
            for port, owner in clients.items():
                if new["output"][port - 1] != wiring["output"][port - 1]:
                    raise RuleViolation(
                        f"port {port} of splitter {_label(doc)} holds the drop of property "
                        f"{owner}; disconnect the property first (PATCH /properties/{owner} "
                        "{\"connector\": null})", "PORT_OCCUPIED", f"connectables.output[{port - 1}]")
            patch["connectables"] = new

    def after_update(self, world, resource, doc, before):
        mirror(world, doc["id"], held_fibers("splitters", before), held_fibers("splitters", doc))

    def before_delete(self, world, resource, doc):
        used = [i + 1 for i, f in enumerate(doc["connectables"]["output"]) if f]
        if used:
            raise RuleViolation(f"splitter {_label(doc)} still has fibers on output ports {used}; "
                                "free them first", "SPLITTER_IN_USE")
        self.refuse_if_referenced(world, resource, doc)

    def after_delete(self, world, resource, doc):
        _unplug_element(world, "splitters", doc)

    def computed(self, world, doc):
        from .optics import splitter_report
        return splitter_report(world, doc)

    @staticmethod
    def client_ports(world, doc: dict) -> dict[int, str]:
        """{1-based port: property id} of the ports holding a client's drop."""
        out = {}
        for i, fiber_id in enumerate(doc["connectables"]["output"]):
            owner = drop_owner(world, fiber_id) if fiber_id else None
            if owner:
                out[i + 1] = owner["id"]
        return out

    @staticmethod
    def in_use(doc, clients: dict, action: str) -> RuleViolation:
        return RuleViolation(f"splitter {_label(doc)} serves properties on ports "
                             f"{sorted(clients)}; disconnect them before you {action}",
                             "SPLITTER_IN_USE")

    @staticmethod
    def _typed(stype: dict, attenuation) -> dict:
        """ratio, isBalanced and attenuation from the type (``attenuation`` given wins)."""
        n_in, n_out = _ratio(stype)
        losses = stype.get("attenuation") or [0.0]
        return {"ratio": {"input": n_in, "output": n_out},
                "isBalanced": stype.get("isBalanced", True),
                "attenuation": _losses(attenuation if attenuation is not None else
                                       (losses + [losses[-1]] * n_out)[:n_out], n_out)}


def _label(doc: dict) -> str:
    return f"{doc.get('name') or ''} ({doc['id']})".strip()


def _ratio(stype: dict) -> tuple[int, int]:
    ratio = stype.get("ratio") or {}
    n_in, n_out = ratio.get("input"), ratio.get("output")
    if not all(isinstance(n, int) and n >= 1 for n in (n_in, n_out)):
        raise RuleViolation(f"splitter type {stype['id']} has no valid ratio {ratio!r}",
                            "INVALID_SPLITTER_TYPE", "splitterType")
    return n_in, n_out


def _losses(value, n_out: int) -> list:
    if (not isinstance(value, list) or len(value) != n_out
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value)):
        raise Invalid(f"'attenuation' must list one loss in dB per output ({n_out})",
                      "INVALID_FIELD", "attenuation")
    return list(value)


def _fresh_ports(world, n: int) -> list[dict]:
    return [{"id": world.new_id(), "index": i, "blocked": False, "tags": [], "observation": None}
            for i in range(n)]


def merge_ports(world, ports: list[dict], given) -> list[dict]:
    """Lay per-port settings over ``ports``; an item's ``index`` (else its position) picks the port."""
    if given is None:
        return ports
    if not isinstance(given, list):
        raise Invalid("'ports' must be an array", "INVALID_FIELD", "ports")
    ports = [dict(p) for p in ports]
    for k, item in enumerate(given):
        where = f"ports[{k}]"
        if not isinstance(item, dict):
            raise Invalid(f"'{where}' must be an object", "INVALID_FIELD", where)
        i = item.get("index", k)
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(ports):
            raise Invalid(f"'{where}.index' must be a port position 0..{len(ports) - 1}",
                          "INVALID_FIELD", f"{where}.index")
        if "blocked" in item:
            if not isinstance(item["blocked"], bool):
                raise Invalid(f"'{where}.blocked' must be a boolean", "INVALID_FIELD",
                              f"{where}.blocked")
            ports[i]["blocked"] = item["blocked"]
        if "observation" in item:
            ports[i]["observation"] = item["observation"]
        if "tags" in item:
            tags = [t.get("id") if isinstance(t, dict) else t for t in item["tags"] or ()]
            for j, tag in enumerate(tags):
                world.check_ref(f"{where}.tags[{j}]", tag, ("tags",), None)
            ports[i]["tags"] = tags
    return ports


class Joints(Named):
    """Connectors and fusions: one fibre in, one out; their type's ``loss`` enters the budget."""

    def prepare_create(self, world, resource, body, access):
        super().prepare_create(world, resource, body, access)
        parent = world.check_ref("parent", body.get("parent"), resource.refs["parent"], None)
        body.setdefault("project", parent.get("project"))
        body["connectables"] = (check_wiring(world, body["connectables"], (1, 1), body["project"])
                                if body.get("connectables") is not None
                                else {"input": [None], "output": [None]})

    def after_create(self, world, resource, doc):
        mirror(world, doc["id"], [], held_fibers(resource.route, doc))

    def prepare_update(self, world, resource, doc, patch):
        if "connectables" in patch:
            patch["connectables"] = check_wiring(world, patch["connectables"], (1, 1),
                                                 doc["project"], resource.route, doc)

    def after_update(self, world, resource, doc, before):
        mirror(world, doc["id"], held_fibers(resource.route, before),
               held_fibers(resource.route, doc))

    def after_delete(self, world, resource, doc):
        _unplug_element(world, resource.route, doc)


class Connectors(Joints):
    type_field = "connectorType"


class Fusions(Joints):
    type_field = "fusionType"


class WiredPons(Pons):
    """PONs list the fibres leaving them in ``connectables`` (writable in the domain)."""

    def prepare_create(self, world, resource, body, access):
        wiring = body.pop("connectables", None)
        super().prepare_create(world, resource, body, access)
        if wiring is not None:
            body["connectables"] = check_wiring(world, wiring, None, body.get("project"))

    def after_create(self, world, resource, doc):
        super().after_create(world, resource, doc)
        mirror(world, doc["id"], [], held_fibers("pons", doc))

    def prepare_update(self, world, resource, doc, patch):
        if "connectables" in patch:
            patch["connectables"] = check_wiring(world, patch["connectables"], None,
                                                 doc.get("project"), "pons", doc)

    def after_update(self, world, resource, doc, before):
        mirror(world, doc["id"], held_fibers("pons", before), held_fibers("pons", doc))

    def after_delete(self, world, resource, doc):
        super().after_delete(world, resource, doc)
        _unplug_element(world, "pons", doc)


class Cables(Behaviour):
    """Cables own their fibres, measure their path and are listed on the boxes they touch.
    Drops to properties are built by the property lifecycle, never through /cables."""

    MEASURED = ("kind", "fiberNumber", "looseNumber", "length", "ground_length",
                "altitude_length", "loss")

    def prepare_create(self, world, resource, body, access):
        for key in self.MEASURED:
            body.pop(key, None)
        ctype = world.check_ref("cableType", body.get("cableType"), ("cable-types",), None)
        ends = [self._end(world, body, end) for end in ("boxA", "boxB")]
        body.setdefault("project", next((e.get("project") for e in ends if e), None))
        project = world.docs["projects"].get(body.get("project")) or {}
        body["poles"] = normalise_poles(world, body.get("poles") or [])
        drop_type = ((project.get("drop") or {}).get("type") or {}).get("cableType")
        body.update(kind="Drop" if ctype.get("isDrop") or ctype["id"] == drop_type else "Cable",
                    fiberNumber=ctype.get("fiberNumber") or 1,
                    looseNumber=ctype.get("looseNumber") or 1,
                    **measure(world, ends[0], body["poles"], ends[1], ctype))

    def after_create(self, world, resource, doc):
        _add_fibers(world, doc)
        for end in ("boxA", "boxB"):
            _link(world, doc[end], doc["id"], True)

    def prepare_update(self, world, resource, doc, patch):
        for key in self.MEASURED:
            patch.pop(key, None)
        moved = [end for end in ("boxA", "boxB") if end in patch and patch[end] != doc[end]]
        owner = world.ids_where("properties", "drop", doc["id"])
        if moved and owner:
            raise RuleViolation(f"cable {doc['id']} is the drop of property {min(owner)}; move "
                                "the property instead", "DROP_MANAGED_BY_PROPERTY", moved[0])
        ends = [self._end(world, patch, end) if end in moved else
                world.lookup(BOX_LIKE, doc[end])[1] if doc[end] else None for end in ("boxA", "boxB")]
        ctype = world.check_ref("cableType", patch.get("cableType", doc["cableType"]),
                                ("cable-types",), None)
        if "cableType" in patch and (ctype.get("fiberNumber") or 1) != doc["fiberNumber"]:
            raise RuleViolation(f"cable {doc['id']} has {doc['fiberNumber']} fibers; its type "
                                f"cannot change to one with {ctype.get('fiberNumber')}",
                                "FIBER_COUNT_MISMATCH", "cableType")
        if "poles" in patch:
            patch["poles"] = normalise_poles(world, patch["poles"] or [])
        if {"boxA", "boxB", "poles", "cableType"} & set(patch):
            patch.update(measure(world, ends[0], patch.get("poles", doc["poles"]), ends[1], ctype))

    def after_update(self, world, resource, doc, before):
        for end in ("boxA", "boxB"):
            if doc[end] != before[end]:
                _link(world, before[end], doc["id"], False)
                _link(world, doc[end], doc["id"], True)

    def delete(self, world, resource, doc):
        owner = world.ids_where("properties", "drop", doc["id"])
        if owner:
            raise RuleViolation(f"cable {doc['id']} is the drop of property {min(owner)}; delete "
                                "or disconnect the property instead", "DROP_IN_USE")
        remove_cable(world, doc)

    @staticmethod
    def _end(world, values: dict, end: str) -> dict | None:
        if values.get(end) is None:
            return None
        doc = world.check_ref(end, values[end], BOX_LIKE, None)
        if doc["kind"] == "Property":
            raise RuleViolation(f"'{end}' is property {doc['id']}: drops to properties are built "
                                "by POST/PATCH /properties", "DROP_MANAGED_BY_PROPERTY", end)
        return doc


def network_behaviours() -> dict[str, Behaviour]:
    from .lifecycle import FtthClients, Properties
    return {"splitters": Splitters(), "cables": Cables(), "connectors": Connectors(),
            "fusions": Fusions(), "pons": WiredPons(), "properties": Properties(),
            "ftth-clients": FtthClients()}
