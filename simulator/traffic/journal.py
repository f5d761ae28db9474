"""The request journal of a tenant: what it sent to the simulated APIs and what it got.

Entries are dicts of the contract's ``JournalEntry``, kept newest last, at most ``SIZE`` of
them. Recording is on every request's path, so an entry is recorded raw — the request body
as bytes, the contract of its API — and completed when it is first read: the route and
operation it matched, or, when it matched none, its near miss (the closest route and why it
is not that one: ``near_miss``), and the body as JSON. ``find`` filters by method, path
pattern, status (or class), and time on the tenant's clock.
"""
from __future__ import annotations

import difflib
import fnmatch
import threading
from collections import deque

import orjson

from ..core.clock import iso, parse_iso
from ..core.errors import Invalid

SIZE = 1000
METHODS = ("get", "post", "put", "patch", "delete")


class Journal:
    def __init__(self, size: int = SIZE):
        self._entries: deque[dict] = deque(maxlen=size)
        self._next = 0
        self._lock = threading.Lock()

    def record(self, entry: dict, contract) -> None:
        """Keep ``entry`` (``body`` still bytes) of a request to the API of ``contract``."""
        entry["contract"] = contract
        with self._lock:
            self._next += 1
            entry["id"] = self._next
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def find(self, method: str | None = None, path: str | None = None, status: str | None = None,
             since: str | None = None, until: str | None = None, limit: int = 100,
             unmatched: bool = False) -> tuple[int, list[dict]]:
        """(how many match, the latest ``limit`` of them, oldest first)."""
        method = method.upper() if method else None
        wanted = _status_test(status)
        start, end = _instant(since, "since"), _instant(until, "until")
        with self._lock:
            entries = [_complete(e) for e in self._entries]
        found = [e for e in entries
                 if (method is None or e["method"] == method)
                 and (path is None or fnmatch.fnmatchcase(e["path"], path))
                 and wanted(e["status"])
                 and (start is None or parse_iso(e["at"]) >= start)
                 and (end is None or parse_iso(e["at"]) <= end)
                 and (not unmatched or e["route"] is None)]
        return len(found), (found[len(found) - limit:] if limit else [])


def _complete(entry: dict) -> dict:
    """The entry with the fields found at its first reading (in place: once)."""
    contract = entry.pop("contract", None)
    if contract is not None:
        entry["at"] = iso(entry["at"])
        operation, _ = contract.router.match(entry["path"], entry["method"])
        entry["route"] = operation.template if operation else None
        entry["operationId"] = operation.operation_id if operation else None
        if operation is None:
            entry["nearMiss"] = near_miss(contract.document, entry["method"], entry["path"])
        if isinstance(entry["body"], bytes):
            try:
                entry["body"] = orjson.loads(entry["body"])
            except orjson.JSONDecodeError:
                entry["body"] = entry["body"].decode("utf-8", errors="replace")
    return entry


def _status_test(status: str | None):
    if status is None:
        return lambda value: True
    if status == "none":
        return lambda value: value is None
    if len(status) == 3 and status[0] in "12345" and status[1:].lower() == "xx":
        return lambda value: value is not None and value // 100 == int(status[0])
    if status.isdigit():
        return lambda value: value == int(status)
    raise Invalid(f"'status' must be a status (201), a class (4xx) or none, got {status!r}",
                  "INVALID_PARAMETER", "status")


def _instant(raw: str | None, name: str):
    if raw is None:
        return None
    try:
        return parse_iso(raw)
    except ValueError:
        raise Invalid(f"'{name}' must be an ISO-8601 instant, got {raw!r}", "INVALID_PARAMETER",
                      name) from None


def near_miss(document: dict, method: str, path: str) -> dict | None:
    """The route of an OpenAPI ``document`` closest to ``method path``, and why it is not it.

    Paths are compared segment by segment (a ``{parameter}`` takes any segment; a literal
    costs how unlike it is, a missing or extra segment costs one); another method costs half a
    segment, so a path that exists with other methods is the answer when it is there."""
    target = path.rstrip("/").split("/") if path != "/" else [""]
    best = None
    for template, item in (document.get("paths") or {}).items():
        segments = template.split("/")
        for verb in METHODS:
            if verb not in item:
                continue
            cost, reason = _distance(segments, target)
            if verb.upper() != method:
                cost += 0.5
                if reason is None:
                    others = ", ".join(v.upper() for v in METHODS if v in item)
                    reason = f"the route takes {others}, not {method}"
            if best is None or cost < best[0]:
                best = (cost, verb.upper(), template, item[verb].get("operationId"), reason)
    if best is None:
        return None
    _, verb, template, operation_id, reason = best
    return {"method": verb, "route": template, "operationId": operation_id,
            "reason": reason or "it matches"}


def _distance(template: list[str], target: list[str]) -> tuple[float, str | None]:
    """(cost, the first difference in words) of matching ``target`` against ``template``."""
    cost, reason = 0.0, None
    for i in range(max(len(template), len(target))):
        want = template[i] if i < len(template) else None
        got = target[i] if i < len(target) else None
        if want is None:
            cost += 1
            reason = reason or f"segment {i} ('{got}') is one too many"
        elif got is None:
            cost += 1
            reason = reason or f"the route goes on with segment {i} ('{want}')"
        elif want.startswith("{"):
            continue
        elif want != got:
            cost += 1 - difflib.SequenceMatcher(None, want, got).ratio()
            reason = reason or f"segment {i} is '{got}', the route has '{want}'"
    return cost, reason
