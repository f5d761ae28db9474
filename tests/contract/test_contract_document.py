"""The OpenAPI 3.1 contract ``contracts/ozmap.yaml`` is a valid, self-consistent document.

Checks: the document validates against the OpenAPI 3.1 meta-schema (shipped offline by schemathesis;
structural checks otherwise), every ``$ref`` resolves, every schema is a valid JSON Schema Draft 2020-12
schema, every operation has a unique ``operationId`` and an ``x-fidelity`` tag, request bodies and 2xx JSON
responses carry examples, and every example validates against its schema.
"""
from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

CONTRACT = Path(__file__).resolve().parents[2] / "contracts" / "ozmap.yaml"
BASE_URI = "urn:ozmap-contract"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
FIDELITY = {"confirmed", "inferred", "simulator"}
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


@pytest.fixture(scope="module")
def doc() -> dict:
    with CONTRACT.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def registry_of(doc: dict) -> Registry:
    """The document registered under ``BASE_URI``, so that ``validator_for`` resolves its refs."""
    return Registry().with_resource(BASE_URI, Resource.from_contents(doc, default_specification=DRAFT202012))


@pytest.fixture(scope="module")
def registry(doc) -> Registry:
    return registry_of(doc)


def assert_valid_document(doc: dict) -> None:
    """The OpenAPI 3.1 meta-schema, every ``$ref`` resolving, every component schema a valid
    Draft 2020-12 schema (for the other contracts' document tests)."""
    from schemathesis.specs.openapi.definitions import OPENAPI_31
    errors = list(jsonschema.Draft202012Validator(OPENAPI_31).iter_errors(doc))
    assert not errors, [e.message for e in errors[:5]]
    for _, node in walk(doc):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            resolve(doc, node["$ref"])
    for schema in doc["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer(*tokens) -> str:
    return "#/" + "/".join(escape(str(t)) for t in tokens)


def resolve(doc: dict, ref: str):
    assert ref.startswith("#/"), f"only local references are used: {ref}"
    node = doc
    for raw in ref[2:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(token)]
        else:
            assert token in node, f"unresolvable $ref {ref}"
            node = node[token]
    return node


def deref(doc: dict, node):
    seen = 0
    while isinstance(node, dict) and "$ref" in node and set(node) <= {"$ref", "summary", "description"}:
        node = resolve(doc, node["$ref"])
        seen += 1
        assert seen < 10, "reference loop"
    return node


def walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, path + (i,))


def operations(doc):
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def validator_for(registry: Registry, location: str) -> jsonschema.Draft202012Validator:
    """Validator for the schema found at ``location`` (a ``#/...`` pointer) inside the contract."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": BASE_URI + location}
    return jsonschema.Draft202012Validator(schema, registry=registry)


def media_examples(doc, media: dict):
    """[(name, value)] of a media type object's ``example``/``examples``."""
    out = []
    if "example" in media:
        out.append(("example", media["example"]))
    for name, example in (media.get("examples") or {}).items():
        example = deref(doc, example)
        assert "value" in example, f"example {name} has no value"
        out.append((name, example["value"]))
    return out


# ------------------------------------------------------------------------------------------------ tests
def test_openapi_version_and_servers(doc):
    assert doc["openapi"].startswith("3.1.")
    assert doc["servers"] == [{"url": "http://127.0.0.1:9994",
                               "description": doc["servers"][0].get("description")}] or \
        doc["servers"][0]["url"] == "http://127.0.0.1:9994"
    assert all(p.startswith("/api/v2/") for p in doc["paths"])


def test_valid_against_openapi_31_meta_schema(doc):
    try:
        from schemathesis.specs.openapi.definitions import OPENAPI_31
    except ImportError:  # pragma: no cover - structural fallback when schemathesis is not installed
        for key in ("openapi", "info", "paths", "components"):
            assert key in doc
        assert {"title", "version"} <= set(doc["info"])
        return
    errors = sorted(jsonschema.Draft202012Validator(OPENAPI_31).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:20])


def test_every_ref_resolves(doc):
    for _path, node in walk(doc):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            resolve(doc, node["$ref"])


def test_schemas_are_valid_draft_2020_12(doc):
    for _name, schema in doc["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema(schema)
    for _path, _method, op in operations(doc):
        for _, node in walk(op):
            if isinstance(node, dict) and isinstance(node.get("schema"), dict):
                jsonschema.Draft202012Validator.check_schema(node["schema"])


def test_operation_ids_and_fidelity(doc):
    ids = []
    for path, method, op in operations(doc):
        where = f"{method.upper()} {path}"
        assert op.get("operationId"), f"{where}: no operationId"
        ids.append(op["operationId"])
        assert op.get("x-fidelity") in FIDELITY, f"{where}: x-fidelity must be one of {sorted(FIDELITY)}"
        assert op.get("responses"), f"{where}: no responses"
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    for _, node in walk(doc):
        if isinstance(node, dict) and "x-fidelity" in node:
            assert node["x-fidelity"] in FIDELITY


def test_security(doc):
    scheme = doc["components"]["securitySchemes"]["apiKey"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Authorization"}
    assert doc["security"] == [{"apiKey": []}]
    assert doc["paths"]["/api/v2/users/login"]["post"]["security"] == []


def test_request_bodies_and_2xx_json_responses_have_examples(doc):
    for path, method, op in operations(doc):
        where = f"{method.upper()} {path}"
        if "requestBody" in op:
            body = deref(doc, op["requestBody"])
            for mtype, media in body["content"].items():
                assert media_examples(doc, media), f"{where}: request body {mtype} has no example"
        for status, response in op["responses"].items():
            response = deref(doc, response)
            if not str(status).startswith("2"):
                continue
            media = (response.get("content") or {}).get("application/json")
            if media is not None:
                assert media_examples(doc, media), f"{where}: {status} response has no example"


def test_error_responses_use_the_error_schema(doc):
    for path, method, op in operations(doc):
        for status, response in op["responses"].items():
            if str(status)[0] in "45":
                response = deref(doc, response)
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, f"{method} {path} {status}"


def test_every_example_validates(doc, registry):
    checked = 0
    for path, method, op in operations(doc):
        locations = []
        if "requestBody" in op:
            ref = op["requestBody"].get("$ref")
            base = ref[1:].split("/")[1:] if ref else ["paths", path, method, "requestBody"]
            body = deref(doc, op["requestBody"])
            for mtype, media in body["content"].items():
                locations.append((base + ["content", mtype], media))
        for status, response in op["responses"].items():
            ref = response.get("$ref")
            base = ref[1:].split("/")[1:] if ref else ["paths", path, method, "responses", status]
            response = deref(doc, response)
            for mtype, media in (response.get("content") or {}).items():
                if mtype == "application/json":
                    locations.append((base + ["content", mtype], media))
        for tokens, media in locations:
            validator = validator_for(registry, pointer(*tokens, "schema"))
            for name, value in media_examples(doc, media):
                errors = list(validator.iter_errors(value))
                where = f"{method.upper()} {path}: example {name} at {'/'.join(map(str, tokens))}"
                assert not errors, (f"{where}: "
                                    + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]))
                checked += 1
    for name, param in doc["components"]["parameters"].items():
        if "example" in param and "schema" in param:
            validator_for(registry, pointer("components", "parameters", name, "schema")) \
                .validate(param["example"])
        for mtype, media in (param.get("content") or {}).items():
            if "example" in media:
                validator_for(registry,
                              pointer("components", "parameters", name, "content", mtype, "schema")) \
                    .validate(media["example"])
    for name, schema in doc["components"]["schemas"].items():
        validator = validator_for(registry, pointer("components", "schemas", name))
        for value in schema.get("examples", []):
            validator.validate(value)
    assert checked > 100


def test_list_operations_share_the_query_interface(doc):
    expected = {f"#/components/parameters/{p}" for p in
                ("Page", "Limit", "Start", "Filter", "Sort", "Select", "Populate", "PopulateArray")}
    lists = 0
    for path, method, op in operations(doc):
        if method == "get" and op["operationId"].startswith("list"):
            lists += 1
            refs = {p["$ref"] for p in op.get("parameters", [])}
            assert expected <= refs, f"{path}: missing {expected - refs}"
            body = deref(doc, op["requestBody"])
            assert body.get("required") is not True, f"{path}: a GET body is optional"
            assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/QueryBody"}
            schema = deref(doc, op["responses"]["200"])["content"]["application/json"]["schema"]
            envelope = deref(doc, schema)["allOf"][0]
            assert envelope == {"$ref": "#/components/schemas/ListEnvelope"}, path
    assert lists >= 30


def test_request_schemas_are_closed(doc):
    schemas = doc["components"]["schemas"]
    for name, schema in schemas.items():
        if name.endswith(("Create", "Update", "BatchUpdate")) or name == "QueryBody":
            assert schema.get("additionalProperties") is False, f"{name} must set additionalProperties: false"
    assert schemas["LoginRequest"].get("additionalProperties") is not False


def test_resource_schemas_carry_the_common_fields(doc):
    schemas = doc["components"]["schemas"]
    for name, schema in schemas.items():
        if f"{name}List" not in schemas or "allOf" in schema:
            continue
        props = schema["properties"]
        for field in ("id", "_id", "__v", "kind", "external_id", "creatorData", "createdAt", "updatedAt"):
            assert field in props, f"{name} lacks {field}"
        assert schema["additionalProperties"] is False, name
        assert set(schema["required"]) == {"id", "_id", "kind"}, name
        assert set(schema["x-required-unprojected"]) <= set(props), name


def test_examples_use_object_ids(doc):
    for path, node in walk(doc["components"]["examples"]):
        if path and path[-1] in ("id", "_id") and isinstance(node, str):
            assert OBJECT_ID.match(node), f"{'/'.join(map(str, path))}: {node}"


def test_schemathesis_loads_the_document(doc):
    schemathesis = pytest.importorskip("schemathesis")
    loader = getattr(getattr(schemathesis, "openapi", None), "from_dict", None)
    if loader is None:
        pytest.skip("schemathesis.openapi.from_dict not available")
    schema = loader(doc)
    operations_found = list(schema.get_all_operations())
    assert len(operations_found) == sum(1 for _ in operations(doc))
    for result in operations_found:
        result.ok()  # raises when schemathesis cannot build an operation


def test_schemas_in_paths_are_bare_refs_or_ref_free(doc):
    """Consumers anchor an operation's schema with ``{"$ref": <base> + schema["$ref"]}``: a schema written
    inline in a path must therefore not contain local references of its own."""
    for path, method, op in operations(doc):
        for tokens, node in walk(op):
            if tokens and tokens[-1] == "schema" and isinstance(node, dict) and "$ref" not in node:
                refs = [n for _, n in walk(node) if isinstance(n, dict) and "$ref" in n]
                where = f"{method.upper()} {path} {'/'.join(map(str, tokens))}"
                assert not refs, f"{where}: inline schema with $ref"
