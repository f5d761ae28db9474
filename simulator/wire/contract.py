"""Request validation against an OpenAPI 3.1 contract (the source of truth for the wire format).

A ``Contract`` is one document of ``contracts/`` (loaded as package data). Its paths are
compiled once into a router (template → regex, indexed by segment
count and resource name) and per-operation jsonschema validators (Draft 2020-12, ``$ref``
resolved inside the document). Strict mode rejects unknown fields; lenient mode (OZmap's own
behaviour) drops them wherever they are — inside a ``oneOf``/``anyOf``, from the alternative
the value was meant for — and reports their paths, and the document it serves
(``Contract.served_from``) says so: every schema a request reaches admits other fields (but
those marked ``x-unknown-fields: refused``: a filter's range, whose keys are operators).

Every schema is compiled twice: by ``jsonschema_rs`` (Rust, ~1 µs per check) for a yes/no
answer, and by ``jsonschema`` (Python) for the error. A request goes through the Python
validator only when the Rust one does not say "valid", so the answers are the Python
validator's and so are the messages; jsonschema_rs is at least as strict on everything the
contract uses (it checks the ``email``/``date-time`` formats that jsonschema leaves alone
without extra packages, its ``$`` does not match before a trailing newline, it refuses NaN),
and ``tests/contract/test_fast_validation.py`` holds it to that.
"""
from __future__ import annotations

import copy
import functools
import re
from importlib import resources

import jsonschema_rs
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource

from ..core.errors import Invalid, MethodNotAllowed, UnsupportedMediaType
from ..core.query import loads

URI = "urn:ozsim:contract"
FORMATS = Draft202012Validator.FORMAT_CHECKER
# libyaml's parser when PyYAML was built with it (its wheels are): ~10× faster on a contract
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SERVERS = re.compile(r"^servers:\n(?:[ -].*\n)+", re.M)
# a closed schema marked ``x-unknown-fields: refused`` stays closed in the lenient mode too
UNKNOWN = "x-unknown-fields"


class Contract:
    """One OpenAPI document of ``contracts/``: its text, the parsed document, its router."""

    def __init__(self, name: str):
        self.name = name

    @functools.cached_property
    def text(self) -> str:
        return resources.files(__package__.rsplit(".", 1)[0] + ".contracts").joinpath(
            self.name).read_text(encoding="utf-8")

    @functools.cached_property
    def document(self) -> dict:
        return yaml.load(self.text, Loader=YAML_LOADER)  # noqa: S506 - a SafeLoader (C or Python)

    @functools.cached_property
    def router(self) -> "Router":
        return Router(self.document)

    def served_from(self, base_url: str, strict: bool = True) -> str:
        """The contract's text with ``servers`` naming the server that serves it; not
        ``strict``, the lenient document (request schemas admit unknown fields)."""
        return SERVERS.sub(f"servers:\n- {{url: '{base_url}', description: this simulator}}\n",
                           self.text if strict else self.lenient_text, count=1)

    @functools.cached_property
    def lenient_text(self) -> str:
        """The document as a lenient server serves it: every closed schema that a request body
        or a JSON query parameter reaches admits other fields (``x-unknown-fields: ignored``),
        but those marked ``x-unknown-fields: refused``."""
        document = copy.deepcopy(self.document)
        for node in _request_schemas(document):
            if node.get("additionalProperties") is False and node.get(UNKNOWN) != "refused":
                node["additionalProperties"] = True
                node[UNKNOWN] = "ignored"
        info = document.get("info", {})
        info["description"] = (info.get("description", "") + "\n\n**Unknown fields** in request "
                               "bodies and JSON query parameters are ignored, as OZmap does: "
                               "dropped, and named in the `X-Ozsim-Warning` response header. "
                               "A strict server (`ozsim serve --strict`) refuses them with 400.\n")
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        header = "".join(re.match(r"(?:#.*\n)*", self.text).group())   # the file's own comments
        return header + yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True,
                                  width=110)


def _valid_by_rust(validator):
    """``validator.is_valid`` that answers False (ask the Python validator) when it cannot
    take the value (NaN, integers beyond 64 bits, ...); None when there is no validator."""
    if validator is None:
        return None
    is_valid = validator.is_valid

    def check(instance) -> bool:
        try:
            return is_valid(instance)
        except (ValueError, TypeError, OverflowError):
            return False
    return check


def _rust(schema: dict, rs_registry, formats: bool):
    """The jsonschema_rs validator of an anchored schema, or None if it cannot compile it."""
    try:
        return jsonschema_rs.validator_for(schema, registry=rs_registry, validate_formats=formats)
    except Exception:                                   # noqa: BLE001 - then Python alone
        return None


class Operation:
    def __init__(self, method: str, template: str, spec: dict, document: dict,
                 registry: Registry, rs_registry=None):
        self.method, self.template, self.spec = method, template, spec
        self.operation_id = spec.get("operationId")
        self.body = None
        self.body_check = None
        content = (spec.get("requestBody") or {}).get("content", {})
        body = content.get("application/json")
        if body and "schema" in body:
            schema = body["schema"]
            self.body = Draft202012Validator(_anchor(schema), registry=registry,
                                              format_checker=FORMATS)
            self.body_check = _valid_by_rust(_rust(_anchor(schema), rs_registry, True))
        form = content.get("multipart/form-data")       # uploads: fields validated as strings
        self.form = (Draft202012Validator(_anchor(form["schema"]), registry=registry,
                                          format_checker=FORMATS)
                     if form and "schema" in form else None)
        self.responses = {}
        for status, response in (spec.get("responses") or {}).items():
            content = _resolve(response, document).get("content") or {}
            schema = (content.get("application/json") or {}).get("schema")
            self.responses[str(status)] = (Draft202012Validator(_anchor(schema), registry=registry)
                                           if schema else None)
        self.query = []     # (name, Python validator, resolved schema, is an array, Rust check)
        self.json_query = []    # (name, Python validator, Rust check): JSON-valued (``content``)
        for param in spec.get("parameters", []):
            param = _resolve(param, document)
            media = (param.get("content") or {}).get("application/json") or {}
            if param.get("in") == "query" and "schema" in media:
                anchored = _anchor(media["schema"])
                self.json_query.append((param["name"],
                                        Draft202012Validator(anchored, registry=registry),
                                        _valid_by_rust(_rust(anchored, rs_registry, False))))
            if param.get("in") == "query" and "schema" in param:
                anchored = _anchor(param["schema"])
                validator = Draft202012Validator(anchored, registry=registry)
                schema = _resolve(anchored, document) if "$ref" in anchored else anchored
                self.query.append((param["name"], validator, schema,
                                   schema.get("type") == "array",
                                   _valid_by_rust(_rust(anchored, rs_registry, False))))

    def validate_body(self, body, strict: bool, dropped: list | None = None):
        """The body, valid against the operation's schema, or Invalid (400) naming the field.
        Not ``strict`` (OZmap's behaviour), unknown fields are dropped instead of refused —
        wherever they are — and their dotted paths appended to ``dropped``."""
        if self.body is None:
            if self.form is not None and body is not None:
                raise UnsupportedMediaType(f"{self.method} {self.template} takes a multipart form",
                                           "UNSUPPORTED_MEDIA_TYPE", "body")
            return body
        if self.body_check is None or not self.body_check(body):
            if not strict:
                body = _without_unknown(self.body, body, dropped)
            _raise_first(self.body.iter_errors(body), where="body")
        return body

    def validate_form(self, fields: dict, strict: bool, dropped: list | None = None) -> dict:
        """The fields of a ``multipart/form-data`` body (strings; a file part as its file
        name), valid against the operation's form schema — 415 when it takes none."""
        if self.form is None:
            raise UnsupportedMediaType(f"{self.method} {self.template} takes a JSON body, not a "
                                       "multipart form", "UNSUPPORTED_MEDIA_TYPE", "body")
        if not strict:
            fields = _without_unknown(self.form, fields, dropped)
        _raise_first(self.form.iter_errors(fields), where="body")
        return fields

    def validate_query(self, args, strict: bool = True, dropped: list | None = None) -> dict:
        """Checks the query parameters; returns the JSON-valued ones decoded (not ``strict``,
        without their unknown fields, whose paths are appended to ``dropped``)."""
        values = {}
        for name, validator, schema, array, check in self.query:
            if name in args:
                value = ([_coerce(v, schema.get("items", {})) for v in args.getlist(name)]
                         if array else _coerce(args.get(name), schema))
                if check is None or not check(value):
                    _raise_first(validator.iter_errors(value), where=name, prefix=name)
        for name, validator, check in self.json_query:     # checked even when a body wins
            raw = args.get(name)
            if raw is not None and raw.strip():
                value = loads(raw, name)
                if check is None or not check(value):
                    if not strict:
                        found: list = []
                        value = _without_unknown(validator, value, found)
                        if dropped is not None:
                            dropped += [f"{name}.{path}" for path in found]
                    _raise_first(validator.iter_errors(value), where=name, prefix=name)
                values[name] = value
        return values


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


def _request_schemas(document: dict):
    """Every schema object (inline or a component, once each) that a request body or a
    JSON-valued query parameter reaches, following ``$ref``s."""
    roots = []
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            body = _resolve(operation.get("requestBody") or {}, document)
            roots += [m["schema"] for m in (body.get("content") or {}).values() if "schema" in m]
            for param in operation.get("parameters", []):
                param = _resolve(param, document)
                roots += [m["schema"] for m in (param.get("content") or {}).values()
                          if "schema" in m]
    seen, stack = set(), roots
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack += node
        elif isinstance(node, dict) and id(node) not in seen:
            seen.add(id(node))
            if isinstance(node.get("$ref"), str):
                stack.append(_resolve(node, document))
            yield node
            stack += [v for k, v in node.items() if k not in ("examples", "example", "default",
                                                              "const", "enum")]


def _unknown_fields(error) -> list | None:
    """[(path, names)] of the unknown fields whose removal would clear ``error``, or None
    when it is about something else. Of the alternatives of a ``oneOf``/``anyOf``, the first
    whose only errors are unknown fields is the one the value was meant for."""
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        if error.schema.get(UNKNOWN) == "refused":
            return None
        return [(tuple(error.absolute_path), _extras(error))]
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        for _, errors in sorted(branches.items()):
            found = [_unknown_fields(sub) for sub in errors]
            if all(f is not None for f in found):
                return [item for f in found for item in f]
    return None


def _without_unknown(validator, instance, dropped: list | None = None):
    """``instance`` without the unknown fields that make it invalid (a copy when any is
    dropped), their dotted paths appended to ``dropped``; unchanged when its errors are about
    something else."""
    for _ in range(8):                    # each pass clears one level of nesting
        fixes = []
        for error in validator.iter_errors(instance):
            found = _unknown_fields(error)
            if found is None:
                return instance
            fixes += found
        if not fixes:
            return instance
        instance = copy.deepcopy(instance)
        for path, names in fixes:
            target = instance
            for step in path:
                target = target[step]
            for name in names:
                target.pop(name, None)
                if dropped is not None:
                    dropped.append(".".join(map(str, (*path, name))))
    return instance


def _anchor(schema: dict) -> dict:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema} \
        if "$ref" not in schema else {"$ref": URI + schema["$ref"]}


def _resolve(node: dict, document: dict) -> dict:
    if "$ref" in node:
        target = document
        for part in node["$ref"].split("#", 1)[1].strip("/").split("/"):
            target = target[part]
        return target
    return node


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


def _extras(error) -> list[str]:
    """The fields of an ``additionalProperties`` error's object that its schema does not name."""
    known, patterns = error.schema.get("properties", {}), error.schema.get("patternProperties", {})
    return sorted(k for k in error.instance
                  if k not in known and not any(re.search(p, k) for p in patterns))


def _raise_first(errors, where: str, prefix: str = ""):
    best = None
    for error in errors:
        if best is None or len(error.absolute_path) > len(best.absolute_path):
            best = error
    if best is None:
        return
    if best.validator in ("oneOf", "anyOf") and best.context:
        best = best_match([best])       # into the alternative the value was meant for
    path = ".".join(str(p) for p in best.absolute_path)
    field = ".".join(p for p in (prefix, path) if p) or where
    if best.validator == "additionalProperties":
        extras = _extras(best)
        name = ".".join(p for p in (field if field != where else "", extras[0] if extras else "") if p)
        raise Invalid(f"unknown field '{name}' is not allowed here", "UNKNOWN_FIELD", name)
    if best.validator in ("required", "dependentRequired"):
        missing = best.message.split("'")[1] if "'" in best.message else ""
        name = ".".join(p for p in (field if field != where else "", missing) if p)
        raise Invalid(f"'{name}' is required", "MISSING_FIELD", name)
    raise Invalid(f"'{field}': {best.message}", "INVALID_FIELD", field)


class Router:
    """Finds the contract operation for a request path and method.

    The answer is the first template, fewest parameters first, that matches the path and has
    the method — except that a template without parameters that matches the path *is* its
    route: without the method, the answer is (None, True) (405), not a parameter template that
    would read ``batch-update`` as an id. A template only matches paths with its number of
    segments and its literal third segment (``/api/v2/<resource>/...``), so the templates are
    bucketed by those two (keeping their order) and a path is tried against its bucket only.
    """

    RESOURCE = 3        # "", "api", "v2", resource

    def __init__(self, document: dict):
        registry = Registry().with_resource(URI, Resource.from_contents(
            document, default_specification=_draft()))
        rs_registry = jsonschema_rs.Registry([(URI, document)], draft=jsonschema_rs.Draft202012)
        self.routes = []
        for template, item in document.get("paths", {}).items():
            pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template)) + "$")
            static = template.count("{")
            ops = {m.upper(): Operation(m.upper(), template, spec, document, registry, rs_registry)
                   for m, spec in item.items() if m in ("get", "post", "patch", "delete", "put")}
            self.routes.append((static, pattern, ops, template.split("/")))
        self.routes.sort(key=lambda r: r[0])  # static segments win over parameters
        self.buckets: dict[tuple, list] = {}
        self.wildcards: dict[int, list] = {}
        for *_, segments in self.routes:
            if self._resource(segments) is not None:
                self.buckets.setdefault((len(segments), self._resource(segments)), [])
        for static, pattern, ops, segments in self.routes:
            n, resource = len(segments), self._resource(segments)
            for (count, name), bucket in self.buckets.items():
                if count == n and (resource is None or resource == name):
                    bucket.append((pattern, ops, static == 0))
            if resource is None:
                self.wildcards.setdefault(n, []).append((pattern, ops, static == 0))

    @classmethod
    def _resource(cls, segments: list[str]):
        """The literal segment that names the resource, or None when it is a parameter."""
        if len(segments) <= cls.RESOURCE:
            return ""
        name = segments[cls.RESOURCE]
        return None if "{" in name else name

    def _candidates(self, path: str):
        segments = path.split("/")
        name = segments[self.RESOURCE] if len(segments) > self.RESOURCE else ""
        routes = self.buckets.get((len(segments), name))
        return self.wildcards.get(len(segments), ()) if routes is None else routes

    def match(self, path: str, method: str):
        """(operation or None, path exists)."""
        exists = False
        for pattern, ops, literal in self._candidates(path):
            if pattern.match(path):
                exists = True
                if method in ops or literal:
                    return ops.get(method), True
        return None, exists

    def operation(self, path: str, method: str):
        """The operation serving ``method path``, or None when the contract has no such path;
        405 (``MethodNotAllowed`` with the methods it takes) when it has the path, not the
        method."""
        operation, exists = self.match(path, method)
        if operation is None and exists:
            raise MethodNotAllowed(f"{method} is not allowed on {path}", "METHOD_NOT_ALLOWED",
                                   allow=self.allowed(path))
        return operation

    def allowed(self, path: str) -> list[str]:
        """The methods the contract serves on ``path`` (a 405's ``Allow`` header)."""
        methods: set = set()
        for pattern, ops, literal in self._candidates(path):
            if pattern.match(path):
                if literal:
                    return sorted(ops)
                methods |= set(ops)
        return sorted(methods)


def _draft():
    from referencing.jsonschema import DRAFT202012
    return DRAFT202012
