"""Build a small network through the API, so that scenarios need no pre-existing data.

Everything goes through ``/api/v2`` (no simulator internals), so a scenario whose fixture uses
these functions runs on an ``empty`` simulator tenant and on a real OZmap sandbox alike. Types
(box, splitter, building) are discovered from the tenant's catalogue and created only when
missing. Also: discovery helpers for scenarios that use a generated network (``demo``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from ..client import Document, OZmapClient
from .common import FlowError, free_ports, offset, ref_id, splitters_of


# ---- catalogue discovery ---------------------------------------------------------------------
def box_type(api: OZmapClient, code: str = "CTO") -> str:
    """A box type id: the one with ``code`` (or prefix) when it exists, else the first, else new."""
    types = list(api.find_all("box-types"))
    for t in types:
        if str(t.get("code", "")).upper() == code.upper():
            return str(t["id"])
    for t in types:
        if str(t.get("prefix", "")).upper().startswith(code.upper()):
            return str(t["id"])
    if types:
        return str(types[0]["id"])
    doc = api.create("box-types", {
        "code": code, "prefix": f"{code}-", "default_level": 3, "default_reserve": 0,
        "config": {"base": {"color": "#3388FFFF"}, "regular": {"fillColor": "#3388FFFF"},
                   "not_implanted": {"fillColor": "#FFA500A6"},
                   "draft": {"fillColor": "#FFA500A6"}}})
    return str(doc["id"])


def splitter_type(api: OZmapClient, outputs: int = 8) -> str:
    """A service splitter type (``isDrop: true``) with ``outputs`` outputs, connectorised
    preferred; created (balanced 1×N) when the catalogue has none."""
    candidates = [t for t in api.find_all("splitter-types")
                  if t.get("isDrop") is True
                  and int((t.get("ratio") or {}).get("output") or 0) == outputs]
    candidates.sort(key=lambda t: (t.get("outputConnectionType") != 1, str(t.get("code"))))
    if candidates:
        return str(candidates[0]["id"])
    loss = {2: 3.7, 4: 7.3, 8: 10.5, 16: 13.7, 32: 17.1, 64: 20.5}.get(outputs, 10.5)
    doc = api.create("splitter-types", {
        "code": f"01/{outputs:02d} A C", "isDrop": True, "ratio": {"input": 1, "output": outputs},
        "attenuation": [loss] * outputs, "inputConnectionType": 0, "outputConnectionType": 1,
        "isBalanced": True, "prefix": "SPL "})
    return str(doc["id"])


def building_type(api: OZmapClient) -> str:
    types = list(api.find_all("building-types"))
    if types:
        return str(types[0]["id"])
    return str(api.create("building-types", {"name": "Edifício"})["id"])


# ---- the network -----------------------------------------------------------------------------
@dataclass
class FixtureBox:
    id: str
    name: str | None
    lat: float
    lng: float
    splitter: str
    ports: int
    kind: str = "Box"


@dataclass
class FixtureNetwork:
    project: str
    box_type: str
    splitter_type: str
    lat: float
    lng: float
    boxes: list[FixtureBox] = field(default_factory=list)
    buildings: list[FixtureBox] = field(default_factory=list)
    condominium: str | None = None
    draft_box: FixtureBox | None = None


def _box(api: OZmapClient, project: str, type_id: str, lat: float, lng: float, name: str,
         split_type: str, ports: int, draft: bool = False) -> FixtureBox:
    box = api.create("boxes", {"project": project, "coords": [lng, lat], "boxType": type_id,
                               "hierarchyLevel": 3, "implanted": True, "draft": draft,
                               "name": name})
    splitter = api.create("splitters", {"parent": box["id"], "splitterType": split_type,
                                        "isDrop": True, "implanted": True,
                                        "name": f"{name} SPL 1"})
    return FixtureBox(id=str(box["id"]), name=box.get("name"), lat=lat, lng=lng,
                      splitter=str(splitter["id"]), ports=ports)


def _occupied(api: OZmapClient, lat: float, lng: float, radius_m: float) -> bool:
    near = [{"property": "coords", "operator": "near",
             "value": {"lat": lat, "lng": lng, "radius": radius_m}}]
    for route in ("boxes", "buildings"):
        if api.find(route, near, limit=1).total:
            return True
    inside = [{"property": "polygon", "operator": "point-intersect",
               "value": {"lat": lat, "lng": lng}}]
    return api.find("horizontal-condominiums", inside, limit=1).total > 0


def clear_spot(api: OZmapClient, lat: float, lng: float, radius_m: float,
               step_m: float | None = None, tries: int = 60) -> tuple[float, float]:
    """(lat, lng) itself when no box, building or condominium lies within ``radius_m``;
    otherwise the first clear spot found stepping east, then on northward rows."""
    step = step_m or 2 * radius_m
    for i in range(tries):
        row, col = divmod(i, 10)
        spot = offset(lat, lng, east_m=col * step, north_m=row * step)
        if not _occupied(api, spot[0], spot[1], radius_m):
            return spot
    raise FlowError("NO_ROOM", f"no clear spot of {radius_m} m near ({lat}, {lng})")


def network(api: OZmapClient, lat: float, lng: float, *, name: str = "ozsim scenario",
            boxes: int = 1, splitter_ports: int = 8, spacing_m: float = 40.0,
            buildings: int = 0, condominium: bool = False, condominium_half_m: float = 60.0,
            draft_box: bool = False, project: str | None = None,
            clear_m: float = 500.0) -> FixtureNetwork:
    """A project with ``boxes`` CTOs in a row eastwards from (lat, lng), ``spacing_m`` apart,
    each holding one service splitter of ``splitter_ports`` outputs; optionally ``buildings``
    (with a splitter each, north of the row), a horizontal condominium (a square of
    ``2 × condominium_half_m`` centred on the first box) and a draft box (south).

    The network is built where nothing else is: when a box, building or condominium lies
    within ``clear_m`` (plus the row's length) of (lat, lng) — an earlier run on a shared
    sandbox, real elements — the anchor moves east until the area is clear (``clear_m: 0``
    disables this). Refer to ``net.lat``/``net.lng`` and the boxes' coordinates, not to the
    requested point.
    """
    if clear_m > 0:
        lat, lng = clear_spot(api, lat, lng, clear_m + spacing_m * max(boxes - 1, 0))
    if project is None:
        project = str(api.create("projects", {"name": name})["id"])
    btype = box_type(api)
    stype = splitter_type(api, splitter_ports)
    net = FixtureNetwork(project=project, box_type=btype, splitter_type=stype, lat=lat, lng=lng)
    for i in range(boxes):
        blat, blng = offset(lat, lng, east_m=i * spacing_m)
        net.boxes.append(_box(api, project, btype, blat, blng, f"{name} CTO {i + 1}", stype,
                              splitter_ports))
    if buildings:
        bt = building_type(api)
        for i in range(buildings):
            blat, blng = offset(lat, lng, east_m=i * spacing_m, north_m=3 * spacing_m)
            doc = api.create("buildings", {"project": project, "coords": [blng, blat],
                                           "buildingType": bt, "name": f"{name} ED {i + 1}"})
            spl = api.create("splitters", {"parent": doc["id"], "splitterType": stype,
                                           "isDrop": True, "implanted": True,
                                           "name": f"{name} ED {i + 1} SPL"})
            net.buildings.append(FixtureBox(id=str(doc["id"]), name=doc.get("name"), lat=blat,
                                            lng=blng, splitter=str(spl["id"]),
                                            ports=splitter_ports, kind="Building"))
    if condominium:
        south, west = offset(lat, lng, east_m=-condominium_half_m, north_m=-condominium_half_m)
        north, east = offset(lat, lng, east_m=condominium_half_m, north_m=condominium_half_m)
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        doc = api.create("horizontal-condominiums", {
            "project": project, "tags": [], "name": f"{name} Condomínio",
            "polygon": {"type": "Polygon", "coordinates": [ring]}})
        net.condominium = str(doc["id"])
    if draft_box:
        dlat, dlng = offset(lat, lng, north_m=-spacing_m)
        net.draft_box = _box(api, project, btype, dlat, dlng, f"{name} CTO rascunho", stype,
                             splitter_ports, draft=True)
    return net


def block_ports(api: OZmapClient, splitter: str, ports: Sequence[int], blocked: bool = True
                ) -> list[int]:
    """Mark 1-based output ports of a splitter as blocked (or unblock them); returns the
    splitter's free ports afterwards."""
    doc = api.get("splitters", splitter)
    if doc is None:
        raise FlowError("NOT_FOUND", f"no splitter {splitter}")
    outputs = len((doc.get("connectables") or {}).get("output") or [])
    items = [dict(p) for p in doc.get("ports") or []]
    while len(items) < outputs:
        items.append({"blocked": False})
    for port in ports:
        items[int(port) - 1]["blocked"] = blocked
    api.update("splitters", splitter, {"ports": items})
    return free_ports(api.get("splitters", splitter) or {})


# ---- discovery on generated networks ---------------------------------------------------------
@dataclass
class LitPort:
    box: str
    box_name: str | None
    splitter: str
    port: int
    potency: float
    lat: float
    lng: float


def find_lit_port(api: OZmapClient, lat: float, lng: float, radius: float = 1000.0,
                  max_boxes: int = 30) -> LitPort:
    """A free port lit from a PON (its splitter's ``currentPower`` is not null) in a viable
    box near the point — where a new customer gets a calculated power."""
    result = api.feasibility_radius(lat, lng, radius)
    for item in (result.get("viableBoxes") or [])[:max_boxes]:
        for spl in splitters_of(api, str(item["id"])):
            power = spl.get("currentPower") or []
            for port in free_ports(spl):
                value = power[port - 1] if port - 1 < len(power) else None
                if value is not None:
                    return LitPort(box=str(item["id"]), box_name=item.get("name"),
                                   splitter=str(spl["id"]), port=port, potency=float(value),
                                   lat=float(item["lat"]), lng=float(item["lng"]))
    raise FlowError("NOT_FOUND", f"no lit free port within {radius} m of ({lat}, {lng})")


@dataclass
class ViableBox:
    id: str
    name: str | None
    lat: float
    lng: float
    free_ports: int
    project: str | None


def find_viable_box(api: OZmapClient, lat: float, lng: float, radius: float = 1000.0,
                    min_free: int = 1, exclude: Sequence[str] = ()) -> ViableBox:
    """The nearest viable box with at least ``min_free`` available ports."""
    result = api.feasibility_radius(lat, lng, radius)
    for item in result.get("viableBoxes") or []:
        if item["id"] in exclude or int(item.get("availablePorts") or 0) < min_free:
            continue
        doc = api.get("boxes", str(item["id"])) or {}
        return ViableBox(id=str(item["id"]), name=item.get("name"), lat=float(item["lat"]),
                         lng=float(item["lng"]), free_ports=int(item.get("availablePorts") or 0),
                         project=ref_id(doc.get("project")))
    raise FlowError("NOT_FOUND", f"no box with {min_free} free ports within {radius} m")


def fill_box(api: OZmapClient, box: str, leave_free: int, code_prefix: str) -> list[str]:
    """Reserve ports of a box until only ``leave_free`` remain; returns the codes used."""
    from .erp import reserve_port
    codes: list[str] = []
    free = sum(len(free_ports(s)) for s in splitters_of(api, box))
    for i in range(max(0, free - leave_free)):
        code = f"{code_prefix}{i + 1}"
        reserve_port(api, code, box=box)
        codes.append(code)
    return codes


def document(api: OZmapClient, resource: str, id: str) -> Document:
    doc = api.get(resource, id)
    if doc is None:
        raise FlowError("NOT_FOUND", f"no {resource} {id}")
    return doc


__all__ = ["box_type", "splitter_type", "building_type", "network", "FixtureNetwork",
           "FixtureBox", "block_ports", "find_lit_port", "LitPort", "find_viable_box",
           "ViableBox", "fill_box", "document"]

