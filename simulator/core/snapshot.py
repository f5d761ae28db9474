"""Snapshots of a world: ``save(world, path)`` and ``load(path) -> World``.

A snapshot holds everything that makes a world what it is — the collections, the tombstones,
the settings, the RNG state, the clock state, the id mint and the API user — and nothing
that can be derived: equality indexes, spatial indexes and the port ledger are rebuilt on load.

Format (version 3): a gzip stream (level 1, no name, no time stamp) holding a sequence of
pickles (protocol 5) written by one pickler, so that an object met again in a later pickle
is a reference to the first one. They hold plain builtins only — dicts, lists, tuples,
strings, numbers, booleans, ``None`` — the world's shared empty list (``store.EMPTY``, named
by ``shared_empty``) and ``builtins.list``:

1. the header, a JSON text: ``{"format": "ozsim-snapshot", "version": 3, "layout":
   "columns", "tenant", "seed", "settings", "rng": random.getstate(), "clock": {"frozen":
   iso|None, "last": iso|None}, "ids": {"counter", "seconds"}, "user": user id | None,
   "counts": [[route, number of documents], ...], "tombstones": [route, ...]}``;
2. the tombstones of those routes, ``[[tombstone, ...], ...]``;
3. for every route of ``counts``, in that order, ``[order, groups]``: ``groups`` is
   ``[[keys, column, column, ...], ...]``, the route's documents grouped by their keys (in
   order), one column of values per key; ``order`` is None for a single group, else the group
   of each document in turn, so that documents come back in the order the world held them.

What the world's structure names rather than its data — route names, document keys (a
loaded world's documents use the code's own key strings), settings keys, the header's own
keys — is written as JSON text (the header, each group's ``keys``): written as strings, they
would share the pickler's memo with equal strings of the data in one save and not in the
next. So the same world always gives the same bytes, and a snapshot of a loaded world is
byte for byte the snapshot it was loaded from.

Loading builds every document straight into its compact, key-sharing form (``store.maker``)
from the columns, one route at a time, and builds the route's indexes field by field
(``World.keep_all``). The decompression runs on a thread of its own (zlib releases the GIL),
alongside the unpickling. Saving never materialises a column (``_Column``): a pickler keeps
alive everything it has pickled, to share it, so a world's save costs the pickler's memo on
top of the world and little else (``large``: benchmarks/README.md).

Why pickle and not JSON: pickle dumps and loads several times faster than the standard
``json`` module, and it keeps *shared* strings shared — a reference id stored in a million
documents is one string object after loading, where JSON would allocate a million copies.
Unpickling is made safe with an unpickler that refuses every global but ``shared_empty`` and
``builtins.list``: a snapshot can only contain builtin data, never code, so loading a hostile
file fails instead of executing anything. ``save(..., fmt="json")`` writes a gzip'd JSON
document with ``"layout": "documents"`` (``docs: {route: [doc, ...]}``) for people who want
to read or diff a snapshot. ``load`` reads both, and the versions before: 1 (documents) and 2
(one pickle, ``"layout": "shapes"``: ``docs: {route: [[keys, [values, ...]], ...]}``, one
tuple of values per document).
"""
from __future__ import annotations

import contextlib
import gc
import gzip
import io
import json
import pickle
import queue
import threading
import zlib
from operator import itemgetter

from .clock import Clock, iso, parse_iso
from .store import compact, maker, shared_empty, trim_heap

FORMAT = "ozsim-snapshot"
VERSION = 3
READS = (1, 2, 3)


class SnapshotError(ValueError):
    """The file is not a snapshot this version can read."""


# the globals a snapshot may name. ``shared_empty`` by module: version 2 files written before
# the core moved name ``simulator.world.store``
_GLOBALS = {(shared_empty.__module__, "shared_empty"): shared_empty,
            ("simulator.world.store", "shared_empty"): shared_empty,
            ("builtins", "list"): list}


class _BuiltinsOnly(pickle.Unpickler):
    def find_class(self, module, name):
        found = _GLOBALS.get((module, name))
        if found is None:
            raise SnapshotError(f"a snapshot may only hold plain data; refusing {module}.{name}")
        return found


class _Column:
    """A list pickled from an iterator (``list`` with appended items) and never built: a
    pickler keeps everything it pickles alive until it is done, so a list made per column
    would stay in memory for the whole save."""

    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items

    def __reduce__(self):
        return list, (), None, self.items


def _columns(docs: dict) -> list:
    """``[order, groups]`` of a route's documents (the module docstring)."""
    groups: dict[tuple, tuple[int, list]] = {}
    order = []
    for doc in docs.values():
        keys = tuple(doc)
        group = groups.get(keys)
        if group is None:
            group = groups[keys] = (len(groups), [])
        group[1].append(doc)
        order.append(group[0])
    return [order if len(groups) > 1 else None,
            [[json.dumps(keys), *(_Column(map(itemgetter(key), members)) for key in keys)]
             for keys, (_, members) in groups.items()]]


def _header(world, layout: str) -> dict:
    clock = world.clock
    frozen = getattr(clock, "_frozen", None)
    last = getattr(clock, "_last", None)
    version, internal, gauss = world.rng.getstate()
    return {
        "format": FORMAT, "version": VERSION, "layout": layout, "tenant": world.tenant,
        "seed": world.seed, "settings": dict(world.settings),
        "rng": [version, list(internal), gauss],
        "clock": {"frozen": iso(frozen) if frozen else None, "last": iso(last) if last else None},
        "ids": {"counter": world._id_counter, "seconds": world._id_seconds},
        "user": world.user["id"] if world.user else None,
    }


def save(world, path, fmt: str = "pickle") -> None:
    """Write ``world`` to ``path`` — a file name or a binary file object (gzip'd pickles, or
    gzip'd JSON with ``fmt="json"``). The same world always gives the same bytes."""
    if fmt not in ("pickle", "json"):
        raise ValueError(f"unknown snapshot format {fmt!r}: 'pickle' or 'json'")
    with world.lock, _gzip(path) as out:
        header = _header(world, "documents" if fmt == "json" else "columns")
        tombstoned = [route for route, tombstones in world.tombstones.items() if tombstones]
        if fmt == "json":
            header["tombstones"] = {route: list(world.tombstones[route].values())
                                    for route in tombstoned}
            header["docs"] = {route: list(docs.values()) for route, docs in world.docs.items()}
            with io.TextIOWrapper(out, encoding="utf-8") as text:
                _write_json(header, text)
            return
        header["counts"] = [[route, len(docs)] for route, docs in world.docs.items() if docs]
        header["tombstones"] = tombstoned
        pickler = pickle.Pickler(out, protocol=5)
        pickler.dump(json.dumps(header, separators=(",", ":")))
        pickler.dump([list(world.tombstones[route].values()) for route in tombstoned])
        for route, _ in header["counts"]:
            pickler.dump(_columns(world.docs[route]))
            trim_heap()         # the route's temporary lists, before the memo grows again


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


class _Inflating(io.RawIOBase):
    """The decompressed bytes of a gzip file, inflated ahead by a thread of its own: zlib
    releases the GIL, so decompression overlaps what the reader does with the bytes."""

    CHUNK = 1 << 20

    def __init__(self, raw):
        self._raw = raw
        self._chunks: queue.Queue = queue.Queue(maxsize=32)
        self._chunk, self._at, self._done = memoryview(b""), 0, False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._inflate, name="ozsim-snapshot-inflate",
                                        daemon=True)
        self._thread.start()

    def _inflate(self) -> None:
        try:
            inflater = zlib.decompressobj(31)
            while block := self._raw.read(self.CHUNK):
                while block:
                    if not self._put(inflater.decompress(block)):
                        return
                    block = inflater.unused_data if inflater.eof else b""
                    if block:                                   # another gzip member
                        inflater = zlib.decompressobj(31)
            if not inflater.eof:
                raise EOFError("the compressed stream ends before its end marker")
            self._put(None)
        except Exception as exc:                                # noqa: BLE001 - to the reader
            self._put(exc)

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._chunks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._at >= len(self._chunk):
            if self._done:
                return 0
            item = self._chunks.get()
            if item is None or isinstance(item, Exception):
                self._done = True
                if item is None:
                    return 0
                raise item
            self._chunk, self._at = memoryview(item), 0
        n = min(len(buffer), len(self._chunk) - self._at)
        buffer[:n] = self._chunk[self._at:self._at + n]
        self._at += n
        return n

    def close(self) -> None:
        if not self.closed:
            self._stop.set()
            self._thread.join()
            self._raw.close()
        super().close()


def _open(path):
    """The decompressed stream of a snapshot file (a buffered binary reader)."""
    raw = open(path, "rb")
    if raw.read(2) != b"\x1f\x8b":
        raw.close()
        raise SnapshotError(f"{path} is not a snapshot (not gzip-compressed)")
    raw.seek(0)
    return io.BufferedReader(_Inflating(raw), buffer_size=1 << 20)


def _read(stream, path):
    """(the header, the unpickler to read the rest of a version 3 stream, or None)."""
    first = stream.peek(1)[:1]
    if first == b"\x80":                                      # pickle protocol 2+
        unpickler = _BuiltinsOnly(stream)
        head = unpickler.load()
        if isinstance(head, str):                              # version 3: a JSON header
            return json.loads(head), unpickler
        return head, None                                      # versions 1 and 2: one pickle
    if first == b"{":
        return json.load(io.TextIOWrapper(stream, encoding="utf-8")), None
    raise SnapshotError(f"{path} is not a snapshot (unknown payload)")


def load(path, make_world):
    """A world restored from ``path``; indexes and spatial indexes are rebuilt.
    ``make_world(tenant, seed, clock, settings)`` makes the empty world of the domain."""
    gc_was_enabled = gc.isenabled()
    gc.disable()        # millions of new containers: cyclic GC passes would dominate the load
    try:
        with _open(path) as stream:
            try:
                world = _load(stream, path, make_world)
            except (EOFError, zlib.error, pickle.UnpicklingError) as exc:
                raise SnapshotError(f"{path} is not a complete snapshot ({exc})") from None
            except (KeyError, IndexError, TypeError, ValueError, StopIteration) as exc:
                if isinstance(exc, SnapshotError):
                    raise
                raise SnapshotError(f"{path} is a damaged snapshot ({exc!r})") from None
        world.settle()
    finally:
        if gc_was_enabled:
            gc.enable()
    return world


def _load(stream, path, make_world):
    state, unpickler = _read(stream, path)
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
    layout = state.get("layout")
    tombstones = state.get("tombstones") or {}
    if layout == "columns":
        tombstones = dict(zip(tombstones, unpickler.load(), strict=True))
        for route, count in state["counts"]:
            order, groups = unpickler.load()
            world.keep_all(_known(world, route, path), *_from_columns(route, order, groups, count))
    else:
        for route, docs in state["docs"].items():
            _known(world, route, path)
            if layout == "shapes":
                docs = _from_shapes(route, docs)
            else:
                docs = [compact(route, doc) for doc in docs]
            world.keep_all(route, docs)
    version, internal, gauss = state["rng"]
    world.rng.setstate((version, tuple(internal), gauss))
    world._id_counter = state["ids"]["counter"]
    world._id_seconds = state["ids"]["seconds"]
    for route, held in tombstones.items():
        world.tombstones[_known(world, route, path)].update((t["id"], t) for t in held)
    user = state.get("user")
    world.user = world.docs["users"].get(user) if user else None
    if world.user is not None and "allProjects" not in world.user:
        world.user["allProjects"] = True            # written before users had allProjects
    return world


def _known(world, route: str, path) -> str:
    if route not in world.resources:
        raise SnapshotError(f"{path} holds an unknown collection {route!r}")
    return route


def _make(route: str, keys: tuple):
    return maker(route, keys) or (lambda *values: dict(zip(keys, values)))


def _from_columns(route: str, order, groups: list, count: int) -> tuple[list[dict], dict | None]:
    """(the documents of a route of a version 3 snapshot, in their order; their values by key
    when they are one group, else None). Each group's columns are dropped as soon as its
    documents are made, unless they are the route's only group."""
    made, values = [], None
    for i, (keys, *columns) in enumerate(groups):
        groups[i] = None
        keys = tuple(json.loads(keys))
        if len({len(column) for column in columns}) > 1 or len(columns) != len(keys):
            raise SnapshotError(f"the columns of a group of {route} differ in length")
        if "id" not in keys:
            raise SnapshotError(f"a group of {route} has no ids")
        made.append(list(map(_make(route, keys), *columns)))
        if len(groups) == 1:
            values = dict(zip(keys, columns))
        del columns
    if order is None:
        docs = made[0] if made else []
    else:
        nexts = [iter(docs).__next__ for docs in made]
        docs = [nexts[group]() for group in order]
    if len(docs) != count:
        raise SnapshotError(f"{route} holds {len(docs)} documents where {count} were announced")
    return docs, values


def _from_shapes(route: str, groups: list) -> list[dict]:
    """The documents of a route of a version 2 snapshot, in id (creation) order; each tuple of
    values is dropped as soon as its document is made."""
    made = []
    for keys, rows in groups:
        make = _make(route, tuple(keys))
        rows.reverse()                       # pop from the end: each tuple is freed
        while rows:
            made.append(make(*rows.pop()))
    made.sort(key=lambda doc: doc["id"])
    return made


def describe(path) -> dict:
    """Counts per collection and the header fields of a snapshot (for the CLI)."""
    with _open(path) as stream:
        state, _ = _read(stream, path)
    if state.get("layout") == "columns":
        counts = {route: count for route, count in state["counts"]}
    else:
        shapes = state.get("layout") == "shapes"
        counts = {r: sum(len(rows) for _, rows in d) if shapes else len(d)
                  for r, d in state.get("docs", {}).items() if d}
    return {"tenant": state.get("tenant"), "seed": state.get("seed"),
            "version": state.get("version"), "counts": counts}


__all__ = ["save", "load", "describe", "SnapshotError", "FORMAT", "VERSION"]
