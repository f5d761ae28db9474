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
