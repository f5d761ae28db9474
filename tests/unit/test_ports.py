"""Splitters, cables, fibres, connectors and fusions: derived fields, wiring, port protection."""
from __future__ import annotations

import pytest

from ozsim.core.errors import Invalid, RuleViolation
from ozsim.core.geo import distance_m

from .fixtures import cable, connections, fiber, free_ports, reserve, splitter, tiny_world, type_id


@pytest.fixture
def net():
    return tiny_world()


def test_splitter_is_derived_from_its_type(net):
    world = net.world
    stype = world.docs["splitter-types"][type_id(world, "splitter-types", "01/08 A C")]
    doc = world.create("splitters", {"parent": net.ctos[0]["id"], "splitterType": stype["id"],
                                     "ports": [{"index": 2, "blocked": True}]})
    assert doc["ratio"] == {"input": 1, "output": 8} and doc["isBalanced"] is True
    assert doc["attenuation"] == [10.5] * 8 and doc["isDrop"] is True      # absent: the type's
    assert doc["connectables"] == {"input": [None], "output": [None] * 8}
    assert [p["index"] for p in doc["ports"]] == list(range(8))
    assert [p["blocked"] for p in doc["ports"]] == [False, False, True] + [False] * 5
    assert all(len(p["id"]) == 24 and p["tags"] == [] and p["observation"] is None
               for p in doc["ports"])
    assert doc["project"] == net.project and doc["name"].startswith(stype["prefix"])
    rendered = world.render("splitters", doc)
    assert rendered["installPower"] == [None] * 8
    assert rendered["currentPower"] == [None] * 8 and rendered["pon"] is None   # not lit
    network = world.create("splitters", {"parent": net.ctos[0]["id"], "splitterType": stype["id"],
                                         "isDrop": False, "attenuation": [11.0] * 8})
    assert network["isDrop"] is False and network["attenuation"] == [11.0] * 8   # the body wins


def test_unbalanced_splitter_has_one_loss_per_output(net):
    world = net.world
    doc = splitter(world, net.ceo, "70/30 R F")
    assert doc["isBalanced"] is False and doc["attenuation"] == [2.0, 5.9]
    assert doc["ratio"] == {"input": 1, "output": 2} and len(doc["ports"]) == 2


def test_splitter_bad_attenuation_and_unknown_type(net):
    world = net.world
    with pytest.raises(Invalid) as bad:
        splitter(world, net.ctos[0], "01/08 A C", attenuation=[1.0])
    assert bad.value.field == "attenuation"
    with pytest.raises(RuleViolation) as unknown:
        world.create("splitters", {"parent": net.ctos[0]["id"], "splitterType": "f" * 24})
    assert unknown.value.code == "REFERENCE_NOT_FOUND" and unknown.value.field == "splitterType"


def test_blocking_a_port_updates_the_box_count(net):
    world, box, spl = net.world, net.ctos[0], net.splitters[0]
    assert free_ports(world, box) == 8
    world.update("splitters", spl["id"], {"ports": [{"index": 0, "blocked": True},
                                                    {"index": 5, "blocked": True}]})
    assert free_ports(world, box) == 6 and spl["ports"][5]["blocked"] is True
    prop = reserve(world, box, "A")
    assert connections(world, prop)[0]["port"] == 2                        # port 1 is blocked
    world.update("splitters", spl["id"], {"ports": [{"index": 0, "blocked": False}]})
    assert free_ports(world, box) == 6
    world.check_invariants()


def test_wiring_patch_keeps_fibres_in_step(net):
    world, spl = net.world, net.splitters[0]
    spare = cable(world, net.project, net.ctos[0], net.ctos[1])
    f1, f2 = fiber(world, spare, 1), fiber(world, spare, 2)
    output = [f1] + [None] * 7
    world.update("splitters", spl["id"], {"connectables": {"input": spl["connectables"]["input"],
                                                           "output": output}})
    assert world.docs["fibers"][f1]["connectors"] == [spl["id"]]
    assert free_ports(world, net.ctos[0]) == 7                        # a network fibre occupies it
    world.update("splitters", spl["id"], {"connectables": {"input": spl["connectables"]["input"],
                                                           "output": [f2] + [None] * 7}})
    assert world.docs["fibers"][f1]["connectors"] == [] and world.docs["fibers"][f2]["connectors"]
    with pytest.raises(RuleViolation) as missing:
        world.update("splitters", spl["id"], {"connectables": {
            "input": spl["connectables"]["input"], "output": ["a" * 24] + [None] * 7}})
    assert missing.value.code == "REFERENCE_NOT_FOUND"
    with pytest.raises(Invalid):
        world.update("splitters", spl["id"], {"connectables": {"input": [None], "output": [None]}})
    with pytest.raises(RuleViolation) as twice:
        world.update("splitters", spl["id"], {"connectables": {
            "input": spl["connectables"]["input"], "output": [f2, f2] + [None] * 6}})
    assert twice.value.code == "FIBER_ALREADY_PLUGGED"
    world.check_invariants()


def test_a_client_port_cannot_be_rewired(net):
    world, spl = net.world, net.splitters[0]
    prop = reserve(world, net.ctos[0], "A")
    drop_fiber = connections(world, prop)[0]["fiber"]
    with pytest.raises(RuleViolation) as occupied:
        world.update("splitters", spl["id"], {"connectables": {
            "input": spl["connectables"]["input"], "output": [None] * 8}})
    assert occupied.value.code == "PORT_OCCUPIED" and prop["id"] in occupied.value.message
    other = net.splitters[1]
    with pytest.raises(RuleViolation) as stolen:
        world.update("splitters", other["id"], {"connectables": {
            "input": other["connectables"]["input"], "output": [None, drop_fiber] + [None] * 6}})
    assert stolen.value.code in ("DROP_FIBER", "FIBER_ALREADY_PLUGGED")
    # the input (network wiring) of a splitter serving clients may still change
    world.update("splitters", spl["id"], {"connectables": {
        "input": [None], "output": spl["connectables"]["output"]}})
    assert world.render("properties", prop)["potencyCalculated"] is None
    world.check_invariants()


def test_splitter_in_use_cannot_be_deleted_moved_or_demoted(net):
    world, spl = net.world, net.splitters[0]
    prop = reserve(world, net.ctos[0], "A")
    for action in (lambda: world.delete("splitters", spl["id"]),
                   lambda: world.update("splitters", spl["id"], {"parent": net.ctos[1]["id"]}),
                   lambda: world.update("splitters", spl["id"], {"isDrop": False})):
        with pytest.raises(RuleViolation) as refused:
            action()
        assert refused.value.code == "SPLITTER_IN_USE"
    world.delete("properties", prop["id"])
    feed = spl["connectables"]["input"][0]
    world.delete("splitters", spl["id"])
    assert spl["id"] not in world.docs["fibers"][feed]["connectors"]
    assert free_ports(world, net.ctos[0]) == 0
    world.check_invariants()


def test_retyping_a_splitter_resizes_it(net):
    world, spl = net.world, net.splitters[0]
    world.update("splitters", spl["id"], {"splitterType": type_id(world, "splitter-types",
                                                                   "01/16 A C")})
    assert spl["ratio"]["output"] == 16 and len(spl["ports"]) == 16
    assert spl["connectables"]["output"] == [None] * 16 and spl["attenuation"] == [13.7] * 16
    assert free_ports(world, net.ctos[0]) == 16
    world.check_invariants()


def test_cable_measures_its_path_and_owns_its_fibres(net):
    world = net.world
    a, b = net.ctos[0], net.ctos[1]
    poles = [{"id": net.poles[2]["id"], "reserve": 10}, net.poles[3]["id"],
             {"id": net.poles[4]["id"], "reserve": 5}]
    doc = cable(world, net.project, a, b, poles=poles)
    ground = 100.0                                            # 2 + 3 + 4 → 50 m apart, boxes on 2 and 4
    assert doc["kind"] == "Cable" and doc["fiberNumber"] == 12 and doc["looseNumber"] == 2
    assert doc["poles"][1] == {"id": net.poles[3]["id"], "reserve": 0}
    assert doc["ground_length"] == pytest.approx(ground, abs=0.01)
    assert doc["length"] == pytest.approx(ground + 15, abs=0.01)
    assert doc["loss"] == pytest.approx((ground + 15) / 1000 * 0.35, abs=1e-4)
    assert [f["fiberNumber"] for f in world.docs_where("fibers", "parent", doc["id"])] == \
        list(range(1, 13))
    assert doc["id"] in a["cables"] and doc["id"] in b["cables"]
    world.update("cables", doc["id"], {"poles": []})
    c1, c2 = a["coords"], b["coords"]
    assert doc["length"] == pytest.approx(distance_m(c1[0], c1[1], c2[0], c2[1]), abs=0.01)
    with pytest.raises(RuleViolation) as fibers:
        world.update("cables", doc["id"], {"cableType": type_id(world, "cable-types", "AS80 6L12F")})
    assert fibers.value.code == "FIBER_COUNT_MISMATCH"


def test_deleting_a_cable_unplugs_its_fibres(net):
    world = net.world
    spare = cable(world, net.project, net.ctos[0], net.ctos[1])
    f1 = fiber(world, spare)
    joint = world.create("fusions", {"parent": net.ctos[0]["id"],
                                     "fusionType": type_id(world, "fusion-types", "Fusão"),
                                     "connectables": {"input": [f1], "output": [None]}})
    assert world.docs["fibers"][f1]["connectors"] == [joint["id"]]
    world.delete("cables", spare["id"])
    assert joint["connectables"] == {"input": [None], "output": [None]}
    assert not world.docs_where("fibers", "parent", spare["id"])
    assert spare["id"] not in net.ctos[0]["cables"]
    world.check_invariants()


def test_drops_are_managed_by_properties(net):
    world = net.world
    prop = reserve(world, net.ctos[0], "A")
    drop = world.docs["cables"][prop["drop"]]
    assert drop["kind"] == "Drop" and drop["boxA"] == net.ctos[0]["id"] and drop["boxB"] == prop["id"]
    assert world.docs["fibers"][connections(world, prop)[0]["fiber"]]["isDrop"] is True
    with pytest.raises(RuleViolation) as in_use:
        world.delete("cables", drop["id"])
    assert in_use.value.code == "DROP_IN_USE"
    with pytest.raises(RuleViolation) as managed:
        cable(world, net.project, net.ctos[0], prop)
    assert managed.value.code == "DROP_MANAGED_BY_PROPERTY"
    world.update("cables", drop["id"], {"name": "drop renamed"})     # other fields are fine
    world.check_invariants()


def test_project_drop_type_makes_a_drop(net):
    world = net.world
    drop_type = type_id(world, "cable-types", "DROP 1F")
    world.update("projects", net.project, {"drop": {"maxSize": 250, "type": {"cableType": drop_type}}})
    doc = cable(world, net.project, net.ctos[0], net.ctos[1], "DROP 1F")
    assert doc["kind"] == "Drop" and world.docs_where("fibers", "parent", doc["id"])[0]["isDrop"]


def test_connectors_and_fusions_join_two_fibres(net):
    world = net.world
    spare = cable(world, net.project, net.ctos[0], net.ctos[1])
    f1, f2, f3 = (fiber(world, spare, n) for n in (1, 2, 3))
    conn = world.create("connectors", {"parent": net.ctos[0]["id"],
                                       "connectorType": type_id(world, "connector-types", "SC/APC")})
    assert conn["project"] == net.project and conn["connectables"] == {"input": [None], "output": [None]}
    assert conn["name"] and conn["implanted"] is True and conn["attenuation"] == []
    world.update("connectors", conn["id"], {"connectables": {"input": [f1], "output": [f2]}})
    assert world.docs["fibers"][f1]["connectors"] == [conn["id"]]
    fusion = world.create("fusions", {"parent": net.ctos[0]["id"],
                                      "fusionType": type_id(world, "fusion-types", "Fusão"),
                                      "connectables": {"input": [f2], "output": [f3]}})
    assert world.docs["fibers"][f2]["connectors"] == [conn["id"], fusion["id"]]
    other = world.create("fusions", {"parent": net.ctos[0]["id"],
                                     "fusionType": type_id(world, "fusion-types", "Fusão")})
    with pytest.raises(RuleViolation) as third_end:
        world.update("fusions", other["id"], {"connectables": {"input": [f2], "output": [None]}})
    assert third_end.value.code == "FIBER_ALREADY_PLUGGED"
    with pytest.raises(RuleViolation):
        world.update("connectors", conn["id"], {"connectables": {"input": ["b" * 24],
                                                                 "output": [None]}})
    world.delete("connectors", conn["id"])
    assert world.docs["fibers"][f1]["connectors"] == []
    assert world.docs["fibers"][f2]["connectors"] == [fusion["id"]]
    world.check_invariants()


def test_pon_wiring_is_mirrored_and_released(net):
    world = net.world
    feed = net.pon["connectables"][0]
    assert net.pon["id"] in world.docs["fibers"][feed]["connectors"]
    world.delete("pons", net.pon["id"])
    assert net.pon["id"] not in world.docs["fibers"][feed]["connectors"]
    assert world.render("splitters", net.splitters[0])["currentPower"] == [None] * 8
    world.check_invariants()


def test_box_cables_list_and_ledger_follow_deletes(net):
    world = net.world
    box = world.create("boxes", {"project": net.project, "coords": net.ctos[0]["coords"],
                                 "boxType": net.ctos[0]["boxType"], "hierarchyLevel": 3,
                                 "implanted": True})
    spl = splitter(world, box, "01/08 A C", isDrop=True)
    assert free_ports(world, box) == 8
    world.delete("splitters", spl["id"])
    assert free_ports(world, box) == 0
    world.delete("boxes", box["id"])
    world.check_invariants()
