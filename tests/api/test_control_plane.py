"""The control plane over HTTP (in-process): tenants with their caps, seed, snapshots that
restore byte for byte, the admin token and the disabled control plane. Every answer is
checked against contracts/control.yaml by the suite's contract check."""
from __future__ import annotations

import gzip
import json

import pytest

from ozsim.app import Simulator, create_app

from .. import contract_check


def make(**options):
    admin = {k: options.pop(k) for k in ("admin_token", "control_disabled") if k in options}
    sim = Simulator(network="empty", **options)
    return sim, contract_check.install(create_app(sim, **admin)).test_client()


def key_headers(key: str) -> dict:
    return {"Authorization": key}


def test_tenants_are_created_listed_and_deleted_within_their_caps():
    sim, http = make(max_tenants=3, max_network="demo")
    first = http.post("/__ozsim/tenants", json={"network": "demo", "seed": 4})
    assert first.status_code == 201 and first.json["network"] == "demo"
    key = first.json["apiKey"]
    second = http.post("/__ozsim/tenants", json={"apiKey": "mine"}).json
    assert second == {"apiKey": "mine", "network": "empty", "seed": 0}
    listed = http.get("/__ozsim/tenants").json
    assert [(t["apiKey"], t["default"], t["built"]) for t in listed["tenants"]] == [
        (sim.default_key, True, False), (key, False, False), ("mine", False, False)]
    assert listed["limits"] == {"maxTenants": 3, "maxNetwork": "demo"}
    full = http.post("/__ozsim/tenants", json={})
    assert full.status_code == 422 and full.json["code"] == "TENANT_LIMIT"
    assert http.delete("/__ozsim/tenants/mine").status_code == 204
    too_big = http.post("/__ozsim/tenants", json={"network": "small"})
    assert too_big.status_code == 422 and too_big.json["field"] == "network"
    assert http.post("/__ozsim/tenants", json={"apiKey": key}).json["code"] == "DUPLICATE_API_KEY"
    assert http.get("/api/v2/boxes", headers=key_headers(key)).status_code == 200
    assert [t["built"] for t in http.get("/__ozsim/tenants").json["tenants"]][1] is True
    assert http.delete(f"/__ozsim/tenants/{key}").status_code == 204
    assert http.get("/api/v2/boxes", headers=key_headers(key)).status_code == 401
    assert http.delete(f"/__ozsim/tenants/{key}").status_code == 404
    default = http.delete(f"/__ozsim/tenants/{sim.default_key}")
    assert default.status_code == 422 and default.json["code"] == "DEFAULT_TENANT"
    assert http.post("/__ozsim/tenants", json={"seed": "x"}).json["field"] == "seed"


def test_reset_is_a_clean_slate_and_seed_changes_the_recipe():
    sim, http = make(max_network="demo")
    key = http.post("/__ozsim/tenants", json={}).json["apiKey"]
    h = key_headers(key)
    http.post("/api/v2/projects", json={"name": "P"}, headers=h)
    http.post("/__ozsim/faults", json={"status": 500, "match": {"method": "DELETE"}}, headers=h)
    seeded = http.post("/__ozsim/seed", json={"network": "demo", "seed": 2}, headers=h).json
    assert seeded["network"] == "demo" and seeded["counts"]["boxes"] > 10
    boxes = http.get("/api/v2/boxes", headers=h).json["total"]
    assert boxes == seeded["counts"]["boxes"]
    assert http.post("/__ozsim/seed", json={"network": "mid"}, headers=h).status_code == 422
    assert http.post("/__ozsim/reset", headers=h).status_code == 204
    assert http.get("/api/v2/boxes", headers=h).json["total"] == boxes   # rebuilt: demo, seed 2
    assert http.get("/__ozsim/faults", headers=h).json == {"faults": []}
    assert http.get("/__ozsim/requests", headers=h).json["total"] == 1     # since the reset
    assert http.post("/__ozsim/reset").status_code == 401


def test_a_snapshot_restores_byte_for_byte_and_moves_between_tenants():
    sim, http = make()
    a, b = (http.post("/__ozsim/tenants", json={"network": "demo", "seed": 5}).json["apiKey"]
            for _ in range(2))
    http.post("/api/v2/projects", json={"name": "Only in A"}, headers=key_headers(a))
    first = http.get("/__ozsim/snapshot", headers=key_headers(a))
    assert first.status_code == 200 and first.mimetype == "application/octet-stream"
    assert "attachment" in first.headers["Content-Disposition"]
    state = json.loads(gzip.decompress(first.data))
    assert state["format"] == "ozsim-snapshot" and state["layout"] == "documents"
    assert http.put("/__ozsim/snapshot", data=first.data, headers=key_headers(a)).status_code == 204
    assert http.get("/__ozsim/snapshot", headers=key_headers(a)).data == first.data
    assert http.put("/__ozsim/snapshot", data=first.data, headers=key_headers(b)).status_code == 204
    assert http.get("/__ozsim/snapshot", headers=key_headers(b)).data == first.data
    names = {p["name"] for p in http.get("/api/v2/projects", headers=key_headers(b)).json["rows"]}
    assert "Only in A" in names
    assert http.get("/__ozsim/invariants", headers=key_headers(b)).json == {"ok": True}


def test_a_file_that_is_not_a_snapshot_leaves_the_world_alone():
    sim, http = make()
    key = http.post("/__ozsim/tenants", json={}).json["apiKey"]
    h = key_headers(key)
    before = http.get("/__ozsim/snapshot", headers=h).data
    for junk in (b"not a snapshot", gzip.compress(b'{"format": "other"}'), gzip.compress(b"\x80")):
        refused = http.put("/__ozsim/snapshot", data=junk, headers=h)
        assert refused.status_code == 400 and refused.json["code"] == "INVALID_SNAPSHOT", junk
        assert "/tmp" not in refused.json["message"]
    assert http.get("/__ozsim/snapshot", headers=h).data == before


def test_an_admin_token_guards_every_control_route_but_the_contract():
    sim, http = make(admin_token="s3cret")
    assert http.get("/__ozsim/openapi.yaml").status_code == 200
    missing = http.post("/__ozsim/tenants", json={})
    assert missing.status_code == 401 and missing.json["code"] == "ADMIN_TOKEN_REQUIRED"
    wrong = http.get("/__ozsim/tenants", headers={"X-Ozsim-Admin": "guess"})
    assert wrong.status_code == 403 and wrong.json["code"] == "INVALID_ADMIN_TOKEN"
    admin = {"X-Ozsim-Admin": "s3cret"}
    key = http.post("/__ozsim/tenants", json={}, headers=admin).json["apiKey"]
    assert http.get("/__ozsim/clock", headers=key_headers(key)).status_code == 401
    assert http.get("/__ozsim/clock", headers={**admin, **key_headers(key)}).status_code == 200
    assert http.get("/api/v2/boxes", headers=key_headers(key)).status_code == 200   # the API: key only


def test_a_disabled_control_plane_says_why_and_ignores_fault_headers():
    sim, http = make(control_disabled="listening on 0.0.0.0 without an admin token")
    refused = http.post("/__ozsim/tenants", json={})
    assert refused.status_code == 403 and refused.json["code"] == "CONTROL_PLANE_DISABLED"
    assert "0.0.0.0 without an admin token" in refused.json["message"]
    h = key_headers(sim.default_key)
    assert http.get("/__ozsim/clock", headers=h).status_code == 403
    answer = http.get("/api/v2/boxes", headers={**h, "X-Ozsim-Fault": "status=503"})
    assert answer.status_code == 200 and "X-Ozsim-Fault" not in answer.headers


def test_the_control_contract_is_served_with_this_server_in_servers():
    _, http = make()
    text = http.get("/__ozsim/openapi.yaml").get_data(as_text=True)
    assert "servers:\n- {url: 'http://localhost'" in text and "/__ozsim/faults" in text


@pytest.mark.parametrize("body, field", [({"advance": -1}, "advance"), ({}, "body"),
                                         ({"freeze": "yesterday"}, "freeze")])
def test_bad_clock_changes_are_refused(body, field):
    sim, http = make()
    answer = http.post("/__ozsim/clock", json=body, headers=key_headers(sim.default_key))
    assert answer.status_code == 400 and answer.json["field"] == field, answer.json
