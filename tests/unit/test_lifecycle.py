"""Properties and clients: reservation, activation, moves, cancellation, batch updates."""
from __future__ import annotations

import threading

import pytest

from ozsim.core.world import Access

from ozsim.ftth import properties as lifecycle
from ozsim.core.errors import Invalid, NotFound, RuleViolation

from .fixtures import connections, free_ports, north, reserve, splitter, tiny_world


@pytest.fixture
def net():
    return tiny_world()


def counts(world) -> dict:
    return {route: len(world.docs[route]) for route in
            ("properties", "ftth-clients", "cables", "fibers", "cable-types")}


def refused(world, code: str, action) -> RuleViolation:
    """Run ``action``; it must fail with ``code`` and leave the world exactly as it was."""
    before = counts(world)
    with pytest.raises(RuleViolation) as caught:
        action()
    assert caught.value.code == code, caught.value.message
    assert counts(world) == before
    world.check_invariants()
    return caught.value


# ---- reservation --------------------------------------------------------------------------

def test_reservation_takes_the_first_free_port_and_builds_the_drop(net):
    world, box, spl = net.world, net.ctos[0], net.splitters[0]
    prop = reserve(world, box, "1001", address="Rua A, 1")
    client = world.docs["ftth-clients"][prop["client"]]
    assert client["code"] == "1001" and client["implanted"] is False and client["status"] == 0
    assert prop["project"] == net.project and prop["box"] == box["id"] and prop["parent"] is None
    assert prop["coords"] == box["coords"]
    (connection,) = connections(world, prop)
    assert connection == {"id": spl["id"], "kind": "Splitter", "name": spl["name"], "port": 1,
                          "implanted": True, "fiber": spl["connectables"]["output"][0]}
    drop = world.docs["cables"][prop["drop"]]
    assert world.render("properties", prop)["cables"] == [drop["id"]] and drop["id"] in box["cables"]
    assert drop["kind"] == "Drop" and drop["fiberNumber"] == 1 and drop["length"] == 0
    assert prop["history"]["clients"] == [{"id": client["id"], "code": "1001",
                                           "enter_date": prop["history"]["clients"][0]["enter_date"],
                                           "exit_date": None}]
    assert free_ports(world, box) == 7
    second = reserve(world, box, "1002")
    assert connections(world, second)[0]["port"] == 2
    world.check_invariants()


def test_explicit_connector_and_port_derive_box_and_project(net):
    world, spl = net.world, net.splitters[1]
    prop = world.create("properties", {"connector": spl["id"], "port": 5,
                                       "client": {"code": "X", "status": "ERROR"}})
    assert prop["box"] == net.ctos[1]["id"] and prop["project"] == net.project
    assert connections(world, prop)[0]["port"] == 5
    assert world.docs["ftth-clients"][prop["client"]]["status"] == 1
    assert "connector" not in prop and "port" not in prop and "auto_connect" not in prop
    world.check_invariants()


def test_splitter_order_is_index_then_creation(net):
    world, box = net.world, net.ctos[0]
    second = splitter(world, box, "01/08 A C", isDrop=True, index=0)
    prop = reserve(world, box, "A")
    assert connections(world, prop)[0]["id"] == second["id"]


def test_connection_failures_are_422_and_leave_nothing_behind(net):
    world, box, spl = net.world, net.ctos[0], net.splitters[0]
    reserve(world, box, "A")
    bare = world.create("properties", {"connector": spl["id"], "port": 2})      # no client
    assert bare["client"] is None and connections(world, bare)[0]["port"] == 2
    world.update("splitters", spl["id"], {"ports": [{"index": 2, "blocked": True}]})

    def at(port, **extra):
        return lambda: world.create("properties", {"connector": spl["id"], "port": port,
                                                   "client": {"code": "NEW"}, **extra})
    assert "property" in refused(world, "PORT_OCCUPIED", at(1)).message
    refused(world, "PORT_OCCUPIED", at(2))                   # held by a client-less property
    refused(world, "PORT_BLOCKED", at(3))
    message = refused(world, "PORT_OUT_OF_RANGE", at(9)).message
    assert "1..8" in message and spl["id"] in message
    refused(world, "NOT_A_SERVICE_SPLITTER", lambda: world.create(
        "properties", {"connector": net.primary["id"], "port": 8}))
    refused(world, "CONNECTOR_NOT_IN_BOX", at(4, box=net.ctos[1]["id"]))
    refused(world, "REFERENCE_NOT_FOUND", lambda: world.create(
        "properties", {"connector": "c" * 24, "port": 1}))
    refused(world, "DUPLICATE_CLIENT_CODE", lambda: reserve(world, net.ctos[1], "A"))
    for port in range(4, 9):
        reserve(world, box, f"F{port}")
    message = refused(world, "BOX_FULL", lambda: reserve(world, box, "Z")).message
    assert box["id"] in message
    empty = world.create("boxes", {"project": net.project, "coords": north(0, 500),
                                   "boxType": box["boxType"], "hierarchyLevel": 3, "implanted": True})
    refused(world, "NO_SERVICE_SPLITTER", lambda: reserve(world, empty, "Z"))
    world.update("boxes", net.ctos[1]["id"], {"draft": True})
    refused(world, "BOX_IS_DRAFT", lambda: reserve(world, net.ctos[1], "Z"))
    refused(world, "BOX_IS_DRAFT", lambda: world.create(
        "properties", {"connector": net.splitters[1]["id"], "port": 1}))
    refused(world, "PROJECT_REQUIRED", lambda: world.create("properties", {"address": "x"}))
    with pytest.raises(Invalid):
        world.create("properties", {"connector": spl["id"]})                 # no port
    with pytest.raises(Invalid):
        world.create("properties", {"project": net.project, "auto_connect": True})   # no box


def test_an_existing_client_placed_again_moves(net):
    """OZmap answers 201 with the same client on two new properties in a row: the client moves
    to the new property; the old one keeps its drop and port, without a client, and its
    history records the exit (an inferred model)."""
    world = net.world
    client = world.create("ftth-clients", {"code": "SOLO", "status": "OK"})
    assert client["implanted"] is False and client["status"] == 0
    first = world.create("properties", {"box": net.ctos[0]["id"], "auto_connect": True,
                                        "client": client["id"]})
    assert first["client"] == client["id"]
    world.clock.advance(60)
    second = world.create("properties", {"box": net.ctos[1]["id"], "auto_connect": True,
                                         "client": client["id"]})
    assert second["client"] == client["id"] and first["client"] is None
    assert connections(world, first)[0]["port"] == 1          # the old property keeps its port
    [left] = first["history"]["clients"]
    [entered] = second["history"]["clients"]
    assert left["id"] == entered["id"] == client["id"]
    assert left["exit_date"] is not None and left["exit_date"] <= entered["enter_date"]
    third = world.create("properties", {"box": net.ctos[2]["id"]})
    world.update("properties", third["id"], {"client": client["id"]})   # by PATCH too
    assert third["client"] == client["id"] and second["client"] is None
    refused(world, "REFERENCE_NOT_FOUND", lambda: world.create(
        "properties", {"box": net.ctos[1]["id"], "client": "d" * 24}))
    world.check_invariants()


def test_force_creates_unconnected_and_never_double_books(net):
    world, spl = net.world, net.splitters[0]
    taken = world.create("properties", {"connector": spl["id"], "port": 1, "client": {"code": "A"}})
    forced = world.create("properties", {"connector": spl["id"], "port": 1, "force": True,
                                         "client": {"code": "B"}})
    assert connections(world, forced) == [] and forced["drop"] is None and forced["client"]
    assert connections(world, taken)[0]["port"] == 1
    refused(world, "PORT_OUT_OF_RANGE", lambda: world.create(
        "properties", {"connector": spl["id"], "port": 99, "force": True}))   # a request error
    world.check_invariants()


def test_drop_length_limit_and_pole_routing(net):
    world, box = net.world, net.ctos[1]                       # CTO-2 hangs on pole 4
    far = north(500 + 200 + 260)
    refused(world, "DROP_TOO_LONG", lambda: world.create(
        "properties", {"box": box["id"], "auto_connect": True, "coords": far}))
    long_drop = world.create("properties", {"box": box["id"], "auto_connect": True,
                                            "coords": far, "force": True})
    assert world.docs["cables"][long_drop["drop"]]["length"] == pytest.approx(260, abs=0.01)
    routed = world.create("properties", {"box": box["id"], "auto_connect": True,
                                         "pole": net.poles[6]["id"], "coords": north(500 + 300, 20)})
    drop = world.docs["cables"][routed["drop"]]
    assert [p["id"] for p in drop["poles"]] == [net.poles[i]["id"] for i in (4, 5, 6)]
    assert drop["length"] == pytest.approx(100 + 20, abs=0.01)
    lonely = world.create("poles", {"coords": north(500 + 300, 40),
                                    "poleType": net.poles[0]["poleType"]})
    refused(world, "NO_ADJACENCY_PATH", lambda: world.create(
        "properties", {"box": box["id"], "auto_connect": True, "pole": lonely["id"]}))
    explicit = world.create("properties", {"box": box["id"], "auto_connect": True,
                                           "drop_poles": [net.poles[4]["id"], net.poles[5]["id"]],
                                           "coords": north(500 + 250)})
    assert world.docs["cables"][explicit["drop"]]["length"] == pytest.approx(50, abs=0.01)
    world.check_invariants()


def test_refusals_name_the_field_the_request_got_wrong(net):
    world, box = net.world, net.ctos[1]
    near = world.create("properties", {"box": box["id"], "auto_connect": True})
    moved = refused(world, "DROP_TOO_LONG", lambda: world.update(
        "properties", near["id"], {"coords": north(500 + 200 + 260)}))
    assert moved.field == "coords" and near["coords"] == box["coords"]     # nothing changed
    other = world.create("projects", {"name": "Outro"})
    wrong = refused(world, "CROSS_PROJECT_REFERENCE", lambda: world.create("properties", {
        "project": other["id"], "connector": net.splitters[0]["id"], "port": 1}))
    assert wrong.field == "connector"
    world.check_invariants()


def test_building_property_gets_its_parent(net):
    world = net.world
    prop = reserve(world, net.building, "AP-101")
    assert prop["parent"] == {"id": net.building["id"]} and prop["coords"] == net.building["coords"]
    assert connections(world, prop)[0]["id"] == net.building_splitter["id"]
    world.check_invariants()


# ---- updates --------------------------------------------------------------------------------

def test_detach_and_attach_clients(net):
    world = net.world
    prop = reserve(world, net.ctos[0], "A")
    first = prop["client"]
    world.clock.advance(60)
    world.update("properties", prop["id"], {"client": None})
    assert prop["client"] is None and first in world.docs["ftth-clients"]
    assert connections(world, prop) and free_ports(world, net.ctos[0]) == 7      # still occupies
    (entry,) = prop["history"]["clients"]
    assert entry["exit_date"] > entry["enter_date"]
    world.update("properties", prop["id"], {"client": {"code": "B", "implanted": True}})
    second = prop["client"]
    assert world.docs["ftth-clients"][second]["implanted"] is True
    world.update("properties", prop["id"], {"client": first})
    assert prop["client"] == first and second in world.docs["ftth-clients"]
    assert [e["id"] for e in prop["history"]["clients"]] == [first, second, first]
    assert [e["exit_date"] is None for e in prop["history"]["clients"]] == [False, False, True]
    world.check_invariants()


def test_moves_take_the_new_port_and_free_the_old(net):
    world, spl = net.world, net.splitters[0]
    prop = reserve(world, net.ctos[0], "A")
    old_drop = prop["drop"]
    world.update("properties", prop["id"], {"port": 4})
    assert connections(world, prop)[0]["port"] == 4 and spl["connectables"]["output"][0] is None
    assert old_drop not in world.docs["cables"] and prop["drop"] in world.docs["cables"]
    other = reserve(world, net.ctos[0], "B")
    assert connections(world, other)[0]["port"] == 1
    refused(world, "PORT_OCCUPIED", lambda: world.update("properties", prop["id"], {"port": 1}))
    world.update("properties", prop["id"], {"box": net.ctos[1]["id"]})          # box change
    assert connections(world, prop)[0]["id"] == net.splitters[1]["id"] and prop["box"] == net.ctos[1]["id"]
    assert free_ports(world, net.ctos[0]) == 7 and free_ports(world, net.ctos[1]) == 7
    world.update("properties", prop["id"], {"connector": net.building_splitter["id"], "port": 8})
    assert prop["box"] == net.building["id"] and prop["parent"] == {"id": net.building["id"]}
    world.update("properties", prop["id"], {"connector": None})
    assert connections(world, prop) == [] and prop["drop"] is None and prop["client"]
    assert free_ports(world, net.building) == 8
    world.update("properties", prop["id"], {"auto_connect": True})
    assert connections(world, prop)[0]["port"] == 1
    world.update("properties", prop["id"], {"auto_connect": True})            # already connected
    assert connections(world, prop)[0]["port"] == 1
    world.check_invariants()


def test_coords_change_remeasures_the_drop(net):
    world = net.world
    prop = reserve(world, net.ctos[0], "A")
    port = connections(world, prop)[0]["port"]
    world.update("properties", prop["id"], {"coords": north(600, 30), "potencyRead": -20.5})
    drop = world.docs["cables"][prop["drop"]]
    assert drop["length"] == pytest.approx(30, abs=0.01) and connections(world, prop)[0]["port"] == port
    assert prop["potencyRead"] == -20.5
    refused(world, "DROP_TOO_LONG", lambda: world.update(
        "properties", prop["id"], {"coords": north(600, 400)}))
    world.update("properties", prop["id"], {"address": "Rua B"})                # keeps the port
    assert prop["drop"] == drop["id"]
    with pytest.raises(Invalid):
        world.update("properties", prop["id"], {"potencyRead": "weak"})


def test_client_updates(net):
    world = net.world
    prop = reserve(world, net.ctos[0], "A")
    cid = prop["client"]
    world.update("ftth-clients", cid, {"implanted": True, "status": "ERROR",
                                       "onu": {"serial_number": "ZTEG0001"}})
    client = world.docs["ftth-clients"][cid]
    assert client["implanted"] is True and client["status"] == 1
    assert client["onu"] == {"user_PPPoE": "", "serial_number": "ZTEG0001", "mac_address": ""}
    reserve(world, net.ctos[0], "B")
    with pytest.raises(RuleViolation) as dup:
        world.update("ftth-clients", cid, {"code": "B"})
    assert dup.value.code == "DUPLICATE_CLIENT_CODE"
    world.update("ftth-clients", cid, {"code": "A"})                             # its own code
    with pytest.raises(Invalid):
        world.update("ftth-clients", cid, {"status": 7})


# ---- cancellation ---------------------------------------------------------------------------

def test_delete_property_removes_client_drop_and_frees_the_port(net):
    world, box = net.world, net.ctos[0]
    before = counts(world)
    prop = reserve(world, box, "A")
    drop, client = prop["drop"], prop["client"]
    world.delete("properties", prop["id"])
    assert counts(world) == before and free_ports(world, box) == 8
    assert client in world.tombstones["ftth-clients"] and drop in world.tombstones["cables"]
    assert drop not in box["cables"]
    world.check_invariants()


def test_delete_client_cancels_its_property(net):
    world, box = net.world, net.ctos[0]
    before = counts(world)
    prop = reserve(world, box, "A")
    world.delete("ftth-clients", prop["client"])
    assert counts(world) == before and prop["id"] not in world.docs["properties"]
    solo = world.create("ftth-clients", {"code": "S"})
    world.delete("ftth-clients", solo["id"])
    assert solo["id"] in world.tombstones["ftth-clients"]
    detached = reserve(world, box, "D")
    cid = detached["client"]
    world.update("properties", detached["id"], {"client": None})
    world.delete("ftth-clients", cid)
    assert detached["id"] in world.docs["properties"] and free_ports(world, box) == 7
    world.check_invariants()


# ---- batch updates and lookups --------------------------------------------------------------

def test_batch_update(net):
    world = net.world
    props = [reserve(world, net.ctos[0], code) for code in ("A", "B", "C")]
    ids = [p["id"] for p in props[:2]]
    flt = [{"property": "id", "operator": "in", "value": ids}]
    assert lifecycle.batch_update(world, "properties", flt, {"potencyRead": -19.25}) == 2
    assert [p["potencyRead"] for p in props] == [-19.25, -19.25, None]
    clients = [{"property": "code", "operator": "in", "value": ["A", "C"]}]
    assert lifecycle.batch_update(world, "ftth-clients", clients,
                                  {"status": "ERROR", "implanted": True, "certified": True}) == 2
    assert [world.docs["ftth-clients"][p["client"]]["status"] for p in props] == [1, 0, 1]
    for route, update in (("properties", {"address": "x"}), ("ftth-clients", {"code": "x"})):
        with pytest.raises(Invalid) as bad:
            lifecycle.batch_update(world, route, flt, update)
        assert bad.value.code == "BATCH_FIELD_NOT_ALLOWED" and bad.value.status == 400
    none = [{"property": "id", "operator": "=", "value": "e" * 24}]
    assert lifecycle.batch_update(world, "properties", none, {"potencyRead": None}) == 0
    # no filter (absent, null or [], as the SDK allows): every element the key may see
    other = world.create("projects", {"name": "Outro"})
    outside = world.create("properties", {"project": other["id"], "client": {"code": "O"}})
    mine = Access({net.project})
    assert lifecycle.batch_update(world, "properties", None, {"potencyRead": -30.0}, mine) == 3
    assert [p["potencyRead"] for p in props] == [-30.0] * 3 and outside["potencyRead"] is None
    assert lifecycle.batch_update(world, "ftth-clients", [], {"certified": True}, mine) == 3
    assert world.docs["ftth-clients"][outside["client"]]["certified"] is False
    assert lifecycle.batch_update(world, "ftth-clients", None, {"status": 1}) == 4   # every client
    with pytest.raises(Invalid) as bad:
        lifecycle.batch_update(world, "properties", None, {})
    assert bad.value.field == "update"


def test_properties_by_client_code(net):
    world = net.world
    prop = reserve(world, net.ctos[0], "123|456 A/B")
    assert lifecycle.properties_by_client_code(world, "123|456 A/B") == [prop]
    assert lifecycle.properties_by_client_code(world, "123|456 a/b") == []
    with pytest.raises(NotFound):
        lifecycle.property_by_client_code(world, "nope")


# ---- concurrency ----------------------------------------------------------------------------

def test_concurrent_reservations_never_oversubscribe_a_box(net):
    world, box = net.world, net.ctos[0]
    reserve(world, box, "early")
    world.update("splitters", net.splitters[0]["id"], {"ports": [{"index": 7, "blocked": True}]})
    free = free_ports(world, box)
    assert free == 6
    barrier, results = threading.Barrier(16), []

    def worker(n):
        barrier.wait()
        try:
            results.append(connections(world, reserve(world, box, f"T{n}"))[0]["port"])
        except RuleViolation as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ports = sorted(r for r in results if isinstance(r, int))
    assert ports == [2, 3, 4, 5, 6, 7]
    assert sorted(r for r in results if isinstance(r, str)) == ["BOX_FULL"] * (16 - free)
    assert free_ports(world, box) == 0
    world.check_invariants()
