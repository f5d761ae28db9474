"""The control plane's contract ``contracts/control.yaml`` is a valid, self-consistent document:
OpenAPI 3.1, every ``$ref`` resolves, every operation a unique ``operationId`` tagged
``x-fidelity: simulator``, closed request schemas, examples that validate, errors in the
``Error`` envelope. (That every control-plane response the suite sees conforms to it is
checked by ``tests/contract_check.py``.)"""
from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .test_contract_document import (BASE_URI, deref, media_examples, operations, pointer,
                                     resolve, validator_for, walk)

CONTRACT = Path(__file__).resolve().parents[2] / "contracts" / "control.yaml"


@pytest.fixture(scope="module")
def doc() -> dict:
    return yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def registry(doc) -> Registry:
    return Registry().with_resource(BASE_URI, Resource.from_contents(
        doc, default_specification=DRAFT202012))


def test_openapi_31_and_every_ref_resolves(doc):
    from schemathesis.specs.openapi.definitions import OPENAPI_31
    errors = list(jsonschema.Draft202012Validator(OPENAPI_31).iter_errors(doc))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:10]]
    for _, node in walk(doc):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            resolve(doc, node["$ref"])
    for schema in doc["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_operations_are_simulator_only_and_uniquely_named(doc):
    ids = [op["operationId"] for _, _, op in operations(doc)]
    assert len(ids) == len(set(ids))
    assert all(path.startswith("/__ozsim/") for path in doc["paths"])
    assert {op.get("x-fidelity") for _, _, op in operations(doc)} == {"simulator"}


def test_errors_use_the_error_envelope_and_requests_are_closed(doc):
    for path, method, op in operations(doc):
        for status, response in op["responses"].items():
            if str(status)[0] in "45" and (path, status) != ("/__ozsim/invariants", "409"):
                schema = deref(doc, response)["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
        body = (op.get("requestBody") or {}).get("content", {}).get("application/json")
        if body:
            target = deref(doc, body["schema"])
            assert target.get("additionalProperties") is False, (method, path)


def test_every_example_validates(doc, registry):
    checked = 0
    for path, method, op in operations(doc):
        places = []
        if "requestBody" in op:
            places += [(("paths", path, method, "requestBody", "content", m), media)
                       for m, media in op["requestBody"]["content"].items()]
        for status, response in op["responses"].items():
            base = (response["$ref"][2:].split("/") if "$ref" in response
                    else ["paths", path, method, "responses", status])
            places += [((*base, "content", m), media)
                       for m, media in (deref(doc, response).get("content") or {}).items()
                       if m == "application/json"]
        for tokens, media in places:
            if "application/json" not in tokens:
                continue
            validator = validator_for(registry, pointer(*tokens, "schema"))
            for name, value in media_examples(doc, media):
                errors = list(validator.iter_errors(value))
                assert not errors, (method, path, name, [e.message for e in errors[:3]])
                checked += 1
    assert checked >= 20


def test_schemathesis_loads_every_operation(doc):
    import schemathesis
    found = [result.ok() for result in schemathesis.openapi.from_dict(doc).get_all_operations()]
    assert len(found) == sum(1 for _ in operations(doc))
