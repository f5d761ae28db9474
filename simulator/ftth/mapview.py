"""What a map of the network shows: the elements inside a viewport — clustered when they are
too many to draw one by one — and a client's optical path from its PON.

A viewport is a lng/lat box and a zoom level (the web map's: 0 is the whole world in 256
pixels, each level doubles). Boxes and clients are drawn one by one from ``DETAIL_ZOOM`` on
while the viewport holds at most ``DETAIL_LIMIT`` of them, and as clusters otherwise: one
per square cell of ``CELL_PX`` pixels, at the mean position of its members, with their count
per state. Buildings, gated communities and POPs are always drawn; cables from
``CABLES_ZOOM``, poles and drops from ``POLES_ZOOM``, each kind at most ``DETAIL_LIMIT``
(``truncated`` says when a kind was cut). Everything is read from the world's spatial
indexes, so a request costs what the viewport holds, not what the world holds.

States (simulator decisions, the colours of OZmap's map):

* a box is ``draft`` (in design), ``splice`` (no service splitter: a CEO), ``full`` (no
  available port), ``nearly-full`` (a quarter or less of its service ports available) or
  ``free``;
* a property is ``reserved`` (its client is not implanted), ``ok`` / ``error`` (an implanted
  client's ``status``) or ``vacant`` (no client).
"""
from __future__ import annotations

from math import floor, isfinite

from ..core.errors import Invalid
from ..core.world import ALL_ACCESS, Derived, locked
from .cables import cable_type_loss, geometry
from .catalogue import HOLDERS
from .optics import calculated_power, element_loss, fiber_feed, launch_power
from .wiring import connection

DETAIL_ZOOM = 15
CABLES_ZOOM = 16
POLES_ZOOM = 17
DETAIL_LIMIT = 2500
CELL_PX = 64
BOX_STATES = ("free", "nearly-full", "full", "draft", "splice")
CLIENT_STATES = ("ok", "error", "reserved", "vacant")


class CableRoutes(Derived):
    """Which cables pass by each pole (a write observer once ``ready``)."""

    routes = ("cables",)

    def __init__(self):
        super().__init__()
        self.by_pole: dict[str, set] = {}
        self._poles: dict[str, tuple] = {}

    def add(self, route: str, doc: dict) -> None:
        poles = tuple({p["id"] for p in doc.get("poles") or () if isinstance(p, dict)})
        if poles:
            self._poles[doc["id"]] = poles
            for pole in poles:
                self.by_pole.setdefault(pole, set()).add(doc["id"])

    def drop(self, route: str, doc_id: str) -> None:
        for pole in self._poles.pop(doc_id, ()):
            cables = self.by_pole[pole]
            cables.discard(doc_id)
            if not cables:
                del self.by_pole[pole]


# ---- states ----------------------------------------------------------------------------------

def ports_of(world, box_id: str) -> tuple[int, int]:
    """(available, total) service ports of a box or building."""
    total = 0
    for splitter_id, _, _ in world.ports.serving(box_id):
        total += len(world.docs["splitters"][splitter_id]["connectables"]["output"])
    return world.ports.available.get(box_id, 0), total


def box_state(world, box: dict) -> tuple[str, int, int]:
    """(state, available ports, service ports) of a box."""
    available, total = ports_of(world, box["id"])
    if box.get("draft"):
        return "draft", available, total
    if not total:
        return "splice", 0, 0
    if not available:
        return "full", 0, total
    return ("nearly-full" if available * 4 <= total else "free"), available, total


def client_state(world, prop: dict) -> str:
    client = world.docs["ftth-clients"].get(prop.get("client"))
    if client is None:
        return "vacant"
    if not client.get("implanted"):
        return "reserved"
    return "error" if client.get("status") == 1 else "ok"


# ---- the viewport ----------------------------------------------------------------------------

def _bbox(bbox) -> tuple[float, float, float, float]:
    if not isinstance(bbox, (list, tuple)) or len(bbox) != 4 or any(
            isinstance(v, bool) or not isinstance(v, (int, float)) or not isfinite(v)
            for v in bbox):
        raise Invalid("'bbox' must be four numbers: west,south,east,north", "INVALID_PARAMETER",
                      "bbox")
    west, south, east, north = (float(v) for v in bbox)
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise Invalid(f"'bbox' must be west,south,east,north in degrees (south <= north), got "
                      f"{list(bbox)}", "INVALID_COORDINATES", "bbox")
    return west, south, east, north


def _zoom(zoom) -> int:
    if isinstance(zoom, bool) or not isinstance(zoom, int) or not 0 <= zoom <= 24:
        raise Invalid(f"'zoom' must be an integer from 0 to 24, got {zoom!r}",
                      "INVALID_PARAMETER", "zoom")
    return zoom


def _visible(world, route: str, box, access) -> list[dict]:
    docs = world.docs[route]
    found = [docs[i] for i in world.spatial[route].in_box(*box)]
    if access.projects is not None and world.resources[route].project_scoped:
        found = [d for d in found if access.allows(d)]
    return found


def _point(doc: dict) -> list:
    return [doc["coords"][0], doc["coords"][1]]


def _layer(docs: list[dict], zoom: int, state, item, states: tuple) -> dict:
    """Items one by one, or clusters ``{coords, count, states}`` on a grid of CELL_PX."""
    if zoom >= DETAIL_ZOOM and len(docs) <= DETAIL_LIMIT:
        return {"clustered": False, "total": len(docs), "items": [item(d) for d in docs]}
    cell = CELL_PX * 360.0 / (256 * 2 ** zoom)
    cells: dict[tuple, list] = {}
    for doc in docs:
        lng, lat = doc["coords"][0], doc["coords"][1]
        acc = cells.get((floor(lng / cell), floor(lat / cell)))
        if acc is None:
            acc = cells[(floor(lng / cell), floor(lat / cell))] = [0.0, 0.0, 0, {}]
        acc[0] += lng
        acc[1] += lat
        acc[2] += 1
        key = state(doc)
        acc[3][key] = acc[3].get(key, 0) + 1
    return {"clustered": True, "total": len(docs), "items": [
        {"coords": [round(x / n, 7), round(y / n, 7)], "count": n,
         "states": {s: counts[s] for s in states if s in counts}}
        for (x, y, n, counts) in (cells[k] for k in sorted(cells))]}


def _limited(items: list, name: str, truncated: list) -> list:
    if len(items) > DETAIL_LIMIT:
        truncated.append(name)
        return items[:DETAIL_LIMIT]
    return items


@locked
def viewport(world, bbox, zoom, access=ALL_ACCESS) -> dict:
    """The network inside ``bbox`` (west, south, east, north) at ``zoom``."""
    box, zoom = _bbox(bbox), _zoom(zoom)
    clients = world.docs["ftth-clients"]

    def box_item(doc):
        state, available, total = box_state(world, doc)
        return {"id": doc["id"], "name": doc.get("name"), "coords": _point(doc), "state": state,
                "available": available, "ports": total, "implanted": doc.get("implanted", True)}

    def client_item(doc):
        client = clients.get(doc.get("client")) or {}
        return {"id": doc["id"], "coords": _point(doc), "state": client_state(world, doc),
                "client": client.get("id"), "code": client.get("code"),
                "name": client.get("name") or doc.get("name")}

    properties = _visible(world, "properties", box, access)
    truncated: list[str] = []
    out = {
        "bbox": list(box), "zoom": zoom,
        "boxes": _layer(_visible(world, "boxes", box, access), zoom,
                        lambda d: box_state(world, d)[0], box_item, BOX_STATES),
        "clients": _layer([d for d in properties if d.get("client")], zoom,
                          lambda d: client_state(world, d), client_item, CLIENT_STATES),
        "vacant": [{"id": d["id"], "coords": _point(d)} for d in properties
                   if not d.get("client")] if zoom >= DETAIL_ZOOM else [],
        "buildings": [], "pops": [], "condominiums": _condominiums(world, box, access),
        "poles": [], "cables": [], "truncated": truncated}
    for doc in _visible(world, "buildings", box, access):
        available, total = ports_of(world, doc["id"])
        out["buildings"].append({"id": doc["id"], "name": doc.get("name"), "coords": _point(doc),
                                 "available": available, "ports": total})
    out["pops"] = [{"id": d["id"], "name": d.get("name"), "coords": _point(d)}
                   for d in _visible(world, "pops", box, access)]
    if zoom >= POLES_ZOOM:
        out["poles"] = _limited([{"id": d["id"], "name": d.get("name"), "coords": _point(d)}
                                 for d in _visible(world, "poles", box, access)], "poles",
                                truncated)
    if zoom >= CABLES_ZOOM:
        out["cables"] = _limited(_cables(world, box, zoom >= POLES_ZOOM, access), "cables",
                                 truncated)
    return out


def _condominiums(world, box, access) -> list[dict]:
    west, south, east, north = box
    out = []
    for doc in world.docs["horizontal-condominiums"].values():
        ring = ((doc.get("polygon") or {}).get("coordinates") or [None])[0]
        if not ring or not access.allows(doc):
            continue
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        across = west > east or (min(xs) <= east and max(xs) >= west)
        if across and min(ys) <= north and max(ys) >= south:
            out.append({"id": doc["id"], "name": doc.get("name"), "polygon": doc["polygon"]})
    return out


def _cables(world, box, drops: bool, access) -> list[dict]:
    """Cables ending at a box, building or POP in the viewport or passing by one of its poles
    (drops only when ``drops``), each with its route."""
    ids: set = set()
    for route in HOLDERS + ("pops",):
        for i in world.spatial[route].in_box(*box):
            ids |= world.ids_where("cables", "boxA", i) | world.ids_where("cables", "boxB", i)
    by_pole = world.cable_routes.ready(world).by_pole
    for pole in world.spatial["poles"].in_box(*box):
        ids |= by_pole.get(pole, set())
    if drops:
        for prop in world.spatial["properties"].in_box(*box):
            drop = world.docs["properties"][prop].get("drop")
            if drop:
                ids.add(drop)
    docs = world.docs["cables"]
    out = []
    for cable_id in sorted(ids):
        doc = docs.get(cable_id)
        if doc is None or (doc.get("kind") == "Drop" and not drops) or not access.allows(doc):
            continue
        out.append({"id": cable_id, "name": doc.get("name"), "kind": doc.get("kind"),
                    "level": doc.get("hierarchyLevel"), "implanted": doc.get("implanted", True),
                    "coords": geometry(world, doc)})
    return out


@locked
def overview(world, access=ALL_ACCESS) -> dict:
    """What a map needs first: counts, the bounds of the network, the projects' areas."""
    def visible(route):
        docs = world.docs[route].values()
        return [d for d in docs if access.allows(d)] if access.projects is not None else list(docs)

    boxes, props = visible("boxes"), visible("properties")
    points = [d["coords"] for route in ("boxes", "buildings", "pops")
              for d in visible(route) if d.get("coords")] + \
        [d["coords"] for d in props if d.get("coords")]
    bounds = ([min(p[0] for p in points), min(p[1] for p in points),
               max(p[0] for p in points), max(p[1] for p in points)] if points else None)
    return {"counts": {"boxes": len(boxes), "clients": sum(1 for d in props if d.get("client")),
                       "properties": len(props), "buildings": len(visible("buildings")),
                       "condominiums": len(visible("horizontal-condominiums"))},
            "bounds": bounds,
            "projects": [{"id": p["id"], "name": p.get("name"), "area": p.get("area")}
                         for p in world.docs["projects"].values()
                         if access.allows({"project": p["id"]})]}


# ---- a client's optical path -----------------------------------------------------------------

def _named(doc: dict | None) -> dict | None:
    return {"id": doc["id"], "name": doc.get("name")} if doc else None


@locked
def optical_path(world, property_id, access=ALL_ACCESS) -> dict:
    """A property's path from its PON: each element crossed and cable followed, with the loss
    and the calculated power after it, ending with the power at the client's ONU."""
    prop = world.get("properties", property_id, access)
    client = world.docs["ftth-clients"].get(prop.get("client"))
    current = connection(world, prop)
    hops: list = []
    feed = fiber_feed(world, current["fiber"], hops=hops) if current else None
    steps, power, here = [], None, None
    if feed is not None:
        pon = feed[0]
        power = launch_power(world, pon)
        slot = world.docs["slots"].get(pon.get("slot")) or {}
        olt = world.docs["olts"].get(slot.get("olt"))
        pop = world.docs["pops"].get((olt or {}).get("parent")) or \
            world.docs["pops"].get(pon.get("parent"))
        here = pop and pop.get("coords")
        steps.append({"type": "pon", "id": pon["id"], "name": pon.get("name"), "pop": _named(pop),
                      "olt": _named(olt), "slot": _named(slot or None), "coords": here,
                      "loss": 0.0, "power": round(power, 2)})
        for route, doc, position in hops[1:]:
            if route == "cables":
                loss = cable_type_loss(world, doc)
                points = geometry(world, doc)
                if here and points and _closer_to_end(here, points):
                    points.reverse()
                here = points[-1] if points else here
                step = {"type": "cable", "id": doc.get("id"), "name": doc.get("name"),
                        "kind": doc.get("kind"), "length": doc.get("length"), "coords": points}
            else:
                loss = element_loss(world, route, doc, position)
                holder = world.lookup(HOLDERS + ("pops",), doc.get("parent"))[1]
                here = (holder or {}).get("coords") or here
                step = {"type": route[:-1], "id": doc["id"], "name": doc.get("name"),
                        "port": position + 1, "box": _named(holder), "coords": here}
            power -= loss
            steps.append({**step, "loss": round(loss, 4), "power": round(power, 2)})
    calculated = calculated_power(world, prop, current)
    read = prop.get("potencyRead")
    return {"property": {"id": prop["id"], "name": prop.get("name"),
                         "address": prop.get("address"), "coords": prop.get("coords")},
            "client": {"id": client["id"], "code": client.get("code"), "name": client.get("name"),
                       "implanted": client.get("implanted"), "status": client.get("status")}
            if client else None,
            "connection": {k: current[k] for k in ("id", "name", "port")} if current else None,
            "steps": steps, "potencyCalculated": calculated, "potencyRead": read,
            "difference": round(read - calculated, 2) if read is not None and
            calculated is not None else None}


def _closer_to_end(point, points) -> bool:
    def d2(a):
        return (a[0] - point[0]) ** 2 + (a[1] - point[1]) ** 2
    return d2(points[-1]) < d2(points[0])
