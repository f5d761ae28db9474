"""Scripted transports for the client's unit tests (no simulator needed)."""
from __future__ import annotations

import json
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

BASE = "http://fake.ozmap"


def response(request: requests.PreparedRequest, status: int, body: Any = None) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = b"" if body is None else json.dumps(body).encode()
    r.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
    r.url = request.url or ""
    r.request = request
    r.encoding = "utf-8"
    return r


class Recorded:
    def __init__(self, request: requests.PreparedRequest):
        parts = urlsplit(request.url or "")
        self.method = request.method
        self.path = parts.path
        self.query = dict(parse_qsl(parts.query, keep_blank_values=True))
        raw = request.body.decode() if isinstance(request.body, bytes) else request.body
        self.body = json.loads(raw) if raw else None
        self.headers = dict(request.headers)


class ScriptedAdapter(BaseAdapter):
    """Answers each request with the next item of ``script``: an exception instance to raise,
    ``(status, body)``, or a callable ``(Recorded) -> (status, body)``."""

    def __init__(self, script: list[Any] | Callable[[Recorded], Any]):
        super().__init__()
        self.script = script
        self.calls: list[Recorded] = []

    def send(self, request, **kwargs):  # type: ignore[override]
        rec = Recorded(request)
        self.calls.append(rec)
        item = self.script(rec) if callable(self.script) else self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        status, body = item
        return response(request, status, body)

    def close(self) -> None:
        pass


def session_with(adapter: ScriptedAdapter) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.mount(BASE + "/", adapter)
    return s
