"""Geometry primitives: distance, point/polygon parsing, and the spatial index vs brute force."""
import math

import pytest
from hypothesis import given, settings, strategies as st

from ozsim.core.errors import Invalid, RuleViolation
from ozsim.core.geo import (EARTH_RADIUS_M, GridIndex, distance_m, parse_point,
                                 parse_polygon, point_in_polygon, validate_coords)

FLORIPA = (-48.63, -27.59)   # (lng, lat)


def metres_north(lat: float, metres: float) -> float:
    return lat + math.degrees(metres / EARTH_RADIUS_M)


# ---- distance -----------------------------------------------------------------------------

def test_one_degree_of_equator_is_r_times_pi_over_180():
    assert distance_m(0, 0, 1, 0) == pytest.approx(EARTH_RADIUS_M * math.pi / 180, abs=0.5)
    assert distance_m(0, 0, 0, 1) == pytest.approx(111318.845, abs=0.5)


def test_known_pair_sao_paulo_to_rio():
    # Praça da Sé → Cinelândia on MongoDB's sphere (R = 6 378 100 m)
    assert distance_m(-46.6340, -23.5505, -43.1729, -22.9068) == pytest.approx(361221.0, abs=0.5)


def test_300_metres_along_a_meridian_is_300_not_299_66():
    lng, lat = FLORIPA
    assert distance_m(lng, lat, lng, metres_north(lat, 300)) == pytest.approx(300.0, abs=1e-6)


def test_lat_lng_swap_for_florianopolis_is_about_2950_km():
    lng, lat = FLORIPA
    assert distance_m(lng, lat, lat, lng) == pytest.approx(2_950_000, rel=0.01)


def test_distance_is_symmetric_and_zero_on_itself():
    assert distance_m(*FLORIPA, *FLORIPA) == 0
    assert distance_m(-48.6, -27.6, -48.5, -27.4) == distance_m(-48.5, -27.4, -48.6, -27.6)


def test_antimeridian_and_antipodes():
    assert distance_m(179.999, 0, -179.999, 0) == pytest.approx(distance_m(0, 0, 0.002, 0))
    assert distance_m(0, 0, 180, 0) == pytest.approx(math.pi * EARTH_RADIUS_M)


# ---- points -------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    {"lat": -27.59, "lng": -48.63},
    {"lat": "-27.59", "lng": " -48.63 "},
    {"coords": [-48.63, -27.59]},
    {"coordinates": ["-48.63", "-27.59"]},
    {"latitude": -27.59, "longitude": -48.63},
    {"lat": -27.59, "lng": -48.63, "radius": 100},
    [-48.63, -27.59],
    # several forms: the first usable one in the order lat/lng, coords, coordinates, latitude
    {"lat": -27.59, "lng": -48.63, "coords": [0, 0]},
    {"coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]], "latitude": -27.59, "longitude": -48.63},
    {"lat": 91, "lng": 0, "coords": [-48.63, -27.59]},
])
def test_parse_point_forms(value):
    assert parse_point(value) == pytest.approx(FLORIPA)


@pytest.mark.parametrize("value", [
    None, "x", 3, [], [1], [1, 2, 3], {"lat": 1}, {"lng": 1}, {"x": 1, "y": 2},
    {"lat": "abc", "lng": 1}, {"lat": True, "lng": 1}, {"lat": None, "lng": 1},
    {"lat": "nan", "lng": 1}, {"lat": 1, "lng": "inf"}, {"lat": 91, "lng": 0},
    {"lat": 0, "lng": -180.5}, {"coords": "1,2"}, [[1, 2], 3],
])
def test_parse_point_rejects(value):
    with pytest.raises(Invalid) as err:
        parse_point(value, "filter[0].value")
    assert err.value.code == "INVALID_COORDINATES"
    assert "filter[0].value" in err.value.message


def test_validate_coords():
    assert validate_coords([-48.63, -27.59]) == [-48.63, -27.59]
    assert validate_coords([180, -90]) == [180, -90]
    for bad in ([-27.59, -148.63], ["-48.63", "-27.59"], [True, 0], [0, float("nan")],
                [1, 2, 3], (1,), None, {"lat": 1, "lng": 2}):
        with pytest.raises(Invalid) as err:
            validate_coords(bad, "coords")
        assert err.value.code == "INVALID_COORDINATES" and "coords" in err.value.message


# ---- polygons -----------------------------------------------------------------------------

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]],
                                             [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]]]}


def test_polygon_covers_inside_boundary_and_vertex_not_hole_or_outside():
    poly = parse_polygon(SQUARE, "area")
    assert point_in_polygon(poly, 1.5, 1.5)
    assert point_in_polygon(poly, 2, 1)          # edge
    assert point_in_polygon(poly, 0, 0)          # vertex
    assert point_in_polygon(poly, 1, 0.75)       # edge of the hole
    assert not point_in_polygon(poly, 0.75, 0.75)  # inside the hole
    assert not point_in_polygon(poly, 2.0001, 1)


def test_open_ring_is_closed():
    poly = parse_polygon({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]})
    assert poly.area == pytest.approx(0.5)


@pytest.mark.parametrize("value", [
    None, [], {"type": "Point", "coordinates": [0, 0]}, {"type": "Polygon"},
    {"type": "Polygon", "coordinates": []}, {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], "x", [0, 0]]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [True, 0], [1, 1], [0, 0]]]},
])
def test_parse_polygon_rejects(value):
    with pytest.raises(Invalid) as err:
        parse_polygon(value, "area")
    assert err.value.code in ("INVALID_POLYGON", "INVALID_COORDINATES")
    assert "area" in err.value.message


def test_a_well_formed_polygon_that_is_not_an_area_breaks_a_rule():
    """A bow-tie is valid GeoJSON (no schema can refuse it) but no simple area: 422."""
    with pytest.raises(RuleViolation) as err:
        parse_polygon({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
                      "area")
    assert err.value.code == "INVALID_POLYGON" and "self-intersection" in err.value.message.lower()


# ---- spatial index ------------------------------------------------------------------------

def brute(points: dict, lng, lat, radius):
    return sorted((distance_m(lng, lat, x, y), pid) for pid, (x, y) in points.items()
                  if distance_m(lng, lat, x, y) <= radius)


def test_radius_boundary_is_inclusive():
    lng, lat = FLORIPA
    index = GridIndex()
    index.insert("a", lng, metres_north(lat, 300))
    index.insert("b", lng, lat)
    exact = distance_m(lng, lat, lng, metres_north(lat, 300))
    assert [i for _, i in index.within(lng, lat, exact)] == ["b", "a"]
    assert [i for _, i in index.within(lng, lat, 300.5)] == ["b", "a"]
    assert [i for _, i in index.within(lng, lat, 299.5)] == ["b"]
    assert [i for _, i in index.within(lng, lat, 0)] == ["b"]
    assert index.within(lng, lat, -1) == []


def test_insert_move_remove_and_nearest():
    index = GridIndex()
    index.insert("a", -48.0, -27.0)
    index.insert("b", -48.001, -27.0)
    index.insert("c", -47.0, -27.0)
    assert len(index) == 3
    assert [i for _, i in index.nearest(-48.0, -27.0, k=2)] == ["a", "b"]
    index.move("a", -47.0001, -27.0)
    assert [i for _, i in index.nearest(-47.0, -27.0, k=2)] == ["c", "a"]
    index.insert("c", 10, 10)                    # re-insert = move
    assert len(index) == 3
    index.remove("b")
    index.remove("b")                            # unknown ids are ignored
    assert [i for _, i in index.nearest(-48.0, -27.0)] == ["a", "c"]
    assert index.nearest(-48.0, -27.0, k=5, radius_m=1) == []
    assert index.nearest(-48.0, -27.0, k=0) == []
    assert GridIndex().within(0, 0, 1e9) == []


def coordinate():
    # no subnormal degrees (|x| < 2.2e-308): converted to radians they are 0, and a point at
    # 5e-324° would then sit exactly on a box's edge at 0° — below any coordinate's precision
    near_zero = {"allow_subnormal": False}
    brazil = st.tuples(st.floats(-74, -28), st.floats(-34, 6, **near_zero))
    cluster = st.tuples(st.floats(-48.52, -48.5), st.floats(-27.61, -27.59))
    edge = st.sampled_from([-180.0, -179.9999, 179.9995, 180.0])
    antimeridian = st.tuples(edge | st.floats(179.99, 180) | st.floats(-180, -179.99),
                             st.floats(-1, 1, **near_zero))
    poles = st.tuples(st.floats(-180, 180, **near_zero),
                      st.floats(89.99, 90) | st.floats(-90, -89.99))
    return cluster | brazil | antimeridian | poles


@settings(max_examples=300, deadline=None)
@given(ops=st.lists(st.tuples(st.sampled_from(["insert", "insert", "remove"]),
                              st.integers(0, 30), coordinate()), max_size=60),
       queries=st.lists(st.tuples(coordinate(), st.integers(0, 30), st.sampled_from(
           [0.0, 1.0, 50.0, 150.0, 2_000.0, 30_000.0, 3e6, 3e7])), min_size=1, max_size=8),
       row_deg=st.sampled_from([0.002, 0.5, 10.0]))
def test_grid_index_equals_brute_force(ops, queries, row_deg):
    index, model = GridIndex(row_deg), {}
    for op, key, (lng, lat) in ops:
        if op == "insert":
            index.insert(key, lng, lat)
            model[key] = (lng, lat)
        else:
            index.remove(key)
            model.pop(key, None)
    assert len(index) == len(model)
    for (lng, lat), key, radius in queries:
        assert index.within(lng, lat, radius) == brute(model, lng, lat, radius)
        if key in model:    # a radius exactly equal to a point's distance includes that point
            exact = distance_m(lng, lat, *model[key])
            assert index.within(lng, lat, exact) == brute(model, lng, lat, exact)
            assert key in {i for _, i in index.within(lng, lat, exact)}
        k = key % 5 + 1
        assert index.nearest(lng, lat, k=k) == brute(model, lng, lat, math.inf)[:k]


@settings(max_examples=200, deadline=None)
@given(points=st.lists(st.tuples(st.integers(0, 40), coordinate()), max_size=60),
       boxes=st.lists(st.tuples(coordinate(), coordinate()), min_size=1, max_size=6),
       row_deg=st.sampled_from([0.002, 0.5, 10.0]))
def test_grid_index_in_box_equals_brute_force(points, boxes, row_deg):
    index, model = GridIndex(row_deg), {}
    for key, (lng, lat) in points:
        index.insert(key, lng, lat)
        model[key] = (lng, lat)
    for (w, s), (e, n) in boxes + [((lng, lat), (lng, lat)) for lng, lat in model.values()]:
        inside = {k for k, (lng, lat) in model.items() if min(s, n) <= lat <= max(s, n)
                  and (w <= lng <= e if w <= e else lng >= w or lng <= e)}
        found = index.in_box(w, min(s, n), e, max(s, n))
        assert len(found) == len(set(found)) and set(found) == inside
    assert index.in_box(-10, 5, 10, -5) == []


@settings(max_examples=200, deadline=None)
@given(points=st.lists(coordinate(), max_size=80), twins=st.integers(0, 10),
       row_deg=st.sampled_from([0.002, 0.5, 10.0]), filled=st.booleans())
def test_grid_index_built_in_bulk_equals_one_built_point_by_point(points, twins, row_deg, filled):
    """``insert_all`` (snapshot loads) builds the very rows ``insert`` builds, points at the
    same place in insertion order included; into an index that holds points, it inserts."""
    rows = [(f"p{i}", lng, lat) for i, (lng, lat) in enumerate(points + points[:twins])]
    one_by_one, bulk = GridIndex(row_deg), GridIndex(row_deg)
    if filled:
        for index in (one_by_one, bulk):
            index.insert("already", *FLORIPA)
    for doc_id, lng, lat in rows:
        one_by_one.insert(doc_id, lng, lat)
    bulk.insert_all(rows)
    assert bulk._rows == one_by_one._rows and bulk._where == one_by_one._where
