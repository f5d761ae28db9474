"""Snapshots: save → load gives the same world, with working indexes, and only plain data."""
from __future__ import annotations

import gzip
import json
import os
import pickle

import pytest

from ozsim.core import snapshot
from ozsim.ftth import feasibility
from ozsim.generator import build_world
from ozsim.core.query import parse_filter
from ozsim.ftth.domain import FtthWorld

NEAR = parse_filter([{"property": "coords", "operator": "near",
                      "value": {"lat": -27.5954, "lng": -48.5480, "radius": 250}}])


@pytest.fixture(scope="module")
def world():
    w = build_world("demo", seed=4)
    prop = next(iter(w.docs["properties"].values()))
    w.delete("properties", prop["id"])               # leaves a tombstone
    return w


@pytest.mark.parametrize("fmt", ["pickle", "json"])
def test_round_trip_is_identical(world, tmp_path, fmt):
    path = tmp_path / f"w.{fmt}.gz"
    snapshot.save(world, path, fmt=fmt)
    loaded = snapshot.load(path, FtthWorld)
    assert json.dumps(loaded.docs) == json.dumps(world.docs)
    assert loaded.tombstones == world.tombstones and any(loaded.tombstones["properties"].values())
    assert (loaded.tenant, loaded.seed, loaded.settings) == (world.tenant, world.seed, world.settings)
    assert loaded.user is loaded.docs["users"][world.user["id"]]
    assert loaded.rng.getstate() == world.rng.getstate()
    assert (loaded._id_counter, loaded._id_seconds) == (world._id_counter, world._id_seconds)
    assert loaded.clock.frozen == world.clock.frozen
    assert loaded.ports.available == world.ports.available
    loaded.check_invariants()


def test_documents_come_back_in_the_worlds_order_with_their_indexes(world, tmp_path):
    """Splitters and cables have two key orders, interleaved: the groups come back merged in
    the order the world held them. Indexes, spatial rows and the port ledger built in bulk
    are those the world built document by document."""
    assert len({tuple(d) for d in world.docs["splitters"].values()}) > 1
    path = tmp_path / "w.gz"
    snapshot.save(world, path)
    loaded = snapshot.load(path, FtthWorld)
    assert all(list(loaded.docs[r]) == list(world.docs[r]) for r in world.docs)
    assert all(list(map(tuple, loaded.docs[r].values())) == list(map(tuple, world.docs[r].values()))
               for r in world.docs)
    assert buckets(loaded) == buckets(world)
    assert {r: (g._rows, g._where) for r, g in loaded.spatial.items()} == \
        {r: (g._rows, g._where) for r, g in world.spatial.items()}
    assert loaded.ports._served == world.ports._served


def buckets(world) -> dict:
    """Every equality index as {value: set of ids} (a bucket's order is its history's)."""
    return {name: {value: world.ids_where(*name, value) for value in index}
            for name, index in world.indexes.items()}


def test_shared_strings_stay_shared(world, tmp_path):
    """A reference is the very string object of the id it names, across collections: a
    loaded world costs what the saved one did."""
    path = tmp_path / "w.gz"
    snapshot.save(world, path)
    loaded = snapshot.load(path, FtthWorld)
    prop = next(p for p in loaded.docs["properties"].values() if p.get("box"))
    assert prop["box"] is loaded.docs["boxes"][prop["box"]]["id"]
    assert prop["project"] is loaded.docs["projects"][prop["project"]]["id"]
    fiber = next(iter(loaded.docs["fibers"].values()))
    assert fiber["parent"] is loaded.docs["cables"][fiber["parent"]]["id"]


def test_the_same_world_always_gives_the_same_bytes(world, tmp_path):
    """No time stamp or file name in the file: saving twice, or saving what was loaded, gives
    identical bytes."""
    first, second, again = tmp_path / "a.gz", tmp_path / "b.gz", tmp_path / "c.gz"
    snapshot.save(world, first)
    snapshot.save(world, second)
    snapshot.save(snapshot.load(first, FtthWorld), again)
    assert first.read_bytes() == second.read_bytes() == again.read_bytes()
    changed = snapshot.load(first, FtthWorld)           # API writes: plain documents, tombstones
    box = next(b for b in changed.docs["boxes"].values() if changed.ports.available.get(b["id"]))
    made = changed.create("properties", {"box": box["id"], "auto_connect": True,
                                         "client": {"code": "SNAP-BYTES"}})
    changed.update("properties", made["id"], {"observation": "moved in"})
    changed.delete("poles", next(iter(changed.docs["poles"])))
    snapshot.save(changed, first)
    snapshot.save(snapshot.load(first, FtthWorld), again)
    assert first.read_bytes() == again.read_bytes()


def _save_v2(world, path) -> None:
    """A snapshot as version 2 wrote it: one pickle, each collection grouped by key order,
    one tuple of values per document."""
    def shapes(docs):
        groups = {}
        for doc in docs.values():
            groups.setdefault(tuple(doc), []).append(tuple(doc.values()))
        return [[list(keys), rows] for keys, rows in groups.items()]

    state = {"format": snapshot.FORMAT, "version": 2, "layout": "shapes", "tenant": world.tenant,
             "seed": world.seed, "settings": dict(world.settings),
             "docs": {route: shapes(docs) for route, docs in world.docs.items()},
             "tombstones": {r: list(t.values()) for r, t in world.tombstones.items() if t},
             "rng": world.rng.getstate(), "clock": {"frozen": None, "last": None},
             "ids": {"counter": world._id_counter, "seconds": world._id_seconds},
             "user": world.user["id"]}
    with gzip.open(path, "wb", compresslevel=1) as out:
        pickle.dump(state, out, protocol=5)


def test_version_2_snapshots_still_load(world, tmp_path):
    path = tmp_path / "v2.gz"
    _save_v2(world, path)
    loaded = snapshot.load(path, FtthWorld)
    assert json.dumps(loaded.docs, sort_keys=True) == json.dumps(world.docs, sort_keys=True)
    assert buckets(loaded) == buckets(world) and loaded.ports.available == world.ports.available
    assert loaded.tombstones == world.tombstones and loaded.user["id"] == world.user["id"]
    assert snapshot.describe(path)["counts"]["properties"] == len(world.docs["properties"])
    loaded.check_invariants()


def test_a_damaged_snapshot_is_refused(world, tmp_path):
    path = tmp_path / "w.gz"
    snapshot.save(world, path)
    whole = path.read_bytes()
    cut = tmp_path / "cut.gz"
    cut.write_bytes(whole[:len(whole) // 2])
    with pytest.raises(snapshot.SnapshotError, match="not a complete snapshot"):
        snapshot.load(cut, FtthWorld)
    header = json.dumps({"format": snapshot.FORMAT, "version": 3, "layout": "columns",
                         "tenant": "t", "seed": 0, "settings": {}, "clock": {}, "ids": {},
                         "user": None, "counts": [["tags", 2]], "tombstones": []})
    for chunk, error in (
            ([None, [['["id", "name"]', ["a" * 24, "b" * 24], ["x"]]]], "differ in length"),
            ([None, [['["id"]', ["a" * 24]]]], "1 documents where 2 were announced"),
            ([None, [['["name"]', ["a", "b"]]]], "no ids"),
            ([[0, 1], [['["id"]', ["a" * 24, "b" * 24]]]], "damaged")):
        bad = tmp_path / "bad.gz"
        with gzip.open(bad, "wb") as out:
            pickler = pickle.Pickler(out, protocol=5)
            for part in (header, [], chunk):
                pickler.dump(part)
        with pytest.raises(snapshot.SnapshotError, match=error):
            snapshot.load(bad, FtthWorld)


def test_indexes_and_spatial_indexes_are_rebuilt(world, tmp_path):
    path = tmp_path / "w.gz"
    snapshot.save(world, path)
    loaded = snapshot.load(path, FtthWorld)
    box = next(b for b in world.docs["boxes"].values() if world.docs_where("properties", "box", b["id"]))
    by_box = parse_filter([{"property": "box", "operator": "=", "value": box["id"]}])
    for route, flt in (("properties", by_box), ("boxes", NEAR), ("poles", NEAR),
                       ("properties", NEAR)):
        expected = [d["id"] for d in world.find(route, flt)[1]]
        assert expected and [d["id"] for d in loaded.find(route, flt)[1]] == expected
    client = next(c for c in world.docs["ftth-clients"].values())
    assert loaded.ids_where("ftth-clients", "code", client["code"]) == {client["id"]}
    assert feasibility.radius(loaded, -27.5954, -48.5480, 150) == \
        feasibility.radius(world, -27.5954, -48.5480, 150)


def test_a_loaded_world_keeps_working(world, tmp_path):
    path = tmp_path / "w.gz"
    snapshot.save(world, path)
    loaded, twin = snapshot.load(path, FtthWorld), snapshot.load(path, FtthWorld)
    box = next(b for b in loaded.docs["boxes"].values() if loaded.ports.available.get(b["id"]))
    made = [w.create("properties", {"box": box["id"], "auto_connect": True,
                                     "client": {"code": "SNAP-1"}}) for w in (loaded, twin)]
    assert made[0]["id"] == made[1]["id"]         # the RNG and id mint continue identically
    assert made[0]["id"] not in world.docs["properties"]
    loaded.check_invariants()


def test_snapshots_hold_plain_data_only(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    path = tmp_path / "evil.gz"
    with gzip.open(path, "wb") as out:
        pickle.dump({"format": snapshot.FORMAT, "version": 1, "docs": Evil()}, out)
    with pytest.raises(snapshot.SnapshotError, match="plain data"):
        snapshot.load(path, FtthWorld)
    later = tmp_path / "later.gz"                     # code in a collection, after the header
    with gzip.open(later, "wb") as out:
        pickler = pickle.Pickler(out, protocol=5)
        pickler.dump(json.dumps({"format": snapshot.FORMAT, "version": 3, "layout": "columns",
                                 "tenant": "t", "seed": 0, "counts": [["tags", 1]],
                                 "tombstones": []}))
        pickler.dump([])
        pickler.dump([None, [['["id"]', Evil()]]])
    with pytest.raises(snapshot.SnapshotError, match="plain data"):
        snapshot.load(later, FtthWorld)
    junk = tmp_path / "junk"
    junk.write_text("not a snapshot")
    with pytest.raises(snapshot.SnapshotError):
        snapshot.load(junk, FtthWorld)
    old = tmp_path / "old.gz"
    with gzip.open(old, "wb") as out:
        pickle.dump({"format": snapshot.FORMAT, "version": 99}, out)
    with pytest.raises(snapshot.SnapshotError, match="version 99"):
        snapshot.load(old, FtthWorld)


def test_describe(world, tmp_path):
    path = tmp_path / "w.gz"
    snapshot.save(world, path)
    info = snapshot.describe(path)
    assert info["counts"]["properties"] == len(world.docs["properties"])
    assert info["tenant"] == world.tenant and info["version"] == snapshot.VERSION
