"""OZmap's pull against an INT6 that fails, over real HTTP: a server on a free port stands in
for INT6 — forwarding to this simulator's INT6, or answering 503, 401, malformed JSON, HTML,
nothing in time — and then a closed port. Every failure is recorded in the job's log, leaves
OZmap untouched and the watermark where it was; the next good cycle applies everything that
changed meanwhile: nothing lost, nothing applied twice."""
from __future__ import annotations

import threading
import time

import pytest

from ozsim.integrations import remote

from ..support import free_port
from .int6_support import Int6Tenant


class FakeInt6:
    """A WSGI app answering as ``mode`` says; ``ok`` forwards to the simulator's own INT6."""

    def __init__(self, app):
        self.app, self.mode = app, "ok"

    def __call__(self, environ, start_response):
        mode = self.mode
        if mode == "ok":
            return self.app(environ, start_response)
        if mode == "slow":
            time.sleep(1.0)
        status, body, kind = {
            "503": ("503 Service Unavailable", b'{"message": "maintenance"}', "application/json"),
            "401": ("401 Unauthorized", b'{"message": "bad token", "code": "AUTH"}',
                    "application/json"),
            "garbage": ("200 OK", b'{"rows": [', "application/json"),
            "html": ("200 OK", b"<html>INT6</html>", "text/html"),
            "slow": ("200 OK", b'{"rows": [], "hasNextPage": false}', "application/json"),
        }[mode]
        start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
        return [body]


@pytest.fixture
def fake_int6(app):
    from waitress import create_server
    fake = FakeInt6(app)
    server = create_server(fake, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, name="fake-int6", daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.effective_port}"
    try:
        yield fake
    finally:
        server.close()
        server.task_dispatcher.shutdown(timeout=5)
        thread.join(timeout=5)


def test_failed_cycles_change_nothing_and_the_next_good_one_applies_everything(
        app, simulator, fake_int6, monkeypatch):
    monkeypatch.setattr(remote, "TIMEOUT", 0.3)
    t = Int6Tenant(app, simulator)
    first, second = (c["code"] for c in t.clients(implanted=True)[:2])
    t.configure(url=fake_int6.url)
    t.onu(first, power=-20.5, serial_number="ZTEG00000001")
    t.onu(second, power=-22.25)
    t.control("POST", "clock", {"advance": 600})
    entry = t.pull_log()[0]
    assert entry["ok"] and entry["changed"]["potencyRead"] == 2
    watermark = t.control("GET", "integrations/int6").get_json()["watermark"]
    # INT6 changes while it cannot be reached
    t.onu(first, power="LOS", serial_number="ZTEG00000001")
    t.onu(second, power=-19.75)
    before = [t.customer(code) for code in (first, second)]
    failures = {"503": "HTTP 503: maintenance", "401": "HTTP 401: bad token [AUTH]",
                "garbage": "MALFORMED_RESPONSE", "html": "MALFORMED_RESPONSE",
                "slow": "TIMEOUT", "refused": "CONNECTION_FAILED"}
    for mode, expected in failures.items():
        if mode == "refused":
            t.configure(url=f"http://127.0.0.1:{free_port()}")
        fake_int6.mode = mode
        t.control("POST", "clock", {"advance": 600})
        entry = t.pull_log()[0]
        assert not entry["ok"] and entry["changed"] is None, entry
        assert entry["error"].startswith("RemoteError: INT6 GET") and expected in entry["error"]
        assert [t.customer(code) for code in (first, second)] == before        # untouched
        assert t.control("GET", "integrations/int6").get_json()["watermark"] == watermark
    fake_int6.mode = "ok"
    t.configure(url=fake_int6.url)
    t.control("POST", "clock", {"advance": 600})
    entry = t.pull_log()[0]
    assert entry["ok"] and entry["changed"]["from"] == watermark
    assert entry["changed"]["status"] == {"OK": 0, "ERROR": 1}
    assert (entry["changed"]["potencyRead"], entry["changed"]["onu"]) == (2, 0)
    (client, prop), (client2, prop2) = (t.customer(code) for code in (first, second))
    assert (client["status"], prop["potencyRead"]) == (1, None)
    assert (client2["status"], prop2["potencyRead"]) == (0, -19.75)
    jobs = t.control("GET", "jobs").get_json()["jobs"]
    assert [(j["runs"], j["failures"]) for j in jobs if j["name"] == "int6-pull"] == [(8, 6)]


def test_faults_on_int6s_api_fail_the_pull_and_its_calls_are_in_the_journal(app, simulator):
    """INT6's API goes through the control plane's traffic hooks like OZmap's: a fault rule of
    the tenant (found by the integration's credentials) fails the in-process pull too."""
    t = Int6Tenant(app, simulator)
    code = t.clients(implanted=True)[0]["code"]
    t.configure()
    t.onu(code, power=-20.25)
    for rule, expected in (({"status": 503}, "HTTP 503"), ({"reset": True}, "CONNECTION_FAILED")):
        added = t.control("POST", "faults", {"match": {"method": "GET", "path": "/int6/onus*"},
                                             "times": 1, **rule})
        assert added.status_code == 201, added.get_json()
        entry = t.pull()
        assert not entry["ok"] and expected in entry["error"], entry
        assert t.customer(code)[1]["potencyRead"] != -20.25                 # untouched
    assert t.pull()["changed"]["potencyRead"] == 1
    journal = t.control("GET", "requests", query={"path": "/int6/onus*"}).get_json()
    assert journal["total"] == 3
