"""The OZneutral HTTP adapter (``/ozneutral``): parse, one marketplace call, serialise.

Paths follow TM Forum Open API conventions (``contracts/ozneutral.yaml`` is authoritative);
every request but the token endpoint, the sign-ups and the contract carries
``Authorization: Bearer <access_token>``. Errors are TM Forum's ``{code, reason, message,
status}``, rendered here for every ``DomainError`` — including an unknown path (404) or a
method a path does not take (405).
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from ..core.errors import DomainError, NotFound, Unauthorized
from ..integrations.ozneutral import tmf
from ..wire.contract import Contract
from ..wire.encoding import json_body, respond

bp = Blueprint("ozneutral", __name__, url_prefix="/ozneutral")
CONTRACT = Contract("ozneutral.yaml")
PUBLIC = {"ozneutral.token", "ozneutral.sign_up_operator", "ozneutral.sign_up_partner",
          "ozneutral.openapi"}
TMF = "/tmf-api"


def market():
    return current_app.extensions["ozneutral"]


@bp.errorhandler(DomainError)
def tmf_error(exc: DomainError):
    message = exc.message
    if exc.field and exc.field not in message:
        message = f"{message} (field '{exc.field}')"
    return _error(exc.status, exc.code, message, exc.headers())


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    """What the web framework refuses itself (a body over the size limit)."""
    return _error(exc.code or 500, "HTTP_ERROR" if exc.code != 413 else "PAYLOAD_TOO_LARGE",
                  exc.description or HTTP_STATUS_CODES.get(exc.code, "Error"))


def _error(status: int, code: str, message: str, headers: dict | None = None):
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="ozneutral"'
    return respond({"code": code, "reason": HTTP_STATUS_CODES.get(status, "Error"),
                    "message": message, "status": str(status)}, status, headers)


@bp.before_request
def authenticate_and_validate():
    operation = CONTRACT.router.operation(request.path, request.method)
    if operation is None:
        raise NotFound(f"no route {request.method} {request.path}", "ROUTE_NOT_FOUND")
    if request.endpoint not in PUBLIC:
        scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("send 'Authorization: Bearer <access_token>' (POST "
                               "/ozneutral/oauth/token)", "MISSING_TOKEN")
        g.caller = market().authenticate(token.strip())
    body = request.form.to_dict() if request.mimetype == "application/x-www-form-urlencoded" \
        else json_body()
    operation.validate_query(request.args)
    g.body = operation.validate_body(body, True) if request.method in ("POST", "PUT", "PATCH") \
        else body


@bp.route("/<path:unknown>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def no_route(unknown):                 # never reached: the contract's router answers first
    raise NotFound(f"no route {request.method} {request.path}", "ROUTE_NOT_FOUND")


# ---- sign-in, parties, integration ------------------------------------------------------
@bp.post("/oauth/token")
def token():
    return respond(market().grant(g.body), headers={"Cache-Control": "no-store"})


@bp.post("/operators")
def sign_up_operator():
    return respond(tmf.party(*market().sign_up("operator", g.body)), 201)


@bp.post("/partners")
def sign_up_partner():
    return respond(tmf.party(*market().sign_up("partner", g.body)), 201)


@bp.get("/operators")
def operators():
    return respond([tmf.party(p) for p in market().listed("operator")])


@bp.get("/partners")
def partners():
    return respond([tmf.party(p) for p in market().listed("partner")])


@bp.put("/operators/<operator_id>/integration")
def integrate(operator_id):
    return respond(market().integrate(g.caller, operator_id, g.body))


@bp.get("/operators/<operator_id>/integration")
def integration(operator_id):
    return respond(market().integration_of(g.caller, operator_id))


@bp.put("/operators/<operator_id>/sale-projects")
def set_sale_projects(operator_id):
    return respond(market().set_sale_projects(g.caller, operator_id, g.body))


@bp.get("/operators/<operator_id>/sale-projects")
def sale_projects(operator_id):
    return respond(market().sale_projects_of(g.caller, operator_id))


@bp.post("/partnerships")
def request_partnership():
    return respond(tmf.partnership(market().request_partnership(g.caller, g.body)), 201)


@bp.get("/partnerships")
def partnerships():
    return respond([tmf.partnership(p) for p in market().partnerships_of(g.caller)])


@bp.get("/partnerships/<partnership_id>")
def partnership(partnership_id):
    return respond(tmf.partnership(market().partnership(g.caller, partnership_id)))


@bp.post("/partnerships/<partnership_id>/accept")
def accept(partnership_id):
    return respond(tmf.partnership(market().accept(g.caller, partnership_id, g.body)))


@bp.post("/partnerships/<partnership_id>/reject")
def reject(partnership_id):
    return respond(tmf.partnership(market().reject(g.caller, partnership_id)))


# ---- the sale -------------------------------------------------------------------------------
@bp.post(f"{TMF}/geographicAddressManagement/v4/geographicAddress")
def geographic_address():
    return respond(market().sales.address(g.caller, g.body))


@bp.post(f"{TMF}/serviceQualificationManagement/v4/checkServiceQualification")
def check_service_qualification():
    return respond(market().sales.qualify(g.caller, g.body), 201)


@bp.post(f"{TMF}/resourcePoolManagement/v4/reservation")
def reserve():
    return respond(market().sales.reserve(g.caller, g.body), 201)


@bp.get(f"{TMF}/resourcePoolManagement/v4/reservation/<reservation_id>")
def reservation(reservation_id):
    return respond(market().sales.reservation(g.caller, reservation_id))


@bp.patch(f"{TMF}/resourcePoolManagement/v4/reservation/<reservation_id>")
def cancel_reservation(reservation_id):
    return respond(market().sales.cancel_reservation(g.caller, reservation_id, g.body))


@bp.post("/orders/confirm")
def confirm_order():
    return respond(market().sales.confirm(g.caller, g.body), 201)


@bp.get("/orders/<order_id>/details")
def order_details(order_id):
    return respond(market().sales.details(g.caller, order_id))


@bp.post(f"{TMF}/serviceOrdering/v4/serviceOrder")
def service_order():
    return respond(market().sales.order(g.caller, g.body), 201)


@bp.get(f"{TMF}/serviceOrdering/v4/serviceOrder/<order_id>")
def get_service_order(order_id):
    return respond(market().sales.service_order(g.caller, order_id))


@bp.post(f"{TMF}/serviceOrdering/v4/serviceOrder/<order_id>/inspection")
def inspection(order_id):
    return respond(market().sales.inspect(g.caller, order_id, g.body))


@bp.get(f"{TMF}/serviceInventory/v4/service")
def services():
    return respond(market().sales.services(g.caller, request.args.get("state")))


@bp.get("/openapi.yaml")
def openapi():
    return Response(CONTRACT.served_from(request.host_url.rstrip("/")),
                    mimetype="application/yaml")
