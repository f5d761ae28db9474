"""Every response of a contracted API the suite sees, checked against its contract.

The contracts: ``/api/v2`` (``contracts/ozmap.yaml``), the web pages' data routes ``/map``
(``contracts/web.yaml``), INT6's ``/int6`` (``contracts/int6.yaml``, errors ``{message,
code}``) and the control plane ``/__ozsim`` (``contracts/control.yaml``), errors
``{message, code, field?}``; ``/ozneutral`` (``contracts/ozneutral.yaml``), TM Forum
errors ``{code, reason, message, status}``. ``/docs`` has none. An answer an injected fault
put in place of the simulator's (it carries ``X-Ozsim-Fault``) is not the API's own and is
not checked.

* ``problems(method, path, status, body)`` — why one response does not conform ([] when it does):
  the operation is looked up with ``CONTRACT.router.match(path, method)`` and the body checked
  with ``operation.response_problems(status, body)``; an error body (status >= 400) must be its
  API's error envelope whether or not the contract knows the route.
* ``ContractCheck(app)`` — WSGI middleware that records the problems of every response to a
  contracted path in ``VIOLATIONS``. The app served by ``live_server``, the session ``app``
  fixture and the scenarios' in-process targets go through it; ``tests/conftest.py`` fails the
  test during which a violation was recorded.
* ``checking_session()`` — the same check on the client side, as a ``requests`` response hook,
  for servers the suite cannot wrap (an ``ozsim serve`` subprocess).
"""
from __future__ import annotations

import gzip
import json
import threading
from urllib.parse import unquote, urlsplit

OZMAP_ERROR_KEYS = {"message", "code", "field"}
TMF_ERROR_KEYS = {"code", "reason", "message", "status"}


def _ozmap_error(body, status: int) -> bool:
    return isinstance(body, dict) and not set(body) - OZMAP_ERROR_KEYS \
        and isinstance(body.get("message"), str) and isinstance(body.get("code"), str) \
        and isinstance(body.get("field", ""), str)


def _tmf_error(body, status: int) -> bool:
    return isinstance(body, dict) and set(body) == TMF_ERROR_KEYS \
        and all(isinstance(v, str) for v in body.values()) and body["status"] == str(status)


def _contracts():
    """(path prefix, contract, error check, error envelope) of every contracted API."""
    from ozsim.control.api import CONTRACT as CONTROL
    from ozsim.int6.api import CONTRACT as INT6
    from ozsim.ozmap.api import CONTRACT as OZMAP
    from ozsim.ozneutral.api import CONTRACT as OZNEUTRAL
    from ozsim.web.pages import CONTRACT as WEB
    return (("/api/v2/", OZMAP, _ozmap_error, "{message, code, field?}"),
            ("/map/", WEB, _ozmap_error, "{message, code, field?}"),
            ("/int6/", INT6, _ozmap_error, "{message, code}"),
            ("/__ozsim/", CONTROL, _ozmap_error, "{message, code, field?}"),
            ("/ozneutral/", OZNEUTRAL, _tmf_error, "{code, reason, message, status}"))


PREFIXES = ("/api/v2/", "/map/", "/int6/", "/__ozsim/", "/ozneutral/")
FAULT = "x-ozsim-fault"


def contracted(path: str) -> bool:
    return path.startswith(PREFIXES)


def problems(method: str, path: str, status: int, body, *, json_body: bool = True) -> list[str]:
    """Problems of one response. ``body`` is the parsed JSON body (None when empty or not JSON);
    ``json_body`` says whether the response declared a JSON content type."""
    found = [c for c in _contracts() if path.startswith(c[0])]
    if not found:
        return []
    _, contract, is_error, envelope = found[0]
    operation, exists = contract.router.match(path, method)
    if status >= 400:
        if not is_error(body, status):
            return [f"error body is not {envelope}: {body!r:.200}"]
        if operation is None:
            return []
    if operation is None:
        return [f"{method} {path} is not in the contract"] if exists or status < 400 else []
    found = operation.response_problems(status, body)
    if not found and body is not None and not json_body:
        found = ["a JSON body without a JSON Content-Type"]
    return found


def _parse(raw: bytes, content_type: str | None):
    """(parsed body or None, declared JSON) — as Flask's ``get_json(silent=True)`` would."""
    declared = bool(content_type) and ("json" in content_type.split(";")[0].lower())
    if not raw:
        return None, declared
    try:
        return json.loads(raw), declared
    except ValueError:
        return None, declared


class Violations:
    """A thread-safe record of contract violations; ``take()`` returns the new ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[str] = []
        self.checked = 0                                # responses checked so far

    def add(self, method: str, target: str, status: int, found: list[str]) -> None:
        with self._lock:
            self._items += [f"{method} {target} → {status}: {p}" for p in found]

    def take(self) -> list[str]:
        with self._lock:
            items, self._items = self._items, []
        return items

    def check(self, method: str, path: str, query: str, status: int, raw: bytes,
              content_type: str | None, injected: bool = False) -> None:
        if not contracted(path) or injected:
            return
        with self._lock:
            self.checked += 1
        body, declared = _parse(raw, content_type)
        if raw and body is None and declared:
            found = [f"the body is not valid JSON: {raw[:200]!r}"]
        else:
            found = problems(method, path, status, body, json_body=declared)
        if found:
            self.add(method, path + (f"?{unquote(query)}" if query else ""), status, found)


VIOLATIONS = Violations()


class ContractCheck:
    """WSGI middleware: buffers each contracted response, checks it, passes it on unchanged."""

    def __init__(self, app, violations: Violations = VIOLATIONS):
        self.app = app
        self.violations = violations

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not contracted(path):
            return self.app(environ, start_response)
        # the path as sent (a client code may hold an encoded "/"), without the query
        raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
        raw_path = urlsplit(raw_path).path if raw_path else path
        captured: dict = {}
        chunks: list[bytes] = []

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"], captured["exc_info"] = status, headers, exc_info
            return chunks.append

        result = self.app(environ, capture)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        raw = b"".join(chunks)
        status = int(captured["status"].split(" ", 1)[0])
        header = {k.lower(): v for k, v in captured["headers"]}
        try:
            body = gzip.decompress(raw) if header.get("content-encoding") == "gzip" else raw
            self.violations.check(environ.get("REQUEST_METHOD", "GET"), raw_path,
                                  environ.get("QUERY_STRING", ""), status, body,
                                  header.get("content-type"), FAULT in header)
        except Exception as error:                      # noqa: BLE001 - a checker bug is a finding too
            self.violations.add(environ.get("REQUEST_METHOD", "GET"), raw_path, status,
                                [f"the contract check itself failed: {error!r}"])
        start_response(captured["status"], captured["headers"], captured["exc_info"])
        return [raw]


def install(flask_app, violations: Violations = VIOLATIONS):
    """Put ``ContractCheck`` in front of a Flask app (idempotent); returns the app."""
    if not isinstance(flask_app.wsgi_app, ContractCheck):
        flask_app.wsgi_app = ContractCheck(flask_app.wsgi_app, violations)
    return flask_app


def response_hook(violations: Violations = VIOLATIONS):
    """A ``requests`` response hook doing the same check on the client side."""
    def hook(response, *args, **kwargs):
        parts = urlsplit(response.request.url or "")
        violations.check(response.request.method or "GET", parts.path, parts.query,
                         response.status_code, response.content,
                         response.headers.get("Content-Type"), FAULT in response.headers)
        return response
    return hook


def checking_session(violations: Violations = VIOLATIONS):
    """A ``requests.Session`` subclass whose instances check every response they receive."""
    import requests

    class CheckingSession(requests.Session):
        def __init__(self) -> None:
            super().__init__()
            self.hooks["response"].append(response_hook(violations))

    return CheckingSession
