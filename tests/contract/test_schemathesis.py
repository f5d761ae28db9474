"""Schemathesis against the app in-process: no 5xx, no response outside the contract.

Each operation gets a fresh tenant on the demo network (so generated ids hit real state as
well as missing ones) and a bounded number of generated requests.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)

from simulator.app import Simulator, create_app

SIM = Simulator(network="demo", seed=0)
APP = create_app(SIM)
KEY = SIM.add_tenant(network="demo", seed=0)
schema = schemathesis.openapi.from_wsgi("/api/v2/openapi.yaml", APP)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]

pytestmark = pytest.mark.xdist_group("schemathesis")


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_app_honours_its_contract(case):
    case.call_and_validate(headers={"Authorization": KEY}, checks=CHECKS)
