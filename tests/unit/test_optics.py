"""Calculated power (docs/optical-budget.md): traced from the PON at read time."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from ozsim.ftth import optics, properties
from ozsim.ftth.domain import frozen_clock, new_world
from ozsim.core.errors import NotFound

from .fixtures import cable, fiber, north, splitter, type_id, wire_output


def plant(potency: float = 3.0) -> SimpleNamespace:
    """An empty project with a POP, an OLT, one PON at ``potency`` dBm."""
    world = new_world(clock=frozen_clock())
    project = world.create("projects", {"name": "Óptica", "drop": {"maxSize": 300}})["id"]
    pop = world.create("pops", {"project": project, "coords": north(0), "hierarchyLevel": 1,
                                "popType": type_id(world, "pop-types", "POP"), "implanted": True})
    olt = world.create("olts", {"parent": pop["id"], "project": project, "name": "OLT 1",
                                "oltType": type_id(world, "olt-types", "OLT 8x16")})
    slot = world.create("slots", {"olt": olt["id"], "parent": pop["id"], "starting_pon_number": 1})
    pon = world.create("pons", {"slot": slot["id"], "parent": pop["id"], "name": "PON 1",
                                "potency": potency})
    return SimpleNamespace(world=world, project=project, pop=pop, olt=olt, slot=slot, pon=pon)


def box(net, metres: float, code: str = "CTO") -> dict:
    return net.world.create("boxes", {"project": net.project, "coords": north(metres),
                                      "boxType": type_id(net.world, "box-types", code),
                                      "hierarchyLevel": 3, "implanted": True})


def joint(net, route: str, parent: dict, code: str, fiber_in: str, fiber_out: str) -> dict:
    field = {"connectors": ("connectorType", "connector-types"),
             "fusions": ("fusionType", "fusion-types")}[route]
    return net.world.create(route, {"parent": parent["id"], field[0]: type_id(net.world, field[1], code),
                                    "connectables": {"input": [fiber_in], "output": [fiber_out]}})


def test_worked_example_of_the_optical_budget():
    """PON +3 dBm, 2 connectors, 2.5 km feeder, 4 fusions, 1:8 fused, 0.6 km, 1:8 connectorised,
    150 m drop with its field connector: −21.54 dBm (docs/optical-budget.md, the worked example)."""
    net = plant(3.0)
    world = net.world
    ceo, cto = box(net, 2500, "CEO"), box(net, 3100)
    cords = [cable(world, net.project, net.pop, net.pop, "DROP 1F") for _ in range(2)]
    feeder = cable(world, net.project, net.pop, ceo, "AS80 12F")
    pigtails = [cable(world, net.project, ceo, ceo, "DROP 1F") for _ in range(4)]
    assert feeder["length"] == pytest.approx(2500, abs=0.01) and cords[0]["length"] == 0
    world.update("pons", net.pon["id"], {"connectables": [fiber(world, cords[0])]})
    joint(net, "connectors", net.pop, "SC/APC", fiber(world, cords[0]), fiber(world, cords[1]))
    joint(net, "connectors", net.pop, "SC/APC", fiber(world, cords[1]), fiber(world, feeder))
    chain = [fiber(world, feeder)] + [fiber(world, p) for p in pigtails]
    for a, b in zip(chain, chain[1:]):
        joint(net, "fusions", ceo, "Fusão", a, b)
    primary = splitter(world, ceo, "01/08 R F", chain[-1])
    distribution = cable(world, net.project, ceo, cto)
    assert distribution["length"] == pytest.approx(600, abs=0.01)
    wire_output(world, primary, 3, fiber(world, distribution))
    secondary = splitter(world, cto, "01/08 A C", fiber(world, distribution), isDrop=True)
    prop = world.create("properties", {"connector": secondary["id"], "port": 5,
                                       "coords": north(3250), "client": {"code": "W-1"}})
    assert world.docs["cables"][prop["drop"]]["length"] == pytest.approx(150, abs=0.01)
    assert optics.calculated_power(world, prop) == pytest.approx(-21.54, abs=0.01)
    assert world.render("properties", prop)["potencyCalculated"] == pytest.approx(-21.54, abs=0.01)
    # splitter outputs: everything but the drop and its field connector
    assert optics.splitter_output_power(world, secondary, 4) == pytest.approx(-21.54 + 0.55, abs=0.01)
    rendered = world.render("splitters", secondary)
    assert rendered["pon"] == net.pon["id"] and rendered["slot"] == net.slot["id"]
    assert rendered["olt"] == net.olt["id"]
    assert rendered["currentPower"] == [pytest.approx(-20.99, abs=0.01)] * 8
    up = optics.upstream(world, secondary)
    assert {k: v["id"] for k, v in up.items()} == {"pop": net.pop["id"], "olt": net.olt["id"],
                                                   "slot": net.slot["id"], "pon": net.pon["id"]}
    world.update("properties", prop["id"], {"potencyRead": -22.1})
    report = properties.olt_pop(world, "W-1")
    assert report == {"property": prop["id"], "client": prop["client"],
                      "pop": {"id": net.pop["id"], "name": net.pop["name"]},
                      "olt": {"id": net.olt["id"], "name": "OLT 1"},
                      "slot": {"id": net.slot["id"], "name": net.slot["name"]},
                      "pon": {"id": net.pon["id"], "name": "PON 1"},
                      "splitter": {"id": secondary["id"], "name": secondary["name"]}, "port": 5,
                      "potencyCalculated": pytest.approx(-21.54, abs=0.01), "potencyRead": -22.1}
    with pytest.raises(NotFound):
        properties.olt_pop(world, "no-such-code")
    world.check_invariants()


def cascade(first: str, second: str, leg: int, potency: float = 5.0):
    """PON → 1 km feeder → ``first`` in a CEO → its output ``leg`` → 200 m → ``second`` in a CTO."""
    net = plant(potency)
    world = net.world
    ceo, cto = box(net, 1000, "CEO"), box(net, 1200)
    feeder = cable(world, net.project, net.pop, ceo, "AS80 12F")
    world.update("pons", net.pon["id"], {"connectables": [fiber(world, feeder)]})
    primary = splitter(world, ceo, first, fiber(world, feeder))
    distribution = cable(world, net.project, ceo, cto)
    wire_output(world, primary, leg, fiber(world, distribution))
    secondary = splitter(world, cto, second, fiber(world, distribution), isDrop=True)
    return net, primary, secondary, cto


def test_balanced_1x4_then_1x8():
    net, primary, secondary, cto = cascade("01/04 R F", "01/08 A F", leg=2)
    world = net.world
    # 5 − 0.35 (1 km) − 7.3 (1:4) = −2.65 at the primary; − 0.07 (200 m) − 10.5 (1:8, fused)
    assert world.render("splitters", primary)["currentPower"] == [pytest.approx(-2.65)] * 4
    assert world.render("splitters", secondary)["currentPower"] == [pytest.approx(-13.22)] * 8
    prop = world.create("properties", {"box": cto["id"], "auto_connect": True,
                                       "coords": north(1300), "client": {"code": "B"}})
    # − 0.035 (100 m drop) − 0.5 (field connector)
    assert optics.calculated_power(world, prop) == pytest.approx(-13.755, abs=0.006)


def test_unbalanced_70_30_then_1x8():
    net, fbt, tap, cto = cascade("70/30 R F", "01/08 A C", leg=2, potency=3.0)
    world = net.world
    # 70 % leg (port 1): 2.0 dB; 30 % leg (port 2): 5.9 dB
    assert world.render("splitters", fbt)["currentPower"] == [pytest.approx(0.65), pytest.approx(-3.25)]
    # the tap: 3 − 0.35 − 5.9 − 0.07 − 10.5 − 0.5 (connectorised output)
    assert optics.splitter_output_power(world, tap, 0) == pytest.approx(-14.32)
    through_box = box(net, 800)
    through_cable = cable(world, net.project, world.docs["boxes"][fbt["parent"]], through_box)
    wire_output(world, world.docs["splitters"][fbt["id"]], 1, fiber(world, through_cable))
    through = splitter(world, through_box, "01/08 A C", fiber(world, through_cable), isDrop=True)
    # 3 − 0.35 − 2.0 − 0.07 (200 m back south) − 11.0
    assert optics.splitter_output_power(world, through, 7) == pytest.approx(-10.42)


def test_pon_power_change_moves_every_downstream_value():
    net, primary, secondary, cto = cascade("01/04 R F", "01/08 A C", leg=1)
    world = net.world
    props = [world.create("properties", {"box": cto["id"], "auto_connect": True,
                                         "client": {"code": f"P{i}"}}) for i in range(3)]
    before = [optics.calculated_power(world, p) for p in props]
    world.update("pons", net.pon["id"], {"potency": 7.5})
    after = [optics.calculated_power(world, p) for p in props]
    assert [a - b for a, b in zip(after, before)] == [pytest.approx(2.5)] * 3
    assert world.render("splitters", secondary)["currentPower"][0] == pytest.approx(after[0] + 0.5)


def test_launch_power_fallbacks():
    net, primary, secondary, cto = cascade("01/04 R F", "01/08 A C", leg=1, potency=0)
    world = net.world
    at = lambda: optics.splitter_output_power(world, primary, 0) + 0.35 + 7.3  # noqa: E731
    assert at() == pytest.approx(3.0)                        # the OLT type's defaultPotency
    world.update("projects", net.project, {"defaultPonPotency": 4.0})
    assert at() == pytest.approx(4.0)                        # the project's default
    world.update("pons", net.pon["id"], {"potency": 2.0})
    assert at() == pytest.approx(2.0)                        # the PON's own


def test_unlit_splitters_and_properties_are_null():
    net, primary, secondary, cto = cascade("01/04 R F", "01/08 A C", leg=1)
    world = net.world
    prop = world.create("properties", {"box": cto["id"], "auto_connect": True})
    assert optics.calculated_power(world, prop) is not None
    world.update("splitters", primary["id"], {"connectables": {
        "input": [None], "output": primary["connectables"]["output"]}})
    assert optics.calculated_power(world, prop) is None
    assert optics.splitter_output_power(world, secondary, 0) is None
    assert optics.upstream(world, secondary) is None
    rendered = world.render("splitters", secondary)
    assert rendered["currentPower"] == [None] * 8 and rendered["pon"] is None
    unconnected = world.create("properties", {"box": cto["id"]})
    assert world.render("properties", unconnected)["potencyCalculated"] is None


def test_a_wiring_loop_is_unlit():
    net = plant()
    world = net.world
    ceo = box(net, 100, "CEO")
    loop = cable(world, net.project, ceo, ceo)
    a, b = fiber(world, loop, 1), fiber(world, loop, 2)
    first = splitter(world, ceo, "01/02 R F", a)
    second = splitter(world, ceo, "01/02 R F", b)
    wire_output(world, world.docs["splitters"][first["id"]], 1, b)
    wire_output(world, world.docs["splitters"][second["id"]], 1, a)
    assert optics.splitter_output_power(world, first, 1) is None
    world.check_invariants()
