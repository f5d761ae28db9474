"""``ozsim contract diff``: recorded real traffic, the contract and the simulator, side by side.

Every recorded exchange under ``/api/v2`` is replayed, in order, against the simulator (a
fresh in-process one, or ``--target``), with the recorded ``Authorization`` replaced by the
simulator's key, and ids the real server minted replaced by the ones the simulator minted for
the same creates. Three answers are then compared — the real one, the contract, the
simulator's — and each exchange gets the verdict of who disagrees with whom:

* ``agree``            — both answers conform and have the same status and shape;
* ``real-vs-contract`` — the real answer breaks the contract, the simulator's keeps it: OZmap
  moved, or the contract (and the simulator with it) is out of date;
* ``sim-vs-contract``  — the simulator's answer breaks the contract, the real one keeps it:
  the simulator drifted;
* ``both-vs-contract`` — neither keeps it: the contract moved;
* ``real-vs-sim``      — both keep the contract but differ from each other (status, or fields
  and types — values are not compared, worlds differ): a behaviour the contract leaves open.

Formats read: HAR 1.2 (``log.entries``), or JSON lines ``{"request": {"method", "url" or
"path", "query", "headers", "body"}, "response": {"status", "headers", "body"}}`` (a body is a
JSON value, or a string of raw text).
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

from ..wire.contract import Contract
from . import Verdict

API = "/api/v2/"
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    content_type: str | None
    body: bytes | None
    status: int
    answer: Any                     # the recorded answer's JSON (None: no body or not JSON)


class RecordingError(ValueError):
    """The file is neither a HAR nor JSON lines of exchanges."""


def load(path: str | Path) -> list[Recorded]:
    text = Path(path).read_text(encoding="utf-8")
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict) and "log" in document:
        return [_from_har(entry) for entry in document["log"].get("entries", [])]
    exchanges = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                exchanges.append(_from_line(json.loads(line)))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise RecordingError(f"{path}:{number}: not an exchange "
                                     f"({{request, response}}): {exc}") from None
    return exchanges


def _from_har(entry: dict) -> Recorded:
    request, response = entry["request"], entry["response"]
    parts = urlsplit(request["url"])
    posted = request.get("postData") or {}
    content = response.get("content") or {}
    text = content.get("text")
    if text is not None and content.get("encoding") == "base64":
        text = base64.b64decode(text).decode("utf-8", errors="replace")
    return Recorded(request["method"].upper(), parts.path, parts.query, posted.get("mimeType"),
                    posted["text"].encode() if posted.get("text") is not None else None,
                    int(response["status"]), json_or_none(text))


def _from_line(item: dict) -> Recorded:
    request, response = item["request"], item["response"]
    parts = urlsplit(request.get("url") or request["path"])
    query = request.get("query", parts.query)
    if isinstance(query, dict):
        query = urlencode(query)
    body = request.get("body")
    raw = None if body is None else body.encode() if isinstance(body, str) else \
        json.dumps(body).encode()
    answer = response.get("body")
    return Recorded(request["method"].upper(), parts.path, query or "",
                    None if raw is None or isinstance(body, str) else "application/json", raw,
                    int(response["status"]), json_or_none(answer) if isinstance(answer, str) else answer)


def json_or_none(text: str | None):
    """The JSON value of ``text``; None when it is empty or not JSON."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


# ---- comparing -----------------------------------------------------------------------------
Send = Callable[[str, str, str, bytes | None, str | None], tuple[int, Any]]


def diff(exchanges: list[Recorded], send: Send, contract: Contract) -> list[Verdict]:
    """The verdict of every recorded exchange under ``/api/v2``; ``send(method, path, query,
    body, content type)`` answers ``(status, JSON body or None)`` from the simulator."""
    ids: dict[str, str] = {}
    verdicts = []
    for number, rec in enumerate(exchanges, 1):
        if not rec.path.startswith(API):
            continue
        path, query = _mapped(rec.path, ids), _mapped(rec.query, ids)
        body = _mapped(rec.body.decode(), ids).encode() if rec.body is not None else None
        status, answer = send(rec.method, path, query, body, rec.content_type)
        if isinstance(rec.answer, dict) and isinstance(answer, dict):
            real_id, sim_id = rec.answer.get("id"), answer.get("id")
            if isinstance(real_id, str) and isinstance(sim_id, str) and OBJECT_ID.match(real_id):
                ids[real_id] = sim_id
        name = f"#{number} {rec.method} {rec.path}" + (f"?{rec.query}" if rec.query else "")
        verdicts.append(_verdict(name, contract, rec, status, answer))
    return verdicts


def _mapped(text: str, ids: dict[str, str]) -> str:
    for real, sim in ids.items():
        text = text.replace(real, sim)
    return text


def _verdict(name: str, contract: Contract, rec: Recorded, status: int, answer) -> Verdict:
    real = [f"real {rec.status}: {p}" for p in conformance(contract, rec.method, rec.path,
                                                            rec.status, rec.answer)]
    sim = [f"simulator {status}: {p}" for p in conformance(contract, rec.method, rec.path,
                                                            status, answer)]
    if real and sim:
        return Verdict(name, "both-vs-contract", real + sim, ok=False)
    if real:
        return Verdict(name, "real-vs-contract", real, ok=False)
    if sim:
        return Verdict(name, "sim-vs-contract", sim, ok=False)
    apart = [f"status: real {rec.status}, simulator {status}"] if status != rec.status else \
        shape_differences(rec.answer, answer)
    return Verdict(name, "real-vs-sim", apart, ok=False) if apart else Verdict(name, "agree")


def conformance(contract: Contract, method: str, path: str, status: int, body) -> list[str]:
    """Why an answer does not keep the contract ([] when it does)."""
    operation, exists = contract.router.match(path, method)
    if operation is None:
        return [] if status in (404, 405) and not exists or status == 405 else \
            [f"{method} {path} is not in the contract"]
    return operation.response_problems(status, body)


def shape_differences(real, sim, where: str = "") -> list[str]:
    """Fields present in one answer only, and fields whose JSON type differs (null matches
    anything: it is a value, not a shape; lists are compared by their first items)."""
    if real is None or sim is None:
        return []
    if isinstance(real, dict) and isinstance(sim, dict):
        found = [f"{where}{k}: only in the real answer" for k in sorted(real.keys() - sim.keys())]
        found += [f"{where}{k}: only in the simulator's" for k in sorted(sim.keys() - real.keys())]
        for key in sorted(real.keys() & sim.keys()):
            found += shape_differences(real[key], sim[key], f"{where}{key}.")
        return found
    if isinstance(real, list) and isinstance(sim, list):
        return shape_differences(real[0], sim[0], f"{where.rstrip('.')}[0].") if real and sim \
            else []
    if _kind(real) != _kind(sim):
        return [f"{where.rstrip('.') or '<root>'}: {_kind(real)} in the real answer, "
                f"{_kind(sim)} in the simulator's"]
    return []


def _kind(value) -> str:
    return {bool: "boolean", int: "number", float: "number", str: "string", dict: "object",
            list: "array"}.get(type(value), type(value).__name__)
