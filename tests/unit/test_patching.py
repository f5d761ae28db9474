"""What is patched inside boxes and POPs: DIOs, cords, passings, switches, shelves — their
wiring rules and how calculated power crosses them (docs/box-internals.md)."""
from __future__ import annotations

import pytest

from ozsim.core.errors import RuleViolation
from ozsim.ftth.optics import splitter_report

from .fixtures import cable, fiber, tiny_world, type_id


@pytest.fixture
def net():
    return tiny_world()


def _power(world, splitter) -> float:
    return splitter_report(world, world.docs["splitters"][splitter["id"]])["currentPower"][0]


def _dio(world, parent, **extra):
    return world.create("dios", {"parent": parent["id"], "dioType": type_id(world, "dio-types", "DIO 24"),
                                 **extra})


def test_light_crosses_a_dio_position_through_a_cord(net):
    world = net.world
    direct = _power(world, net.primary)
    feeder_fiber = fiber(world, net.feeder)
    cord = world.create("cords", {"parent": net.pop["id"], "name": "C1", "observation": ""})
    dio = _dio(world, net.pop)
    assert dio["project"] == net.project and len(dio["connectables"]["output"]) == 24
    world.update("pons", net.pon["id"], {"connectables": [cord["id"]]})          # PON → cord
    wiring = {"input": [cord["id"]] + [None] * 23, "output": [feeder_fiber] + [None] * 23}
    world.update("dios", dio["id"], {"connectables": wiring})                     # cord → DIO 1 → feeder
    assert cord["connectors"] == [net.pon["id"], dio["id"]]
    assert _power(world, net.primary) == pytest.approx(direct - 0.5, abs=0.011)   # the DIO loss
    other = {"input": [None, cord["id"]] + [None] * 22, "output": wiring["output"]}
    world.update("dios", dio["id"], {"connectables": other})                      # a different position
    assert _power(world, net.primary) is None
    world.check_invariants()


def test_a_cord_stays_in_its_box_and_leaves_what_held_it_when_deleted(net):
    world = net.world
    cord = world.create("cords", {"parent": net.ceo["id"], "name": "C1", "observation": ""})
    dio = _dio(world, net.pop)
    with pytest.raises(RuleViolation) as elsewhere:
        world.update("dios", dio["id"], {"connectables": {"input": [cord["id"]] + [None] * 23,
                                                          "output": [None] * 24}})
    assert elsewhere.value.code == "CORD_ELSEWHERE"
    assert cord["connectors"] == []                                              # nothing changed
    here = _dio(world, net.ceo)
    world.update("dios", here["id"], {"connectables": {"input": [cord["id"]] + [None] * 23,
                                                       "output": [None] * 24}})
    world.delete("cords", cord["id"])
    assert here["connectables"]["input"][0] is None
    world.check_invariants()


def test_light_crosses_a_passing_from_one_end_to_the_other(net):
    world = net.world
    onward = cable(world, net.project, net.ceo, net.building, "AS80 12F")
    world.update("splitters", net.primary["id"], {"connectables": {
        "input": [None], "output": world.docs["splitters"][net.primary["id"]]["connectables"]["output"]}})
    passing = world.create("passings", {"parent": net.ceo["id"],
                                        "connectables": [fiber(world, net.feeder), fiber(world, onward)]})
    tap = world.create("splitters", {"parent": net.building["id"], "isDrop": True,
                                     "splitterType": type_id(world, "splitter-types", "01/08 A C")})
    world.update("splitters", tap["id"], {"connectables": {
        "input": [fiber(world, onward)], "output": [None] * 8}})
    feeder_loss, onward_loss = (c["loss"] for c in (net.feeder, onward))
    expected = 3.0 - feeder_loss - onward_loss - tap["attenuation"][0] - world.settings["connectorLoss"]
    assert _power(world, tap) == pytest.approx(expected, abs=0.01)
    world.update("splitters", tap["id"], {"connectables": {"input": [None], "output": [None] * 8}})
    assert passing["connectables"][1] == fiber(world, onward)
    world.check_invariants()


def test_no_light_crosses_a_switch_and_its_type_keeps_its_ports(net):
    world = net.world
    kind = type_id(world, "switch-types", "Switch 24P")
    switch = world.create("switches", {"parent": net.pop["id"], "switchType": kind, "name": "SW",
                                       "port_labels": [str(i) for i in range(24)]})
    assert switch["connectables"] == [None] * 24 and switch["manageable"] is True
    small = world.create("switch-types", {"code": "SW 8", "ratio": 8, "isDrop": False})
    with pytest.raises(RuleViolation) as changed:
        world.update("switches", switch["id"], {"switchType": small["id"]})
    assert changed.value.code == "SWITCH_TYPE_MISMATCH"


def test_a_shelf_lists_what_is_mounted_on_it(net):
    world = net.world
    shelf = world.create("shelfs", {"parent": net.pop["id"],
                                    "shelfType": type_id(world, "shelf-types", 'Rack 19" 44U')})
    assert shelf["name"] == "RACK 1" and shelf["project"] == net.project
    dio = _dio(world, net.pop, shelf=shelf["id"])
    world.update("olts", net.olt["id"], {"shelf": shelf["id"]})
    assert world.render("shelfs", shelf)["connectables"] == [None, sorted([dio["id"], net.olt["id"]])]
    with pytest.raises(RuleViolation) as in_use:
        world.delete("shelfs", shelf["id"])
    assert in_use.value.code == "ELEMENT_IN_USE"
