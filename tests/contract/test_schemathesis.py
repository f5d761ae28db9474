"""Schemathesis against the app in-process: no 5xx, no response outside the contract.

One pytest test per contract operation (its id is the operation, e.g. ``GET /api/v2/boxes``:
``-k "api/v2/boxes"`` selects it), each with a bounded number of generated requests against
a tenant on the demo network (so generated ids hit real state as well as missing ones).

The operations are parametrised here rather than with ``schema.parametrize()``: that gives
every operation the same pytest node id, and ``pytest-xdist --dist loadgroup`` (what
``make test`` runs) merges items with one node id into one — 164 of 165 silently dropped.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)

from ozsim.app import Simulator, create_app

SIM = Simulator(network="demo", seed=0)
APP = create_app(SIM)
KEY = SIM.add_tenant(network="demo", seed=0)
SCHEMA = schemathesis.openapi.from_wsgi("/api/v2/openapi.yaml", APP)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_every_operation_of_the_contract_is_checked():
    assert len(OPERATIONS) == len({op.label for op in OPERATIONS}) > 150


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_the_app_honours_its_contract(operation):
    @given(case=operation.as_strategy())
    @settings(max_examples=10, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers={"Authorization": KEY}, checks=CHECKS)

    check()
