"""A ``requests`` transport adapter over a WSGI application: HTTP without a socket.

Mounted on a ``requests.Session``, it hands every request to the Flask app in-process, so
code that speaks HTTP — the typed client of the reference integration, every flow and
scenario, and the integrations' jobs calling "this simulator itself" — runs the very same
way against the in-process simulator as against a remote URL::

    session = wsgi_session(create_app(Simulator(network="demo")))
    client = OZmapClient(IN_PROCESS_URL, api_key, session=session)
"""
from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import ProtocolError
from werkzeug.test import EnvironBuilder, run_wsgi_app

IN_PROCESS_URL = "http://ozsim.in-process"
LOCAL_ADDRESS = "127.0.0.1"     # the caller's address an in-process request carries: this machine
# the header of every answer a fault injected (ozsim.traffic); "reset" among its words: the
# app dropped the connection — there is none here, so the transport raises what a client
# would get over a socket
FAULT = "X-Ozsim-Fault"

_HOP_BY_HOP = {"content-length", "content-type", "host", "connection", "transfer-encoding"}


class WSGIAdapter(BaseAdapter):
    """Turns a ``PreparedRequest`` into a WSGI call and the WSGI answer into a ``Response``."""

    def __init__(self, app: Any):
        super().__init__()
        self.app = app

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Mapping[str, str] | None = None) -> requests.Response:
        parts = urlsplit(request.url or "")
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = [(k, v if isinstance(v, str) else v.decode("latin-1"))
                   for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP]
        content_type = request.headers.get("Content-Type")
        if isinstance(content_type, bytes):
            content_type = content_type.decode("latin-1")
        if body is not None and not isinstance(body, bytes):
            raise TypeError("the WSGI adapter needs a bytes or str request body, got "
                            f"{type(body).__name__}")
        data = body or b""
        builder = EnvironBuilder(path=parts.path or "/", query_string=parts.query,
                                 method=request.method or "GET", headers=headers,
                                 data=data, content_type=content_type,
                                 base_url=f"{parts.scheme}://{parts.netloc}",
                                 environ_base={"REMOTE_ADDR": LOCAL_ADDRESS})
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        app_iter, status, response_headers = run_wsgi_app(self.app, environ, buffered=True)
        try:
            content = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close:
                close()
        if "reset" in response_headers.get(FAULT, "").split(","):
            raise requests.ConnectionError(ProtocolError(
                "Connection aborted.", ConnectionResetError(104, "Connection reset by peer")),
                request=request)
        response = requests.Response()
        code, _, reason = status.partition(" ")
        response.status_code = int(code)
        response.reason = reason
        response.headers = CaseInsensitiveDict(dict(response_headers.items()))
        response._content = content
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        response.connection = self  # type: ignore[assignment]
        return response

    def close(self) -> None:
        pass


def wsgi_session(app: Any, base_url: str = IN_PROCESS_URL) -> requests.Session:
    """A ``requests.Session`` whose requests to ``base_url`` go to ``app`` in-process."""
    session = requests.Session()
    session.trust_env = False
    session.mount(base_url.rstrip("/") + "/", WSGIAdapter(app))
    return session


__all__ = ["WSGIAdapter", "wsgi_session", "IN_PROCESS_URL", "LOCAL_ADDRESS"]
