"""The control plane (``/__ozsim``): tenants, reset, clock, invariants, jobs, and the test
controls of the integrations. Simulator-only.

A tenant is addressed by its API key in ``Authorization``, exactly as on ``/api/v2``.
"""
from __future__ import annotations

import functools

from flask import Blueprint, Response, current_app, request

from ..core.clock import parse_iso
from ..core.errors import Invalid, Unauthorized
from ..integrations.int6 import integration as int6
from ..wire.encoding import json_body, object_body
from ..wire.local import wsgi_session

bp = Blueprint("control", __name__, url_prefix="/__ozsim")


def _sim():
    return current_app.extensions["ozsim"]


def _body() -> dict:
    body = json_body()
    return {} if body is None else object_body(body)


def _key() -> str:
    return request.headers.get("Authorization", "").removeprefix("Bearer ").strip()


def _tenant() -> str:
    tenant = _sim().tenants.tenant_of(_key())
    if tenant is None:
        raise Unauthorized("missing or invalid API key", "INVALID_API_KEY")
    return tenant


def _clock_state(world) -> dict:
    return {"now": world.clock.now_iso(), "frozen": world.clock.frozen}


@bp.post("/tenants")
def create_tenant():
    body = _body()
    seed = body.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise Invalid("'seed' must be an integer", "INVALID_FIELD", "seed")
    key = _sim().add_tenant(body.get("apiKey"), body.get("network", "empty"), seed)
    return {"apiKey": key, "network": body.get("network", "empty"), "seed": seed}, 201


@bp.post("/reset")
def reset():
    _sim().tenants.replace(_tenant())
    return Response(status=204)


@bp.get("/clock")
def get_clock():
    return _clock_state(_sim().tenants.world(_tenant()))


@bp.post("/clock")
def set_clock():
    world = _sim().tenants.world(_tenant())
    body = _body()
    if "advance" in body:
        seconds = body["advance"]
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
            raise Invalid("'advance' must be a number of seconds >= 0", "INVALID_FIELD", "advance")
        world.jobs.advance(seconds)
    elif "freeze" in body:
        at = body["freeze"]
        try:
            moment = parse_iso(at) if isinstance(at, str) else None
        except ValueError:
            raise Invalid("'freeze' must be an ISO-8601 instant or true", "INVALID_FIELD",
                          "freeze") from None
        world.clock.freeze(moment)
    elif body.get("unfreeze") is True:
        world.clock.unfreeze()
    else:
        raise Invalid("send one of 'advance' (seconds), 'freeze' (ISO instant or true), "
                      "'unfreeze': true", "INVALID_BODY", "body")
    return _clock_state(world)


@bp.get("/invariants")
def invariants():
    try:
        _sim().tenants.world(_tenant()).check_invariants()
    except AssertionError as exc:
        return {"ok": False, "message": str(exc)}, 409
    return {"ok": True}


@bp.get("/jobs")
def jobs():
    """The tenant's jobs: schedule, counts and log of every run."""
    return {"jobs": _sim().tenants.world(_tenant()).jobs.describe()}


@bp.post("/jobs/<name>/run")
def run_job(name):
    """Run one job now; its schedule is unchanged."""
    return _sim().tenants.world(_tenant()).jobs.run(name)


# ---- INT6: the tenant's integration, and INT6's records (test controls) --------------------
def _int6():
    return int6.of(_sim().tenants.world(_tenant()))


@bp.put("/integrations/int6")
def configure_int6():
    """Set the tenant's INT6 integration; schedules (or cancels) the ``int6-pull`` job."""
    world = _sim().tenants.world(_tenant())
    local = functools.partial(wsgi_session, current_app._get_current_object())
    return int6.configure(world, _body(), _key(), _sim().tenants.built().values(), local)


@bp.get("/integrations/int6")
def read_int6():
    return _int6().describe()


@bp.put("/int6/onus/<path:gpon_client_id>")
def put_onu(gpon_client_id):
    record, created = _int6().records.put(gpon_client_id, _body())
    return record, 201 if created else 200


@bp.patch("/int6/onus/<path:gpon_client_id>")
def patch_onu(gpon_client_id):
    return _int6().records.patch(gpon_client_id, _body())


@bp.delete("/int6/onus/<path:gpon_client_id>")
def delete_onu(gpon_client_id):
    _int6().records.delete(gpon_client_id)
    return Response(status=204)
