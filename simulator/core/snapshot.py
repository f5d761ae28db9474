"""Snapshots of a world: ``save(world, path)`` and ``load(path) -> World``.

A snapshot holds everything that makes a world what it is — the collections, the tombstones,
the settings, the RNG state, the clock state, the id mint and the API user — and nothing
that can be derived: equality indexes, spatial indexes and the port ledger are rebuilt on load.

Format (version 2): a gzip stream (level 1) holding one pickle (protocol 5) of plain builtins
only — dicts, lists, tuples, strings, numbers, booleans, ``None`` — and the world's shared
empty list (``store.EMPTY``, named by ``shared_empty``):

    {"format": "ozsim-snapshot", "version": 2, "layout": "shapes", "tenant", "seed",
     "settings", "docs": {route: [[keys, [values, ...]], ...]},
     "tombstones": {route: [tombstone, ...]}, "rng": random.getstate(),
     "clock": {"frozen": iso|None, "last": iso|None}, "ids": {"counter", "seconds"},
     "user": user id | None}

``docs`` groups each collection's documents by their keys (in order): one list of keys, then
one tuple of values per document. Loading builds every document straight into its compact,
key-sharing form (``store.maker``) from those tuples, dropping each tuple as it goes, so a
loaded world never holds two copies of its documents (``large``: see benchmarks/README.md).

Why pickle and not JSON: pickle dumps and loads several times faster than the standard
``json`` module, and it keeps *shared* strings shared — a reference id stored in a million
documents is one string object after loading, where JSON would allocate a million copies.
Unpickling is made safe with an unpickler that refuses every global but ``shared_empty``: a
snapshot can only contain builtin data, never code, so loading a hostile file fails instead
of executing anything. ``save(..., fmt="json")`` writes a gzip'd JSON document with
``"layout": "documents"`` (``docs: {route: [doc, ...]}``) for people who want to read or diff
a snapshot; ``load`` reads both layouts, and version 1 (documents).
"""
from __future__ import annotations

import contextlib
import gc
import gzip
import io
import json
import pickle

from .clock import Clock, iso, parse_iso
from .store import maker, shared_empty

FORMAT = "ozsim-snapshot"
VERSION = 2
READS = (1, 2)


class SnapshotError(ValueError):
    """The file is not a snapshot this version can read."""


# where ``shared_empty`` has lived: snapshots name it by module (version 2 files written
# before the core moved name ``simulator.world.store``)
_SHARED_EMPTY = {(shared_empty.__module__, "shared_empty"),
                 ("simulator.world.store", "shared_empty")}


class _BuiltinsOnly(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _SHARED_EMPTY:
            return shared_empty
        raise SnapshotError(f"a snapshot may only hold plain data; refusing {module}.{name}")


def _shapes(docs: dict) -> list:
    """``[[keys, [values, ...]], ...]``: the documents grouped by their keys (in order)."""
    groups: dict[tuple, list] = {}
    for doc in docs.values():
        groups.setdefault(tuple(doc), []).append(tuple(doc.values()))
    return [[list(keys), rows] for keys, rows in groups.items()]


def _state(world, layout: str) -> dict:
    clock = world.clock
    frozen = getattr(clock, "_frozen", None)
    last = getattr(clock, "_last", None)
    group = _shapes if layout == "shapes" else (lambda docs: list(docs.values()))
    return {
        "format": FORMAT, "version": VERSION, "layout": layout, "tenant": world.tenant,
        "seed": world.seed, "settings": dict(world.settings),
        "docs": {route: group(docs) for route, docs in world.docs.items()},
        "tombstones": {route: list(t.values()) for route, t in world.tombstones.items() if t},
        "rng": world.rng.getstate(),
        "clock": {"frozen": iso(frozen) if frozen else None, "last": iso(last) if last else None},
        "ids": {"counter": world._id_counter, "seconds": world._id_seconds},
        "user": world.user["id"] if world.user else None,
    }


def save(world, path, fmt: str = "pickle") -> None:
    """Write ``world`` to ``path`` — a file name or a binary file object (gzip'd pickle, or
    gzip'd JSON with ``fmt="json"``). The same world always gives the same bytes."""
    if fmt not in ("pickle", "json"):
        raise ValueError(f"unknown snapshot format {fmt!r}: 'pickle' or 'json'")
    with world.lock:
        state = _state(world, "documents" if fmt == "json" else "shapes")
        with _gzip(path) as out:
            if fmt == "json":
                state["rng"] = [state["rng"][0], list(state["rng"][1]), state["rng"][2]]
                with io.TextIOWrapper(out, encoding="utf-8") as text:
                    _write_json(state, text)
            else:
                pickle.dump(state, out, protocol=5)


@contextlib.contextmanager
def _gzip(target):
    """A level-1 gzip stream into ``target`` (a file name or a binary file object) whose header
    holds neither a file name nor a time (``gzip.open`` writes both)."""
    with contextlib.ExitStack() as stack:
        raw = target if hasattr(target, "write") else stack.enter_context(open(target, "wb"))
        yield stack.enter_context(gzip.GzipFile(filename="", mode="wb", compresslevel=1,
                                                fileobj=raw, mtime=0))


def _write_json(state: dict, out) -> None:
    """``json.dump(state)``, one document at a time through the C encoder (``json.dump``
    itself falls back to the pure-Python encoder, several times slower)."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    out.write("{")
    for i, (key, value) in enumerate(state.items()):
        out.write(("," if i else "") + dumps(key) + ":")
        if key in ("docs", "tombstones"):
            out.write("{")
            for j, (route, docs) in enumerate(value.items()):
                out.write(("," if j else "") + dumps(route) + ":[")
                for start in range(0, len(docs), 1000):
                    out.write(("," if start else "") + ",".join(map(dumps, docs[start:start + 1000])))
                out.write("]")
            out.write("}")
        else:
            out.write(dumps(value))
    out.write("}")


def _read(path) -> dict:
    with open(path, "rb") as raw:
        head = raw.read(2)
    if head != b"\x1f\x8b":
        raise SnapshotError(f"{path} is not a snapshot (not gzip-compressed)")
    with gzip.open(path, "rb") as stream:
        buffered = io.BufferedReader(stream, buffer_size=1 << 20)
        first = buffered.peek(1)[:1]
        if first == b"\x80":                               # pickle protocol 2+
            return _BuiltinsOnly(buffered).load()
        if first == b"{":
            return json.load(io.TextIOWrapper(buffered, encoding="utf-8"))
    raise SnapshotError(f"{path} is not a snapshot (unknown payload)")


def load(path, make_world):
    """A world restored from ``path``; indexes and spatial indexes are rebuilt.
    ``make_world(tenant, seed, clock, settings)`` makes the empty world of the domain."""

    gc_was_enabled = gc.isenabled()
    gc.disable()        # millions of new containers: cyclic GC passes would dominate the load
    try:
        state = _read(path)
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise SnapshotError(f"{path} is not an ozsim snapshot")
        if state.get("version") not in READS:
            raise SnapshotError(f"{path} is snapshot version {state.get('version')}; "
                                f"this simulator reads versions {READS}")
        clock_state = state.get("clock") or {}
        frozen = clock_state.get("frozen")
        clock = Clock(parse_iso(frozen) if frozen else None)
        if clock_state.get("last"):
            clock._last = parse_iso(clock_state["last"])
        world = make_world(state["tenant"], state["seed"], clock, state.get("settings"))
        shapes = state.get("layout") == "shapes"
        for route, docs in state["docs"].items():
            if route not in world.resources:
                raise SnapshotError(f"{path} holds an unknown collection {route!r}")
            if not shapes:
                for doc in docs:
                    world.store(route, doc)
                continue
            made = []
            for keys, rows in docs:
                keys = tuple(keys)
                make = maker(route, keys) or (lambda *values, k=keys: dict(zip(k, values)))
                rows.reverse()                       # pop from the end: each tuple is freed
                while rows:
                    made.append(make(*rows.pop()))
            made.sort(key=lambda doc: doc["id"])     # creation order, as ids are minted
            for doc in made:
                world.keep(route, doc)
        version, internal, gauss = state["rng"]
        world.rng.setstate((version, tuple(internal), gauss))
        world._id_counter = state["ids"]["counter"]
        world._id_seconds = state["ids"]["seconds"]
        for route, tombstones in (state.get("tombstones") or {}).items():
            world.tombstones[route].update((t["id"], t) for t in tombstones)
        user = state.get("user")
        world.user = world.docs["users"].get(user) if user else None
        if world.user is not None and "allProjects" not in world.user:
            world.user["allProjects"] = True        # written before users had allProjects
    finally:
        if gc_was_enabled:
            gc.enable()
    world.settle()
    return world


def describe(path) -> dict:
    """Counts per collection and the header fields of a snapshot (for the CLI)."""
    state = _read(path)
    shapes = state.get("layout") == "shapes"
    return {"tenant": state.get("tenant"), "seed": state.get("seed"),
            "version": state.get("version"),
            "counts": {r: sum(len(rows) for _, rows in d) if shapes else len(d)
                       for r, d in state.get("docs", {}).items() if d}}


__all__ = ["save", "load", "describe", "SnapshotError", "FORMAT", "VERSION"]
