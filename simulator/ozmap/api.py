"""The OZmap ``/api/v2`` HTTP adapter: parse the request, call one domain operation, serialise.

Every error is a ``DomainError`` rendered by the app's one handler as ``{message, code}``;
Werkzeug's own 404/405/413/400 are turned into the same envelope by ``simulator.app``.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, request

from ..core.errors import Invalid, MethodNotAllowed, NotFound
from ..core.query import parse_json_param, parse_populate, parse_select, parse_sort
from ..ftth import feasibility, properties
from ..ftth.domain import system_config
from ..wire.contract import Contract
from ..wire.encoding import api_key, json_body, no_content, object_body, respond

bp = Blueprint("ozmap", __name__, url_prefix="/api/v2")

CONTRACT = Contract("ozmap.yaml")
PUBLIC = {"ozmap.login", "ozmap.openapi"}
DEFAULT_LIMIT = 25
FEASIBILITY = {"radius": feasibility.radius, "pole": feasibility.pole,
               "condominiums": feasibility.condominiums}


def sim():
    return current_app.extensions["ozsim"]


# ---- request pipeline ---------------------------------------------------------------------
@bp.before_request
def authenticate_and_validate():
    g.body = json_body()
    if request.endpoint not in PUBLIC:
        g.world, g.access = sim().resolve(api_key())
    operation, exists = CONTRACT.router.match(request.path, request.method)
    if operation is None and exists:
        raise _method_not_allowed()
    if operation is not None:
        operation.validate_query(request.args)
        if request.method in ("POST", "PATCH") or g.body is not None:
            g.body = operation.validate_body(g.body, sim().strict)


def _method_not_allowed():
    return MethodNotAllowed(f"{request.method} is not allowed on {request.path}",
                            "METHOD_NOT_ALLOWED")


def _int_arg(name: str, minimum: int | None = None):
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"'{name}' must be an integer, got {raw!r}", "INVALID_PARAMETER",
                      name) from None
    if minimum is not None and value < minimum:
        raise Invalid(f"'{name}' must be >= {minimum}, got {value}", "INVALID_PARAMETER", name)
    return value


def _query_part(name: str):
    """``filter`` or ``sort``: from the JSON body of a GET when it has one, else the query."""
    body = g.body if isinstance(g.body, dict) else {}
    if body.get(name) is not None:
        return body[name]
    raw = request.args.get(name)
    return parse_json_param(name, raw) if raw not in (None, "") else None


def _render_opts() -> dict:
    return {"select": parse_select(request.args.get("select")),
            "populate": parse_populate([(k, v) for k, v in request.args.items(multi=True)
                                        if k.startswith("populate")])}


def _coordinate(name: str, low: float, high: float, required: bool = True):
    raw = request.args.get(name)
    if raw in (None, ""):
        if required:
            raise Invalid(f"query parameter '{name}' is required", "MISSING_PARAMETER", name)
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Invalid(f"'{name}' must be a number, got {raw!r}", "INVALID_PARAMETER",
                      name) from None
    if not low <= value <= high:
        raise Invalid(f"'{name}' must be between {low} and {high}, got {value}",
                      "INVALID_COORDINATES", name)
    return value


# ---- generic collection routes ------------------------------------------------------------
@bp.get("/<name>")
def list_elements(name):
    limit = _int_arg("limit")
    limit = DEFAULT_LIMIT if limit is None else (None if limit <= 0 else limit)
    start = _int_arg("start", 0)
    page = _int_arg("page", 1)
    if start is None:
        start = (page - 1) * limit if page and limit else 0
    total, rows = g.world.query(name, _query_part("filter"), parse_sort(_query_part("sort")),
                                start, limit, access=g.access, **_render_opts())
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
    return respond(g.world.read(name, element_id, access=g.access, **_render_opts()))


@bp.post("/<name>")
def create_element(name):
    return respond(g.world.add(name, object_body(g.body), g.access), 201)


@bp.patch("/<name>/<element_id>")
def update_element(name, element_id):
    g.world.update(g.world.writable(name, "update"), element_id, object_body(g.body), g.access)
    return no_content()


@bp.delete("/<name>/<element_id>")
def delete_element(name, element_id):
    g.world.delete(g.world.writable(name, "delete"), element_id, g.access)
    return no_content()


# ---- special routes -----------------------------------------------------------------------
@bp.post("/users/login")
def login():
    body = g.body if isinstance(g.body, dict) else {}
    return respond({"authorization": sim().login(body)})


@bp.get("/authenticated")
def authenticated():
    user = g.access.user or g.world.user
    return respond({"id": user["id"], "name": user["name"], "username": user["username"]})


@bp.get("/system-configs")
def system_configs():
    return respond(system_config(g.world))


@bp.post("/<name>/batch-update")
def batch_update(name):
    if name not in properties.BATCH_FIELDS:
        raise NotFound(f"no batch-update route for '{name}'", "ROUTE_NOT_FOUND")
    body = object_body(g.body)
    properties.batch_update(g.world, name, body.get("filter"), body.get("update"), g.access)
    return no_content()


@bp.get("/properties/client/<path:code>")
def properties_by_client(code):
    return respond(properties.client_properties(g.world, code, access=g.access,
                                                **_render_opts()))


@bp.get("/properties/client/<path:code>/olt-pop")
def olt_pop(code):
    return respond(properties.olt_pop(g.world, code, g.access))


@bp.get("/ftth-viability/<mode>")
def viability(mode):
    if mode not in FEASIBILITY:
        raise NotFound(f"unknown feasibility mode '{mode}'", "ROUTE_NOT_FOUND")
    point = {"lat": _coordinate("lat", -90, 90), "lng": _coordinate("lng", -180, 180)}
    if mode != "pole":
        point["radius"] = _coordinate("radius", 0, 1e6, False)
    return respond(FEASIBILITY[mode](g.world, access=g.access, **point))


@bp.get("/openapi.yaml")
def openapi():
    return Response(CONTRACT.served_from(request.host_url.rstrip("/")),
                    mimetype="application/yaml")
