"""How a world stores millions of documents without changing what any code sees.

Documents are plain ``dict``s in ``world.docs[route][id]``; this module holds the three
storage decisions of ARCHITECTURE.md "Storage" (measured on ``large``: benchmarks/README.md):

* equality-index buckets — ``hold``/``release`` (``hold_all`` in bulk): a bare id, a tuple,
  or a set;
* key-sharing documents — ``compact``/``maker``, used by the bulk paths;
* one shared, frozen empty list — ``EMPTY``;

and ``trim_heap``, which hands the memory a bulk path's temporaries leave behind back to the
system.
"""
from __future__ import annotations

import ctypes
import keyword


# ---- one shared empty list -----------------------------------------------------------------
class SharedEmpty(list):
    """``EMPTY``: the one empty list the bulk paths share among their documents.

    Stored containers are never changed in place — every write replaces them
    (``World.set_fields``) — so a single empty list can stand for millions of ``tags: []``,
    ``ducts: []`` and ``poles: []``. Should anything try to change it, it refuses (instead
    of changing every document at once). Copies of it are ordinary empty lists.
    """

    __slots__ = ()

    def _refuse(self, *args, **kwargs):
        raise TypeError("a stored list is replaced, never changed in place (World.set_fields)")

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse

    def __copy__(self):
        return []

    def __deepcopy__(self, memo):
        return []

    def __reduce__(self):
        return shared_empty, ()


EMPTY = SharedEmpty()


def shared_empty() -> SharedEmpty:
    """``EMPTY`` (how a snapshot names it)."""
    return EMPTY


# ---- compact documents ------------------------------------------------------------------
# CPython lets the instance dicts of one class share a single key table (PEP 412, "key-sharing
# dictionaries"). A document materialised as an instance's ``__dict__`` is an ordinary
# ``dict`` — same keys, values, order and behaviour — whose keys are stored once per route:
# about 280 B for up to 30 keys, where a plain dict takes 464 B (11–21 keys) or 832 B (22–42).
# The bulk paths (the generator, snapshot loads) store their documents this way; documents
# written through the API stay plain dicts. Nothing else depends on it.
_SHARED_KEYS = range(11, 31)        # below 11 keys a plain dict is as small; CPython caps at 30
_MAKERS: dict[tuple, object] = {}     # (route, keys) -> make(*values)
_HOLDERS: dict[str, type] = {}        # route -> the class whose instances share its keys


def compact(route: str, doc: dict) -> dict:
    """A key-sharing copy of ``doc`` when that saves memory, else ``doc`` itself."""
    if len(doc) not in _SHARED_KEYS:
        return doc
    make = maker(route, tuple(doc))
    return doc if make is None else make(*doc.values())


def maker(route: str, keys: tuple):
    """``make(*values) -> dict`` building key-sharing documents with ``keys``, in that order;
    None when such documents would not be smaller (or ``keys`` are not identifiers)."""
    make = _MAKERS.get((route, keys))
    if make is None:
        if len(keys) not in _SHARED_KEYS or len(_MAKERS) >= 1000 or not all(
                isinstance(k, str) and k.isidentifier() and not keyword.iskeyword(k) for k in keys):
            return None
        make = _MAKERS[(route, keys)] = _maker(route, keys)
    return make


def _maker(route: str, keys: tuple):
    """``make(*values) -> dict``: sets the attributes of a bare instance, returns its dict."""
    holder = _HOLDERS.get(route)
    if holder is None:
        holder = _HOLDERS[route] = type(f"{route.title().replace('-', '')}Document", (), {})
    args = [f"v{i}" for i in range(len(keys))]
    source = (f"def make({', '.join(args)}):\n    o = new(cls)\n"
              + "".join(f"    o.{key} = {arg}\n" for key, arg in zip(keys, args))
              + "    return o.__dict__\n")
    namespace = {"new": object.__new__, "cls": holder}
    exec(compile(source, f"<compact {route}>", "exec"), namespace)
    return namespace["make"]


# ---- equality index buckets ----------------------------------------------------------------
# A value's ids are a bare id string (most values — a client, a drop, a code — are held by one
# document), a tuple up to SMALL_BUCKET ids (a box's drops and properties), or a set beyond.
# On `large` a set per value would cost ≈ 0.7 GB more: 216 B for one id, 728 B for 5–19.
SMALL_BUCKET = 32


def hold(index: dict, value, doc_id: str) -> None:
    held = index.get(value)
    if held is None:
        index[value] = doc_id
    elif held.__class__ is str:
        if held != doc_id:
            index[value] = (held, doc_id)
    elif held.__class__ is tuple:
        if doc_id not in held:
            index[value] = held + (doc_id,) if len(held) < SMALL_BUCKET else {*held, doc_id}
    else:
        held.add(doc_id)


def hold_all(index: dict, values: list, ids: list) -> None:
    """``hold(index, value, doc_id)`` for each value and id, in order, skipping what ``hold``'s
    callers skip (None, dicts, lists). Into an empty index (a snapshot load), each value's
    bucket is made once instead of growing a tuple id by id — and when every value is held
    by one document (codes, clients, drops), the index is one ``dict`` built in C; the ids
    must be distinct."""
    if index:
        for value, doc_id in zip(values, ids):
            if value is not None and not isinstance(value, (dict, list)):
                hold(index, value, doc_id)
        return
    try:
        index.update(zip(values, ids))
    except TypeError:                               # dicts or lists among them: not indexed
        index.clear()
        values = [None if isinstance(v, (dict, list)) else v for v in values]
        index.update(zip(values, ids))
    index.pop(None, None)
    if len(index) == len(values) - values.count(None):   # each value held by one document
        return
    index.clear()
    first = index.setdefault
    for value, doc_id in zip(values, ids):
        if value is not None:
            held = first(value, doc_id)
            if held is not doc_id:
                if held.__class__ is list:
                    held.append(doc_id)
                else:
                    index[value] = [held, doc_id]
    for value, held in index.items():
        if held.__class__ is list:
            index[value] = tuple(held) if len(held) <= SMALL_BUCKET else set(held)


def release(index: dict, value, doc_id: str) -> None:
    held = index.get(value)
    if held is None:
        return
    if held.__class__ is str:
        if held == doc_id:
            del index[value]
    elif held.__class__ is tuple:
        if doc_id in held:
            rest = tuple(i for i in held if i != doc_id)
            index[value] = rest[0] if len(rest) == 1 else rest
    else:
        held.discard(doc_id)
        if len(held) <= SMALL_BUCKET // 2:
            index[value] = tuple(sorted(held))


# ---- the C heap ----------------------------------------------------------------------------
def trim_heap() -> None:
    """Hand the C heap's free pages back to the system: glibc's ``malloc_trim(0)`` (public,
    documented in malloc_trim(3)); nothing where the C library has no such call.

    Big temporary buffers (columns, lists that grow by appending) freed between long-lived
    blocks leave free memory inside the heap that glibc keeps for later: ≈ 400 MB after
    loading ``large``, ≈ 160 MB while saving it."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


try:
    _MALLOC_TRIM = ctypes.CDLL(None).malloc_trim
except (AttributeError, OSError, TypeError):   # not glibc (musl, macOS, Windows)
    _MALLOC_TRIM = None
