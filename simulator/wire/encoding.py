"""JSON in and out of the HTTP adapters."""
from __future__ import annotations

import gzip
import json

import orjson
from flask import Response, request

from ..core.errors import Invalid, Unauthorized
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


def respond(payload, status: int = 200, headers=None, compress: bool = False) -> Response:
    """A JSON response; with ``compress``, gzip'd (level 1: ~3 ms for 500 kB, a fifth of the
    bytes) when the client accepts it and the body is worth it. The body goes to the server
    as it is, a list of one ``bytes`` (``direct_passthrough``) rather than Werkzeug's generator
    over it: the WSGI server then sends it in one piece (granian: in Rust) instead of
    iterating it in Python."""
    body = dumps(payload)
    if compress and len(body) > 4096 and "gzip" in request.headers.get("Accept-Encoding", ""):
        body = gzip.compress(body, 1)
        headers = {**(headers or {}), "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return Response(body, status, headers=headers, content_type="application/json",
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


def api_key() -> str:
    """The request's API key: ``Authorization: <key>`` or ``Authorization: Bearer <key>``."""
    key = request.headers.get("Authorization", "").strip()
    if key.lower().startswith("bearer "):
        key = key[7:].strip()
    if not key:
        raise Unauthorized("missing API key: send it in the Authorization header",
                           "MISSING_API_KEY")
    return key
