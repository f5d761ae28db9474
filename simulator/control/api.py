"""The control plane (``/__ozsim``), simulator-only: tenants, reset, seed, clock, invariants,
snapshots, the request journal, fault rules and rate limits, and the test controls of the
integrations (INT6's integration and records, OZneutral's reset). Its contract is
``contracts/control.yaml``: every request is validated against it (strictly).

A route that acts on one tenant takes that tenant's API key in ``Authorization``, exactly as
``/api/v2`` does. Who may call the control plane at all (admin token, disabled) is decided by
``control.access`` before any of this runs.
"""
from __future__ import annotations

import tempfile

from flask import Blueprint, Response, current_app, g, request, send_file

from ..core.clock import parse_iso
from ..core.errors import Invalid, Unauthorized
from ..integrations.int6 import integration as int6
from ..wire.contract import Contract
from ..wire.encoding import api_key, json_body, no_content, respond

bp = Blueprint("control", __name__, url_prefix="/__ozsim")

CONTRACT = Contract("control.yaml")
MAX_SNAPSHOT = 256 * 1024 * 1024      # bytes of an uploaded snapshot


def _sim():
    return current_app.extensions["ozsim"]


@bp.before_request
def validate():
    operation, _ = CONTRACT.router.match(request.path, request.method)
    if operation is None:             # served but not in the contract: a bug, not a user error
        raise RuntimeError(f"{request.method} {request.path} is missing from control.yaml")
    operation.validate_query(request.args)
    g.body = None
    if operation.body is not None:
        body = json_body()
        if body is None and not operation.body_required:
            body = {}
        g.body = operation.validate_body(body, strict=True)


def _caller() -> tuple[str, str]:
    """(API key, tenant) of the request."""
    key = api_key()
    tenant = _sim().tenants.tenant_of(key)
    if tenant is None:
        raise Unauthorized("missing or invalid API key: send the tenant's key in Authorization",
                           "INVALID_API_KEY")
    return key, tenant


def _tenant() -> str:
    return _caller()[1]


@bp.get("/openapi.yaml")
def openapi():
    return Response(CONTRACT.served_from(request.host_url.rstrip("/")),
                    mimetype="application/yaml")


# ---- tenants -------------------------------------------------------------------------------
@bp.get("/tenants")
def list_tenants():
    return respond(_sim().tenant_list())


@bp.post("/tenants")
def create_tenant():
    body = g.body
    network, seed = body.get("network", "empty"), body.get("seed", 0)
    key = _sim().add_tenant(body.get("apiKey"), network, seed, body.get("strict"))
    strict = _sim().is_strict(_sim().tenants.tenant_of(key))
    return respond({"apiKey": key, "network": network, "seed": seed, "strict": strict}, 201)


@bp.delete("/tenants/<path:key>")
def delete_tenant(key):
    _sim().remove_tenant(key)
    return no_content()


@bp.post("/reset")
def reset():
    _sim().reset(_tenant())
    return no_content()


@bp.post("/seed")
def seed():
    return respond(_sim().seed_tenant(_tenant(), g.body["network"], g.body.get("seed", 0)))


# ---- clock, invariants ---------------------------------------------------------------------
def _clock_state(world) -> dict:
    return {"now": world.clock.now_iso(), "frozen": world.clock.frozen}


@bp.get("/clock")
def get_clock():
    return respond(_clock_state(_sim().tenants.world(_tenant())))


@bp.post("/clock")
def set_clock():
    world = _sim().tenants.world(_tenant())
    body = g.body
    if "advance" in body:
        world.jobs.advance(body["advance"])        # the jobs that fall due run on the way
    elif "freeze" in body:
        try:
            world.clock.freeze(None if body["freeze"] is True else parse_iso(body["freeze"]))
        except ValueError:
            raise Invalid("'freeze' must be an ISO-8601 instant or true", "INVALID_FIELD",
                          "freeze") from None
    else:
        world.clock.unfreeze()
    return respond(_clock_state(world))


@bp.get("/invariants")
def invariants():
    try:
        _sim().tenants.world(_tenant()).check_invariants()
    except AssertionError as exc:
        return respond({"ok": False, "message": str(exc)}, 409)
    return respond({"ok": True})


# ---- snapshots -----------------------------------------------------------------------------
@bp.get("/snapshot")
def download_snapshot():
    tenant = _tenant()
    out = tempfile.TemporaryFile()
    _sim().snapshot(tenant, out)
    out.seek(0)
    return send_file(out, mimetype="application/octet-stream", as_attachment=True,
                     download_name=f"{tenant}.ozsim.json.gz", etag=False, max_age=0)


@bp.put("/snapshot")
def restore_snapshot():
    tenant = _tenant()
    request.max_content_length = MAX_SNAPSHOT
    with tempfile.NamedTemporaryFile() as upload:
        while chunk := request.stream.read(1 << 20):
            upload.write(chunk)
        upload.flush()
        _sim().restore(tenant, upload.name)
    return no_content()


# ---- the journal ---------------------------------------------------------------------------
def _journal():
    return _sim().traffic.of(_tenant()).journal


def _limit() -> int:
    return int(request.args.get("limit", 100))


@bp.get("/requests")
def find_requests():
    args = request.args
    total, found = _journal().find(args.get("method"), args.get("path"), args.get("status"),
                                   args.get("since"), args.get("until"), _limit())
    return respond({"total": total, "requests": found})


@bp.get("/requests/unmatched")
def find_unmatched():
    total, found = _journal().find(limit=_limit(), unmatched=True)
    return respond({"total": total, "requests": found})


@bp.delete("/requests")
def clear_requests():
    _journal().clear()
    return no_content()


# ---- faults, rate limit --------------------------------------------------------------------
def _rules():
    return _sim().traffic.of(_tenant()).rules


@bp.get("/faults")
def list_faults():
    return respond({"faults": [rule.to_json() for rule in _rules().all()]})


@bp.post("/faults")
def add_fault():
    return respond(_rules().add(g.body).to_json(), 201)


@bp.delete("/faults")
def clear_faults():
    _rules().clear()
    return no_content()


@bp.delete("/faults/<rule_id>")
def delete_fault(rule_id):
    _rules().remove(rule_id)
    return no_content()


@bp.get("/rate-limit")
def get_rate_limit():
    key, tenant = _caller()
    return respond(_sim().traffic.rate_limit(tenant, key))


@bp.put("/rate-limit")
def set_rate_limit():
    key, tenant = _caller()
    return respond(_sim().traffic.set_rate_limit(tenant, key, g.body.get("requests"),
                                                 g.body.get("per")))


# ---- jobs ----------------------------------------------------------------------------------
@bp.get("/jobs")
def jobs():
    """The tenant's jobs: schedule, counts and log of every run."""
    return respond({"jobs": _sim().tenants.world(_tenant()).jobs.describe()})


@bp.post("/jobs/<name>/run")
def run_job(name):
    """Run one job now; its schedule is unchanged."""
    return respond(_sim().tenants.world(_tenant()).jobs.run(name))


# ---- OZneutral: one marketplace per server ----------------------------------------------------
@bp.post("/ozneutral/reset")
def reset_ozneutral():
    """OZneutral starts empty again (its parties, partnerships, tokens and sales)."""
    current_app.extensions["ozneutral"].clear()
    return no_content()


# ---- INT6: the tenant's integration, and INT6's records (test controls) --------------------
def _int6():
    return int6.of(_sim().tenants.world(_tenant()))


@bp.put("/integrations/int6")
def configure_int6():
    """Set the tenant's INT6 integration; schedules (or cancels) the ``int6-pull`` job. INT6
    and the pull reach this simulator in-process when no URL is configured."""
    key, tenant = _caller()
    return respond(int6.configure(_sim().tenants.world(tenant), g.body, key,
                                  _sim().tenants.built().values(), _sim().local))


@bp.get("/integrations/int6")
def read_int6():
    return respond(_int6().describe())


@bp.put("/int6/onus/<path:gpon_client_id>")
def put_onu(gpon_client_id):
    record, created = _int6().records.put(gpon_client_id, g.body)
    return respond(record, 201 if created else 200)


@bp.patch("/int6/onus/<path:gpon_client_id>")
def patch_onu(gpon_client_id):
    return respond(_int6().records.patch(gpon_client_id, g.body))


@bp.delete("/int6/onus/<path:gpon_client_id>")
def delete_onu(gpon_client_id):
    _int6().records.delete(gpon_client_id)
    return no_content()
