"""OZneutral's client of the OZmap API: one operator's integration, over HTTP.

OZneutral reaches OZmap only through ``/api/v2`` with the operator's integration key, as in
production: at the integration's URL (a real OZmap sandbox), or — when none is given — this
simulator itself, through the in-process transport. OZmap's answers become domain errors in
OZneutral's terms: a refused business rule (400, 404, 409, 422) keeps its status, code and
message; a refused key, a missing module, a server error or no answer at all is a 502 — the
partner's request failed because the operator's OZmap did.
"""
from __future__ import annotations

import json
from typing import Any

from ...core.errors import BadGateway, Conflict, DomainError, Invalid, NotFound, RuleViolation
from ..remote import Remote, RemoteError

PASSED_ON = {400: Invalid, 404: NotFound, 409: Conflict, 422: RuleViolation}


class OZmapLink:
    """``call(method, path, query, body)`` against OZmap's ``/api/v2`` (a ``Remote`` whose
    base is the API's root, with the operator's key)."""

    def __init__(self, remote: Remote):
        self.remote = remote

    def call(self, method: str, path: str, query: dict | None = None, body: Any = None) -> Any:
        """The JSON answer; a domain error when OZmap refuses (module docstring)."""
        status, answer = self.send(method, path, query, body)
        if status < 400:
            return answer
        raise _error(status, answer, method, path)

    def send(self, method: str, path: str, query: dict | None = None, body: Any = None):
        """(status, JSON answer or None); 502 only when OZmap does not answer."""
        try:
            return self.remote.send(method, f"/{path.lstrip('/')}", query, body)
        except RemoteError as exc:
            raise BadGateway(f"OZmap at {self.remote.base_url} did not answer {method} /{path}: "
                             f"{exc.message}", "OZMAP_UNAVAILABLE") from None

    def rows(self, route: str, conditions: list | None = None, select: str | None = None) -> list:
        """Every row of a list (``limit=0``: one page)."""
        query = {"limit": 0}
        if conditions:
            query["filter"] = json.dumps(conditions)
        if select:
            query["select"] = select
        return self.call("GET", route, query)["rows"]


def where(field: str, operator: str, value) -> dict:
    return {"property": field, "operator": operator, "value": value}


def _error(status: int, answer, method: str, path: str) -> DomainError:
    body = answer if isinstance(answer, dict) else {}
    message = body.get("message") or f"HTTP {status}"
    code = body.get("code") or f"OZMAP_{status}"
    kind = PASSED_ON.get(status)
    if kind is not None:
        return kind(f"OZmap refused {method} /{path}: {message}", code, body.get("field"))
    return BadGateway(f"OZmap answered {status} to {method} /{path}: {message} ({code}); the "
                      "operator's integration (URL, user, API key) needs attention",
                      "OZMAP_REFUSED")
