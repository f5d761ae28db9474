"""Cables: their fibres, their measured path, the boxes that list them; pole adjacency.

A cable owns ``fiberNumber`` fibres (``parent`` = the cable); its ``ground_length`` is the
straight spherical segments box A → poles → box B, ``length`` adds each pole's ``reserve``
slack, ``loss`` = length/1000 × its type's ``base_loss`` (dB/km). The boxes, buildings and
POPs at its ends list it in ``cables``.
"""
from __future__ import annotations

import heapq

from ..core import geo
from ..core.errors import Invalid, RuleViolation
from .catalogue import BASE_BOXES, BOX_LIKE, RESOURCES
from .wiring import unplug


def length_loss(length: float | None, cable_type: dict) -> float:
    """dB lost along ``length`` metres of a cable of this type (its ``base_loss``, dB/km)."""
    return (length or 0.0) / 1000.0 * (cable_type.get("base_loss") or 0.0)


def cable_type_loss(world, cable: dict) -> float:
    """dB lost along a cable: length (slack included) × its type's dB/km."""
    return length_loss(cable.get("length"), world.docs["cable-types"].get(cable.get("cableType")) or {})


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
    points = route_points(world, end_a, poles, end_b)
    ground = sum(geo.distance_m(a[0], a[1], b[0], b[1]) for a, b in zip(points, points[1:]))
    length = ground + sum(p["reserve"] for p in poles)
    return {"ground_length": round(ground, 2), "altitude_length": 0, "length": round(length, 2),
            "loss": round(length_loss(length, cable_type), 4)}


def route_points(world, end_a: dict | None, poles: list[dict], end_b: dict | None) -> list:
    """The [lng, lat] points of a cable's route: end A, its poles, end B (known ones only)."""
    points = [end.get("coords") for end in (end_a,) if end]
    points += [(world.docs["poles"].get(p["id"]) or {}).get("coords") for p in poles]
    points += [end.get("coords") for end in (end_b,) if end]
    return [p for p in points if p]


def geometry(world, cable: dict) -> list:
    """A stored cable's route as [lng, lat] points, end A to end B."""
    ends = [world.lookup(BOX_LIKE, cable.get(end))[1] if cable.get(end) else None
            for end in ("boxA", "boxB")]
    return route_points(world, ends[0], cable.get("poles") or (), ends[1])


def new_cable(world, fields: dict) -> dict:
    """Store a validated cable, its ``fiberNumber`` fibres, and list it on its end boxes."""
    cable = {**RESOURCES["cables"].fresh_defaults(), **fields}
    world.insert("cables", cable)
    add_fibers(world, cable)
    for end in ("boxA", "boxB"):
        link(world, cable[end], cable["id"], True)
    return cable


def add_fibers(world, cable: dict) -> None:
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
        link(world, cable.get(end), cable["id"], False)
    world.remove("cables", cable["id"])


def link(world, end_id, cable_id: str, add: bool) -> None:
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
