"""The suite's own contract check (tests/contract_check.py): it flags what breaks the contract,
leaves the rest alone, and really sits in front of the apps the suite talks to."""
from __future__ import annotations

import json

import pytest
import requests
from werkzeug.test import Client

from .. import conftest as root_conftest
from .. import contract_check
from ..contract_check import ContractCheck, Violations

pytestmark = pytest.mark.xdist_group("live")

PAGE = {"total": 0, "count": 0, "start": 0, "limit": 25, "rows": [], "hasNextPage": False,
        "nextUrl": None}


def fake(status: str, body: bytes, content_type: str = "application/json"):
    def app(environ, start_response):
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]
    return app


@pytest.mark.parametrize("path, status, body, content_type, expected", [
    ("/api/v2/tags", "200 OK", json.dumps(PAGE).encode(), "application/json", []),
    ("/api/v2/tags", "200 OK", b'{"rows": 1}', "application/json", ["'total' is a required property"]),
    ("/api/v2/tags", "200 OK", b"{oops", "application/json", ["not valid JSON"]),
    ("/api/v2/tags", "404 NOT FOUND", b"<html>", "text/html", ["error body is not"]),
    ("/api/v2/tags", "422 UNPROCESSABLE ENTITY", b'{"message": "x"}', "application/json",
     ["error body is not"]),
    ("/api/v2/tags", "400 BAD REQUEST", b'{"message": "x", "code": "X", "extra": 1}',
     "application/json", ["error body is not"]),
    ("/api/v2/tags", "400 BAD REQUEST", b'{"message": "x", "code": "X", "field": "name"}',
     "application/json", []),
    ("/api/v2/tags", "418 I'M A TEAPOT", b'{"message": "x", "code": "X"}', "application/json",
     ["status 418 is not documented"]),
    ("/api/v2/no-such-route", "404 NOT FOUND", b'{"message": "x", "code": "NOT_FOUND"}',
     "application/json", []),
    ("/api/v2/no-such-route", "200 OK", b"{}", "application/json", ["is not in the contract"]),
    ("/api/v2/properties/client/a%2Fb", "200 OK", b"[]", "application/json", []),
    ("/__ozsim/clock", "200 OK", b'{"now": "2025-06-02T12:00:00.000Z", "frozen": true}',
     "application/json", []),
    ("/__ozsim/clock", "200 OK", b'{"now": 1}', "application/json", ["'frozen' is a required"]),
    ("/__ozsim/faults", "418 I'M A TEAPOT", b'{"message": "x", "code": "X"}',
     "application/json", ["status 418 is not documented"]),
    ("/ozneutral/operators", "200 OK", b"[]", "application/json", []),
    ("/ozneutral/operators", "200 OK", b"{}", "application/json", ["is not of type 'array'"]),
    ("/ozneutral/nope", "404 NOT FOUND",
     b'{"code": "ROUTE_NOT_FOUND", "reason": "Not Found", "message": "x", "status": "404"}',
     "application/json", []),
    ("/ozneutral/operators", "401 UNAUTHORIZED",               # OZmap's envelope is not TMF's
     b'{"message": "x", "code": "MISSING_TOKEN"}', "application/json", ["error body is not"]),
    ("/ozneutral/operators", "401 UNAUTHORIZED",               # status must be the HTTP status
     b'{"code": "X", "reason": "Unauthorized", "message": "x", "status": "400"}',
     "application/json", ["error body is not"]),
    ("/docs", "200 OK", b"<html>", "text/html", []),
    # INT6: contracts/int6.yaml; its control routes: contracts/control.yaml
    ("/int6/onus", "200 OK", b'{"rows": 1}', "application/json", ["'total' is a required property"]),
    ("/int6/settings", "401 UNAUTHORIZED", b'{"message": "x", "code": "X", "field": "f"}',
     "application/json", ["Additional properties are not allowed"]),
    ("/int6/settings", "401 UNAUTHORIZED", b'{"message": "x", "code": "X"}', "application/json", []),
    ("/__ozsim/integrations/int6", "200 OK", b'{"token": "x"}', "application/json",
     ["'enabled' is a required property"]),
])
def test_the_middleware_flags_what_breaks_the_contract(path, status, body, content_type, expected):
    seen = Violations()
    response = Client(ContractCheck(fake(status, body, content_type), seen)).get(path)
    assert response.status == status and response.data == body      # passed on unchanged
    assert int(response.headers["Content-Length"]) == len(body)
    found = seen.take()
    assert bool(found) == bool(expected), found
    for text in expected:
        assert any(text in f for f in found), (text, found)
    assert seen.checked == (0 if path == "/docs" else 1)


def test_the_app_the_live_server_and_the_test_client_are_checked(app, live_server, client, api_key):
    assert isinstance(app.wsgi_app, ContractCheck)
    before = contract_check.VIOLATIONS.checked
    base_url, key = live_server
    assert requests.get(f"{base_url}/api/v2/authenticated", headers={"Authorization": key},
                        timeout=30).status_code == 200
    assert client.get("/api/v2/system-configs", headers={"Authorization": api_key}).status_code == 200
    assert requests.get(f"{base_url}/__ozsim/clock", headers={"Authorization": key},
                        timeout=30).status_code == 200                    # control.yaml
    assert requests.get(f"{base_url}/docs", timeout=30).status_code == 200  # no contract
    assert contract_check.VIOLATIONS.checked == before + 3


def test_a_recorded_violation_fails_the_test():
    contract_check.VIOLATIONS.add("GET", "/api/v2/tags", 200, ["rows: 1 is not of type 'array'"])
    with pytest.raises(pytest.fail.Exception) as failed:
        root_conftest._raise_violations("during this test")
    assert "1 response(s) during this test broke the contract" in str(failed.value)
    assert "GET /api/v2/tags → 200: rows: 1 is not of type 'array'" in str(failed.value)
    assert contract_check.VIOLATIONS.take() == []
