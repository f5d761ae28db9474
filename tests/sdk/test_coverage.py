"""Every route the official SDK calls is in the contract, and ``contracts/COVERAGE.md`` says so.

The routes come from the installed SDK bundle (``tests.sdk.coverage``); these tests need
``make sdk``.
"""
from __future__ import annotations

import pytest

from . import coverage

pytestmark = pytest.mark.skipif(not coverage.BUNDLE.is_file(),
                                reason="tests/sdk/node_modules is missing: run `make sdk`")


def test_the_sdk_routes_are_read_from_the_bundle():
    routes = coverage.sdk_routes()
    # one route of each way the SDK builds one: a readable, an updatable and a writable proxy,
    # an override calling the API itself, a second getter (`_reportsRoute`), a literal, the login
    assert routes[("GET", "/api/v2/base-points")] == ["basePoint.find", "basePoint.findAll",
                                                       "basePoint.findOne"]
    assert routes[("PATCH", "/api/v2/fibers/{id}")] == ["fiber.updateById"]
    assert ("DELETE", "/api/v2/boxes/{id}") in routes and ("POST", "/api/v2/boxes") in routes
    assert sorted(routes[("GET", "/api/v2/base-boxes/{id}/topology")]) == [
        "box.getStructure", "building.getStructure"]
    assert routes[("DELETE", "/api/v2/reports/{id}/tags")] == ["polygonReport.removeTagsById"]
    assert routes[("POST", "/api/v2/files")] == ["file.create"]
    assert ("POST", "/api/v2/users/login") in routes
    assert ("POST", "/api/v2/ftth-clients") not in routes      # the SDK has no client create
    assert len(routes) == 294                                  # @ozmap/ozmap-sdk 1.1.8


def test_the_contract_serves_every_sdk_route():
    assert coverage.missing() == []


def test_coverage_md_is_current():
    assert coverage.COVERAGE.read_text(encoding="utf-8") == coverage.report(), \
        "contracts/COVERAGE.md is stale: run `make coverage`"
