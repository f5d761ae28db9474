"""JSON in and out of the HTTP adapters."""
from __future__ import annotations

import json

import orjson
from flask import Response, request

from ..core.errors import Invalid
from ..core.query import loads


def dumps(payload) -> bytes:
    """Compact UTF-8 JSON. orjson (15-20× faster than ``json`` on feasibility answers) writes
    the same values; it writes NaN/Infinity as ``null`` where ``json`` would write invalid
    JSON. What orjson refuses (integers beyond 64 bits, non-string keys, nesting deeper than
    254) goes through ``json``."""
    try:
        return orjson.dumps(payload)
    except TypeError:                   # orjson.JSONEncodeError is a TypeError
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def respond(payload, status: int = 200, headers=None) -> Response:
    """A JSON response. Its body goes to the server as it is, a list of one ``bytes``
    (``direct_passthrough``) rather than Werkzeug's generator over it: the WSGI server then
    sends it in one piece (granian: in Rust) instead of iterating it in Python."""
    return Response(dumps(payload), status, headers=headers, content_type="application/json",
                    direct_passthrough=True)


def no_content() -> Response:
    return Response(status=204)


def json_body():
    """The request's JSON body, decoded strictly (``query.loads``), or None when empty. A
    request without ``Content-Length`` or chunked ``Transfer-Encoding`` has no body (RFC 9112
    §6.3): nothing to read."""
    environ = request.environ
    if environ.get("CONTENT_LENGTH") in (None, "", "0") and \
            "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return None
    raw = request.get_data(cache=True)
    if not raw or not raw.strip():
        return None
    return loads(raw, "body")


def object_body(body) -> dict:
    """``body`` when it is a JSON object (an empty body counts as ``{}`` when allowed)."""
    if not isinstance(body, dict):
        raise Invalid("the request body must be a JSON object", "INVALID_BODY", "body")
    return body
