"""The OpenAPI 3.1 contract ``contracts/ozneutral.yaml`` is a valid, self-consistent document that
holds the marketplace's public routes letter by letter.

The same checks as ``test_contract_document.py`` applies to ``ozmap.yaml`` (meta-schema, refs,
Draft 2020-12 schemas, unique operationIds with ``x-fidelity``, examples on every request body
and 2xx JSON response and each valid against its schema, TM Forum ``Error`` on every error
response, closed request schemas), plus the route table fixed for clients and tests.
"""
from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from .test_contract_document import (FIDELITY, deref, media_examples, operations, pointer,
                                     registry_of, resolve, validator_for, walk)

CONTRACT = Path(__file__).resolve().parents[2] / "contracts" / "ozneutral.yaml"

# the public surface: every route of the marketplace, as clients and tests rely on it
ROUTES = {
    ("post", "/ozneutral/oauth/token"),
    ("post", "/ozneutral/operators"), ("get", "/ozneutral/operators"),
    ("post", "/ozneutral/partners"), ("get", "/ozneutral/partners"),
    ("put", "/ozneutral/operators/{id}/integration"),
    ("get", "/ozneutral/operators/{id}/sale-projects"),
    ("put", "/ozneutral/operators/{id}/sale-projects"),
    ("post", "/ozneutral/partnerships"),
    ("post", "/ozneutral/partnerships/{id}/accept"),
    ("post", "/ozneutral/partnerships/{id}/reject"),
    ("post", "/ozneutral/tmf-api/geographicAddressManagement/v4/geographicAddress"),
    ("post", "/ozneutral/tmf-api/serviceQualificationManagement/v4/checkServiceQualification"),
    ("post", "/ozneutral/tmf-api/resourcePoolManagement/v4/reservation"),
    ("get", "/ozneutral/tmf-api/resourcePoolManagement/v4/reservation/{id}"),
    ("post", "/ozneutral/orders/confirm"),
    ("post", "/ozneutral/tmf-api/serviceOrdering/v4/serviceOrder"),
    ("get", "/ozneutral/tmf-api/serviceOrdering/v4/serviceOrder/{id}"),
    ("post", "/ozneutral/tmf-api/serviceOrdering/v4/serviceOrder/{id}/inspection"),
    ("get", "/ozneutral/orders/{id}/details"),
    ("get", "/ozneutral/tmf-api/serviceInventory/v4/service"),
}


@pytest.fixture(scope="module")
def doc() -> dict:
    with CONTRACT.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_the_routes_of_the_marketplace(doc):
    served = {(method, path) for path, method, _ in operations(doc)}
    assert ROUTES <= served, sorted(ROUTES - served)
    assert all(path.startswith("/ozneutral/") for _, path in served)


def test_valid_against_openapi_31_meta_schema(doc):
    from schemathesis.specs.openapi.definitions import OPENAPI_31
    errors = sorted(jsonschema.Draft202012Validator(OPENAPI_31).iter_errors(doc),
                    key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:20])


def test_refs_schemas_ids_and_fidelity(doc):
    for _, node in walk(doc):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            resolve(doc, node["$ref"])
        if isinstance(node, dict) and "x-fidelity" in node:
            assert node["x-fidelity"] in FIDELITY
    for schema in doc["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    ids = [op["operationId"] for _, _, op in operations(doc)]
    assert len(ids) == len(set(ids))
    for path, method, op in operations(doc):
        assert op.get("x-fidelity") in FIDELITY, f"{method} {path}"


def test_errors_are_tm_forum_and_requests_closed(doc):
    for path, method, op in operations(doc):
        for status, response in op["responses"].items():
            if str(status)[0] in "45":
                schema = deref(doc, response)["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, f"{method} {path} {status}"
    error = doc["components"]["schemas"]["Error"]
    assert set(error["required"]) == set(error["properties"]) == {"code", "reason", "message",
                                                                  "status"}
    for path, method, op in operations(doc):
        if "requestBody" in op:
            schema = deref(doc, op["requestBody"])["content"]["application/json"]["schema"]
            target = deref(doc, schema)
            for option in [deref(doc, o) for o in target.get("oneOf", [target])]:
                assert option.get("additionalProperties") is False, f"{method} {path}"


def test_every_example_is_there_and_valid(doc):
    registry, checked = registry_of(doc), 0
    for path, method, op in operations(doc):
        media_types = []
        if "requestBody" in op:
            for mtype, media in deref(doc, op["requestBody"])["content"].items():
                media_types.append((["paths", path, method, "requestBody", "content", mtype], media))
        for status, response in op["responses"].items():
            media = (deref(doc, response).get("content") or {}).get("application/json")
            if media is not None and str(status).startswith("2"):
                media_types.append((["paths", path, method, "responses", status, "content",
                                     "application/json"], media))
        for tokens, media in media_types:
            examples = media_examples(doc, media)
            assert examples, f"{method} {path}: no example at {'/'.join(tokens)}"
            validator = validator_for(registry, pointer(*tokens, "schema"))
            for name, value in examples:
                errors = list(validator.iter_errors(value))
                assert not errors, f"{method} {path} {name}: {errors[0].message}"
                checked += 1
    assert checked >= 40


def test_schemathesis_loads_the_document(doc):
    import schemathesis
    schema = schemathesis.openapi.from_dict(doc)
    found = list(schema.get_all_operations())
    assert len(found) == sum(1 for _ in operations(doc))
    for result in found:
        result.ok()
