"""The domain core's generic machinery: ids, clock, stamps, indexes, tombstones, tenants,
and how documents are stored (index buckets, compact documents, the shared empty list)."""
from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ozsim.ftth.domain import frozen_clock, new_world
from ozsim.core.clock import Clock, parse_iso
from ozsim.core.errors import Invalid, NotFound, RuleViolation
from ozsim.core.query import parse_filter
from ozsim.core.tenants import Tenants
from ozsim.core.world import Access
from ozsim.core.store import EMPTY, compact, hold, hold_all, release


def test_ids_are_24_hex_deterministic_and_in_creation_order():
    a, b = new_world(seed=7, clock=frozen_clock()), new_world(seed=7, clock=frozen_clock())
    ids_a = [a.new_id() for _ in range(50)]
    assert ids_a == [b.new_id() for _ in range(50)]
    assert all(len(i) == 24 and int(i, 16) >= 0 for i in ids_a)
    assert ids_a == sorted(ids_a) and len(set(ids_a)) == 50
    assert new_world(seed=8, clock=frozen_clock()).new_id() != ids_a[0]


def test_clock_freezes_advances_and_never_repeats():
    clock = frozen_clock("2025-01-01T00:00:00.000Z")
    first, second = clock.now_iso(), clock.now_iso()
    assert first == "2025-01-01T00:00:00.000Z" and second > first
    clock.advance(600)
    assert parse_iso(clock.now_iso()) >= parse_iso("2025-01-01T00:10:00.000Z")
    live = Clock()
    assert not live.frozen and abs(live.now() - dt.datetime.now(dt.timezone.utc)) < \
        dt.timedelta(seconds=5)


def test_stamps_creator_and_update_touch():
    world = new_world(clock=frozen_clock())
    project = world.create("projects", {"name": "P"})
    assert project["createdAt"] == project["updatedAt"]
    assert project["creatorData"]["username"] == world.user["username"]
    world.clock.advance(60)
    world.update("projects", project["id"], {"name": "Q"})
    assert project["updatedAt"] > project["createdAt"] and project["name"] == "Q"


def test_indexes_follow_updates_and_deletes():
    world = new_world()
    p1, p2 = world.create("projects", {"name": "A"}), world.create("projects", {"name": "B"})
    cto = next(d["id"] for d in world.docs["box-types"].values() if d["code"] == "CTO")
    box = world.create("boxes", {"project": p1["id"], "coords": [-48.5, -27.5], "boxType": cto,
                                 "hierarchyLevel": 3, "implanted": True})
    assert world.ids_where("boxes", "project", p1["id"]) == {box["id"]}
    flt = parse_filter([{"property": "coords", "operator": "near",
                         "value": {"lng": -48.5, "lat": -27.5, "radius": 5}}])
    assert world.find("boxes", flt)[0] == 1
    world.update("boxes", box["id"], {"coords": [-48.6, -27.5]})
    assert world.find("boxes", flt)[0] == 0
    world.delete("boxes", box["id"])
    assert not world.ids_where("boxes", "project", p1["id"])
    with pytest.raises(NotFound):
        world.get("boxes", box["id"])
    tombstones = world.find("boxes", parse_filter(
        [{"property": "deletedAt", "operator": "exists", "value": True}]))[1]
    assert tombstones == [{"id": box["id"], "kind": "Box", "deletedAt": tombstones[0]["deletedAt"],
                           "project": p1["id"]}]
    assert world.find("boxes", parse_filter([{"property": "deletedAt", "operator": "exists",
                                              "value": True}]), access=Access({p2["id"]}))[0] == 0
    assert p2["id"] not in world.ids_where("boxes", "project", p2["id"])


def test_references_are_checked_and_nothing_is_stored_on_failure():
    world = new_world()
    before = len(world.docs["boxes"])
    with pytest.raises(RuleViolation) as err:
        world.create("boxes", {"project": "0" * 24, "coords": [0, 0], "boxType": "1" * 24,
                               "hierarchyLevel": 3, "implanted": True})
    assert err.value.field == "project" and err.value.code == "REFERENCE_NOT_FOUND"
    with pytest.raises(Invalid) as bad:
        world.get("boxes", "xyz")
    assert bad.value.code == "INVALID_OBJECT_ID"
    assert len(world.docs["boxes"]) == before


def test_a_reference_to_the_wrong_kind_is_refused():
    world = new_world()
    project = world.create("projects", {"name": "P"})
    with pytest.raises(RuleViolation) as err:
        world.create("boxes", {"project": project["id"], "coords": [0, 0], "boxType": project["id"],
                               "hierarchyLevel": 3, "implanted": True})
    assert err.value.field == "boxType" and "BoxType" in err.value.message


def test_usernames_are_unique_and_the_keys_own_user_stays():
    world = new_world()
    tech = world.create("users", {"username": "tecnico", "name": "Técnico", "email": "t@x.br",
                                  "password": "s", "resources": [], "role": None,
                                  "projects": [], "projectGroups": []})
    with pytest.raises(RuleViolation) as taken:
        world.update("users", tech["id"], {"username": world.user["username"]})
    assert taken.value.code == "DUPLICATE_USERNAME" and tech["username"] == "tecnico"
    with pytest.raises(RuleViolation) as own:
        world.delete("users", world.user["id"])
    assert own.value.code == "API_USER_IN_USE" and world.user["id"] in world.docs["users"]
    world.delete("users", tech["id"])
    assert tech["id"] not in world.docs["users"]


def test_tenants_are_isolated_and_created_once_under_concurrency():
    built = []
    tenants = Tenants(lambda name: built.append(name) or new_world(name))
    tenants.register("k1", "one")
    tenants.register("k2", "two")
    worlds = []
    threads = [threading.Thread(target=lambda: worlds.append(tenants.world("one")))
               for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert built.count("one") == 1 and len({id(w) for w in worlds}) == 1
    tenants.world("one").create("projects", {"name": "only in one"})
    assert len(tenants.world("two").docs["projects"]) == 0
    fresh = tenants.replace("one")
    assert len(fresh.docs["projects"]) == 0 and tenants.world("one") is fresh


# ---- storage: index buckets, compact documents, the shared empty list --------------------

@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 2), st.integers(0, 60)), max_size=400))
def test_index_buckets_hold_exactly_the_ids_added_and_not_removed(ops):
    """Buckets change shape (id → tuple → set and back); ids_where always equals a model."""
    index, model = {}, {}
    for add, value, n in ops:
        doc_id = f"{n:024x}"
        (hold if add else release)(index, value, doc_id)
        (model.setdefault(value, set()).add if add else model.setdefault(value, set()).discard)(doc_id)
        held = index.get(value)
        got = set() if held is None else {held} if isinstance(held, str) else set(held)
        assert got == model[value]
        assert held is None or isinstance(held, str) and len(model[value]) == 1 or \
            len(held) == len(model[value]) > 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 3), st.sampled_from(["a", "b"]),
                          st.just([1]), st.just({"x": 1})), max_size=120),
       st.lists(st.tuples(st.integers(0, 3), st.integers(0, 999)), max_size=20))
def test_index_buckets_built_in_bulk_equal_those_built_one_by_one(values, before):
    """``hold_all`` (snapshot loads) gives the buckets ``hold`` gives, shapes included
    (ids past SMALL_BUCKET make a set), into an empty index or one that holds ids already."""
    ids = [f"{n:024x}" for n in range(len(values))]
    for start in ([], before):
        one_by_one, bulk = {}, {}
        for value, n in start:
            hold(one_by_one, value, f"{n:024x}a")
            hold(bulk, value, f"{n:024x}a")
        for value, doc_id in zip(values, ids):
            if value is not None and not isinstance(value, (dict, list)):
                hold(one_by_one, value, doc_id)
        hold_all(bulk, list(values), ids)
        assert bulk == one_by_one


def test_a_value_held_by_many_documents_is_a_set_in_bulk_too():
    ids = [f"{n:024x}" for n in range(40)]
    one_by_one, bulk = {}, {}
    for doc_id in ids:
        hold(one_by_one, "p", doc_id)
    hold_all(bulk, ["p"] * 40, ids)
    assert bulk == one_by_one and isinstance(bulk["p"], set)


def test_compact_documents_equal_the_originals_and_behave_as_dicts():
    doc = {f"field{i}": i for i in range(26)} | {"id": "a" * 24, "tags": EMPTY}
    stored = compact("compact-test", doc)
    assert stored == doc and type(stored) is dict and list(stored) == list(doc)
    assert sys.getsizeof(stored) < sys.getsizeof(doc)
    stored.update(field3="x", extra=1)
    assert stored["field3"] == "x" and stored["extra"] == 1 and doc["field3"] == 3
    assert compact("compact-test", {"id": "b" * 24}) == {"id": "b" * 24}     # few keys: as is
    assert json.loads(json.dumps(stored)) == {**doc, "field3": "x", "extra": 1, "tags": []}


def test_the_shared_empty_list_refuses_changes_and_copies_to_plain_lists():
    for change in (lambda e: e.append(1), lambda e: e.extend([1]), lambda e: e.insert(0, 1),
                   lambda e: e.__setitem__(slice(0, 0), [1]), lambda e: e.__iadd__([1]),
                   lambda e: e.sort(), lambda e: e.clear()):
        with pytest.raises(TypeError):
            change(EMPTY)
    assert EMPTY == [] and isinstance(EMPTY, list) and not EMPTY
    assert type(copy.deepcopy({"t": EMPTY})["t"]) is list and type(EMPTY + [1]) is list
    assert pickle.loads(pickle.dumps(EMPTY)) is EMPTY


def test_set_fields_keeps_every_index_right_whether_or_not_it_reindexes():
    world = new_world(clock=frozen_clock())
    project = world.create("projects", {"name": "P"})
    client = world.create("ftth-clients", {"code": "A"})
    prop = world.create("properties", {"project": project["id"], "coords": [-48.5, -27.5],
                                       "client": client["id"]})
    before = prop["updatedAt"]
    world.set_fields("properties", prop, {"potencyRead": -21.4})       # nothing indexed
    assert prop["potencyRead"] == -21.4 and prop["updatedAt"] > before
    assert world.ids_where("properties", "client", client["id"]) == {prop["id"]}
    world.set_fields("properties", prop, {"client": None, "coords": [-48.6, -27.6]})
    assert world.ids_where("properties", "client", client["id"]) == set()
    assert [i for _, i in world.spatial["properties"].within(-48.6, -27.6, 10)] == [prop["id"]]
    assert world.spatial["properties"].within(-48.5, -27.5, 10) == []
    world.set_fields("ftth-clients", client, {"code": "B"})
    assert world.ids_where("ftth-clients", "code", "A") == set()
    assert world.ids_where("ftth-clients", "code", "B") == {client["id"]}
    world.check_invariants()
