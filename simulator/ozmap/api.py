"""The OZmap ``/api/v2`` HTTP adapter: parse the request, call one domain operation, serialise.

Every error is a ``DomainError`` rendered by one handler as ``{message, code}``; Werkzeug's
own 404/405/413/400 are turned into the same envelope by ``simulator.app``.
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

import orjson
from flask import Blueprint, Response, current_app, g, request

from ..world import feasibility, lifecycle, optics
from ..world.errors import Invalid, NotFound, Unauthorized
from ..world.model import RESOURCES
from ..world.query import (loads, parse_filter, parse_json_param, parse_populate, parse_select,
                           parse_sort)
from . import contract

bp = Blueprint("ozmap", __name__, url_prefix="/api/v2")

PUBLIC = {"ozmap.login", "ozmap.openapi", "ozmap.docs"}
DEFAULT_LIMIT = 25
READ_ONLY = {"drops": "cables"}


def sim():
    return current_app.extensions["ozsim"]


def dumps(payload) -> bytes:
    """Compact UTF-8 JSON. orjson (15-20× faster than ``json`` on feasibility answers) writes
    the same values; it writes NaN/Infinity as ``null`` where ``json`` would write invalid
    JSON. What orjson refuses (integers beyond 64 bits, non-string
    keys, nesting deeper than 254) goes through ``json``, as before."""
    try:
        return orjson.dumps(payload)
    except TypeError:                   # orjson.JSONEncodeError is a TypeError
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def respond(payload, status: int = 200) -> Response:
    return Response(dumps(payload), status, mimetype="application/json")


def no_content() -> Response:
    return Response(status=204)


# ---- request pipeline ---------------------------------------------------------------------
@bp.before_request
def authenticate_and_validate():
    g.body = _json_body()
    if request.endpoint not in PUBLIC:
        key = request.headers.get("Authorization", "").strip()
        if key.lower().startswith("bearer "):
            key = key[7:].strip()
        if not key:
            raise Unauthorized("missing API key: send it in the Authorization header",
                               "MISSING_API_KEY")
        g.world, g.access = sim().resolve(key)
    operation, exists = contract.router().match(request.path, request.method)
    if operation is None and exists:
        raise _method_not_allowed()
    if operation is not None:
        operation.validate_query(request.args)
        if request.method in ("POST", "PATCH") or g.body is not None:
            g.body = operation.validate_body(g.body, sim().strict)


def _json_body():
    raw = request.get_data(cache=True)
    if not raw or not raw.strip():
        return None
    return loads(raw, "body")


def write_body() -> dict:
    if not isinstance(g.body, dict):
        raise Invalid("the request body must be a JSON object", "INVALID_BODY", "body")
    return g.body


def _int_arg(name: str, minimum: int | None = None):
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"'{name}' must be an integer, got {raw!r}", "INVALID_PARAMETER", name)
    if minimum is not None and value < minimum:
        raise Invalid(f"'{name}' must be >= {minimum}, got {value}", "INVALID_PARAMETER", name)
    return value


def _query_part(name: str):
    body = g.body if isinstance(g.body, dict) else {}
    if body.get(name) is not None:
        return body[name]
    raw = request.args.get(name)
    return parse_json_param(name, raw) if raw not in (None, "") else None


def _render_opts():
    select = parse_select(request.args.get("select"))
    populate = parse_populate([(k, v) for k, v in request.args.items(multi=True)
                               if k.startswith("populate")])
    return select, populate


def _resolve_polygon(model: str, element_id: str):
    return g.world.polygon(model, element_id, g.access)


# ---- generic collection routes ------------------------------------------------------------
def _route(name: str) -> str:
    route = READ_ONLY.get(name, name)
    if route not in RESOURCES:
        raise NotFound(f"unknown resource '{name}'", "ROUTE_NOT_FOUND")
    return route


@bp.get("/<name>")
def list_elements(name):
    route = _route(name)
    raw_filter = _query_part("filter")
    if name == "drops":
        raw_filter = [{"property": "kind", "operator": "=", "value": "Drop"}] + (raw_filter or [])
    flt = parse_filter(raw_filter, resolve_polygon=_resolve_polygon)
    sort = parse_sort(_query_part("sort"))
    limit = _int_arg("limit")
    limit = DEFAULT_LIMIT if limit is None else (None if limit <= 0 else limit)
    start = _int_arg("start", 0)
    page = _int_arg("page", 1)
    if start is None:
        start = (page - 1) * limit if page and limit else 0
    select, populate = _render_opts()
    world = g.world
    with world.lock:
        total, docs = world.find(route, flt, sort, start, limit, g.access)
        rows = [world.render(route, d, select, populate) for d in docs]
    has_next = start + len(rows) < total
    next_url = None
    if has_next:
        params = [("start", start + len(rows)), ("limit", limit),
                  ("page", (start + len(rows)) // limit + 1)]
        params += [(k, v) for k, v in request.args.items(multi=True)
                   if k not in ("start", "limit", "page")]
        next_url = f"{request.path}?{urlencode(params)}"
    return respond({"total": total, "count": len(rows), "start": start,
                    "limit": limit if limit is not None else 0, "rows": rows,
                    "hasNextPage": has_next, "nextUrl": next_url})


@bp.get("/<name>/<element_id>")
def get_element(name, element_id):
    route = _route(name)
    select, populate = _render_opts()
    world = g.world
    with world.lock:
        doc = world.get(route, element_id, g.access)
        if name == "drops" and doc.get("kind") != "Drop":
            raise NotFound(f"Drop {element_id} not found", "NOT_FOUND")
        return respond(world.render(route, doc, select, populate))


def _writable(name: str) -> str:
    route = _route(name)
    if name in READ_ONLY or not RESOURCES[route].writable:
        raise _method_not_allowed()
    return route


def _method_not_allowed():
    from ..world.errors import MethodNotAllowed
    return MethodNotAllowed(f"{request.method} is not allowed on {request.path}",
                            "METHOD_NOT_ALLOWED")


@bp.post("/<name>")
def create_element(name):
    route = _writable(name)
    if route == "fibers":
        raise _method_not_allowed()
    world = g.world
    with world.lock:
        doc = world.create(route, write_body(), g.access)
        return respond(world.render(route, doc), 201)


@bp.patch("/<name>/<element_id>")
def update_element(name, element_id):
    route = _writable(name)
    g.world.update(route, element_id, write_body(), g.access)
    return no_content()


@bp.delete("/<name>/<element_id>")
def delete_element(name, element_id):
    route = _writable(name)
    if route == "fibers":
        raise _method_not_allowed()
    g.world.delete(route, element_id, g.access)
    return no_content()


# ---- special routes -----------------------------------------------------------------------
@bp.post("/users/login")
def login():
    body = g.body if isinstance(g.body, dict) else {}
    return respond({"authorization": sim().login(body)})


@bp.get("/authenticated")
def authenticated():
    user = g.world.user
    return respond({"id": user["id"], "name": user["name"], "username": user["username"]})


@bp.get("/system-configs")
def system_configs():
    return respond(sim().system_config(g.world))


@bp.post("/<name>/batch-update")
def batch_update(name):
    if name not in ("properties", "ftth-clients"):
        raise NotFound(f"no batch-update route for '{name}'", "ROUTE_NOT_FOUND")
    body = write_body()
    flt = parse_filter(body.get("filter"), resolve_polygon=_resolve_polygon)
    update = body.get("update")
    if not isinstance(update, dict):
        raise Invalid("'update' must be an object", "INVALID_FIELD", "update")
    lifecycle.batch_update(g.world, name, flt, update, g.access)
    return no_content()


@bp.get("/properties/client/<path:code>")
def properties_by_client(code):
    select, populate = _render_opts()
    world = g.world
    with world.lock:
        docs = lifecycle.properties_by_client_code(world, code, g.access)
        return respond([world.render("properties", d, select, ["client", *populate])
                        for d in docs])


@bp.get("/properties/client/<path:code>/olt-pop")
def olt_pop(code):
    with g.world.lock:
        return respond(optics.olt_pop(g.world, code, g.access))


def _coordinate(name: str, low: float, high: float, required: bool = True):
    raw = request.args.get(name)
    if raw in (None, ""):
        if required:
            raise Invalid(f"query parameter '{name}' is required", "MISSING_PARAMETER", name)
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Invalid(f"'{name}' must be a number, got {raw!r}", "INVALID_PARAMETER", name)
    if not low <= value <= high:
        raise Invalid(f"'{name}' must be between {low} and {high}, got {value}",
                      "INVALID_COORDINATES", name)
    return value


@bp.get("/ftth-viability/<mode>")
def viability(mode):
    lat = _coordinate("lat", -90, 90)
    lng = _coordinate("lng", -180, 180)
    world = g.world
    with world.lock:
        if mode == "radius":
            return respond(feasibility.radius(world, lat, lng, _coordinate("radius", 0, 1e6, False),
                                              g.access))
        if mode == "pole":
            return respond(feasibility.pole(world, lat, lng, g.access))
        if mode == "condominiums":
            return respond(feasibility.condominiums(
                world, lat, lng, _coordinate("radius", 0, 1e6, False), g.access))
    raise NotFound(f"unknown feasibility mode '{mode}'", "ROUTE_NOT_FOUND")


@bp.get("/openapi.yaml")
def openapi():
    return Response(contract.contract_text(), mimetype="application/yaml")
