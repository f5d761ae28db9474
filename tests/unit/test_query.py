"""The OZmap query language: filter operators, sort, select, populate, JSON parameters."""
import functools
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from ozsim.core.errors import Invalid, NotFound
from ozsim.core.geo import distance_m
from ozsim.core.query import (MISSING, get_path, loads, parse_filter, parse_json_param,
                                   parse_populate, parse_select, parse_sort, sort_docs)

BOX = {
    "id": "5f1e9b2c3d4a5b6c7d8e9f01", "_id": "5f1e9b2c3d4a5b6c7d8e9f01", "kind": "Box",
    "name": "CTO-Centro 01", "coords": [-48.63, -27.59], "lat": -27.59, "lng": -48.63,
    "tags": ["aerial", "fusion"], "onu": {"serial_number": "ZTEG12345678", "mac_address": None},
    "createdAt": "2025-01-02T03:04:05.678Z", "updatedAt": "2025-03-01T00:00:00.000Z",
    "client": None, "implanted": True, "level": 2, "loss": 3.5,
    "history": [{"clients": [{"code": "C1"}, {"code": "C2"}]}, {"clients": []},
                {"clients": [{"code": "C3"}]}],
}


def q(*conditions):
    return parse_filter(list(conditions))


def c(prop, op, value):
    return {"property": prop, "operator": op, "value": value}


def matches(*conditions, doc=BOX):
    return q(*conditions).matches(doc)


# ---- paths --------------------------------------------------------------------------------

def test_get_path():
    assert get_path(BOX, "onu.serial_number") == "ZTEG12345678"
    assert get_path(BOX, "history.clients.code") == ["C1", "C2", "C3"]
    assert get_path(BOX, "history.0.clients.1.code") == "C2"
    assert get_path(BOX, "history.9.clients") is MISSING
    assert get_path(BOX, "onu.nothing") is MISSING
    assert get_path(BOX, "name.first") is MISSING
    assert get_path(BOX, "onu.mac_address") is None
    assert get_path({"id": "x"}, "_id") == "x"
    assert get_path({"_id": "x"}, "id") == "x"
    assert get_path({"history": [{"clients": []}]}, "history.clients.code") is MISSING


# ---- operators ----------------------------------------------------------------------------

def test_equality_and_aliases():
    assert matches(c("name", "=", "CTO-Centro 01"))
    assert matches(c("name", "eq", "CTO-Centro 01"))
    assert not matches(c("name", "=", "cto-centro 01"))
    assert matches(c("level", "=", 2.0))
    assert not matches(c("level", "=", "2"))
    assert matches(c("implanted", "=", True))
    assert not matches(c("level", "=", True))          # booleans are not numbers
    assert not matches(c("implanted", "=", 1))
    assert matches(c("name", "!=", "x")) and matches(c("name", "ne", "x"))
    assert not matches(c("name", "ne", "CTO-Centro 01"))
    assert matches(c("missing", "!=", "x"))
    assert matches(c("id", "=", BOX["id"])) and matches(c("_id", "=", BOX["id"]))


def test_equality_on_array_field_means_contains():
    assert matches(c("tags", "=", "aerial"))
    assert not matches(c("tags", "=", "underground"))
    assert matches(c("tags", "!=", "underground"))
    assert not matches(c("tags", "!=", "fusion"))
    assert matches(c("history.clients.code", "=", "C3"))


def test_null_matches_null_or_absent():
    assert matches(c("client", "=", None))
    assert matches(c("nothing", "=", None))
    assert matches(c("onu.mac_address", "eq", None))
    assert not matches(c("name", "=", None))
    assert matches(c("name", "ne", None))
    assert not matches(c("client", "ne", None))
    assert matches(c("x", "=", None), doc={"x": [1, None]})
    assert not matches(c("x", "=", None), doc={"x": []})


def test_ordering_numbers_strings_and_dates():
    assert matches(c("level", ">", 1)) and matches(c("level", ">=", 2))
    assert not matches(c("level", "<", 2)) and matches(c("level", "<=", 2))
    assert matches(c("loss", "<", 4))
    assert matches(c("name", ">", "CTO-A")) and not matches(c("name", "<", "CTO-A"))
    assert not matches(c("name", ">", 1))               # incomparable types: false
    assert not matches(c("level", "<", "3"))
    assert not matches(c("missing", "<", 3)) and not matches(c("missing", ">", 3))
    assert matches(c("implanted", ">", False))
    # dates compare as instants whatever their ISO form
    assert matches(c("createdAt", ">=", "2025-01-02"))
    assert matches(c("createdAt", "<", "2025-01-02T01:00:00-03:00"))      # 04:00Z
    assert not matches(c("createdAt", "<", "2025-01-02T00:04:05-03:00"))  # 03:04:05Z
    assert matches(c("createdAt", "=", "2025-01-02T00:04:05.678-03:00"))
    assert matches(c("createdAt", ">", "2025-01-02T03:04:05.677999Z"))
    # a date filter against a non-date string falls back to a string comparison
    assert matches(c("name", "<", "2025-01-01T00:00:00Z"), doc={"name": "1999"})
    assert not matches(c("createdAt", ">", 5))


def test_null_in_ordering():
    assert matches(c("client", "<=", None)) and matches(c("missing", ">=", None))
    assert not matches(c("client", "<", None)) and not matches(c("level", ">=", None))


def test_mongo_range_object_on_equals():
    window = {"$gte": "2025-01-01T00:00:00.000Z", "$lte": "2025-01-31T23:59:59.999Z"}
    assert matches(c("createdAt", "=", window))
    assert not matches(c("updatedAt", "=", window))
    assert matches(c("level", "=", {"$gt": 1, "$lt": 3}))
    assert not matches(c("level", "eq", {"$gt": 2}))


def test_like():
    assert matches(c("name", "like", "centro"))
    assert matches(c("name", "like", "CTO%01"))
    assert matches(c("name", "like", "%"))
    assert not matches(c("name", "like", "CTO_Centro"))     # _ is literal
    assert matches(c("n", "like", "a_b"), doc={"n": "xA_By"})
    assert matches(c("n", "like", "a.c"), doc={"n": "A.C"})
    assert not matches(c("n", "like", "a.c"), doc={"n": "abc"})  # no regex injection
    assert matches(c("tags", "like", "FUS"))
    assert not matches(c("level", "like", "2"))


def test_in_notin_all():
    assert matches(c("name", "in", ["x", "CTO-Centro 01"]))
    assert not matches(c("name", "in", []))
    assert matches(c("tags", "in", ["fusion", "x"]))      # any overlap
    assert not matches(c("tags", "notin", ["fusion", "x"]))
    assert matches(c("tags", "notin", ["x"]))
    assert matches(c("nothing", "in", [None, "x"]))
    assert matches(c("nothing", "notin", ["x"]))
    assert matches(c("level", "in", [1, 2]))
    assert not matches(c("implanted", "in", [1]))
    assert matches(c("createdAt", "in", ["2025-01-02T00:04:05.678-03:00"]))
    assert matches(c("tags", "all", ["fusion", "aerial"]))
    assert not matches(c("tags", "all", ["fusion", "x"]))
    assert not matches(c("tags", "all", []))
    assert matches(c("name", "all", ["CTO-Centro 01"]))


def test_exists():
    assert matches(c("name", "exists", True)) and not matches(c("name", "exists", False))
    assert matches(c("client", "exists", False)) and matches(c("nothing", "exists", False))
    assert not matches(c("client", "exists", True))
    assert matches(c("history.clients.code", "exists", True))


def test_near():
    f = q(c("coords", "near", {"lat": "-27.59", "lng": "-48.6301", "radius": 20}))
    assert f.matches(BOX)
    lng, lat, radius, prop = f.near
    assert (lng, lat, radius, prop) == (-48.6301, -27.59, 20, "coords")
    assert not matches(c("coords", "near", {"lat": -27.59, "lng": -48.6302, "radius": "5"}))
    assert matches(c("coords", "near", {"coordinates": [0, 0]}))          # no radius: no cap
    assert q(c("coords", "near", {"coords": [0, 0]})).near[2] is None
    assert not matches(c("coords", "near", {"lat": 0, "lng": 0}), doc={"name": "no coords"})
    assert not matches(c("coords", "near", {"lat": 0, "lng": 0}), doc={"coords": ["a", "b"]})
    assert q(c("name", "=", "x")).near is None
    two = q(c("coords", "near", [1, 2]), c("coords", "near", {"lat": 4, "lng": 3, "radius": 9}))
    assert two.near == (1, 2, None, "coords")


SQUARE = {"type": "Polygon", "coordinates": [[[-49, -28], [-48, -28], [-48, -27], [-49, -27]]]}


def test_within_polygon_and_by_reference():
    assert matches(c("coords", "within", SQUARE))
    assert not matches(c("coords", "within", SQUARE), doc={"coords": [-47.9, -27.5]})
    assert matches(c("coords", "within", SQUARE), doc={"coords": [-48, -27.5]})  # boundary
    seen = []

    def resolve(model, ident):
        seen.append((model, ident))
        if ident == "gone":
            raise NotFound("no such project")
        return SQUARE
    f = parse_filter([c("coords", "within", {"id": "p1", "model": "project"})], resolve)
    assert f.matches(BOX) and seen == [("project", "p1")]
    with pytest.raises(NotFound):
        parse_filter([c("coords", "within", {"id": "gone", "model": "region"})], resolve)
    with pytest.raises(Invalid):
        parse_filter([c("coords", "within", {"id": "p1", "model": "project"})])
    with pytest.raises(Invalid, match="model"):
        parse_filter([c("coords", "within", {"id": "p1", "model": "pop"})], resolve)


def test_point_intersect():
    project = {"id": "p", "area": SQUARE}
    assert matches(c("area", "point-intersect", {"lat": -27.5, "lng": -48.5}), doc=project)
    assert matches(c("area", "point-intersect", [-48, -27]), doc=project)   # vertex
    assert not matches(c("area", "point-intersect", {"lat": -26, "lng": -48.5}), doc=project)
    assert not matches(c("area", "point-intersect", {"lat": 0, "lng": 0}), doc={"area": "junk"})


def test_or_groups_and_and():
    assert matches(c("level", "=", 2), [c("name", "=", "x"), c("tags", "=", "aerial")])
    assert not matches(c("level", "=", 3), [c("name", "=", "x"), c("tags", "=", "aerial")])
    assert not matches([c("name", "=", "x"), c("tags", "=", "y")])
    assert not matches([c("name", "=", "x")], [c("level", ">", 1)])
    assert matches([c("name", "=", "x"), c("level", ">", 1)])


def test_property_is_trimmed_and_extra_keys_ignored():
    assert matches({"property": "  name ", "operator": "=", "value": "CTO-Centro 01", "x": 1})
    assert matches({"property": "name", "operator": " like ", "value": "cto"})


def test_empty_filters_match_everything():
    for raw in (None, []):
        f = parse_filter(raw)
        assert not f and f.matches({}) and f.near is None and f.equalities() == {}
    assert q(c("name", "=", "x"))


def test_constrains_and_equalities():
    f = parse_filter([c("deletedAt", ">=", "2025-01-01T00:00:00.000Z"),
                      c("parent", "=", "b"), c("parent", "in", ["a", "b", "c"]),
                      c("_id", "in", ["x", "y"]), c("project", "=", "p"),
                      c("level", "=", 2), c("flag", "=", True), c("client", "=", None),
                      c("createdAt", "=", "2025-01-01"), c("tags", "in", ["a", None]),
                      c("name", "!=", "z"), [c("box", "=", "q"), c("kind", "=", "Box")]])
    assert f.constrains("deletedAt") and f.constrains("box") and f.constrains("_id")
    assert f.constrains("id") and not f.constrains("updatedAt")
    assert f.equalities() == {"parent": {"b"}, "id": {"x", "y"}, "project": {"p"}, "level": {2}}


# ---- filter errors ------------------------------------------------------------------------

@pytest.mark.parametrize("raw, code, needle", [
    ({"property": "name"}, "INVALID_FILTER", "array"),
    ("name", "INVALID_FILTER", "array"),
    ([c("name", "regex", "x")], "UNKNOWN_OPERATOR", "regex"),
    ([c("name", "$eq", "x")], "UNKNOWN_OPERATOR", "$eq"),
    ([{"property": "name", "operator": 3, "value": 1}], "INVALID_FILTER", "operator"),
    ([{"property": "name", "operator": "="}], "INVALID_FILTER", "value"),
    ([{"operator": "=", "value": 1}], "INVALID_FILTER", "property"),
    ([c("", "=", 1)], "INVALID_FILTER", "property"),
    ([c("a..b", "=", 1)], "INVALID_FILTER", "a..b"),
    (["name"], "INVALID_FILTER", "filter[0]"),
    ([c("name", "=", {"a": 1})], "INVALID_FILTER", "name"),
    ([c("name", "=", {"$regex": "x"})], "INVALID_FILTER", "$regex"),
    ([c("name", "=", {})], "INVALID_FILTER", "name"),
    ([c("name", "=", {"$gte": {"a": 1}})], "INVALID_FILTER", "name"),
    ([c("name", "!=", {"$gte": 1})], "INVALID_FILTER", "!="),
    ([c("name", "<", {"$gte": 1})], "INVALID_FILTER", "<"),
    ([c("name", "=", [{"a": 1}])], "INVALID_FILTER", "name"),
    ([c("name", "=", float("nan"))], "INVALID_FILTER", "name"),
    ([c("name", "like", {"a": 1})], "INVALID_FILTER", "like"),
    ([c("name", "in", {"a": 1})], "INVALID_FILTER", "in"),
    ([c("name", "notin", [["a"]])], "INVALID_FILTER", "notin"),
    ([c("name", "all", [{"a": 1}])], "INVALID_FILTER", "all"),
    ([c("name", "exists", {"a": 1})], "INVALID_FILTER", "exists"),
    ([c("coords", "near", {"lat": 1})], "INVALID_COORDINATES", "filter[0].value"),
    ([c("coords", "near", {"lat": 100, "lng": 0})], "INVALID_COORDINATES", "latitude"),
    ([c("coords", "near", {"lat": 1, "lng": 1, "radius": -1})], "INVALID_FILTER", "radius"),
    ([c("coords", "near", {"lat": 1, "lng": 1, "radius": "far"})], "INVALID_FILTER", "radius"),
    ([c("coords", "near", {"lat": 1, "lng": 1, "radius": True})], "INVALID_FILTER", "radius"),
    ([c("coords", "within", "x")], "INVALID_FILTER", "within"),
    ([c("coords", "within", {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]})],
     "INVALID_POLYGON", "filter[0].value"),
    ([c("area", "point-intersect", {"lat": "x", "lng": 1})], "INVALID_COORDINATES", "filter[0]"),
    ([[]], "INVALID_FILTER", "OR group"),
    ([[[c("name", "=", "x")]]], "INVALID_FILTER", "nesting"),
    ([c("name", "=", "x"), [c("a", "=", 1), [c("b", "=", 2)]]], "INVALID_FILTER", "filter[1][1]"),
    ([[c("name", "bogus", 1)]], "UNKNOWN_OPERATOR", "filter[0][0]"),
])
def test_filter_errors(raw, code, needle):
    with pytest.raises(Invalid) as err:
        parse_filter(raw)
    assert err.value.code == code
    assert err.value.status == 400
    assert needle in err.value.message


# ---- sort ---------------------------------------------------------------------------------

def test_loads_reads_integral_numbers_as_integers():
    decoded = loads(b'{"ratio": 4.0, "loss": 0.5, "big": 1e300, "text": "1.0", "list": [2E0]}', "body")
    assert decoded == {"ratio": 4, "loss": 0.5, "big": 1e300, "text": "1.0", "list": [2]}
    assert type(decoded["ratio"]) is int and type(decoded["big"]) is float


def test_parse_sort():
    assert parse_sort(None) == []
    assert parse_sort([]) == []
    raw = [{"property": " name ", "direction": -1}, {"property": "id", "direction": 1}]
    assert parse_sort(raw) == [("name", -1), ("id", 1)]
    # blanks are ASCII whitespace (the contract's pattern): other separators belong to the name
    assert parse_sort([{"property": "\t\x0bname\x1c\x85 ", "direction": 1}]) \
        == [("name\x1c\x85", 1)]


@pytest.mark.parametrize("raw, needle", [
    ({"property": "name", "direction": 1}, "array"),
    ([{"property": "name", "direction": "asc"}], "asc"),
    ([{"property": "name", "direction": "1"}], "name"),
    ([{"property": "name", "direction": 0}], "name"),
    ([{"property": "name", "direction": True}], "name"),
    ([{"property": "name", "direction": 1.0}], "name"),
    ([{"property": "name"}], "direction"),
    ([{"direction": 1}], "property"),
    (["name"], "sort[0]"),
])
def test_parse_sort_errors(raw, needle):
    with pytest.raises(Invalid) as err:
        parse_sort(raw)
    assert err.value.code == "INVALID_SORT" and needle in err.value.message


def test_sort_mongo_type_order_and_stability():
    docs = [{"i": 0, "v": True}, {"i": 1, "v": "2025-01-01T00:00:00Z"}, {"i": 2, "v": "b"},
            {"i": 3, "v": 2}, {"i": 4}, {"i": 5, "v": [1]}, {"i": 6, "v": None},
            {"i": 7, "v": 1.5}, {"i": 8, "v": "2024-12-31T23:00:00-03:00"}, {"i": 9, "v": "a"},
            {"i": 10, "v": False}, {"i": 11, "v": {"a": 1}}]
    asc = [d["i"] for d in sort_docs(docs, [("v", 1)])]
    assert asc == [4, 6, 7, 3, 9, 2, 5, 11, 10, 0, 1, 8]
    desc = [d["i"] for d in sort_docs(docs, [("v", -1)])]
    assert desc == [8, 1, 0, 10, 11, 5, 2, 9, 3, 7, 4, 6]      # ties keep input order
    rows = [{"a": 1, "b": 2}, {"a": 1, "b": 1}, {"a": 0, "b": 3}]
    assert sort_docs(rows, [("a", -1), ("b", 1)]) == [rows[1], rows[0], rows[2]]
    assert sort_docs(rows, []) == rows


# ---- select / populate / JSON -------------------------------------------------------------

def test_select_inclusion_keeps_identity_fields():
    doc = dict(BOX, ports=[{"id": "p1", "n": 1, "x": 2}, {"id": "p2", "n": 2}])
    for raw in ("name onu.serial_number ports.n", "name,onu.serial_number, ports.n",
                ["name", "onu.serial_number ports.n"]):
        assert parse_select(raw).apply(doc) == {
            "id": BOX["id"], "_id": BOX["id"], "kind": "Box", "name": "CTO-Centro 01",
            "lat": -27.59, "lng": -48.63, "onu": {"serial_number": "ZTEG12345678"},
            "ports": [{"n": 1}, {"n": 2}]}
    assert parse_select("id").apply(BOX) == {k: BOX[k] for k in ("id", "_id", "kind", "lat", "lng")}
    for raw in ("name name.first", "name.first name"):
        assert parse_select(raw).apply({"id": "x", "name": "n", "a": 1}) == {"id": "x", "name": "n"}


def test_select_exclusion():
    out = parse_select("-history -onu.mac_address -kind").apply(BOX)
    assert "history" not in out and out["onu"] == {"serial_number": "ZTEG12345678"}
    assert out["kind"] == "Box" and out["name"] == BOX["name"]
    assert "mac_address" in BOX["onu"]           # the document itself is untouched


def test_select_empty_and_errors():
    assert parse_select(None) is None and parse_select("") is None and parse_select(" , ") is None
    assert parse_select("- a..b .x") is None                  # tokens naming no field: ignored
    for raw in (3, ["a", 1]):
        with pytest.raises(Invalid) as err:
            parse_select(raw)
        assert err.value.code == "INVALID_SELECT" and "select" in err.value.message


def test_select_fields_minus_exclusions():
    out = parse_select("name onu -onu.mac_address -a..b").apply(BOX)
    assert out == {"id": BOX["id"], "_id": BOX["id"], "kind": "Box", "lat": -27.59, "lng": -48.63,
                   "name": "CTO-Centro 01", "onu": {"serial_number": "ZTEG12345678"}}


def test_parse_populate_forms():
    assert parse_populate([("populate", "client,box"), ("populate[]", "x"),
                           ("populate[path]", "project"), ("populate[select]", "name"),
                           ("populate", "client box  splitter.olt"), ("populate[0]", "pon"),
                           ("populate[1][path]", "slot"), ("populate[1][select]", "z"),
                           ("populated", "nope"), ("populate[model]", "nope")]) \
        == ["client", "box", "x", "project", "splitter.olt", "pon", "slot"]
    assert parse_populate([("populate", '{"path": "project", "select": "name"}'),
                           ("populate[]", '["a", {"path": "b c"}]'), ("populate", "")]) \
        == ["project", "a", "b", "c"]
    assert parse_populate([]) == []
    # what names no field is ignored, as unknown names are
    assert parse_populate([("populate", "{bad"), ("populate", "a..b x"), ("populate", "[1]")]) \
        == ["x"]


def test_parse_json_param():
    assert parse_json_param("filter", '[{"property":"name","operator":"=","value":"x"}]') \
        == [{"property": "name", "operator": "=", "value": "x"}]
    assert parse_json_param("filter", None) is None and parse_json_param("sort", "  ") is None
    for raw in ("[{", "NaN", "[Infinity]", "{'a': 1}", "[" * 100_000):
        with pytest.raises(Invalid) as err:
            parse_json_param("filter", raw)
        assert err.value.code == "INVALID_JSON" and "filter" in err.value.message


# ---- property-based: compiled filters and sort vs an obviously correct reference ----------

UTC = timezone.utc
ISO = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{3})?(Z|[+-]\d{2}:\d{2}))?$")


def ref_date(v):
    if not isinstance(v, str) or not ISO.match(v):
        return None
    d = datetime.fromisoformat(v.replace("Z", "+00:00"))
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def kind(v):
    if v is None or v is MISSING:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "date" if ref_date(v) is not None else "string"
    return "compound"


def ref_get(doc, path):
    value = doc
    for seg in path.split("."):
        if isinstance(value, dict):
            value = value.get(seg, value.get("_id" if seg == "id" else "id", MISSING)) \
                if seg in ("id", "_id") else value.get(seg, MISSING)
        elif isinstance(value, list):
            found = [e[seg] for e in value if isinstance(e, dict) and seg in e]
            value = [x for f in found for x in (f if isinstance(f, list) else [f])] or MISSING
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


def ref_equal(x, want):
    if want is None:
        return x is None or x is MISSING
    if kind(x) == "date" and kind(want) == "date":
        return ref_date(x) == ref_date(want)
    same = kind(x) == kind(want) or {kind(x), kind(want)} == {"date", "string"}
    return same and x == want


def ref_eq(value, want):
    if value is None or value is MISSING:
        return want is None
    return any(ref_equal(x, want) for x in (value if isinstance(value, list) else [value]))


def ref_order(x, want, op):
    """op in '<', '<=', '>', '>='; both sides must be the same kind (dates as instants)."""
    if kind(x) == "date" and kind(want) == "date":
        a, b = ref_date(x), ref_date(want)
    elif kind(x) == kind(want) or {kind(x), kind(want)} == {"date", "string"}:
        a, b = x, want
    else:
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def ref_compare(value, want, op):
    if want is None:
        return op in ("<=", ">=") and ref_eq(value, None)
    return any(ref_order(x, want, op) for x in (value if isinstance(value, list) else [value]))


def ref_like(x, pattern):
    if not isinstance(x, str):
        return False
    text, pos = x.lower(), 0
    for piece in pattern.lower().split("%"):
        found = text.find(piece, pos)
        if found < 0:
            return False
        pos = found + len(piece)
    return True


def ref_condition(doc, cond):
    value, op, want = ref_get(doc, cond["property"]), cond["operator"], cond["value"]
    op = {"eq": "=", "ne": "!="}.get(op, op)
    if op == "=" and isinstance(want, dict):
        ops = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
        return all(ref_compare(value, v, ops[k]) for k, v in want.items())
    if op == "=":
        return ref_eq(value, want)
    if op == "!=":
        return not ref_eq(value, want)
    if op in ("<", "<=", ">", ">="):
        return ref_compare(value, want, op)
    if op == "like":
        return any(ref_like(x, want) for x in (value if isinstance(value, list) else [value]))
    if op == "in":
        return any(ref_eq(value, w) for w in want)
    if op == "notin":
        return not any(ref_eq(value, w) for w in want)
    if op == "all":
        return bool(want) and all(ref_eq(value, w) for w in want)
    assert op == "exists"
    return (value is not None and value is not MISSING) == want


def ref_matches(doc, raw):
    return all(any(ref_condition(doc, c) for c in item) if isinstance(item, list)
               else ref_condition(doc, item) for item in raw)


dates = st.datetimes(min_value=datetime(2024, 12, 31, 20), max_value=datetime(2025, 1, 1, 4),
                     timezones=st.sampled_from([UTC, timezone(timedelta(hours=-3))])).map(
    lambda d: d.isoformat(timespec="milliseconds").replace("+00:00", "Z")) | st.sampled_from(
    ["2024-12-31", "2025-01-01", "2025-01-01T00:00:00.000Z", "2024-12-31T21:00:00.000-03:00"])
strings = st.sampled_from(["", "a", "A", "ab", "Ba", "b%", "xyz", "1"])
numbers = st.integers(-2, 2) | st.sampled_from([0.5, 2.0, -1.5])
scalars = st.one_of(st.none(), st.booleans(), numbers, strings, dates)
TYPED = {"n": numbers, "s": strings, "d": dates}    # fields that mostly hold one type


def field(typed):
    scalar = typed | typed | scalars
    return st.one_of(scalar, scalar, st.lists(scalar, max_size=3))


docs = st.fixed_dictionaries({}, optional={
    "id": st.sampled_from(["a1", "b2"]), "n": field(numbers), "s": field(strings),
    "d": field(dates), "tags": st.lists(scalars, max_size=4),
    "flag": st.one_of(st.booleans(), st.none()),
    "onu": st.fixed_dictionaries({}, optional={"serial_number": field(strings)}),
    "items": st.lists(st.fixed_dictionaries({}, optional={"code": field(dates | strings)}),
                      max_size=3)})
PROPS = ["n", "s", "d", "tags", "flag", "onu.serial_number", "items.code", "missing", "id", "_id"]


@st.composite
def conditions(draw):
    prop = draw(st.sampled_from(PROPS))
    scalar = TYPED.get(prop, scalars) | scalars
    op = draw(st.sampled_from(["=", "eq", "!=", "ne", "<", "<=", ">", ">=", "like", "in",
                               "notin", "all", "exists"]))
    if op in ("in", "notin", "all"):
        value = draw(st.lists(scalar, max_size=3))
    elif op == "like":
        value = draw(st.sampled_from(["", "a", "%", "a%b", "B", "%1", "2025%01", "z", "T0%Z"]))
    elif op == "exists":
        value = draw(st.booleans())
    elif op == "=" and draw(st.booleans()):
        keys = draw(st.lists(st.sampled_from(["$gt", "$gte", "$lt", "$lte"]), min_size=1,
                             max_size=2, unique=True))
        value = {k: draw(scalar) for k in keys}
    else:
        value = draw(scalar)
    return {"property": prop, "operator": op, "value": value}


filters = st.lists(st.one_of(conditions(), st.lists(conditions(), min_size=1, max_size=3)),
                   min_size=1, max_size=3)


@settings(max_examples=500, deadline=None)
@given(raws=st.lists(filters, min_size=1, max_size=4),
       batch=st.lists(docs, min_size=1, max_size=10))
def test_filter_matches_reference(raws, batch):
    for raw in raws:
        compiled = parse_filter(json.loads(json.dumps(raw)))
        for doc in batch:
            assert compiled.matches(doc) is ref_matches(doc, raw), (doc, raw)


def ref_sort_cmp(a, b, keys):
    rank = {"null": 0, "number": 1, "string": 2, "compound": 3, "bool": 4, "date": 5}

    def key(v):
        k = kind(v)
        if k == "date":
            return rank[k], ref_date(v)
        if k == "compound":
            return rank[k], json.dumps(v, sort_keys=True)
        return rank[k], (0 if k == "null" else v)
    for path, direction in keys:
        x, y = key(ref_get(a, path)), key(ref_get(b, path))
        if x != y:
            return direction if x > y else -direction
    return 0


@settings(max_examples=300, deadline=None)
@given(batch=st.lists(docs, max_size=12),
       keys=st.lists(st.tuples(st.sampled_from(PROPS), st.sampled_from([1, -1])), max_size=3))
def test_sort_matches_reference(batch, keys):
    expected = sorted(batch, key=functools.cmp_to_key(lambda a, b: ref_sort_cmp(a, b, keys)))
    assert [id(d) for d in sort_docs(batch, keys)] == [id(d) for d in expected]


@settings(max_examples=300, deadline=None)
@given(query=st.tuples(st.floats(-74, -28), st.floats(-34, 6)),
       offset=st.tuples(st.floats(-0.01, 0.01), st.floats(-0.01, 0.01)),
       slack=st.sampled_from([0.0, 0.0, -1e-9, 1e-9, -1.0, 5.0]))
def test_near_radius_equals_distance_m(query, offset, slack):
    point = [query[0] + offset[0], query[1] + offset[1]]
    radius = max(0.0, distance_m(*query, *point) + slack)
    f = parse_filter([c("coords", "near", {"lng": query[0], "lat": query[1], "radius": radius})])
    assert f.matches({"coords": point}) is (distance_m(*query, *point) <= radius)


# ---- every value the SDK's filter schema allows has a meaning (none is a 400) ------------------
DOC = {"name": "CTO-7", "tags": ["a", "b"], "n": 5, "flag": True, "none": None}


@pytest.mark.parametrize("condition, expected", [
    # `=` / `!=` with an array: the field is an array equal to it (same items, same order)
    (c("tags", "=", ["a", "b"]), True), (c("tags", "=", ["b", "a"]), False),
    (c("name", "=", ["CTO-7"]), False), (c("tags", "!=", ["a", "b"]), False),
    # an ordering operator with an array holds against every item; an empty array, never
    (c("n", "<", [6, 9]), True), (c("n", "<", [4, 9]), False), (c("n", ">=", []), False),
    # `in` / `notin` / `all` with a scalar: a one-item list
    (c("n", "in", 5), True), (c("tags", "all", "a"), True), (c("name", "notin", "CTO-7"), False),
    # `like`: a string is a pattern, another scalar an equality, an array any of its items
    (c("n", "like", 5), True), (c("flag", "like", True), True), (c("none", "like", None), True),
    (c("name", "like", ["zzz", "cto"]), True), (c("name", "like", []), False),
    # `exists` reads other values by truthiness (false, 0, "", "false", "0", null, [] are false)
    (c("name", "exists", "false"), False), (c("name", "exists", 1), True),
    (c("missing", "exists", 0), True), (c("missing", "exists", "yes"), False),
    (c("name", "exists", []), False), (c("name", "exists", ["x"]), True),
])
def test_sdk_filter_values_have_a_meaning(condition, expected):
    assert parse_filter([condition]).matches(DOC) is expected
