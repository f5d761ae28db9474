"""The request pipeline's fast paths answer exactly what the slow ones would.

* ``contract.Router.match`` (bucketed by segment count and resource) picks the same operation
  as a linear scan over every template, fewest parameters first.
* The jsonschema_rs pre-check of bodies and query parameters never calls valid what the
  Python ``jsonschema`` validator refuses: it only lets a request skip the Python validator,
  whose errors (and so codes, messages and fields) stay the answer to every bad request.
  Checked on every body example of the contract, mutated field by field with odd values, and
  on odd query strings coerced as the app does.
"""
from __future__ import annotations

import copy

import pytest

from ozsim.ozmap.api import CONTRACT
from ozsim.wire import contract

ROUTER = CONTRACT.router
OPERATIONS = [op for *_, ops, _ in ROUTER.routes for op in ops.values()]
METHODS = ("GET", "POST", "PATCH", "DELETE", "PUT", "HEAD")
OBJECT_ID = "683d929e0111aea9974e58ce"


def linear_match(path: str, method: str):
    """The router's rule as a linear scan: every template in order, fewest parameters first;
    the first with the method wins, and a literal template (no parameters) that matches is the
    route whatever the method."""
    exists = False
    for params, pattern, ops, _ in ROUTER.routes:
        if pattern.match(path):
            exists = True
            if method in ops or params == 0:
                return ops.get(method), True
    return None, exists


def paths() -> list[str]:
    literals = sorted({seg for *_, segments in ROUTER.routes for seg in segments
                       if seg and "{" not in seg})
    fillers = [OBJECT_ID, "x", "10045", *literals]
    out = {"/", "/api", "/api/v2", "/api/v2/", "/api/v1/boxes", "/__ozsim/clock", "/docs",
           "/api/v2/nothing-here", "/api/v2/boxes//x"}
    for *_, segments in ROUTER.routes:
        for filler in fillers:
            path = "/".join(filler if "{" in seg else seg for seg in segments)
            out.update({path, path + "/", path + "/extra", path.replace("/api/v2", "/api/v3")})
        out.update("/".join(segments[:i]) for i in range(len(segments)))
    return sorted(out)


def test_the_router_matches_like_a_linear_scan():
    checked = 0
    for path in paths():
        for method in METHODS:
            assert ROUTER.match(path, method) == linear_match(path, method), (method, path)
            checked += 1
    assert checked > 5000


# ---- jsonschema_rs pre-check ---------------------------------------------------------------
ODD = [None, True, False, 0, 1, -1, 2 ** 63, 10 ** 20, 1.5, -0.0, float("nan"), float("inf"),
       "", "x", " 1.5 ", "-3", OBJECT_ID, OBJECT_ID + "\n", OBJECT_ID.upper(), "ABC_1",
       "2025-01-01T00:00:00.000Z", "2025-01-01T00:00:00Z", "2025-13-01", "not-an-email",
       "a@b.co", "/api/v2/boxes", [], [None], [OBJECT_ID], [1, 1], {}, {"x": 1},
       {"type": "Point", "coordinates": [-48.5, -27.6]}, [-48.5, -27.6]]


def body_examples(op) -> list:
    body = contract._resolve(op.spec.get("requestBody") or {}, CONTRACT.document)
    media = (body.get("content") or {}).get("application/json") or {}
    found = [media["example"]] if "example" in media else []
    for example in (media.get("examples") or {}).values():
        example = contract._resolve(example, CONTRACT.document)
        if "value" in example:
            found.append(example["value"])
    return found


def mutations(value, depth: int = 2):
    """The value, then variants: each key dropped, each value replaced by every odd value
    (and mutated itself, ``depth`` levels down), an unknown key added; lists emptied, grown
    by odd values, their first item mutated."""
    yield value
    if depth == 0:
        return
    if isinstance(value, dict):
        yield {**value, "unknownFieldForTheTest": 1}
        for key in value:
            yield {k: v for k, v in value.items() if k != key}
            for odd in ODD:
                yield {**value, key: odd}
            for inner in mutations(value[key], depth - 1):
                yield {**value, key: inner}
    elif isinstance(value, list):
        yield []
        for odd in ODD:
            yield value + [odd]
        if value:
            for inner in mutations(value[0], depth - 1):
                yield [inner, *value[1:]]
    else:
        yield from ODD


BODIES = [op for op in OPERATIONS if op.body is not None]


def test_every_schema_has_a_rust_pre_check():
    assert BODIES and all(op.body_check is not None for op in BODIES)
    assert all(check is not None for op in OPERATIONS for *_, check in op.query)


@pytest.mark.parametrize("op", BODIES, ids=lambda op: f"{op.method} {op.template}")
def test_the_body_pre_check_is_never_more_lenient(op):
    examples = body_examples(op)
    assert examples, "every request body in the contract has an example"
    agreed = 0
    for example in examples:
        for instance in mutations(copy.deepcopy(example)):
            if op.body_check(instance):
                assert op.body.is_valid(instance), instance
                agreed += 1
    assert agreed, "the examples themselves pass the pre-check"


QUERY_STRINGS = ["", "0", "1", "-1", "25", "1.5", "-27.5954", "90", "90.0000001", "-180",
                 "180.5", "1e3", "1e400", "-1e400", "nan", "inf", "-inf", "abc", "true",
                 "false", "99999999999999999999999", " 7", "7 ", "0x10", "name coords",
                 '[{"property":"name","operator":"=","value":"x"}]']


def test_the_query_pre_check_is_never_more_lenient():
    checked = 0
    for op in OPERATIONS:
        for name, validator, schema, array, check in op.query:
            for raw in QUERY_STRINGS:
                value = ([contract._coerce(raw, schema.get("items", {}))] * 2 if array
                         else contract._coerce(raw, schema))
                if check(value):
                    assert validator.is_valid(value), (op.template, name, value)
                checked += 1
    assert checked > 100
