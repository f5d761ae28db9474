"""The network generator: deterministic, realistic, consistent — and its bulk path writes exactly
the documents the behaviours would (``build_world(fast=False)`` goes through them)."""
from __future__ import annotations

import json
import random
import re

import pytest

from ozsim.ftth import feasibility, optics
from ozsim.ftth.catalogue import RESOURCES
from ozsim.generator import build_world, plan, reference
from ozsim.generator.reference import Profile

from .fixtures import connections

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
DEMO_POINT = {"lat": -27.5954, "lng": -48.5480}          # the README's feasibility example

# a few blocks, every kind of CEO group, a building and a gated community
TINY = Profile(90, (("FLN", 1.0),), ctos=14, ports16=0.5, groups_per_pop=2, fbt_share=0.3,
               quad_share=0.3, ctos_per_building=10, ctos_per_condo=14)


@pytest.fixture(scope="module")
def demo():
    return build_world("demo")


def _dump(world) -> str:
    return json.dumps(world.docs, sort_keys=False)


def _normalised(world) -> dict:
    """Documents with ids replaced by (collection, creation rank) and stamps blanked."""
    names = {}
    for route, docs in world.docs.items():
        for rank, doc_id in enumerate(sorted(docs)):
            names[doc_id] = f"{route}#{rank}"
    for rank, splitter_id in enumerate(sorted(world.docs["splitters"])):
        for port in world.docs["splitters"][splitter_id]["ports"]:
            names[port["id"]] = f"port#{rank}.{port['index']}"

    def walk(value):
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str) and OBJECT_ID.match(value):
            return names.get(value, f"dangling:{value}")
        if isinstance(value, str) and STAMP.match(value):
            return "<stamp>"
        return value

    return {route: [walk(doc) for doc in docs.values()] for route, docs in world.docs.items()}


# ---- determinism ----------------------------------------------------------------------------

def test_same_seed_builds_the_same_world_ids_included(demo):
    again = build_world("demo")
    assert _dump(again) == _dump(demo)
    assert again.rng.getstate() == demo.rng.getstate()
    assert again.new_id()[8:] == demo.new_id()[8:]      # same counter and random bits next


def test_another_seed_builds_another_world(demo):
    other = build_world("demo", seed=1)
    assert set(other.docs["boxes"]).isdisjoint(demo.docs["boxes"])
    coords = lambda w: sorted(p["coords"] for p in w.docs["properties"].values())  # noqa: E731
    assert coords(other) != coords(demo)


def test_the_clock_follows_real_time_after_the_build(demo):
    assert not demo.clock.frozen
    assert demo.clock.now_iso() > max(d["createdAt"] for d in demo.docs["properties"].values())


@pytest.mark.parametrize("size", ["demo", TINY])
def test_bulk_path_writes_exactly_what_the_behaviours_write(size):
    """Same documents (keys, order, values), same insertion order, ids by creation rank."""
    fast, slow = build_world(size, seed=3), build_world(size, seed=3, fast=False)
    assert {r: len(d) for r, d in fast.docs.items()} == {r: len(d) for r, d in slow.docs.items()}
    a, b = _normalised(fast), _normalised(slow)
    for route in a:
        for x, y in zip(a[route], b[route]):
            assert json.dumps(x) == json.dumps(y), route
    assert sorted(fast.ports.available.values()) == sorted(slow.ports.available.values())
    fast.check_invariants()
    slow.check_invariants()


def test_empty_is_the_catalogue_only():
    world = build_world("empty")
    assert not world.docs["boxes"] and not world.docs["properties"]
    assert world.docs["splitter-types"] and world.user["apiKey"]
    with pytest.raises(ValueError):
        build_world("huge")


# ---- what the demo holds ---------------------------------------------------------------------

def test_demo_counts(demo):
    docs = demo.docs
    ctos = [b for b in docs["boxes"].values() if b["hierarchyLevel"] == 3]
    ceos = [b for b in docs["boxes"].values() if b["hierarchyLevel"] == 2]
    assert len(ctos) == 50 and 5 <= len(ceos) <= 15
    assert 2 <= len(docs["pops"]) <= 3 and 2 <= len(docs["olts"]) <= 3
    assert len(docs["pons"]) == 128 * len(docs["olts"])
    assert 150 <= len(docs["properties"]) <= 250
    assert 150 <= len(docs["ftth-clients"]) <= len(docs["properties"])
    assert len(docs["buildings"]) == 1 and len(docs["horizontal-condominiums"]) == 1
    assert len(docs["poles"]) >= 2 * len(ctos)
    assert len(docs["prospects"]) >= 5 and len(docs["pendencies"]) >= 5
    assert all(p["adjacents"] for p in docs["poles"].values())
    assert all(-28 < b["coords"][1] < -27 and -49 < b["coords"][0] < -48
               for b in docs["boxes"].values())


def test_demo_topology(demo):
    docs = demo.docs
    codes = {docs["splitter-types"][s["splitterType"]]["code"] for s in docs["splitters"].values()}
    assert {"01/08 R F", "01/16 A C", "01/08 A C", "70/30 R F"} <= codes
    service = [s for s in docs["splitters"].values() if s["isDrop"]]
    assert all(s["connectables"]["input"][0] for s in docs["splitters"].values())
    # every service splitter is lit from a PON with a plausible budget
    for s in service:
        power = optics.splitter_output_power(demo, s, 0)
        assert power is not None and -26 < power < -8, s["name"]
    building = next(iter(docs["buildings"].values()))
    inside = [p for p in docs["properties"].values() if p["box"] == building["id"]]
    assert inside and all(p["parent"] == {"id": building["id"]} for p in inside)
    assert any(any(p["blocked"] for p in s["ports"]) for s in service)
    assert any(b.get("draft") for b in docs["boxes"].values())
    assert any(not b["implanted"] for b in docs["boxes"].values())
    assert any(not demo.ports.available.get(b["id"]) for b in docs["boxes"].values()
               if b["hierarchyLevel"] == 3 and not b.get("draft"))        # a full box
    cables = docs["cables"].values()
    assert any(c["poles"] for c in cables if c["kind"] == "Cable")
    assert all(c["length"] >= c["ground_length"] > 0 for c in cables if c["kind"] == "Cable")


def test_every_reference_points_to_an_existing_document(demo):
    ids = {doc_id for docs in demo.docs.values() for doc_id in docs}
    ports = {p["id"] for s in demo.docs["splitters"].values() for p in s["ports"]}
    for route, docs in demo.docs.items():
        resource = RESOURCES[route]
        for doc in docs.values():
            for field, targets in resource.refs.items():
                value = doc.get(field)
                if value is not None:
                    assert any(value in demo.docs[t] for t in targets), (route, field, value)
            for field, targets in resource.list_refs.items():
                for value in doc.get(field) or ():
                    assert any(value in demo.docs[t] for t in targets), (route, field, value)

            def walk(value, path, route=route, doc=doc):
                if isinstance(value, dict):
                    for k, v in value.items():
                        walk(v, f"{path}.{k}")
                elif isinstance(value, list):
                    for v in value:
                        walk(v, path)
                elif (isinstance(value, str) and OBJECT_ID.match(value)
                      and path not in (".apiKey", ".template")):
                    assert value in ids or value in ports, (route, doc["id"], path, value)
            walk(doc, "")


def test_invariants_hold(demo):
    demo.check_invariants()
    build_world(TINY, seed=5).check_invariants()


def test_clients_in_every_state(demo):
    docs = demo.docs
    clients = docs["ftth-clients"]
    placed = [(p, clients[p["client"]]) for p in docs["properties"].values() if p["client"]]
    reserved = [c for _, c in placed if not c["implanted"]]
    active = [(p, c) for p, c in placed if c["implanted"]]
    assert reserved and all(c["onu"]["serial_number"] == "" for c in reserved)
    assert all(c["onu"]["serial_number"] for _, c in active)
    assert any(c["status"] == 1 for _, c in active) and any(c["status"] == 0 for _, c in active)
    assert any(p["potencyRead"] is None for p, c in active if c["status"] == 0)
    drift = []
    for p, _c in active:
        calculated = optics.calculated_power(demo, p)
        assert calculated is not None and -27 < calculated < -10
        if p["potencyRead"] is not None:
            gap = p["potencyRead"] - calculated
            assert -6.1 <= gap <= 1.81
            drift.append(gap)
    assert any(g < -2 for g in drift) and sum(abs(g) <= 1.81 for g in drift) > len(drift) / 2
    assert any(c["certified"] for _, c in active)
    assert len({c["code"] for c in clients.values()}) == len(clients)
    assert any(p["client"] is None for p in docs["properties"].values())   # client-less


def test_boxes_in_design_sell_nothing_and_unbuilt_boxes_hold_reservations(demo):
    docs = demo.docs
    for box in docs["boxes"].values():
        props = demo.docs_where("properties", "box", box["id"])
        if box.get("draft"):
            assert not props
        if not box["implanted"]:
            assert all(not docs["ftth-clients"][p["client"]]["implanted"]
                       for p in props if p["client"])


def test_outage_tag_on_boxes_and_their_clients(demo):
    tag = next(t for t in demo.docs["tags"].values() if t["name"] == "Falha massiva")
    assert {"box", "client", "property"} <= set(tag["allowedTypes"])
    boxes = [b for b in demo.docs["boxes"].values() if tag["id"] in b["tags"]]
    assert len(boxes) >= 2
    for box in boxes:
        for prop in demo.docs_where("properties", "box", box["id"]):
            assert tag["id"] in prop["tags"]
            if prop["client"]:
                client = demo.docs["ftth-clients"][prop["client"]]
                assert tag["id"] in client["tags"]
                assert not client["implanted"] or client["status"] == 1


def test_feasibility_at_the_demo_point(demo):
    found = feasibility.radius(demo, DEMO_POINT["lat"], DEMO_POINT["lng"], 150)
    assert found["viable"] and len(found["boxes"]) >= 3
    assert found["viableBoxes"][0]["distance"] <= 150
    by_pole = feasibility.pole(demo, DEMO_POINT["lat"], DEMO_POINT["lng"])
    assert by_pole["pole"] is not None and by_pole["viable"]
    condos = feasibility.condominiums(demo, DEMO_POINT["lat"], DEMO_POINT["lng"])
    assert condos["viable"] and condos["horizontalCondominiums"][0]["boxes"]
    far = feasibility.radius(demo, -27.70, -48.40, 150)
    assert not far["viable"] and not far["boxes"]


def test_a_reservation_works_on_the_generated_network(demo):
    world = build_world("demo", seed=2)
    box = next(b for b in world.docs["boxes"].values() if world.ports.available.get(b["id"]))
    before = world.ports.available[box["id"]]
    prop = world.create("properties", {"box": box["id"], "auto_connect": True,
                                       "client": {"code": "NEW-1", "name": "Cliente Novo"}})
    assert connections(world, prop) and world.ports.available.get(box["id"], 0) == before - 1
    world.check_invariants()


def test_profiles_scale_with_the_size():
    plans = {size: plan.plan_network(reference.PROFILES[size],
                                     random.Random(1), size == "demo")
             for size in ("small", "mid")}
    ctos = {size: sum(len(p.ctos) for p in plans[size]) for size in plans}
    assert 500 <= ctos["small"] <= 1000 and 5000 <= ctos["mid"] <= 6500
    # neighbouring cities' grids never overlap
    boxes = [p.grid.bounds() for p in plans["mid"]]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]
