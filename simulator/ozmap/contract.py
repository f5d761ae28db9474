"""Request validation against ``contracts/ozmap.yaml`` (the source of truth for the wire format).

The contract's paths are compiled once into a router (template → regex) and per-operation
jsonschema validators (Draft 2020-12, ``$ref`` resolved inside the document). Strict mode
rejects unknown fields; lenient mode drops unknown top-level fields before validating.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from ..world.errors import Invalid

CONTRACT_PATH = Path(__file__).resolve().parents[2] / "contracts" / "ozmap.yaml"
URI = "urn:ozsim:ozmap"
FORMATS = Draft202012Validator.FORMAT_CHECKER


@functools.lru_cache(maxsize=None)
def contract_text() -> str:
    return CONTRACT_PATH.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def contract() -> dict:
    return yaml.safe_load(contract_text())


class Operation:
    def __init__(self, method: str, template: str, spec: dict, registry: Registry):
        self.method, self.template, self.spec = method, template, spec
        self.operation_id = spec.get("operationId")
        self.body = None
        self.body_fields = None
        body = (spec.get("requestBody") or {}).get("content", {}).get("application/json")
        if body and "schema" in body:
            schema = body["schema"]
            self.body = Draft202012Validator(_anchor(schema), registry=registry,
                                              format_checker=FORMATS)
            self.body_fields = _top_level_fields(schema, registry)
            self.body_required = (spec.get("requestBody") or {}).get("required", False)
        self.responses = {}
        for status, response in (spec.get("responses") or {}).items():
            schema = ((_resolve(response).get("content") or {}).get("application/json") or {}).get("schema")
            self.responses[str(status)] = (Draft202012Validator(_anchor(schema), registry=registry)
                                           if schema else None)
        self.params = {}
        for param in spec.get("parameters", []):
            param = _resolve(param)
            if param.get("in") == "query" and "schema" in param:
                self.params[param["name"]] = Draft202012Validator(_anchor(param["schema"]),
                                                                  registry=registry)

    def validate_body(self, body, strict: bool):
        if self.body is None:
            return body
        if isinstance(body, dict) and not strict and self.body_fields is not None:
            body = {k: v for k, v in body.items() if k in self.body_fields}
        _raise_first(self.body.iter_errors(body), where="body")
        return body

    def validate_query(self, args) -> None:
        for name, validator in self.params.items():
            if name in args:
                schema = _resolve(validator.schema) if "$ref" in validator.schema else validator.schema
                value = ([_coerce(v, schema.get("items", {})) for v in args.getlist(name)]
                         if schema.get("type") == "array" else _coerce(args.get(name), schema))
                _raise_first(validator.iter_errors(value), where=name, prefix=name)


    def response_problems(self, status: int, body) -> list[str]:
        """Why a response does not conform to this operation (empty when it does)."""
        key = str(status) if str(status) in self.responses else f"{str(status)[0]}XX"
        if key not in self.responses:
            key = "default"
        if key not in self.responses:
            return [f"status {status} is not documented for {self.method} {self.template}"]
        validator = self.responses[key]
        if validator is None:
            return [] if body in (None, b"", "") else [f"status {status} must have no JSON body"]
        return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
                for e in validator.iter_errors(body)]


def _anchor(schema: dict) -> dict:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema} \
        if "$ref" not in schema else {"$ref": URI + schema["$ref"]}


def _resolve(node: dict) -> dict:
    if "$ref" in node:
        target = contract()
        for part in node["$ref"].split("#", 1)[1].strip("/").split("/"):
            target = target[part]
        return target
    return node


def _top_level_fields(schema: dict, registry) -> set | None:
    schema = _resolve(schema)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            fields = set()
            for option in schema[key]:
                more = _top_level_fields(option, registry)
                if more is None:
                    return None
                fields |= more
            return fields
    if "properties" in schema:
        return set(schema["properties"])
    return None


def _coerce(raw: str, schema: dict):
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "integer" in kinds:
        try:
            return int(raw)
        except ValueError:
            return raw
    if "number" in kinds:
        try:
            return float(raw)
        except ValueError:
            return raw
    if "boolean" in kinds and raw in ("true", "false"):
        return raw == "true"
    return raw


def _raise_first(errors, where: str, prefix: str = ""):
    best = None
    for error in errors:
        if best is None or len(error.absolute_path) > len(best.absolute_path):
            best = error
    if best is None:
        return
    path = ".".join(str(p) for p in best.absolute_path)
    field = ".".join(p for p in (prefix, path) if p) or where
    if best.validator == "additionalProperties":
        extras = sorted(set(best.instance) - set(best.schema.get("properties", {})))
        name = ".".join(p for p in (field if field != where else "", extras[0] if extras else "") if p)
        raise Invalid(f"unknown field '{name}' is not allowed here", "UNKNOWN_FIELD", name)
    if best.validator == "required":
        missing = best.message.split("'")[1] if "'" in best.message else ""
        name = ".".join(p for p in (field if field != where else "", missing) if p)
        raise Invalid(f"'{name}' is required", "MISSING_FIELD", name)
    raise Invalid(f"'{field}': {best.message}", "INVALID_FIELD", field)


class Router:
    """Finds the contract operation for a request path and method."""

    def __init__(self, document: dict):
        registry = Registry().with_resource(URI, Resource.from_contents(
            document, default_specification=_draft()))
        self.routes = []
        for template, item in document.get("paths", {}).items():
            pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template)) + "$")
            static = template.count("{")
            ops = {m.upper(): Operation(m.upper(), template, spec, registry)
                   for m, spec in item.items() if m in ("get", "post", "patch", "delete", "put")}
            self.routes.append((static, pattern, ops))
        self.routes.sort(key=lambda r: r[0])  # static segments win over parameters

    def match(self, path: str, method: str):
        """(operation or None, path exists)."""
        exists = False
        for _, pattern, ops in self.routes:
            if pattern.match(path):
                exists = True
                if method in ops:
                    return ops[method], True
        return None, exists


def _draft():
    from referencing.jsonschema import DRAFT202012
    return DRAFT202012


@functools.lru_cache(maxsize=None)
def router() -> Router:
    return Router(contract())
