"""INT6's HTTP API (``/int6``): parse the request, one call to the tenant's INT6, serialise.

Authentication is HTTP Basic with the integration's e-mail as user name and its token as
password: the tenant is the one whose INT6 integration has them (401 otherwise), and that
INT6's IP allowlist applies (403). Requests are validated strictly against
``contracts/int6.yaml``, served at ``/int6/openapi.yaml``. Errors are INT6's own
``{message, code}``, rendered by this blueprint's handler.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request

from ..core.errors import DomainError
from ..integrations.int6 import integration, provisioning
from ..wire.contract import Contract
from ..wire.encoding import json_body, respond

bp = Blueprint("int6", __name__, url_prefix="/int6")

CONTRACT = Contract("int6.yaml")
PUBLIC = {"int6.openapi"}
DEFAULT_LIMIT = 100


@bp.before_request
def authenticate_and_validate():
    if request.endpoint in PUBLIC:
        return
    auth = request.authorization
    basic = auth is not None and auth.type == "basic"
    g.int6 = integration.authenticate(current_app.extensions["ozsim"].tenants.built().values(),
                                      auth.username if basic else None,
                                      auth.password if basic else None, request.remote_addr)
    operation = CONTRACT.router.operation(request.path, request.method)
    if operation is not None:
        operation.validate_query(request.args)
        g.body = operation.validate_body(json_body(), strict=True)


@bp.errorhandler(DomainError)
def int6_error(exc: DomainError):
    headers = exc.headers()
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="INT6"'
    return respond({"message": exc.message, "code": exc.code}, exc.status, headers)


@bp.get("/onus")
def list_onus():
    args = request.args
    start, limit = int(args.get("start", 0)), int(args.get("limit", DEFAULT_LIMIT))
    total, rows = g.int6.records.page(args.get("updatedSince"), start, limit,
                                      args.get("gpon_client_id"), args.get("after"))
    return respond({"total": total, "count": len(rows), "start": start, "limit": limit,
                    "rows": rows, "hasNextPage": start + len(rows) < total})


@bp.get("/onus/<path:gpon_client_id>")
def get_onu(gpon_client_id):
    return respond(g.int6.records.get(gpon_client_id))


@bp.get("/splitters/nearby")
def nearby_splitters():
    radius = request.args.get("radius")
    return respond(provisioning.nearby(g.int6, float(request.args["lat"]),
                                       float(request.args["lng"]),
                                       float(radius) if radius is not None else None))


@bp.post("/provisioning")
def provision():
    body = g.body
    return respond(provisioning.provision(g.int6, body["gpon_client_id"], body["splitter"],
                                          body["port"], body["lat"], body["lng"]))


@bp.get("/settings")
def get_settings():
    return respond(dict(g.int6.settings))


@bp.patch("/settings")
def change_settings():
    return respond(g.int6.change_settings(g.body))


@bp.get("/openapi.yaml")
def openapi():
    return Response(CONTRACT.served_from(request.host_url.rstrip("/")),
                    mimetype="application/yaml")
