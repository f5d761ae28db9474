"""Feasibility ("viabilidade"): by radius, by pole, for condominiums (docs/decisions.md,
"Feasibility").

A box is viable when it is not in design (draft) and one of its service splitters has a port
that is free and not blocked. Queries read the spatial indexes and ``world.ports`` (available
ports per box, kept in step with every splitter write); the part of a box item that does not
depend on the query point is cached in ``world.ports.cache`` until the box or one of its
splitters changes. Returned items are shared with that cache: read them, never mutate them.
"""
from __future__ import annotations

from math import isfinite

from ..core import geo
from ..core.errors import Invalid
from ..core.world import ALL_ACCESS, locked
from .cables import pole_distances

TYPE_FIELD = {"boxes": "boxType", "buildings": "buildingType"}


def _number(value, name: str) -> float:
    if value is None:
        raise Invalid(f"query parameter '{name}' is required", "MISSING_PARAMETER", name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not isfinite(value):
        raise Invalid(f"'{name}' must be a finite number, got {value!r}", "INVALID_PARAMETER", name)
    return float(value)


def _point(lat, lng) -> tuple[float, float]:
    lat, lng = _number(lat, "lat"), _number(lng, "lng")
    for name, value, limit in (("lat", lat, 90), ("lng", lng, 180)):
        if not -limit <= value <= limit:
            raise Invalid(f"'{name}' must be between -{limit} and {limit}, got {value}",
                          "INVALID_COORDINATES", name)
    return lat, lng


def _radius(world, radius) -> float:
    if radius is None:
        return float(world.settings["defaultRadius"])
    radius = _number(radius, "radius")
    if radius <= 0:
        raise Invalid(f"'radius' must be a positive number of metres, got {radius}",
                      "INVALID_PARAMETER", "radius")
    return radius


def summary(world, route: str, doc: dict) -> dict:
    """The query-independent part of a box (or building) item, cached until it changes."""
    item = world.ports.cache.get(doc["id"])
    if item is None:
        splitters = [{"id": splitter_id, "name": name, "availablePorts": list(ports)}
                     for splitter_id, name, ports in world.ports.serving(doc["id"])]
        available = world.ports.available.get(doc["id"], 0)
        draft = bool(doc.get("draft", False))
        reason = ("draft" if draft else "no-service-splitter" if not splitters
                  else "no-free-port" if not available else None)
        coords = doc["coords"]
        item = {"id": doc["id"], "name": doc.get("name"), "kind": doc["kind"],
                TYPE_FIELD[route]: doc.get(TYPE_FIELD[route]), "coords": coords,
                "lat": coords[1], "lng": coords[0], "distance": None,
                "implanted": bool(doc.get("implanted", True)), "draft": draft,
                "viable": reason is None, "availablePorts": available, "reason": reason,
                "splitters": splitters}
        world.ports.cache[doc["id"]] = item
    return item


def _item(world, route: str, doc: dict, distance: float) -> dict:
    item = summary(world, route, doc).copy()
    item["distance"] = round(distance, 2)
    return item


def _result(items: list[dict], **head) -> dict:
    viable = [b for b in items if b["viable"]]
    return {"viable": bool(viable), **head, "boxes": items, "viableBoxes": viable,
            "notViableBoxes": [b for b in items if not b["viable"]]}


def _near(world, route: str, lng: float, lat: float, radius: float, access) -> list[dict]:
    """Items of the ``route`` documents within ``radius`` m, nearest first (the hot path)."""
    docs, cache, everything = world.docs[route], world.ports.cache, access.projects is None
    items = []
    for d, doc_id in world.spatial[route].within(lng, lat, radius):
        doc = docs[doc_id]
        if everything or access.allows(doc):
            item = (cache.get(doc_id) or summary(world, route, doc)).copy()
            item["distance"] = round(d, 2)
            items.append(item)
    return items


def tag_ids(world, tags) -> set | None:
    """The ids of the tags a sale is limited to (``viabilityTags``: ids or names), or None
    when ``tags`` asks for none; an unknown tag is refused."""
    if tags is None:
        return None
    if isinstance(tags, str) or not all(isinstance(t, str) for t in tags):
        raise Invalid("'viabilityTags' must be a list of tag ids or names", "INVALID_PARAMETER",
                      "viabilityTags")
    names = {t.get("name"): t["id"] for t in world.docs["tags"].values()}
    wanted = set()
    for tag in (t.strip() for t in tags if t.strip()):
        found = tag if tag in world.docs["tags"] else names.get(tag)
        if found is None:
            raise Invalid(f"'viabilityTags': no tag has the id or name {tag!r}", "UNKNOWN_TAG",
                          "viabilityTags")
        wanted.add(found)
    return wanted or None


def carries(box: dict, tags: set | None) -> bool:
    """True when the box carries one of ``tags`` (or no tag is asked for)."""
    return tags is None or not tags.isdisjoint(box.get("tags") or ())


@locked
def radius(world, lat, lng, radius=None, access=ALL_ACCESS, tags=None) -> dict:
    """Every box within ``radius`` metres (default: the tenant setting), nearest first; with
    ``tags`` (ids or names, ``tag_ids``), only the boxes carrying one of them."""
    lat, lng = _point(lat, lng)
    radius = _radius(world, radius)
    tags = tag_ids(world, tags)
    items = _near(world, "boxes", lng, lat, radius, access)
    if tags is not None:
        boxes = world.docs["boxes"]
        items = [i for i in items if carries(boxes[i["id"]], tags)]
    return _result(items, lat=lat, lng=lng, radius=radius)


@locked
def pole(world, lat, lng, access=ALL_ACCESS) -> dict:
    """Boxes reachable along pole adjacencies from the nearest usable pole, by drop length."""
    lat, lng = _point(lat, lng)
    search = float(world.settings["poleSearchRadius"])
    start = _start_pole(world, lng, lat, search)
    if start is None:
        return _result([], lat=lat, lng=lng, radius=search, pole=None)
    start_doc, reach = start
    found = {"id": start_doc["id"], "name": start_doc.get("name"), "coords": start_doc["coords"],
             "lat": start_doc["coords"][1], "lng": start_doc["coords"][0],
             "distance": round(reach, 2)}
    limits = {p["id"]: (p.get("drop") or {}).get("maxSize") or 200
              for p in world.docs["projects"].values() if access.allows({"project": p["id"]})}
    along, _ = pole_distances(world, start_doc["id"], max(limits.values(), default=0) - reach)
    items, boxes = [], world.docs["boxes"]
    for pole_id, metres in along.items():
        for box_id in world.ids_where("boxes", "pole", pole_id):
            box, drop = boxes[box_id], reach + metres
            if access.allows(box) and drop <= limits.get(box["project"], 200):
                c = box["coords"]
                item = _item(world, "boxes", box, geo.distance_m(lng, lat, c[0], c[1]))
                item["dropLength"] = round(drop, 2)
                items.append(item)
    items.sort(key=lambda b: (b["dropLength"], b["distance"], b["id"]))
    return _result(items, lat=lat, lng=lng, radius=search, pole=found)


def _start_pole(world, lng: float, lat: float, search: float):
    """(nearest usable pole within ``search`` m whose type allows sales, its distance) or None."""
    poles, types = world.docs["poles"], world.docs["pole-types"]
    for distance, pole_id in world.spatial["poles"].within(lng, lat, search):
        doc = poles[pole_id]
        if doc.get("usable") is not False and \
                (types.get(doc.get("poleType")) or {}).get("viabilityAllowed") is not False:
            return doc, distance
    return None


@locked
def condominiums(world, lat, lng, radius=None, access=ALL_ACCESS) -> dict:
    """Buildings with a free port within the radius; gated communities around the point."""
    lat, lng = _point(lat, lng)
    radius = _radius(world, radius)
    buildings = [b for b in _near(world, "buildings", lng, lat, radius, access) if b["viable"]]
    communities = []
    for hc in world.docs["horizontal-condominiums"].values():
        if not access.allows(hc) or not hc.get("polygon"):
            continue
        polygon = geo.parse_polygon(hc["polygon"])
        if not geo.point_in_polygon(polygon, lng, lat):
            continue
        boxes = _inside(world, polygon, lng, lat, access)
        communities.append({"id": hc["id"], "name": hc.get("name"), "address": hc.get("address"),
                            "project": hc.get("project"), "viable": any(b["viable"] for b in boxes),
                            "availablePorts": sum(b["availablePorts"] for b in boxes if b["viable"]),
                            "boxes": boxes})
    return {"viable": bool(buildings) or any(c["viable"] for c in communities),
            "buildings": buildings, "horizontalCondominiums": communities}


def _inside(world, polygon, lng: float, lat: float, access) -> list[dict]:
    """Box items (distance from the query point) of the boxes inside a polygon, nearest first."""
    x0, y0, x1, y1 = polygon.bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    reach = max(geo.distance_m(cx, cy, x, y) for x in (x0, x1) for y in (y0, y1)) + 1.0
    docs, items = world.docs["boxes"], []
    for _, box_id in world.spatial["boxes"].within(cx, cy, reach):
        box = docs[box_id]
        c = box["coords"]
        if access.allows(box) and geo.point_in_polygon(polygon, c[0], c[1]):
            items.append(_item(world, "boxes", box, geo.distance_m(lng, lat, c[0], c[1])))
    items.sort(key=lambda b: (b["distance"], b["id"]))
    return items
