"""What the map shows (ftth.mapview): viewports, clusters, states, cables, optical paths."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from ozsim.core.errors import Invalid, NotFound
from ozsim.core.world import Access
from ozsim.ftth import mapview
from ozsim.ftth.optics import calculated_power
from ozsim.generator import build_world

from .fixtures import north, reserve, tiny_world

WORLD = build_world("demo", seed=5)
BOUNDS = mapview.overview(WORLD)["bounds"]


def inside(doc, box):
    w, s, e, n = box
    return w <= doc["coords"][0] <= e and s <= doc["coords"][1] <= n


@settings(max_examples=40, deadline=None)
@given(fractions=st.tuples(*[st.floats(0, 1)] * 4), zoom=st.integers(10, 19))
def test_a_viewport_holds_exactly_what_is_inside_it(fractions, zoom):
    w, s, e, n = BOUNDS
    xs = sorted((w - .001 + (e - w + .002) * fractions[0], w - .001 + (e - w + .002) * fractions[2]))
    ys = sorted((s - .001 + (n - s + .002) * fractions[1], s - .001 + (n - s + .002) * fractions[3]))
    box = (xs[0], ys[0], xs[1], ys[1])
    view = mapview.viewport(WORLD, box, zoom)
    boxes = {d["id"] for d in WORLD.docs["boxes"].values() if inside(d, box)}
    clients = {d["id"] for d in WORLD.docs["properties"].values() if d["client"] and inside(d, box)}
    assert view["boxes"]["total"] == len(boxes) and view["clients"]["total"] == len(clients)
    for layer, ids in ((view["boxes"], boxes), (view["clients"], clients)):
        assert layer["clustered"] == (zoom < mapview.DETAIL_ZOOM)
        if layer["clustered"]:
            assert sum(c["count"] for c in layer["items"]) == len(ids)
            assert all(sum(c["states"].values()) == c["count"] for c in layer["items"])
        else:
            assert {i["id"] for i in layer["items"]} == ids
    assert {p["id"] for p in view["poles"]} == ({d["id"] for d in WORLD.docs["poles"].values()
                                                 if inside(d, box)} if zoom >= 17 else set())


def test_dense_viewports_are_clustered_at_any_zoom(monkeypatch):
    monkeypatch.setattr(mapview, "DETAIL_LIMIT", 10)
    view = mapview.viewport(WORLD, BOUNDS, 18)
    assert view["boxes"]["clustered"] and view["clients"]["clustered"]
    assert view["truncated"] == ["poles", "cables"] and len(view["poles"]) == 10


def test_states_of_boxes_and_clients():
    net = tiny_world()
    world, cto = net.world, net.ctos[0]
    state = lambda box: mapview.box_state(world, world.docs["boxes"][box["id"]])  # noqa: E731
    assert state(cto) == ("free", 8, 8) and state(net.ceo) == ("splice", 0, 0)
    props = [reserve(world, cto, f"C{i}") for i in range(6)]
    assert state(cto) == ("nearly-full", 2, 8)
    reserve(world, cto, "C6"), reserve(world, cto, "C7")
    assert state(cto) == ("full", 0, 8)
    world.update("boxes", cto["id"], {"draft": True})
    assert state(cto)[0] == "draft"
    assert mapview.client_state(world, props[0]) == "reserved"
    client = props[0]["client"]
    world.update("ftth-clients", client, {"implanted": True})
    assert mapview.client_state(world, props[0]) == "ok"
    world.update("ftth-clients", client, {"status": "ERROR"})
    assert mapview.client_state(world, props[0]) == "error"
    world.update("properties", props[0]["id"], {"client": None})
    assert mapview.client_state(world, props[0]) == "vacant"


def test_cables_come_from_their_ends_and_their_poles_and_follow_writes():
    net = tiny_world()
    world = net.world
    # a window on the middle poles only: no box inside, the cables passing by are found
    window = (north(640, -5)[0], north(640)[1], north(660, 5)[0], north(660)[1])
    names = lambda: {c["id"] for c in mapview.viewport(world, window, 17)["cables"]}  # noqa: E731
    passing = {c["id"] for c in world.docs["cables"].values()
               if any(p["id"] == net.poles[3]["id"] for p in c["poles"])}
    assert passing and names() == passing
    cable = world.docs["cables"][min(passing)]
    world.update("cables", cable["id"], {"poles": []})
    assert names() == passing - {cable["id"]}
    prop = reserve(world, net.ctos[0], "D1")
    everything = mapview.viewport(world, bounds_of(world), 17)["cables"]
    assert prop["drop"] in {c["id"] for c in everything}
    assert prop["drop"] not in {c["id"] for c in mapview.viewport(world, bounds_of(world), 16)["cables"]}


def bounds_of(world):
    return mapview.overview(world)["bounds"]


def test_the_optical_path_adds_up_to_the_calculated_power():
    net = tiny_world()
    world = net.world
    prop = reserve(world, net.ctos[1], "P1")
    world.update("properties", prop["id"], {"potencyRead": -20.5})
    path = mapview.optical_path(world, prop["id"])
    steps = path["steps"]
    assert [s["type"] for s in steps] == ["pon", "cable", "splitter", "cable", "splitter", "cable"]
    assert path["potencyCalculated"] == calculated_power(world, prop)
    assert steps[-1]["power"] == pytest.approx(steps[0]["power"] - sum(s["loss"] for s in steps), abs=0.02)
    assert path["potencyCalculated"] == pytest.approx(steps[-1]["power"] - 0.5, abs=0.01)
    assert path["difference"] == round(-20.5 - path["potencyCalculated"], 2)
    assert steps[2]["box"]["id"] == net.ceo["id"] and steps[4]["box"]["id"] == net.ctos[1]["id"]
    assert steps[1]["coords"][0] == net.pop["coords"]              # oriented from the PON
    assert steps[-1]["coords"][-1] == world.docs["properties"][prop["id"]]["coords"]
    world.update("properties", prop["id"], {"connector": None})
    dark = mapview.optical_path(world, prop["id"])
    assert dark["steps"] == [] and dark["potencyCalculated"] is None and dark["connection"] is None


def test_projects_outside_a_key_are_not_shown():
    net = tiny_world()
    world = net.world
    other = world.create("projects", {"name": "Outro"})["id"]
    key = Access({other})
    assert mapview.overview(world, key)["counts"]["boxes"] == 0
    view = mapview.viewport(world, bounds_of(world), 17, key)
    assert view["boxes"]["total"] == 0 and view["cables"] == [] and view["condominiums"] == []
    prop = reserve(world, net.ctos[0], "Z")
    with pytest.raises(NotFound):                 # outside the key's projects: it does not exist
        mapview.optical_path(world, prop["id"], key)


@pytest.mark.parametrize("bbox, zoom, field", [
    ((0, 0, 1), 10, "bbox"), ((0, 1, 1, 0), 10, "bbox"), ((0, 0, 1, float("nan")), 10, "bbox"),
    ((0, 0, 181, 1), 10, "bbox"), ((0, 0, 1, 1), -1, "zoom"), ((0, 0, 1, 1), 12.5, "zoom"),
    ((0, 0, 1, 1), True, "zoom")])
def test_bad_viewports_are_refused(bbox, zoom, field):
    with pytest.raises(Invalid) as refused:
        mapview.viewport(WORLD, bbox, zoom)
    assert refused.value.field == field
