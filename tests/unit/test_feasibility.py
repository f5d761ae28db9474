"""Feasibility by radius, by pole and for condominiums (docs/decisions.md, "Feasibility")."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ozsim.ftth import feasibility
from ozsim.ftth.domain import frozen_clock, new_world
from ozsim.core.errors import Invalid
from ozsim.core.geo import distance_m
from ozsim.ftth.ports import available_ports, is_service
from ozsim.core.world import Access

from .fixtures import north, reserve, splitter, tiny_world, type_id


@pytest.fixture
def net():
    return tiny_world()


def ids(items):
    return [b["id"] for b in items]


def test_radius_lists_boxes_nearest_first_with_reasons(net):
    world = net.world
    cto1, cto2, cto3 = net.ctos
    world.update("boxes", cto2["id"], {"draft": True})
    for port in range(8):
        reserve(world, cto3, f"C{port}")
    here = north(600)                                        # on CTO-1
    result = feasibility.radius(world, here[1], here[0], 250)
    assert result["lat"] == here[1] and result["lng"] == here[0] and result["radius"] == 250
    assert ids(result["boxes"]) == [cto1["id"], cto2["id"], net.ceo["id"], cto3["id"]]
    assert [b["distance"] for b in result["boxes"]] == pytest.approx([0, 100, 100, 200], abs=0.01)
    assert [b["reason"] for b in result["boxes"]] == [None, "draft", "no-service-splitter",
                                                      "no-free-port"]
    assert result["viable"] is True and ids(result["viableBoxes"]) == [cto1["id"]]
    assert ids(result["notViableBoxes"]) == [cto2["id"], net.ceo["id"], cto3["id"]]
    first = result["boxes"][0]
    assert first == {"id": cto1["id"], "name": cto1["name"], "kind": "Box",
                     "boxType": cto1["boxType"], "coords": cto1["coords"], "lat": cto1["coords"][1],
                     "lng": cto1["coords"][0], "distance": 0.0, "implanted": True, "draft": False,
                     "viable": True, "availablePorts": 8, "reason": None,
                     "splitters": [{"id": net.splitters[0]["id"], "name": net.splitters[0]["name"],
                                    "availablePorts": list(range(1, 9))}]}
    assert result["boxes"][1]["availablePorts"] == 8 and result["boxes"][3]["availablePorts"] == 0


def test_radius_follows_every_change(net):
    world, cto1 = net.world, net.ctos[0]
    here = north(600)
    item = lambda: feasibility.radius(world, here[1], here[0], 10)["boxes"][0]  # noqa: E731
    assert item()["availablePorts"] == 8
    prop = reserve(world, cto1, "A")
    world.update("splitters", net.splitters[0]["id"], {"ports": [{"index": 7, "blocked": True}]})
    assert item()["availablePorts"] == 6
    assert item()["splitters"][0]["availablePorts"] == [2, 3, 4, 5, 6, 7]
    world.update("properties", prop["id"], {"connector": None})
    assert item()["availablePorts"] == 7
    world.update("boxes", cto1["id"], {"name": "CTO renamed", "draft": True})
    assert item()["name"] == "CTO renamed" and item()["reason"] == "draft"
    world.update("boxes", cto1["id"], {"coords": north(605)})
    assert item()["distance"] == pytest.approx(5, abs=0.01)
    world.update("boxes", cto1["id"], {"coords": north(700, 300)})
    assert feasibility.radius(world, here[1], here[0], 10)["boxes"] == []
    world.check_invariants()


def test_radius_default_and_access(net):
    world = net.world
    here = north(600)
    assert feasibility.radius(world, here[1], here[0])["radius"] == 150.0
    world.settings["defaultRadius"] = 1.0
    assert len(feasibility.radius(world, here[1], here[0])["boxes"]) == 1
    other = Access({"f" * 24})
    assert feasibility.radius(world, here[1], here[0], 500, other)["boxes"] == []
    assert len(feasibility.radius(world, here[1], here[0], 500, Access({net.project}))["boxes"]) == 4


@pytest.mark.parametrize("lat, lng, radius, field", [
    (None, -48.5, None, "lat"), (-27.5, None, None, "lng"), (91, -48.5, None, "lat"),
    (-27.5, 181, None, "lng"), (-27.5, -48.5, 0, "radius"), (-27.5, -48.5, -5, "radius"),
    (-27.5, -48.5, float("nan"), "radius"), ("x", -48.5, None, "lat")])
def test_invalid_parameters_are_400(net, lat, lng, radius, field):
    for call in (lambda: feasibility.radius(net.world, lat, lng, radius),
                 lambda: feasibility.condominiums(net.world, lat, lng, radius)):
        with pytest.raises(Invalid) as bad:
            call()
        assert bad.value.field == field and bad.value.status == 400


def test_pole_mode_walks_adjacencies(net):
    world = net.world
    here = north(500 + 250, 30)                             # 30 m east of pole 5
    result = feasibility.pole(world, here[1], here[0])
    assert result["pole"]["id"] == net.poles[5]["id"] and result["radius"] == 100.0
    assert result["pole"]["distance"] == pytest.approx(30, abs=0.01)
    # poles 50 m apart: CTO-2 on pole 4 (50), CTO-1 on 2 (150), CTO-3 on 6 (50), CEO on 0 (250)
    by_id = {b["id"]: b for b in result["boxes"]}
    assert set(by_id) == {net.ctos[0]["id"], net.ctos[1]["id"], net.ctos[2]["id"]}  # CEO: 280 m
    assert by_id[net.ctos[1]["id"]]["dropLength"] == pytest.approx(80, abs=0.01)
    assert by_id[net.ctos[0]["id"]]["dropLength"] == pytest.approx(180, abs=0.01)
    assert [b["dropLength"] for b in result["boxes"]] == sorted(b["dropLength"] for b in result["boxes"])
    assert by_id[net.ctos[1]["id"]]["distance"] == pytest.approx(
        distance_m(here[0], here[1], *net.ctos[1]["coords"]), abs=0.01)
    assert result["viable"] is True
    world.update("poles", net.poles[5]["id"], {"usable": False})
    assert feasibility.pole(world, here[1], here[0])["pole"]["id"] in (net.poles[4]["id"],
                                                                       net.poles[6]["id"])
    blocked_type = type_id(world, "pole-types", "Poste de terceiros")     # viabilityAllowed: false
    for k in (4, 6):
        world.update("poles", net.poles[k]["id"], {"poleType": blocked_type})
    nothing = feasibility.pole(world, here[1], here[0])            # poles 3 and 7 are 104 m away
    assert nothing["pole"] is None and nothing["viable"] is False and nothing["boxes"] == []


def test_condominiums(net):
    world = net.world
    here = north(500 + 300, 5)                               # inside the square around CTO-3
    result = feasibility.condominiums(world, here[1], here[0], 400)
    assert ids(result["buildings"]) == [net.building["id"]]
    building = result["buildings"][0]
    assert building["kind"] == "Building" and building["buildingType"] == net.building["buildingType"]
    assert building["availablePorts"] == 8 and building["viable"] and building["draft"] is False
    (condo,) = result["horizontalCondominiums"]
    assert condo["id"] == net.condo["id"] and condo["name"] == "Jardim"
    assert condo["viable"] is True and condo["availablePorts"] == 8
    assert ids(condo["boxes"]) == [net.ctos[2]["id"]] and result["viable"] is True
    for port in range(8):
        reserve(world, net.building, f"AP{port}")
        reserve(world, net.ctos[2], f"H{port}")
    full = feasibility.condominiums(world, here[1], here[0], 400)
    assert full["buildings"] == [] and full["viable"] is False
    assert full["horizontalCondominiums"][0]["viable"] is False
    outside = north(0)
    assert feasibility.condominiums(world, outside[1], outside[0])["horizontalCondominiums"] == []


# ---- property tests: the index and the counters against brute force --------------------------

def brute_force(world, lng, lat, radius):
    out = []
    for box in world.docs["boxes"].values():
        d = distance_m(lng, lat, box["coords"][0], box["coords"][1])
        if d > radius:
            continue
        services = sorted((s for s in world.docs["splitters"].values()
                           if s["parent"] == box["id"] and is_service(s)),
                          key=lambda s: (s.get("index") is None, s.get("index") or 0, s["id"]))
        available = sum(len(available_ports(s)) for s in services)
        reason = ("draft" if box["draft"] else "no-service-splitter" if not services
                  else "no-free-port" if not available else None)
        out.append((d, box["id"], available, reason,
                    [(s["id"], available_ports(s)) for s in services]))
    return [(round(d, 2), *rest) for d, *rest in sorted(out)]


def observed(world, lng, lat, radius):
    result = feasibility.radius(world, lat, lng, radius)
    assert ids(result["viableBoxes"]) == [b["id"] for b in result["boxes"] if b["reason"] is None]
    return [(b["distance"], b["id"], b["availablePorts"], b["reason"],
             [(s["id"], s["availablePorts"]) for s in b["splitters"]]) for b in result["boxes"]]


offsets = st.tuples(st.floats(-300, 300), st.floats(-300, 300))
box_spec = st.fixed_dictionaries({
    "at": offsets, "draft": st.booleans(),
    "splitters": st.lists(st.fixed_dictionaries({
        "service": st.booleans(), "taken": st.sets(st.integers(1, 8), max_size=8),
        "blocked": st.sets(st.integers(0, 7), max_size=8), "index": st.none() | st.integers(0, 2)}),
        max_size=3)})


def random_world(specs):
    world = new_world(clock=frozen_clock())
    project = world.create("projects", {"name": "P", "drop": {"maxSize": 1000}})["id"]
    cto = type_id(world, "box-types", "CTO")
    for _n, spec in enumerate(specs):
        box = world.create("boxes", {"project": project, "coords": north(spec["at"][0], spec["at"][1]),
                                     "boxType": cto, "hierarchyLevel": 3, "implanted": True})
        for s in spec["splitters"]:
            doc = splitter(world, box, "01/08 A C", isDrop=s["service"], index=s["index"],
                           ports=[{"index": i, "blocked": True} for i in s["blocked"]])
            for port in sorted(s["taken"]) if s["service"] else ():
                if not doc["ports"][port - 1]["blocked"]:
                    world.create("properties", {"connector": doc["id"], "port": port})
        if spec["draft"]:
            world.update("boxes", box["id"], {"draft": True})
    return world, project


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(box_spec, max_size=8), st.lists(st.tuples(offsets, st.floats(1, 500)),
                                                  min_size=1, max_size=5))
def test_radius_equals_brute_force(specs, queries):
    world, _ = random_world(specs)
    for (north_m, east_m), radius in queries:
        lng, lat = north(north_m, east_m)
        assert observed(world, lng, lat, radius) == brute_force(world, lng, lat, radius)
    world.check_invariants()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["create", "move", "delete"]), offsets,
                          st.integers(0, 10)), max_size=25),
       st.lists(st.tuples(offsets, st.floats(1, 400)), min_size=1, max_size=4))
def test_spatial_index_follows_creates_moves_and_deletes(ops, queries):
    world, project = random_world([])
    cto = type_id(world, "box-types", "CTO")
    for op, (north_m, east_m), pick in ops:
        boxes = sorted(world.docs["boxes"])
        if op == "create" or not boxes:
            box = world.create("boxes", {"project": project, "coords": north(north_m, east_m),
                                         "boxType": cto, "hierarchyLevel": 3, "implanted": True})
            if pick % 2:
                splitter(world, box, "01/08 A C", isDrop=True)
        elif op == "move":
            world.update("boxes", boxes[pick % len(boxes)], {"coords": north(north_m, east_m)})
        else:
            victim = boxes[pick % len(boxes)]
            for s in world.docs_where("splitters", "parent", victim):
                world.delete("splitters", s["id"])
            world.delete("boxes", victim)
        for (qn, qe), radius in queries:
            lng, lat = north(qn, qe)
            assert observed(world, lng, lat, radius) == brute_force(world, lng, lat, radius)
    world.check_invariants()
