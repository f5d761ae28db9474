"""Reports (docs/box-internals.md): what a polygon holds, counted; and listed elements,
complete or counted. Computed from the world as it is, within what the key may see.

* A **polygon report** (``reports/polygon``) stores its polygon and the summary computed
  inside it (``data``: boxes, cables, pops by type; properties, clients, poles, pendencies,
  splitters, buildings) at ``date``. Changing the polygon — by PATCH or by *moving* it so that
  its centre lands on a point — recomputes them. Reports carry ``tags`` added and removed
  by their own routes, and may be moved to another project in bulk.
* An **elements report** takes ids per kind (``boxIds``, ``cableIds``, …): *complete* answers
  one row per element found (its key fields, its occupancy where it has ports), *count* how
  many were found; ids not found, outside the key's projects or of kinds the simulator does
  not model (sectors, towers) are listed in ``errors``.
"""
from __future__ import annotations

from ..core import geo
from ..core.errors import Invalid, RuleViolation
from ..core.world import ALL_ACCESS, locked
from .cables import geometry
from .catalogue import NETWORK_CONNECTORS
from .ports import available_ports, is_service

ROUTE = "reports/polygon"
POINTS = ("boxes", "buildings", "pops", "properties", "poles", "pendencies")


def _inside(world, route: str, polygon, access):
    """The documents of a point route inside ``polygon`` that the key may see."""
    west, south, east, north = polygon.bounds
    docs = world.docs[route]
    hits = (docs[i] for i in world.spatial[route].in_box(west, south, east, north))
    return [d for d in hits if access.allows(d) and d.get("coords")
            and geo.point_in_polygon(polygon, d["coords"][0], d["coords"][1])]


def _by(docs, field, **counts) -> list[dict]:
    """One row per value of ``field``: ``total`` and a count per predicate of ``counts``."""
    rows: dict = {}
    for doc in docs:
        row = rows.setdefault(doc.get(field), {"id": doc.get(field), **dict.fromkeys(counts, 0),
                                               "total": 0})
        row["total"] += 1
        for name, test in counts.items():
            row[name] += bool(test(doc))
    return [rows[k] for k in sorted(rows, key=str)]


def summary(world, geojson, report_id=None, access=ALL_ACCESS) -> dict:
    """What ``geojson`` (a Polygon) holds: the ``data`` of a polygon report."""
    polygon = geo.parse_polygon(geojson, "polygon")
    inside = {route: _inside(world, route, polygon, access) for route in POINTS}
    boxes = {d["id"] for d in inside["boxes"] + inside["buildings"] + inside["pops"]}
    cables = [c for c in world.docs["cables"].values() if access.allows(c)
              and any(geo.point_in_polygon(polygon, p[0], p[1]) for p in geometry(world, c))]
    clients = [(p, world.docs["ftth-clients"][p["client"]]) for p in inside["properties"]
               if p.get("client") in world.docs["ftth-clients"]]
    splitters = [s for s in world.docs["splitters"].values() if s.get("parent") in boxes]
    used = {d.get("pole") for d in world.docs["boxes"].values()} | \
        {p["id"] for c in cables for p in c.get("poles") or ()}
    pendencies = inside["pendencies"]
    return {
        "id": report_id,
        "boxes": _by(inside["boxes"], "boxType", implanted=lambda d: d.get("implanted"),
                     not_implanted=lambda d: not d.get("implanted"), draft=lambda d: d.get("draft")),
        "cables": _by(cables, "cableType", implanted=lambda d: d.get("implanted"),
                      not_implanted=lambda d: not d.get("implanted")),
        "clients": _by([{"project": p.get("project"), **c} for p, c in clients], "project",
                       implanted=lambda d: d.get("implanted"),
                       not_implanted=lambda d: not d.get("implanted")),
        "properties": [{"implanted": sum(1 for _, c in clients if c.get("implanted")),
                        "total": len(inside["properties"])}],
        "poles": [{"total": len(inside["poles"]),
                   "used": sum(1 for p in inside["poles"] if p["id"] in used),
                   **{name: sum(1 for p in inside["poles"]
                                if (p.get("licensing") or {}).get("status", 0) == status)
                      for name, status in (("licensed", 2), ("licensing", 1), ("unknown", 0))}}],
        "pops": _by(inside["pops"], "popType", implanted=lambda d: d.get("implanted"),
                    not_implanted=lambda d: not d.get("implanted"),
                    certified=lambda d: d.get("certified"), draft=lambda d: d.get("draft")),
        "pendencies": {"id": report_id, "solved": sum(1 for p in pendencies if p.get("solved")),
                       "not_solved": sum(1 for p in pendencies if not p.get("solved")),
                       "total": len(pendencies)},
        "splitters": [{**row, "ports": sum(len(s["connectables"]["output"]) for s in splitters
                                           if s.get("splitterType") == row["id"]),
                       "available": sum(len(available_ports(s)) for s in splitters
                                        if s.get("splitterType") == row["id"] and is_service(s))}
                      for row in _by(splitters, "splitterType", service=is_service)],
        "buildings": [_building(world, b) for b in inside["buildings"]],
        "errors": [],
    }


def _building(world, building: dict) -> dict:
    properties = world.docs_where("properties", "box", building["id"])
    return {"id": building["id"], "name": building.get("name") or "",
            "address": building.get("address") or "", "properties": len(properties),
            "clients": sum(1 for p in properties if p.get("client")),
            "createdAt": building["createdAt"], "tags": list(building.get("tags") or ()),
            "implanted": bool(building.get("implanted")),
            "observation": building.get("observation") or "",
            "buildingType": building.get("buildingType")}


def recompute(world, values: dict, report_id=None, access=ALL_ACCESS) -> None:
    """Set a report's ``data`` and ``date`` from its ``polygon``."""
    values["data"] = summary(world, values["polygon"], report_id, access)
    values["date"] = world.clock.now_iso()


# ---- the routes beyond CRUD -------------------------------------------------------------------
@locked
def move(world, report_id, lat, lng, access=ALL_ACCESS) -> dict:
    """``POST /reports/{id}/move``: the polygon translated so that its centre lands on
    (lat, lng); its data recomputed."""
    report = world.get(ROUTE, report_id, access)
    lng, lat = geo.validate_coords([lng, lat], "lng")
    centre = geo.parse_polygon(report["polygon"], "polygon").centroid
    dx, dy = lng - centre.x, lat - centre.y
    moved = {"type": "Polygon", "coordinates": [[[round(x + dx, 9), round(y + dy, 9)]
                                                 for x, y, *_ in ring]
                                                for ring in report["polygon"]["coordinates"]]}
    if not all(-180 <= x <= 180 and -90 <= y <= 90 for ring in moved["coordinates"]
               for x, y in ring):
        raise RuleViolation("centred there, the report's polygon would leave the map (longitudes "
                            "-180..180, latitudes -90..90)", "POLYGON_OFF_THE_MAP", "lat")
    world.update(ROUTE, report_id, {"polygon": moved}, access)
    return world.render(ROUTE, report)


@locked
def tag(world, report_id, tags, add: bool, access=ALL_ACCESS) -> dict:
    """``POST``/``DELETE /reports/{id}/tags``: add (existing tags) or remove them."""
    report = world.get(ROUTE, report_id, access)
    if not isinstance(tags, list):
        raise Invalid("'tags' must be an array of tag ids", "INVALID_FIELD", "tags")
    for i, tag_id in enumerate(tags):
        world.check_ref(f"tags[{i}]", tag_id, ("tags",), None)
    current = list(report.get("tags") or ())
    now = current + [t for t in dict.fromkeys(tags) if t not in current] if add else \
        [t for t in current if t not in tags]
    world.update(ROUTE, report_id, {"tags": now}, access)
    return world.render(ROUTE, report)


@locked
def reassign(world, project, ids, access=ALL_ACCESS) -> int:
    """``POST /reports/project``: the listed reports move to ``project``; how many."""
    if not isinstance(ids, list):
        raise Invalid("'ids' must be an array of report ids", "INVALID_FIELD", "ids")
    reports = [world.get(ROUTE, report_id, access) for report_id in ids]
    world.check_ref("project", project, ("projects",), None)
    world.get("projects", project, access)
    for report in reports:
        world.set_fields(ROUTE, report, {"project": project})
    return len(reports)


# ---- elements reports -------------------------------------------------------------------------
def _posts(world, element_id) -> int:
    return sum(1 for p in world.docs["posts"].values() if (p.get("element") or {}).get("id") == element_id)


def _ports(world, holder_id) -> dict:
    served = [s for s in world.docs_where("splitters", "parent", holder_id) if is_service(s)]
    capacity = sum(len(s["connectables"]["output"]) for s in served)
    available = sum(len(available_ports(s)) for s in served)
    return {"capacity": capacity, "busyDoors": capacity - available, "availableDoors": available}


def _at(doc) -> dict:
    coords = doc.get("coords")
    return {"lng": coords[0], "lat": coords[1]} if coords else {"lng": None, "lat": None}


def _box_row(world, box):
    return {"id": box["id"], "name": box.get("name"), "pole": box.get("pole"),
            "observation": box.get("observation"), "boxType": box.get("boxType"),
            "level": box.get("hierarchyLevel"), "project": box.get("project"),
            "implanted": box.get("implanted"), "certified": box.get("certified"),
            "draft": box.get("draft"), "shared": box.get("shared"), "tags": box.get("tags") or [],
            "createdAt": box["createdAt"], "address": box.get("address"), **_at(box),
            "clients": sum(1 for p in world.docs_where("properties", "box", box["id"])
                           if p.get("client")),
            "posts": _posts(world, box["id"]), **_ports(world, box["id"])}


def _cable_row(world, cable):
    poles = []
    for item in cable.get("poles") or ():
        point = world.lookup(("poles", "points", "junction-boxes"), item["id"])[1] or {}
        poles.append({"id": item["id"], "reserve": item.get("reserve", 0), **_at(point)})
    return {"id": cable["id"], "name": cable.get("name"), "observation": cable.get("observation"),
            "level": cable.get("hierarchyLevel"), "cableType": cable.get("cableType"),
            "implanted": cable.get("implanted"), "boxA": cable.get("boxA"), "boxB": cable.get("boxB"),
            "project": cable.get("project"), "length": cable.get("length"),
            "ground_length": cable.get("ground_length"), "altitude_length": cable.get("altitude_length"),
            "poles": poles, "createdAt": cable["createdAt"], "tags": cable.get("tags") or [],
            "posts": _posts(world, cable["id"])}


def _property_row(world, prop):
    current = world.rules["properties"].computed(world, prop)["connections"]
    up = world.render("splitters", world.docs["splitters"][current[0]["id"]]) if current else {}
    return {"id": prop["id"], "box": prop.get("box"), "address": prop.get("address"),
            "coords": prop.get("coords"), "project": prop.get("project"), "client": prop.get("client"),
            "olt": up.get("olt"), "slot": up.get("slot"), "pon": up.get("pon"),
            "potencyRead": prop.get("potencyRead"),
            "connector": current[0]["id"] if current else None,
            "port": current[0]["port"] if current else None, "createdAt": prop["createdAt"]}


def _client_row(world, client):
    props = world.docs_where("properties", "client", client["id"])
    return {"id": client["id"], "code": client.get("code"), "name": client.get("name"),
            "status": client.get("status"), "implanted": client.get("implanted"),
            "certified": client.get("certified"), "property": props[0]["id"] if props else None,
            "box": props[0].get("box") if props else None,
            "project": props[0].get("project") if props else None}


def _connector_row(world, doc):
    wiring = doc.get("connectables")
    output = wiring.get("output") if isinstance(wiring, dict) else wiring if isinstance(wiring, list) else []
    return {"id": doc["id"], "kind": doc["kind"], "name": doc.get("name"), "parent": doc.get("parent"),
            "project": doc.get("project"), "ports": len(output or ()),
            "available": len(available_ports(doc)) if doc["kind"] == "Splitter" else
            sum(1 for f in output or () if f is None)}


def _plain(*fields):
    def row(world, doc):
        return {"id": doc["id"], **{f: doc.get(f) for f in fields}, **(_at(doc) if "coords" in doc else {})}
    return row


KINDS = {   # the id list of an elements report → (its key in the answer, routes, row builder)
    "boxIds": ("boxes", ("boxes",), _box_row),
    "cableIds": ("cables", ("cables",), _cable_row),
    "popIds": ("pops", ("pops",), lambda world, d: {**_box_row(world, d), "type": d.get("popType")}),
    "shelfIds": ("shelfs", ("shelfs",), lambda world, d: {
        **_plain("name", "shelfType", "project", "parent", "size")(world, d),
        "equipmentsCount": len(world.rules["shelfs"].computed(world, d)["connectables"][1])}),
    "clientIds": ("clients", ("ftth-clients",), _client_row),
    "prospectIds": ("prospects", ("prospects",), _plain("name", "code", "viable", "address")),
    "propertyIds": ("properties", ("properties",), _property_row),
    "buildingIds": ("buildings", ("buildings",), lambda world, d: {
        **_building(world, d), "posts": _posts(world, d["id"]), "project": d.get("project")}),
    "poleIds": ("poles", ("poles",), lambda world, d: {
        **_plain("name", "poleType", "observation", "address")(world, d),
        "licensing_status": (d.get("licensing") or {}).get("status"),
        "licensing_protocol": (d.get("licensing") or {}).get("protocol"),
        "used": bool(world.ids_where("boxes", "pole", d["id"])), "tags": d.get("tags") or [],
        "createdAt": d["createdAt"], "posts": _posts(world, d["id"])}),
    "connectorIds": ("splitters", NETWORK_CONNECTORS, _connector_row),
    "pendencyIds": ("pendencies", ("pendencies",),
                    _plain("name", "pendencyType", "solved", "project", "createdAt")),
    "regionIds": ("regions", ("regions",), _plain("name", "regionType", "projects")),
    "junctionBoxIds": ("junctionBoxes", ("junction-boxes",),
                       _plain("name", "junctionBoxType", "project", "implanted")),
    "ductIds": ("ducts", ("ducts",), _plain("name", "ductType", "project", "length", "implanted")),
}
UNMODELLED = {"sectorIds": "sectors", "towerIds": "towers"}


def _elements(world, elements, access):
    """({answer key: [(route, doc)]}, errors) of an elements report's id lists."""
    if not isinstance(elements, dict):
        raise Invalid("'elements' must be an object of id lists", "INVALID_FIELD", "elements")
    found, errors = {key: [] for key, _, _ in KINDS.values()}, []
    for name, ids in elements.items():
        for element_id in ids or ():
            if name in UNMODELLED:
                errors.append({"message": f"{UNMODELLED[name]} are not modelled by the simulator",
                               "element": element_id})
                continue
            key, routes, _ = KINDS[name]
            route, doc = world.lookup(routes, element_id)
            if doc is None or not access.allows(doc):
                errors.append({"message": f"no {key[:-1]} {element_id}", "element": element_id})
            else:
                found[key].append((name, doc))
    return found, errors


@locked
def complete(world, elements, access=ALL_ACCESS) -> dict:
    """``POST /reports/elements/complete``: one row per element found."""
    found, errors = _elements(world, elements, access)
    return {**{key: [KINDS[name][2](world, doc) for name, doc in rows] for key, rows in found.items()},
            "errors": errors}


@locked
def count(world, elements, access=ALL_ACCESS) -> dict:
    """``POST /reports/elements/count``: how many of each kind were found."""
    found, errors = _elements(world, elements, access)
    return {**{key: len(rows) for key, rows in found.items()}, "errors": errors}
