"""What the official SDK (``@ozmap/ozmap-sdk`` 1.1.8) does under each fault, next to what the
reference client does (tests/api/test_faults.py): one port reservation against a fault on
``POST /properties``.

The SDK retries once after a connection reset (ECONNRESET; here also "socket hang up", a
connection closed without an answer), blindly: after commit-then-fail with a reset, its retry
of the POST runs into the reservation its first attempt made (422, duplicate client code) —
the port is taken once, but the integrator is told the reservation failed. It never retries a
5xx or a 429 (Retry-After is ignored), and an empty answer comes back as the created document.
"""
from __future__ import annotations

import json

import pytest

from .test_sdk import drive, pytestmark  # noqa: F401 - the same skips (Node, SDK installed)

POST_PROPERTIES = {"method": "POST", "path": "/api/v2/properties"}
PORTS = 8                                     # the driver's network: one service splitter 1x8


def fault(**rule) -> list[dict]:
    return [{"method": "POST", "path": "/__ozsim/faults",
             "body": {"match": POST_PROPERTIES, "times": 1, **rule}}]


@pytest.mark.parametrize("setup, status, posts, properties", [
    pytest.param(fault(commitThenFail=True), 504, 1, 1, id="commit-then-fail"),
    pytest.param(fault(commitThenFail=True, reset=True), 422, 2, 1, id="commit-then-fail-reset"),
    pytest.param(fault(reset=True), None, 2, 1, id="reset"),
    pytest.param(fault(status=503), 503, 1, 0, id="status-503"),
    pytest.param([{"method": "PUT", "path": "/__ozsim/rate-limit", "body": {"requests": 1, "per": 3600}},
                  {"method": "GET", "path": "/api/v2/projects"}], 429, 1, 0, id="rate-limit"),
    pytest.param(fault(empty=True, status=201), None, 1, 0, id="empty"),
])
def test_the_official_sdk_under_a_fault(live_server, simulator, setup, status, posts, properties):
    base, _ = live_server
    key = simulator.add_tenant()
    result = drive(base, key, "underFault", json.dumps(setup))
    outcome = result["outcome"]
    if status is None:
        assert outcome["ok"], outcome
    else:
        assert not outcome["ok"] and outcome["status"] == status, outcome
    if status == 422:
        assert outcome["data"]["code"] == "DUPLICATE_CLIENT_CODE"
    if "empty" in json.dumps(setup):
        assert outcome == {"ok": True, "type": "string", "id": None}   # "" taken as the document
    assert (result["posts"], result["properties"]) == (posts, properties)
    assert result["freePorts"] == PORTS - properties                     # never a port twice
    simulator.remove_tenant(key)
