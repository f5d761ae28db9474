"""contracts/web.yaml — the web pages and their /map routes: a valid OpenAPI 3.1 document
(the checks of test_contract_document.py, on this document), every operation a simulator
decision, and the app honouring it under schemathesis."""
from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)

from ozsim.app import Simulator, create_app

from .test_contract_document import (BASE_URI, assert_valid_document, deref, media_examples,
                                     operations, pointer, validator_for)

DOC = yaml.safe_load((Path(__file__).resolve().parents[2] / "contracts" / "web.yaml")
                     .read_text(encoding="utf-8"))
SIM = Simulator(network="empty")
APP = create_app(SIM)
KEY = SIM.add_tenant(network="demo", seed=0)
SCHEMA = schemathesis.openapi.from_wsgi("/map/openapi.yaml", APP)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_a_valid_openapi_31_document_whose_refs_resolve():
    assert_valid_document(DOC)


def test_every_operation_is_a_simulator_decision_with_a_unique_id():
    ids = [op["operationId"] for _, _, op in operations(DOC)]
    assert len(ids) == len(set(ids))
    # schemathesis runs every operation but the document it was loaded from
    assert {op.label for op in OPERATIONS} == {f"{m.upper()} {p}" for p, m, _ in operations(DOC)
                                               if p != "/map/openapi.yaml"}
    assert {op["x-fidelity"] for _, _, op in operations(DOC)} == {"simulator"}
    assert all(p == "/" or p == "/ozloc" or p.startswith("/map/") for p in DOC["paths"])


def test_examples_validate_and_errors_use_the_error_schema():
    registry = Registry().with_resource(BASE_URI, Resource.from_contents(
        DOC, default_specification=DRAFT202012))
    checked = 0
    for path, method, op in operations(DOC):
        media_at = [(["paths", path, method, "requestBody", "content", "application/json"],
                     (op.get("requestBody") or {}).get("content", {}).get("application/json"))]
        for status, response in op["responses"].items():
            if str(status)[0] in "45":
                assert deref(DOC, response)["content"]["application/json"]["schema"] == \
                    {"$ref": "#/components/schemas/Error"}
            elif "$ref" not in response:
                media_at.append((["paths", path, method, "responses", status, "content",
                                  "application/json"],
                                 (response.get("content") or {}).get("application/json")))
        for tokens, media in media_at:
            if media is None:
                continue
            examples = media_examples(DOC, media)
            assert examples, f"{method} {path}: no example"
            for _, value in examples:
                validator_for(registry, pointer(*tokens, "schema")).validate(value)
                checked += 1
    assert checked >= 8


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_the_app_honours_the_web_contract(operation):
    @given(case=operation.as_strategy())
    @settings(max_examples=12, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        # identity: the WSGI transport would hand schemathesis a gzip'd body undecoded
        case.call_and_validate(headers={"Authorization": KEY, "Accept-Encoding": "identity"},
                               checks=CHECKS)

    check()
