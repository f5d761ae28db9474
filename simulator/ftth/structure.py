"""Box internals (docs/box-internals.md): what a base box holds, read as a *topology*, drawn
as a *design*, and changed as a *structure* — the SDK's ``getStructure``/``updateStructure``.

* The **topology** is derived, never stored: the cables and drops that end at the box, and
  the elements whose ``parent`` is the box (splitters, connectors, fusions, DIOs, switches,
  passings, cords), each keyed by id in the SDK's record shapes, with a ``checksum`` of all
  of it.
* The **design** is the drawing: positions of those elements. A box keeps the one last
  written (a hidden field); until then, a layout in columns (cables, elements, drops).
* A **structure** ``{topology, design}`` applies in one atomic step: the records of existing
  elements of the box set their ``connectables``, ``name``, ``observation`` (splitters also
  ``ports``; DIOs their labels) through each element's own rules; passings and cords are
  created for unknown ids and deleted when their list omits them; cables and drops are the
  map's, and ignored; a ``checksum`` that is not the current one means the box changed since
  it was read (409); the design replaces the stored one.
"""
from __future__ import annotations

import hashlib

import orjson

from ..core.errors import Conflict, Invalid, NotFound, RuleViolation
from ..core.world import ALL_ACCESS, locked
from .catalogue import BOX_LIKE

INSIDE = ("splitters", "connectors", "fusions", "dios", "switches", "passings", "cords")
CREATED = ("cords", "passings")         # made and removed by structures (the rest by their routes)
FLAT = ("connectors", "fusions")        # topology: one flat [input, output] list
FIELDS = {"splitters": ("name", "observation", "connectables", "ports"),
          "connectors": ("name", "observation", "connectables"),
          "fusions": ("name", "observation", "connectables"),
          "dios": ("name", "observation", "connectables", "input_label", "output_label"),
          "switches": ("name", "observation", "connectables", "port_labels"),
          "passings": ("name", "observation", "connectables"),
          "cords": ("name", "observation")}
COLUMNS = {"cables": 0, "splitters": 400, "connectors": 400, "fusions": 400, "dios": 400,
           "switches": 400, "drops": 800}


def holder(world, box_id, access=ALL_ACCESS) -> tuple[str, dict]:
    """(route, doc) of the base box ``box_id`` (404 when there is none)."""
    route, doc = world.lookup(BOX_LIKE, box_id)
    if doc is None:
        raise NotFound(f"BaseBox {box_id} not found", "NOT_FOUND")
    return route, world.get(route, box_id, access)


# ---- reading ----------------------------------------------------------------------------------
@locked
def topology(world, box_id, access=ALL_ACCESS) -> dict:
    _, box = holder(world, box_id, access)
    return _topology(world, box)


def _topology(world, box: dict) -> dict:
    out = {"box": box["id"], "project": box.get("project"), "id": box["id"],
           "cables": {}, "drops": {}}
    for end, side in (("boxA", "A"), ("boxB", "B")):
        for cable in world.docs_where("cables", end, box["id"]):
            record = _cable(world, cable, side)
            if cable["kind"] == "Drop" and end == "boxA":
                out["drops"][cable["id"]] = {**record, "propertyData": _property(world, cable)}
            else:
                out["cables"][cable["id"]] = record
    for route in INSIDE:
        out[route] = {d["id"]: _record(world, route, d)
                      for d in world.docs_where(route, "parent", box["id"])}
    out["checksum"] = checksum(out)
    return out


def checksum(record: dict) -> str:
    """A digest of a topology (its ``checksum`` aside): equal exactly when nothing changed."""
    body = {k: v for k, v in record.items() if k != "checksum"}
    return hashlib.sha1(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _cable(world, cable: dict, side: str) -> dict:
    kind = world.docs["cable-types"].get(cable.get("cableType")) or {}
    profile = world.docs["fiber-profiles"].get(kind.get("fiberProfile")) or {}
    fibers = sorted(world.docs_where("fibers", "parent", cable["id"]), key=lambda f: f["fiberNumber"])
    return {"id": cable["id"], "name": cable.get("name") or "", "looseNumber": cable.get("looseNumber") or 1,
            "orientation": cable.get(f"orientation{side}") or "",
            "observation": cable.get("observation") or "", "implanted": bool(cable.get("implanted")),
            "fibersColourMap": [f["color"] for f in profile.get("fibers") or ()],
            "groupsColourMap": [t["color"] for t in profile.get("tubes") or ()],
            "defaultFiberColor": profile.get("defaultFiberColor") or "white",
            "defaultTubeColor": profile.get("defaultTubeColor") or "white",
            "fibers": [f["id"] for f in fibers], "project": cable.get("project"),
            "cableType": cable.get("cableType")}


def _property(world, drop: dict) -> dict:
    prop = world.docs["properties"].get(drop.get("boxB")) or {}
    client = world.docs["ftth-clients"].get(prop.get("client"))
    coords = prop.get("coords")
    return {"id": prop.get("id") or drop.get("boxB"), "address": prop.get("address"),
            **({"coords": coords, "lng": coords[0], "lat": coords[1]} if coords else {}),
            "observation": prop.get("observation") or "",
            "client": {"_id": client["id"], "certified": bool(client.get("certified")),
                       "implanted": bool(client.get("implanted")), "status": client.get("status", 0),
                       "observation": client.get("observation") or "", "kind": client["kind"],
                       "code": client.get("code") or "", "name": client.get("name")} if client else None}


def _record(world, route: str, doc: dict) -> dict:
    if route == "cords":
        return {"id": doc["id"], "name": doc.get("name") or "", "connectors": list(doc["connectors"]),
                "observation": doc.get("observation") or ""}
    wiring = doc["connectables"]
    if route == "passings":
        return {"id": doc["id"], "connectables": list(wiring)}
    record = {"id": doc["id"], "name": doc.get("name") or "", "isDrop": bool(doc.get("isDrop")),
              "implanted": bool(doc.get("implanted")), "observation": doc.get("observation") or "",
              "connectables": wiring["input"] + wiring["output"] if route in FLAT else wiring}
    if route == "connectors":
        record["connectorType"] = doc.get("connectorType")
    elif route == "splitters":
        kind = world.docs["splitter-types"].get(doc.get("splitterType")) or {}
        losses = doc.get("attenuation") or [0]
        record.update(ports=[{"id": p["id"], "index": p["index"], "blocked": bool(p.get("blocked")),
                              "tags": list(p.get("tags") or ()),
                              **({"observation": p["observation"]} if p.get("observation") else {})}
                             for p in doc.get("ports") or ()],
                      isBalanced=bool(doc.get("isBalanced", True)),
                      orientation=doc.get("orientation") or "right",
                      mostAttenuatedPort=losses.index(max(losses)) + 1,
                      inputConnectionType=kind.get("inputConnectionType", 0),
                      outputConnectionType=kind.get("outputConnectionType", 0),
                      code=kind.get("code") or "")
    elif route == "dios":
        record.update(tray_number=doc.get("tray_number"), input_label=doc.get("input_label") or [],
                      output_label=doc.get("output_label") or [])
    return record


@locked
def design(world, box_id, access=ALL_ACCESS) -> dict:
    _, box = holder(world, box_id, access)
    return _design(world, box)


def _design(world, box: dict) -> dict:
    stored = box.get("design")
    if stored is not None:
        return {**stored, "box": box["id"], "project": box.get("project")}
    topo = _topology(world, box)
    positions = {key: {element_id: {"x": COLUMNS[key], "y": 100 * i}
                       for i, element_id in enumerate(topo[key])}
                 for key in COLUMNS}
    positions.update(fibers={}, cords={}, passings={}, postits=[], children=[])
    return {"id": None, "box": box["id"], "project": box.get("project"), "isTemplate": False,
            "template": box.get("template"), "positions": positions}


# ---- writing ----------------------------------------------------------------------------------
@locked
def update_structure(world, box_id, structure, access=ALL_ACCESS) -> None:
    """Apply ``{topology?, design?}`` to a base box, all or nothing."""
    route, box = holder(world, box_id, access)
    apply(world, route, box, structure, access)


def apply(world, route: str, box: dict, structure, access=ALL_ACCESS) -> None:
    """Apply a structure to ``box`` (of ``route``) inside the caller's atomic operation."""
    if not isinstance(structure, dict):
        raise Invalid("'structure' must be an object {topology, design}", "INVALID_FIELD", "structure")
    given = structure.get("topology") or {}
    if not isinstance(given, dict):
        raise Invalid("'structure.topology' must be an object", "INVALID_FIELD", "structure.topology")
    if given.get("checksum") and given["checksum"] != _topology(world, box)["checksum"]:
        raise Conflict(f"the internals of {box['kind']} {box['id']} changed since they were read "
                       "(topology checksum): read them again", "STRUCTURE_CHANGED",
                       "structure.topology.checksum")
    records = {key: _records(given, key) for key in INSIDE if given.get(key) is not None}
    for key in CREATED:                          # what the structure no longer lists goes
        if key in records:
            for doc in world.docs_where(key, "parent", box["id"]):
                if doc["id"] not in records[key]:
                    world.delete(key, doc["id"], access)
    for key in ("cords", "splitters", "connectors", "fusions", "dios", "switches", "passings"):
        for element_id, record in records.get(key, {}).items():
            _apply_record(world, key, box, element_id, record, access)
    if structure.get("design") is not None:
        _store_design(world, route, box, structure["design"])


def _records(topology: dict, key: str) -> dict:
    value = topology[key]
    if not isinstance(value, dict) or not all(isinstance(r, dict) for r in value.values()):
        raise Invalid(f"'structure.topology.{key}' must map ids to records", "INVALID_FIELD",
                      f"structure.topology.{key}")
    return value


def _apply_record(world, key: str, box: dict, element_id: str, record: dict, access) -> None:
    where = f"structure.topology.{key}.{element_id}"
    patch = {k: record[k] for k in FIELDS[key] if k in record}
    if key in FLAT and isinstance(patch.get("connectables"), list):
        wiring = patch["connectables"]
        if len(wiring) != 2:
            raise Invalid(f"'{where}.connectables' must be [input, output]", "INVALID_FIELD",
                          f"{where}.connectables")
        patch["connectables"] = {"input": wiring[:1], "output": wiring[1:]}
    doc = world.docs[key].get(element_id)
    if doc is None:
        if key not in CREATED:
            raise RuleViolation(f"'{where}': {world.resources[key].kind} {element_id} does not "
                                "exist; create it through its own route first",
                                "REFERENCE_NOT_FOUND", where)
        if key == "cords":
            patch = {"name": "Cord", "observation": "", **patch}
        world.create(key, {**patch, "parent": box["id"]}, access)
        return
    if doc.get("parent") != box["id"]:
        raise RuleViolation(f"'{where}': {doc['kind']} {element_id} is in {doc.get('parent')}, "
                            f"not in {box['id']}", "ELEMENT_ELSEWHERE", where)
    if patch:
        world.update(key, element_id, patch, access)


def _store_design(world, route: str, box: dict, given) -> None:
    if not isinstance(given, dict):
        raise Invalid("'structure.design' must be an object", "INVALID_FIELD", "structure.design")
    current = box.get("design") or {}
    positions = given.get("positions") if isinstance(given.get("positions"), dict) else {}
    world.set_fields(route, box, {"design": {
        "id": current.get("id") or world.new_id(), "isTemplate": bool(given.get("isTemplate")),
        "template": given.get("template", box.get("template")), "positions": positions}})
