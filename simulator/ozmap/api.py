"""The OZmap ``/api/v2`` HTTP adapter: parse the request, call one domain operation, serialise.

Every error is a ``DomainError`` rendered by the app's one handler as ``{message, code}``;
Werkzeug's own 404/405/413/400 are turned into the same envelope by ``ozsim.app``.
"""
from __future__ import annotations

import io
import json
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, request, send_file

from ..core.errors import Invalid, NotFound
from ..core.query import parse_json_param, parse_populate, parse_select, parse_sort
from ..ftth import feasibility, posts, properties, reports, requests, structure
from ..ftth.domain import system_config
from ..wire.contract import Contract
from ..wire.encoding import (api_key, form_fields, json_body, nested, no_content, object_body,
                             respond)

bp = Blueprint("ozmap", __name__, url_prefix="/api/v2")

CONTRACT = Contract("ozmap.yaml")
PUBLIC = {"ozmap.login", "ozmap.openapi"}
CODE_ROUTES = {"ozmap.properties_by_client", "ozmap.olt_pop"}   # {code} may hold a "/"
DEFAULT_LIMIT = 25
WARNED_FIELDS = 20      # the header names this many dropped fields; the log names them all
FEASIBILITY = {"radius": feasibility.radius, "pole": feasibility.pole,
               "condominiums": feasibility.condominiums}


def sim():
    return current_app.extensions["ozsim"]


# ---- request pipeline ---------------------------------------------------------------------
@bp.before_request
def authenticate_and_validate():
    req, simulator = request._get_current_object(), sim()   # each read once, not by proxy
    multipart = req.mimetype == "multipart/form-data"
    g.body, g.dropped = None if multipart else json_body(), []
    strict = simulator.strict
    if req.endpoint not in PUBLIC:
        g.world, g.access = simulator.resolve(api_key())
        strict = simulator.is_strict(g.world.tenant)
    operation = CONTRACT.router.operation(req.path, req.method)
    if operation is None:
        if req.endpoint not in CODE_ROUTES:
            raise NotFound(f"no route {req.method} {req.path}", "ROUTE_NOT_FOUND")
        return                 # a client code with an encoded "/" (the router splits on it)
    g.query = operation.validate_query(req.args, strict, g.dropped)
    if multipart:
        g.body = nested(operation.validate_form(form_fields(), strict, g.dropped))
    elif req.method in ("POST", "PATCH") or g.body is not None:
        g.body = operation.validate_body(g.body, strict, g.dropped)


@bp.after_request
def report(response):
    """Dropped unknown fields are named and logged."""
    if g.get("dropped"):
        names = [json.dumps(name) for name in g.dropped]    # quoted, ASCII: a header's charset
        current_app.logger.warning("%s %s: ignored unknown fields: %s", request.method,
                                   request.path, ", ".join(names))
        shown = names[:WARNED_FIELDS] + ([f"{len(names) - WARNED_FIELDS} more"]
                                         if len(names) > WARNED_FIELDS else [])
        response.headers["X-Ozsim-Warning"] = f"ignored unknown fields: {', '.join(shown)}"
    return response


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
    if name in g.get("query", {}):
        return g.query[name]
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


# collections whose route has two segments take the generic views too
for _name in ("change-requests/box-structures", "reports/polygon"):
    for _rule, _view, _method in ((f"/{_name}", list_elements, "GET"),
                                  (f"/{_name}", create_element, "POST"),
                                  (f"/{_name}/<element_id>", get_element, "GET"),
                                  (f"/{_name}/<element_id>", update_element, "PATCH"),
                                  (f"/{_name}/<element_id>", delete_element, "DELETE")):
        bp.add_url_rule(_rule, view_func=_view, methods=[_method], defaults={"name": _name},
                        endpoint=f"{_view.__name__}:{_name}:{_method}")


# ---- box internals and change requests ------------------------------------------------------
@bp.get("/base-boxes/<box_id>/topology")
def box_topology(box_id):
    return respond(structure.topology(g.world, box_id, g.access))


@bp.get("/base-boxes/<box_id>/design")
def box_design(box_id):
    return respond(structure.design(g.world, box_id, g.access))


@bp.patch("/base-boxes/<box_id>/structure")
def box_structure(box_id):
    structure.update_structure(g.world, box_id, object_body(g.body).get("structure"), g.access)
    return no_content()


@bp.patch("/change-requests/box-structures/<request_id>/review")
def review_change_request(request_id):
    requests.review(g.world, request_id, object_body(g.body), g.access)
    return no_content()


@bp.post("/box-create-requests/<request_id>/<decision>")
def decide_box_create_request(request_id, decision):
    decide = {"approve": requests.approve, "reject": requests.reject}.get(decision)
    if decide is None:
        raise NotFound(f"no route POST {request.path}", "ROUTE_NOT_FOUND")
    return respond(decide(g.world, request_id, object_body(g.body), g.access))


# ---- reports ---------------------------------------------------------------------------------
@bp.post("/reports/<report_id>/move")
def move_report(report_id):
    body = object_body(g.body)
    return respond(reports.move(g.world, report_id, body.get("lat"), body.get("lng"), g.access))


@bp.route("/reports/<report_id>/tags", methods=["POST", "DELETE"])
def report_tags(report_id):
    return respond(reports.tag(g.world, report_id, object_body(g.body).get("tags"),
                               request.method == "POST", g.access))


@bp.post("/reports/project")
def reports_project():
    body = object_body(g.body)
    reports.reassign(g.world, body.get("project"), body.get("ids"), g.access)
    return no_content()


@bp.post("/reports/elements/<mode>")
def elements_report(mode):
    report = {"complete": reports.complete, "count": reports.count}.get(mode)
    if report is None:
        raise NotFound(f"no route POST {request.path}", "ROUTE_NOT_FOUND")
    return respond(report(g.world, object_body(g.body).get("elements"), g.access))


# ---- files -------------------------------------------------------------------------------------
@bp.post("/files")
def upload_files():
    uploads = [(f.filename or "file", f.mimetype or "application/octet-stream", f.read())
               for f in request.files.getlist("files")]
    return respond(posts.add_files(g.world, object_body(g.body), uploads, g.access), 201)


@bp.get("/files/<file_id>/content")
def file_content(file_id):
    data, kind, name = posts.file_content(g.world, file_id, g.access)
    return send_file(io.BytesIO(data), mimetype=kind, as_attachment=True, download_name=name)


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
    """The contract, as this server validates requests: lenient (unknown fields admitted and
    ignored) or strict — the mode of the key's tenant when a valid key is sent."""
    tenant = sim().tenants.tenant_of(api_key()) if request.headers.get("Authorization") else None
    strict = sim().is_strict(tenant) if tenant else sim().strict
    return Response(CONTRACT.served_from(request.host_url.rstrip("/"), strict),
                    mimetype="application/yaml")


@bp.route("/<path:path>", methods=["GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS",
                                   "TRACE"])
def unrouted(path):
    """Every other request reaches the pipeline above, whose router answers it from the
    contract (404 for a path it lacks, 405 with ``Allow`` for a method a path lacks)."""
    raise NotFound(f"no route {request.method} {request.path}", "ROUTE_NOT_FOUND")
