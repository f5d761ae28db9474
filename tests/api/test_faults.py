"""Faults, the rate limit and the request journal through real sockets (the live server), and
what the reference client makes of each fault.

Every fault is tried both ways it can be asked for — a rule under ``/__ozsim/faults`` and the
``X-Ozsim-Fault`` header — and its effect is checked on the wire and in the world: a
commit-then-fail write is there, a plain fault's write is not. Timing assertions are lower
bounds only (an injected delay is at least that long), never upper bounds.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
import requests

from ozsim.scenarios.client import OZmapClient, OZmapError
from ozsim.scenarios.flows import erp, fixture
from ozsim.scenarios.flows.common import box_free_ports

LAT, LNG = -27.5954, -48.5480


@pytest.fixture
def tenant(live_server, new_tenant):
    """(base URL, a fresh tenant's key, a raw session carrying the key)."""
    base, _ = live_server
    key = new_tenant("faults")
    session = requests.Session()
    session.headers["Authorization"] = key
    yield base, key, session
    session.close()


def control(base, session, method, path, **kw):
    response = session.request(method, f"{base}/__ozsim/{path}", timeout=30, **kw)
    assert response.status_code < 300, (method, path, response.status_code, response.text)
    return response.json() if response.content else None


def projects(base, session) -> int:
    return session.get(f"{base}/api/v2/projects", timeout=30).json()["total"]


def create_project(base, session, name="P", **headers):
    return session.post(f"{base}/api/v2/projects", json={"name": name}, headers=headers,
                        timeout=30)


# ---- each fault, by header and by rule -------------------------------------------------------
def test_a_status_fault_answers_in_the_api_envelope_and_applies_nothing(tenant):
    base, _, session = tenant
    answer = create_project(base, session, **{"X-Ozsim-Fault": "status=503, retry-after=7"})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "7"
    assert answer.json()["code"] == "FAULT_INJECTED"
    assert answer.headers["X-Ozsim-Fault"] == "status=503,retry-after=7"
    assert projects(base, session) == 0
    rule = control(base, session, "POST", "faults", json={"status": 429, "times": 1})
    assert rule["id"] and rule["fired"] == 0
    assert create_project(base, session).status_code == 429
    assert create_project(base, session).status_code == 201             # times: 1
    assert control(base, session, "GET", "faults")["faults"][0]["fired"] == 1


def test_an_empty_answer_has_no_body(tenant):
    base, _, session = tenant
    answer = session.get(f"{base}/api/v2/projects", headers={"X-Ozsim-Fault": "empty"}, timeout=30)
    assert answer.status_code == 200 and answer.content == b""
    control(base, session, "POST", "faults", json={"empty": True, "status": 502})
    answer = session.get(f"{base}/api/v2/projects", timeout=30)
    assert answer.status_code == 502 and answer.content == b""


def test_latency_delays_the_simulator_s_own_answer(tenant):
    base, _, session = tenant
    started = time.monotonic()
    answer = session.get(f"{base}/api/v2/projects", headers={"X-Ozsim-Fault": "latency=300"},
                         timeout=30)
    assert answer.status_code == 200 and answer.json()["total"] == 0
    assert time.monotonic() - started >= 0.3
    control(base, session, "POST", "faults", json={"latency": {"fixed": 100, "random": 100},
                                                   "match": {"method": "GET"}})
    started = time.monotonic()
    assert session.get(f"{base}/api/v2/projects", timeout=30).status_code == 200
    assert time.monotonic() - started >= 0.1
    entry = control(base, session, "GET", "requests", params={"limit": 1})["requests"][0]
    assert entry["fault"] == "latency=100,random=100" and entry["ms"] >= 100


def test_a_reset_answers_nothing_over_a_real_socket(tenant):
    base, _, session = tenant
    with pytest.raises(requests.ConnectionError) as dropped:
        create_project(base, session, **{"X-Ozsim-Fault": "reset"})
    assert "Connection reset by peer" in str(dropped.value) or "aborted" in str(dropped.value)
    assert projects(base, session) == 0                                  # nothing was applied
    entry = control(base, session, "GET", "requests", params={"method": "POST"})["requests"][-1]
    assert entry["status"] is None and entry["fault"] == "reset"


@pytest.mark.parametrize("how, seen", [("commit-then-fail", 504), ("commit-then-fail, reset", None)])
def test_commit_then_fail_applies_the_write_then_fails(tenant, how, seen):
    base, _, session = tenant
    if seen is None:
        with pytest.raises(requests.ConnectionError):
            create_project(base, session, **{"X-Ozsim-Fault": how})
    else:
        answer = create_project(base, session, **{"X-Ozsim-Fault": how})
        assert answer.status_code == seen and answer.json()["code"] == "FAULT_INJECTED"
    assert projects(base, session) == 1                                  # the write landed
    entry = control(base, session, "GET", "requests", params={"method": "POST"})["requests"][-1]
    assert (entry["status"], entry["appliedStatus"]) == (seen, 201)


def test_rules_match_method_and_path_pattern_only(tenant):
    base, _, session = tenant
    control(base, session, "POST", "faults",
            json={"match": {"method": "post", "path": "/api/v2/proj*"}, "status": 500})
    assert create_project(base, session).status_code == 500
    assert session.get(f"{base}/api/v2/projects", timeout=30).status_code == 200
    assert session.post(f"{base}/api/v2/colors", json={"name": "Verde", "color": "#00FF00"},
                        timeout=30).status_code == 201
    control(base, session, "DELETE", "faults")
    assert create_project(base, session).status_code == 201


def test_bad_fault_rules_and_headers_are_refused(tenant):
    base, _, session = tenant
    for rule, field in [({"probability": 2}, "probability"), ({"reset": True, "status": 503}, "reset"),
                        ({"latency": {"fixed": 61_000}}, "latency.fixed"), ({"bogus": 1}, "bogus"),
                        ({"match": {"method": "GET"}, "retryAfter": 5}, "body")]:
        answer = session.post(f"{base}/__ozsim/faults", json=rule, timeout=30)
        assert answer.status_code == 400 and answer.json()["field"] == field, answer.json()
    answer = session.get(f"{base}/api/v2/projects", headers={"X-Ozsim-Fault": "explode"}, timeout=30)
    assert answer.status_code == 400 and answer.json()["field"] == "X-Ozsim-Fault"
    assert control(base, session, "GET", "faults") == {"faults": []}
    assert session.delete(f"{base}/__ozsim/faults/f99", timeout=30).status_code == 404


def test_probabilities_come_from_the_tenant_s_seeded_rng_not_the_world_s(live_server, simulator):
    """Two tenants built alike, one with a coin-flip fault on every request: the same requests
    fire the same faults on every run (seeded), and the world's ids are the same in both."""
    base, _ = live_server

    def run(with_fault: bool):
        key = simulator.add_tenant(network="empty", seed=11)
        session = requests.Session()
        session.headers["Authorization"] = key
        if with_fault:
            control(base, session, "POST", "faults",
                    json={"match": {"method": "GET"}, "probability": 0.5, "latency": {"fixed": 1}})
        ids = []
        for i in range(3):
            ids.append(create_project(base, session, f"P{i}").json()["id"])
            for _ in range(4):
                session.get(f"{base}/api/v2/projects", timeout=30)
        fired = [e["fault"] is not None for e in
                 control(base, session, "GET", "requests", params={"method": "GET"})["requests"]]
        simulator.remove_tenant(key)
        return ids, fired

    ids, fired = run(True)
    again, fired_again = run(True)
    plain, _ = run(False)
    assert fired == fired_again and 0 < sum(fired) < len(fired)
    # ids mix the clock's seconds with the world's RNG: compare the RNG part
    assert [i[-10:] for i in ids] == [i[-10:] for i in again] == [i[-10:] for i in plain]


# ---- the rate limit ----------------------------------------------------------------------------
def test_the_token_bucket_refills_on_the_simulated_clock(tenant):
    base, _, session = tenant
    control(base, session, "POST", "clock", json={"freeze": True})
    assert control(base, session, "PUT", "rate-limit", json={"requests": 2, "per": 60}) == \
        {"requests": 2, "per": 60, "available": 2}
    assert [session.get(f"{base}/api/v2/projects", timeout=30).status_code
            for _ in range(3)] == [200, 200, 429]
    refused = session.get(f"{base}/api/v2/projects", timeout=30)
    assert refused.json()["code"] == "RATE_LIMITED" and refused.headers["Retry-After"] == "30"
    assert control(base, session, "GET", "rate-limit")["available"] == 0
    control(base, session, "POST", "clock", json={"advance": 30})
    assert session.get(f"{base}/api/v2/projects", timeout=30).status_code == 200
    assert session.get(f"{base}/api/v2/projects", timeout=30).status_code == 429
    assert control(base, session, "PUT", "rate-limit", json={}) == {}
    assert session.get(f"{base}/api/v2/projects", timeout=30).status_code == 200
    limited = control(base, session, "GET", "requests", params={"status": "429"})
    assert limited["total"] == 3 and {e["fault"] for e in limited["requests"]} == {"rate-limit"}


# ---- the journal -------------------------------------------------------------------------------
def test_the_journal_finds_counts_explains_and_clears(tenant):
    base, key, session = tenant
    start = control(base, session, "POST", "clock", json={"freeze": True})["now"]
    half_hour = (datetime.fromisoformat(start.replace("Z", "+00:00"))
                 + timedelta(minutes=30)).isoformat()
    create_project(base, session, "Norte")
    session.get(f"{base}/api/v2/boxess", params={"limit": 2}, timeout=30)
    control(base, session, "POST", "clock", json={"advance": 3600})
    session.delete(f"{base}/api/v2/projects", timeout=30)
    session.get(f"{base}/api/v2/projects", timeout=30)
    found = control(base, session, "GET", "requests")
    assert found["total"] == 4 and [e["id"] for e in found["requests"]] == [1, 2, 3, 4]
    first = found["requests"][0]
    assert first["body"] == {"name": "Norte"} and first["operationId"] == "createProject"
    assert first["at"] >= start and first["status"] == 201
    assert control(base, session, "GET", "requests", params={"status": "4xx"})["total"] == 2
    assert control(base, session, "GET", "requests",
                   params={"path": "/api/v2/proj*", "method": "get"})["total"] == 1
    assert control(base, session, "GET", "requests",
                   params={"since": half_hour})["total"] == 2
    assert control(base, session, "GET", "requests",
                   params={"until": half_hour, "limit": 0}) == {"total": 2, "requests": []}
    unmatched = control(base, session, "GET", "requests/unmatched")["requests"]
    assert [(e["path"], e["nearMiss"]["route"], e["nearMiss"]["method"]) for e in unmatched] == [
        ("/api/v2/boxess", "/api/v2/boxes", "GET"), ("/api/v2/projects", "/api/v2/projects", "GET")]
    assert "boxess" in unmatched[0]["nearMiss"]["reason"]
    assert "takes GET, POST, not DELETE" in unmatched[1]["nearMiss"]["reason"]
    bad = session.get(f"{base}/__ozsim/requests", params={"status": "teapot"}, timeout=30)
    assert bad.status_code == 400 and bad.json()["field"] == "status"
    control(base, session, "DELETE", "requests")
    assert control(base, session, "GET", "requests")["total"] == 0


# ---- the reference client under each fault ----------------------------------------------------
@pytest.fixture
def client(tenant, simulator):
    base, key, _ = tenant
    api = OZmapClient(base, key, retry_wait=0.01, timeout=30)
    api.sleep = lambda seconds: api.control.advance(seconds)   # waits pass on the tenant's clock
    net = fixture.network(api, LAT, LNG, boxes=1, splitter_ports=8, clear_m=0)
    return api, net.boxes[0].id


@pytest.mark.parametrize("rule", [
    {"commitThenFail": True},
    {"commitThenFail": True, "reset": True},
    {"reset": True},
    {"status": 503},
    {"empty": True, "status": 201},
])
def test_a_retried_reservation_never_takes_a_second_port(client, rule):
    api, box = client
    free = box_free_ports(api, box)
    api.control.add_fault({"match": {"method": "POST", "path": "/api/v2/properties"}, "times": 1,
                           **rule})
    reservation = erp.reserve_port(api, "C-1001", box=box)
    assert reservation.port is not None and reservation.box == box
    assert box_free_ports(api, box) == free - 1
    assert len(api.properties_by_client_code("C-1001")) == 1
    posts = api.control.requests(method="POST", path="/api/v2/properties")
    applied = rule.get("commitThenFail", False)
    assert len(posts) == (1 if applied else 2)         # committed: looked up, not re-sent
    assert api.control.invariants() == {"ok": True}


@pytest.mark.parametrize("header", ["reset", "status=503", "status=502", "empty"])
def test_reads_are_retried_once_through_a_fault(client, header):
    api, box = client
    api.control.add_fault({"match": {"method": "GET", "path": "/api/v2/boxes/*"}, "times": 1,
                           **({"reset": True} if header == "reset" else
                              {"empty": True} if header == "empty" else
                              {"status": int(header.split("=")[1])})})
    assert api.get("boxes", box)["id"] == box
    assert len(api.control.requests(path="/api/v2/boxes/*")) == 2


def test_a_post_without_a_natural_key_is_not_repeated(client):
    api, _ = client
    api.control.add_fault({"match": {"method": "POST"}, "commitThenFail": True, "times": 1})
    with pytest.raises(OZmapError) as info:
        api.create("projects", {"name": "once"})
    assert info.value.status == 504 and info.value.ambiguous
    assert api.count("projects", [{"property": "name", "operator": "=", "value": "once"}]) == 1


def test_a_429_is_waited_out_on_the_simulated_clock(client):
    api, box = client
    api.control.freeze()
    api.control.rate_limit(1, 60)
    assert api.get("boxes", box)["id"] == box
    before = api.control.clock()["now"]
    assert api.get("boxes", box)["id"] == box                           # waited 60 s, simulated
    assert api.control.clock()["now"] > before
    statuses = [e["status"] for e in api.control.requests(path="/api/v2/boxes/*")]
    assert statuses == [200, 429, 200]


def test_a_timeout_is_retried_for_reads(client):
    api, box = client
    api.timeout = 0.3
    api.control.add_fault({"match": {"method": "GET"}, "latency": {"fixed": 1000}, "times": 1})
    assert api.get("boxes", box)["id"] == box


def test_the_header_reaches_every_api_in_its_own_envelope(live_server):
    """OZneutral's callers are no OZmap tenant: the header applies there too (no journal, no
    rules), and the injected error speaks TM Forum's envelope."""
    base, _ = live_server
    answer = requests.get(f"{base}/ozneutral/operators", timeout=30,
                          headers={"X-Ozsim-Fault": "status=503"})
    body = answer.json()
    assert answer.status_code == 503 and answer.headers["X-Ozsim-Fault"] == "status=503"
    assert set(body) == {"code", "reason", "message", "status"} and body["status"] == "503"
    assert body["code"] == "FAULT_INJECTED"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/ozneutral/operators", headers={"X-Ozsim-Fault": "reset"}, timeout=30)
    assert requests.get(f"{base}/ozneutral/operators", timeout=30).status_code == 401


def test_in_process_transports_see_a_dropped_connection_too():
    from ozsim.app import Simulator, create_app
    from ozsim.wire.local import IN_PROCESS_URL, wsgi_session
    sim = Simulator(network="empty")
    session = wsgi_session(create_app(sim))
    with pytest.raises(requests.ConnectionError) as dropped:
        session.get(f"{IN_PROCESS_URL}/api/v2/projects", timeout=30,
                    headers={"Authorization": sim.default_key, "X-Ozsim-Fault": "reset"})
    assert "Connection reset by peer" in str(dropped.value)
