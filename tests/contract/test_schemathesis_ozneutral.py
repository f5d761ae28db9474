"""Schemathesis against OZneutral in-process: no 5xx, no response outside its contract.

One pytest test per operation of ``contracts/ozneutral.yaml`` (ids as in
``test_schemathesis.py``), a bounded number of generated requests each, sent with the token
of a partner in an active partnership with an integrated operator — so generated bodies meet
real parties, places and sales as well as unknown ones.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)

from ozsim.app import Simulator, create_app

from ..unit.fixtures import north, project_network

SIM = Simulator(network="empty")
APP = create_app(SIM)
SCHEMA = schemathesis.openapi.from_wsgi("/ozneutral/openapi.yaml", APP)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
PASSWORD = "s3nha-forte"


def _partner_token() -> str:
    """A partner with an active partnership on an integrated operator with a small network."""
    http = APP.test_client()
    key = SIM.add_tenant()
    world = SIM.tenants.world(SIM.tenants.tenant_of(key))
    net = project_network(world, "Projeto", north(0))
    world.update("boxes", net.ctos[0]["id"], {"address": "Rua Felipe Schmidt, 10 - Centro, "
                                                          "Florianópolis - SC"})

    def token(email):
        return http.post("/ozneutral/oauth/token", json={
            "grant_type": "password", "username": email, "password": PASSWORD}).json["access_token"]

    operator = http.post("/ozneutral/operators", json={
        "name": "Operadora", "site": "https://op.example", "email": "op@schemathesis.example",
        "password": PASSWORD, "portDefaultPrice": 40}).json
    http.post("/api/v2/users", headers={"Authorization": key}, json={
        "username": "integ", "name": "Integração", "email": "integ@op.example",
        "password": PASSWORD, "resources": ["API"], "role": "5" * 24, "apiKey": "integ-key",
        "projects": [{"project": net.project, "role": "5" * 24, "fromGroup": False}],
        "projectGroups": []})
    operator_token = token("op@schemathesis.example")
    http.put(f"/ozneutral/operators/{operator['_id']}/integration", json={
        "login": "integ", "password": PASSWORD, "apiKey": "integ-key"},
        headers={"Authorization": f"Bearer {operator_token}"})
    http.post("/ozneutral/partners", json={"name": "Parceiro", "site": "https://p.example",
                                           "email": "p@schemathesis.example", "password": PASSWORD})
    partner_token = token("p@schemathesis.example")
    asked = http.post("/ozneutral/partnerships", json={"operator": operator["_id"]},
                      headers={"Authorization": f"Bearer {partner_token}"}).json
    accepted = http.post(f"/ozneutral/partnerships/{asked['_id']}/accept",
                         json={"projects": [net.project]},
                         headers={"Authorization": f"Bearer {operator_token}"})
    assert accepted.status_code == 200, accepted.json
    return partner_token


TOKEN = _partner_token()


def test_every_operation_of_the_contract_is_checked():
    assert len(OPERATIONS) == len({op.label for op in OPERATIONS}) >= 25


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_ozneutral_honours_its_contract(operation):
    @given(case=operation.as_strategy())
    @settings(max_examples=10, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)

    check()
