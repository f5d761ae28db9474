"""``contracts/int6.yaml``: a valid, self-consistent OpenAPI 3.1 document, and the app honours
it under schemathesis — one test per operation, a bounded number of generated requests each,
against a demo tenant whose INT6 is configured and holds records of real OZmap clients; and
the same for INT6's control routes of ``contracts/control.yaml``.

INT6's own routes are called with the integration's e-mail and token (HTTP Basic); the
control routes with another tenant's API key, so that generated integrations and records
never disturb the credentials the INT6 routes are called with."""
from __future__ import annotations

import base64
from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)

from ozsim.app import Simulator, create_app

from .test_contract_document import (FIDELITY, assert_valid_document, deref, media_examples,
                                     operations, registry_of, validator_for)

CONTRACT = Path(__file__).resolve().parents[2] / "contracts" / "int6.yaml"
DOC = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
REGISTRY = registry_of(DOC)


# ---- the document --------------------------------------------------------------------------
# the public surface: every route, letter by letter, as clients, tests and the issue fix them
ROUTES = {("get", "/int6/onus"), ("get", "/int6/onus/{gpon_client_id}"),
          ("get", "/int6/splitters/nearby"), ("post", "/int6/provisioning"),
          ("get", "/int6/settings"), ("patch", "/int6/settings"), ("get", "/int6/openapi.yaml")}
CONTROL_ROUTES = {"PUT /__ozsim/integrations/int6", "GET /__ozsim/integrations/int6",
                  "PUT /__ozsim/int6/onus/{gpon_client_id}",
                  "PATCH /__ozsim/int6/onus/{gpon_client_id}",
                  "DELETE /__ozsim/int6/onus/{gpon_client_id}"}


def test_a_valid_openapi_31_document_with_the_routes_of_int6():
    assert_valid_document(DOC)
    assert {(method, path) for path, method, _ in operations(DOC)} == ROUTES


def test_operations_have_ids_fidelity_errors_and_valid_examples():
    ids, checked = [], 0
    for path, method, op in operations(DOC):
        where = f"{method.upper()} {path}"
        ids.append(op["operationId"])
        assert op.get("x-fidelity") in FIDELITY, where
        for status, response in op["responses"].items():
            response = deref(DOC, response)
            media = (response.get("content") or {}).get("application/json")
            if status[0] in "45":
                assert media["schema"] == {"$ref": "#/components/schemas/Error"}, where
            elif media is not None:
                assert media_examples(DOC, media), f"{where} {status}: no example"
                for _, value in media_examples(DOC, media):
                    validator_for(REGISTRY, media["schema"]["$ref"]).validate(value)
                    checked += 1
        if "requestBody" in op:
            media = op["requestBody"]["content"]["application/json"]
            schema = deref(DOC, media["schema"])
            assert schema.get("additionalProperties") is False, f"{where}: open request body"
            for _, value in media_examples(DOC, media):
                validator_for(REGISTRY, media["schema"]["$ref"]).validate(value)
                checked += 1
    assert len(ids) == len(set(ids)) and checked >= 9


# ---- the app honours it ----------------------------------------------------------------------
SIM = Simulator(network="demo", seed=0)
APP = create_app(SIM)
INT6_KEY = SIM.add_tenant(network="demo", seed=0)
CONTROL_KEY = SIM.add_tenant(network="empty")
EMAIL, TOKEN = "int6@schemathesis.example", "schemathesis-token"
BASIC = "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()


def _prepare() -> None:
    http = APP.test_client()
    assert http.put("/__ozsim/integrations/int6", json={"email": EMAIL, "token": TOKEN},
                    headers={"Authorization": INT6_KEY}).status_code == 200
    world = SIM.tenants.world(SIM.tenants.tenant_of(INT6_KEY))
    codes = sorted(c["code"] for c in world.docs["ftth-clients"].values() if c.get("code"))[:20]
    for i, code in enumerate(codes):
        http.put(f"/__ozsim/int6/onus/{code}", json={"power": -20 - i / 4 if i % 3 else "LOS"},
                 headers={"Authorization": INT6_KEY})


_prepare()
OPERATIONS = [result.ok() for result in
              schemathesis.openapi.from_wsgi("/int6/openapi.yaml", APP).get_all_operations()]
OPERATIONS += [op for op in (result.ok() for result in schemathesis.openapi.from_wsgi(
    "/__ozsim/openapi.yaml", APP).get_all_operations()) if op.label in CONTROL_ROUTES]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_every_operation_is_checked():
    documented = {f"{method.upper()} {path}" for path, method, _ in operations(DOC)}
    # schemathesis leaves out the operation serving the document it was loaded from
    assert {op.label for op in OPERATIONS} == \
        documented - {"GET /int6/openapi.yaml"} | CONTROL_ROUTES


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_the_app_honours_the_int6_contract(operation):
    auth = CONTROL_KEY if operation.path.startswith("/__ozsim/") else BASIC

    @given(case=operation.as_strategy())
    @settings(max_examples=10, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers={"Authorization": auth}, checks=CHECKS)

    check()
