"""A tiny FTTH network built through the domain API (``world.create``/``world.update``).

    POP ── OLT / slot / PON (+3 dBm) ── feeder 12F ──► CEO: primary 1:8 (01/08 R F)
        outputs 1..3 ── distribution 2L6F ──► CTO-1..3: service 1:8 (01/08 A C)
        output 4     ── distribution 2L6F ──► building ED-1: service 1:8 (01/08 A C)

Everything lies on a north-south street: the CEO 500 m north of the POP, CTO k at 100·k m
north of the CEO, each CTO on a pole of a chain of poles 50 m apart. A gated community's
polygon surrounds CTO-3.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

from ozsim.ftth.domain import frozen_clock, new_world
from ozsim.core.geo import EARTH_RADIUS_M

ORIGIN = (-48.55, -27.60)       # [lng, lat] of the POP


def north(metres: float, east: float = 0.0, origin=ORIGIN) -> list[float]:
    """[lng, lat] ``metres`` north (and ``east``) of ``origin`` on the simulator's sphere."""
    lat = origin[1] + math.degrees(metres / EARTH_RADIUS_M)
    lng = origin[0] + math.degrees(east / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
    return [lng, lat]


def type_id(world, route: str, code: str) -> str:
    return next(d["id"] for d in world.docs[route].values() if code in (d.get("code"), d.get("name")))


def cable(world, project: str, a: dict, b: dict, code: str = "AS80 2L6F", poles=()) -> dict:
    return world.create("cables", {"project": project, "cableType": type_id(world, "cable-types", code),
                                   "hierarchyLevel": 2, "implanted": True, "boxA": a["id"],
                                   "boxB": b["id"], "poles": list(poles)})


def fiber(world, cable_doc: dict, n: int = 1) -> str:
    return world.docs_where("fibers", "parent", cable_doc["id"])[n - 1]["id"]


def splitter(world, parent: dict, code: str, feed: str | None = None, **extra) -> dict:
    doc = world.create("splitters", {"parent": parent["id"],
                                     "splitterType": type_id(world, "splitter-types", code), **extra})
    if feed:
        world.update("splitters", doc["id"], {"connectables": {
            "input": [feed], "output": doc["connectables"]["output"]}})
    return doc


def wire_output(world, splitter_doc: dict, port: int, fiber_id: str) -> None:
    output = list(splitter_doc["connectables"]["output"])
    output[port - 1] = fiber_id
    world.update("splitters", splitter_doc["id"], {"connectables": {
        "input": splitter_doc["connectables"]["input"], "output": output}})


def tiny_world(seed: int = 0, ctos: int = 3, max_drop: float = 250.0) -> SimpleNamespace:
    return project_network(new_world(seed=seed, clock=frozen_clock()), "Centro", ORIGIN, ctos,
                           max_drop)


def project_network(world, name: str, origin=ORIGIN, ctos: int = 3,
                    max_drop: float = 250.0) -> SimpleNamespace:
    """The network above, as a new project ``name`` of ``world``, its POP at ``origin``."""
    def at(metres: float, east: float = 0.0, base=origin) -> list[float]:
        return north(metres, east, base)

    project = world.create("projects", {"name": name, "drop": {"maxSize": max_drop}})["id"]
    pop = world.create("pops", {"project": project, "coords": list(origin), "hierarchyLevel": 1,
                                "popType": type_id(world, "pop-types", "POP"), "implanted": True})
    olt = world.create("olts", {"parent": pop["id"], "project": project, "name": "OLT 1",
                                "oltType": type_id(world, "olt-types", "OLT 8x16")})
    slot = world.create("slots", {"olt": olt["id"], "parent": pop["id"], "name": "Slot 1",
                                  "starting_pon_number": 1})
    pon = world.create("pons", {"slot": slot["id"], "parent": pop["id"], "name": "PON 1",
                                "potency": 3.0})
    poles = []
    for k in range(2 * ctos + 3):
        poles.append(world.create("poles", {"coords": at(500 + 50 * k),
                                            "poleType": type_id(world, "pole-types", "Poste de concreto"),
                                            "adjacents": [poles[-1]["id"]] if poles else []}))
    box_type = {code: type_id(world, "box-types", code) for code in ("CTO", "CEO")}
    ceo = world.create("boxes", {"project": project, "coords": at(500), "boxType": box_type["CEO"],
                                 "hierarchyLevel": 2, "implanted": True, "pole": poles[0]["id"]})
    feeder = cable(world, project, pop, ceo, "AS80 12F")
    world.update("pons", pon["id"], {"connectables": [fiber(world, feeder)]})
    primary = splitter(world, ceo, "01/08 R F", fiber(world, feeder))
    boxes, services = [], []
    for k in range(1, ctos + 1):
        box = world.create("boxes", {"project": project, "coords": at(500 + 100 * k),
                                     "boxType": box_type["CTO"], "hierarchyLevel": 3,
                                     "implanted": True, "pole": poles[2 * k]["id"]})
        dist = cable(world, project, ceo, box, poles=[p["id"] for p in poles[:2 * k + 1]])
        wire_output(world, world.docs["splitters"][primary["id"]], k, fiber(world, dist))
        services.append(splitter(world, box, "01/08 A C", fiber(world, dist), isDrop=True))
        boxes.append(box)
    building = world.create("buildings", {"project": project, "coords": at(550, east=60),
                                          "buildingType": type_id(world, "building-types",
                                                                  "Edifício residencial")})
    riser = cable(world, project, ceo, building)
    wire_output(world, world.docs["splitters"][primary["id"]], ctos + 1, fiber(world, riser))
    building_splitter = splitter(world, building, "01/08 A C", fiber(world, riser), isDrop=True)
    last = at(500 + 100 * ctos)
    square = [at(-30, -30, last), at(-30, 30, last), at(30, 30, last), at(30, -30, last)]
    condo = world.create("horizontal-condominiums", {
        "project": project, "name": "Jardim", "tags": [],
        "polygon": {"type": "Polygon", "coordinates": [square + [square[0]]]}})
    return SimpleNamespace(world=world, project=project, pop=pop, olt=olt, slot=slot, pon=pon,
                           poles=poles, ceo=ceo, feeder=feeder, primary=primary, ctos=boxes,
                           splitters=services, building=building,
                           building_splitter=building_splitter, condo=condo)


def reserve(world, box: dict, code: str | None = None, **extra) -> dict:
    """A reservation: property + nested client on the box's first free port."""
    body = {"box": box["id"], "auto_connect": True, **extra}
    if code is not None:
        body["client"] = {"code": code, "name": f"Cliente {code}"}
    return world.create("properties", body)


def free_ports(world, box: dict) -> int:
    return world.ports.available.get(box["id"], 0)


def connections(world, prop: dict) -> list[dict]:
    """A property's ``connections`` as the API renders them (derived from its drop)."""
    return world.render("properties", prop)["connections"]
