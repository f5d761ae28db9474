"""Calls to another system over HTTP: JSON in, JSON out, every failure one typed error.

An integration talks to the other side as production does, over HTTP: to a URL (a real
``requests.Session``), or to this very simulator in-process (``wire.local.wsgi_session``)
when no URL is configured. ``Remote.call`` sends one request and answers its decoded JSON
(None for an empty body); a call that does not succeed raises ``RemoteError``, which says
which system, which request and what went wrong:

* no answer — ``TIMEOUT``, ``CONNECTION_FAILED`` (status 0);
* an error answer (status >= 300) — its status, with the ``message``/``code`` of its body
  when the body has them;
* a success whose body is not JSON — ``MALFORMED_RESPONSE``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests

from ..core.errors import Invalid
from ..wire.encoding import dumps
from ..wire.local import IN_PROCESS_URL

TIMEOUT = 30.0          # seconds a remote system has to answer one call


class RemoteError(Exception):
    """A call to another system that did not succeed (``status`` 0: no answer)."""

    def __init__(self, system: str, method: str, url: str, status: int, message: str,
                 code: str | None = None):
        answer = f"HTTP {status}" if status else "no answer"
        super().__init__(f"{system} {method} {url} → {answer}: {message}"
                         + (f" [{code}]" if code else ""))
        self.system, self.method, self.url = system, method, url
        self.status, self.message, self.code = status, message, code


@dataclass
class Remote:
    """One system reached at ``base_url`` through ``session``, with ``headers`` on every call."""
    system: str                                    # named in errors: "INT6", "OZmap"
    base_url: str
    session: requests.Session
    headers: dict = field(default_factory=dict)
    timeout: float = TIMEOUT

    def call(self, method: str, path: str, params: dict | None = None, body: Any = None) -> Any:
        """``method`` ``base_url + path`` (``path`` already URL-quoted); the decoded JSON answer.
        ``body`` is sent as JSON (also on a GET: OZmap reads a list's filter from it)."""
        url = self.base_url + path
        status, decoded = self.send(method, path, params, body)
        if status >= 300:
            error = decoded if isinstance(decoded, dict) else {}
            message = error.get("message") or (dumps(decoded)[:200].decode("utf-8", "replace")
                                               if decoded is not None else f"HTTP {status}")
            raise RemoteError(self.system, method, url, status, str(message),
                              error.get("code") if isinstance(error.get("code"), str) else None)
        return decoded

    def send(self, method: str, path: str, params: dict | None = None, body: Any = None):
        """(status, decoded JSON answer or None): whatever the status; ``RemoteError`` only
        when there is no answer, or a success that is not JSON."""
        url = self.base_url + path
        headers = dict(self.headers)
        data = None
        if body is not None:
            data, headers["Content-Type"] = dumps(body), "application/json"
        try:
            response = self.session.request(method, url, params=params, data=data,
                                            headers=headers, timeout=self.timeout)
        except requests.Timeout as exc:
            raise RemoteError(self.system, method, url, 0, f"timed out after {self.timeout:g} s",
                              "TIMEOUT") from exc
        except requests.RequestException as exc:
            raise RemoteError(self.system, method, url, 0, f"connection failed: {exc}",
                              "CONNECTION_FAILED") from exc
        content = response.content
        try:
            decoded = orjson.loads(content) if content.strip() else None
        except orjson.JSONDecodeError:
            if response.status_code < 300:
                raise RemoteError(self.system, method, url, response.status_code,
                                  f"the answer is not JSON: {content[:200]!r}",
                                  "MALFORMED_RESPONSE") from None
            decoded = {"message": content[:200].decode("utf-8", "replace") or response.reason}
        return response.status_code, decoded


def base_url(value, field: str) -> str | None:
    """A configured server URL: ``http(s)://host[:port][/path]``, or a bare host name (then
    ``https://``, as on OZmap's integration form: "cliente.exemplo.com.br"); None stays None
    (this simulator). Without a trailing slash."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"'{field}' must be a URL such as https://int6.example.com.br, or null "
                      "for this simulator", "INVALID_FIELD", field)
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port                      # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        host = None
    if host is None or parts.scheme not in ("http", "https") or parts.query or parts.fragment:
        raise Invalid(f"'{field}' must be an http(s) URL without query or fragment, got "
                      f"{value!r}", "INVALID_FIELD", field)
    return text.rstrip("/")


def connect(system: str, url: str | None, local, headers: dict, path: str = "") -> Remote:
    """A ``Remote`` to ``url`` + ``path``, or to this simulator in-process through ``local()``
    (a ``requests.Session`` over the app) when ``url`` is None."""
    if url is None:
        return Remote(system, IN_PROCESS_URL + path, local(), headers)
    return Remote(system, url + path, requests.Session(), headers, TIMEOUT)
