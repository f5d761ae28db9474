"""Partial matching and its per-key diff (what a failed expectation prints)."""
from __future__ import annotations

import pytest

from ozsim.scenarios.matching import MISSING, match


def paths(expected, actual):
    return [m.path for m in match(expected, actual)]


def test_partial_mapping_ignores_extra_keys_and_reports_each_wrong_key():
    actual = {"id": "b1", "implanted": False, "status": 1, "extra": [1, 2]}
    assert match({"id": "b1"}, actual) == []
    diff = match({"implanted": True, "status": 0, "id": "b1", "missing": 3}, actual)
    assert [m.path for m in diff] == ["implanted", "status", "missing"]
    rendered = [m.render() for m in diff]
    assert rendered[0] == "implanted: expected true, got false"
    assert rendered[1] == "status: expected 0, got 1"
    assert rendered[2] == "missing: expected 3, got <missing> (missing)"


def test_nested_paths_and_lists():
    actual = {"rows": [{"id": "a", "port": 1}, {"id": "b", "port": 2}]}
    assert match({"rows": [{"id": "a"}, {"port": 2}]}, actual) == []
    assert paths({"rows": [{"id": "a"}, {"port": 3}]}, actual) == ["rows.1.port"]
    diff = match({"rows": [{"id": "a"}]}, actual)
    assert diff[0].path == "rows" and "length 2, expected 1" in diff[0].render()


def test_numbers_compare_by_value_but_booleans_are_not_numbers():
    assert match(1, 1.0) == [] and match({"x": -19.5}, {"x": -19.5}) == []
    assert paths(True, 1) == [""] and paths(0, False) == [""]
    assert match(None, None) == [] and paths(None, 0) == [""]


@pytest.mark.parametrize("expected,actual,ok", [
    ({"$gte": 2}, 2, True), ({"$gt": 2}, 2, False), ({"$lt": 0}, -1, True),
    ({"$lte": 0}, "x", False), ({"$in": [1, 2]}, 2, True), ({"$nin": [1, 2]}, 2, False),
    ({"$ne": None}, "x", True), ({"$eq": 3}, 3.0, True),
    ({"$exists": True}, None, False), ({"$exists": False}, MISSING, True),
    ({"$exists": True}, 0, True), ({"$any": True}, None, True), ({"$any": True}, MISSING, False),
    ({"$len": 2}, [1, 2], True), ({"$len": {"$gte": 3}}, [1, 2], False),
    ({"$type": "string"}, "a", True), ({"$type": "integer"}, True, False),
    ({"$type": "number"}, 1.5, True), ({"$type": "array"}, [], True),
    ({"$approx": -21.0, "$tol": 0.05}, -21.04, True), ({"$approx": -21.0}, -21.1, False),
    ({"$contains": [{"id": "b"}]}, [{"id": "a"}, {"id": "b", "x": 1}], True),
    ({"$contains": [{"id": "c"}]}, [{"id": "a"}], False),
    ({"$contains": "a"}, ["a", "b"], True), ({"$not": {"$in": [1]}}, 2, True),
])
def test_operators(expected, actual, ok):
    assert (match(expected, actual) == []) is ok


def test_exists_false_on_a_missing_key_matches():
    assert match({"deletedAt": {"$exists": False}}, {"id": 1}) == []
    assert paths({"deletedAt": {"$exists": True}}, {"id": 1}) == ["deletedAt"]


def test_unknown_operator_is_a_scenario_error():
    with pytest.raises(ValueError, match=r"\$regex"):
        match({"$regex": "x"}, "x")


def test_type_mismatches_are_explained():
    assert "not an object" in match({"a": 1}, [1])[0].render()
    assert "not a list" in match([1], {"a": 1})[0].render()
