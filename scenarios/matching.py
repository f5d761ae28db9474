"""Partial matching of expected values against actual ones, with a per-key diff.

``match(expected, actual)`` returns a list of ``Mismatch`` (empty when it matches):

* a mapping matches when every expected key matches (extra actual keys are ignored);
* a list matches a list of the same length, element by element;
* scalars compare equal (``1 == 1.0``, but ``True`` is not ``1``);
* operators, as a mapping whose keys all start with ``$``: ``$eq $ne $gt $gte $lt $lte $in
  $nin $exists $len $contains $approx (with $tol) $type $any $not``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

MISSING = object()


@dataclass
class Mismatch:
    path: str
    expected: Any
    actual: Any
    reason: str = ""

    def render(self) -> str:
        actual = "<missing>" if self.actual is MISSING else short(self.actual)
        text = f"{self.path or '(value)'}: expected {short(self.expected)}, got {actual}"
        return f"{text} ({self.reason})" if self.reason else text

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "expected": self.expected,
                "actual": None if self.actual is MISSING else self.actual, "reason": self.reason}


def short(value: Any, limit: int = 160) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return float(expected) == float(actual)
    return bool(expected == actual)


TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str, "number": (int, float), "integer": int, "boolean": bool,
    "null": type(None), "object": dict, "array": list}


def _is_operator(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(
        isinstance(k, str) and k.startswith("$") for k in value)


def _compare(op: str, arg: Any, actual: Any) -> bool:
    try:
        if op == "$gt":
            return bool(actual > arg)
        if op == "$gte":
            return bool(actual >= arg)
        if op == "$lt":
            return bool(actual < arg)
        if op == "$lte":
            return bool(actual <= arg)
    except TypeError:
        return False
    raise KeyError(op)


def _operators(spec: Mapping[str, Any], actual: Any, path: str) -> list[Mismatch]:
    out: list[Mismatch] = []
    present = actual is not MISSING
    for op, arg in spec.items():
        bad = False
        reason = op
        if op == "$tol":
            continue
        if op == "$exists":
            bad = bool(arg) != (present and actual is not None)
        elif op == "$any":
            bad = not present
        elif not present:
            bad = True
            reason = f"{op}: missing"
        elif op == "$eq":
            bad = not _equal(arg, actual)
        elif op == "$ne":
            bad = _equal(arg, actual)
        elif op in ("$gt", "$gte", "$lt", "$lte"):
            bad = not _compare(op, arg, actual)
        elif op == "$in":
            bad = not any(_equal(a, actual) for a in arg)
        elif op == "$nin":
            bad = any(_equal(a, actual) for a in arg)
        elif op == "$len":
            try:
                size = len(actual)
            except TypeError:
                size = None
            if isinstance(arg, Mapping):
                sub = _operators(arg, size if size is not None else MISSING, path + ".$len")
                out.extend(sub)
                continue
            bad = size != arg
            reason = f"$len: length is {size}"
        elif op == "$contains":
            items = arg if isinstance(arg, list) else [arg]
            if not isinstance(actual, list):
                bad, reason = True, "$contains: not a list"
            else:
                missing = [i for i in items if not any(not match(i, a) for a in actual)]
                bad = bool(missing)
                reason = f"$contains: no element matches {short(missing)}" if missing else ""
        elif op == "$approx":
            tol = float(spec.get("$tol", 0.01))
            bad = not (isinstance(actual, (int, float)) and abs(float(actual) - float(arg)) <= tol)
            reason = f"$approx ±{tol}"
        elif op == "$type":
            bad = not isinstance(actual, TYPES[arg]) or (arg in ("number", "integer")
                                                          and isinstance(actual, bool))
        elif op == "$not":
            bad = not match(arg, actual, path)
        else:
            raise ValueError(f"unknown matcher {op!r} at {path or '(value)'}")
        if bad:
            out.append(Mismatch(path, {op: arg}, actual, reason if reason != op else ""))
    return out


def match(expected: Any, actual: Any, path: str = "") -> list[Mismatch]:
    """Mismatches between a partial ``expected`` and ``actual`` (empty list: it matches)."""
    if _is_operator(expected):
        return _operators(expected, actual, path)
    if actual is MISSING:
        return [Mismatch(path, expected, actual, "missing")]
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return [Mismatch(path, expected, actual, "not an object")]
        out: list[Mismatch] = []
        for key, value in expected.items():
            out += match(value, actual.get(key, MISSING) if key in actual else MISSING,
                         _join(path, key))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [Mismatch(path, expected, actual, "not a list")]
        if len(expected) != len(actual):
            return [Mismatch(path, expected, actual,
                             f"length {len(actual)}, expected {len(expected)}")]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += match(e, a, _join(path, i))
        return out
    if not _equal(expected, actual):
        return [Mismatch(path, expected, actual)]
    return []


__all__ = ["match", "Mismatch", "MISSING", "short"]
