"""Geometry primitives: spherical distance, point and polygon parsing, a spatial hash grid.

Coordinates are ``[lng, lat]`` WGS84 degrees (GeoJSON order). Distances are haversine on
MongoDB's sphere, R = 6 378 100 m (docs/api-conventions.md, "Coordinates, polygons and
units"). Polygons are tested in the lng/lat plane.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from math import asin, cos, degrees, floor, isfinite, pi, radians, sin, sqrt
from operator import itemgetter

import shapely
from shapely.geometry import Polygon

from .errors import Invalid, RuleViolation

EARTH_RADIUS_M = 6378100.0
_2R = 2.0 * EARTH_RADIUS_M


def distance_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine, R = EARTH_RADIUS_M)."""
    p1 = radians(lat1)
    p2 = radians(lat2)
    s1 = sin((p2 - p1) * 0.5)
    s2 = sin((radians(lng2) - radians(lng1)) * 0.5)
    a = s1 * s1 + cos(p1) * cos(p2) * s2 * s2
    return _2R * asin(min(1.0, sqrt(a)))


def _bad(field: str, detail: str) -> Invalid:
    return Invalid(f"{field}: {detail}", code="INVALID_COORDINATES", field=field)


def _number(value, field: str, coerce: bool) -> float:
    if coerce and isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise _bad(field, f"{value!r} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not isfinite(value):
        raise _bad(field, f"{value!r} is not a finite number")
    return value


def _lng_lat(lng, lat, field: str, coerce: bool) -> tuple[float, float]:
    lng = _number(lng, field, coerce)
    lat = _number(lat, field, coerce)
    if not -180 <= lng <= 180:
        raise _bad(field, f"longitude {lng} is outside [-180, 180]")
    if not -90 <= lat <= 90:
        raise _bad(field, f"latitude {lat} is outside [-90, 90]")
    return lng, lat


def _pair(value, field: str, coerce: bool) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise _bad(field, f"expected [lng, lat], got {value!r}")
    return _lng_lat(value[0], value[1], field, coerce)


_POINT_FORMS = (("lng", "lat"), ("coords",), ("coordinates",), ("longitude", "latitude"))


def parse_point(value, field: str = "value") -> tuple[float, float]:
    """(lng, lat) from {lat,lng}, {coords}, {coordinates}, {latitude,longitude} or [lng, lat].

    Numeric strings are coerced; other keys (e.g. ``radius``) are ignored. When an object
    carries several forms, the first usable one in that order is the point.
    """
    if not isinstance(value, dict):
        return _pair(value, field, True)
    forms = [keys for keys in _POINT_FORMS if all(k in value for k in keys)]
    if not forms:
        raise _bad(field, "a point needs {lat, lng}, {coords: [lng, lat]}, "
                          "{coordinates: [lng, lat]} or {latitude, longitude}")
    for i, keys in enumerate(forms):
        try:
            if len(keys) == 1:
                return _pair(value[keys[0]], f"{field}.{keys[0]}", True)
            return _lng_lat(value[keys[0]], value[keys[1]], field, True)
        except Invalid:
            if i == len(forms) - 1:
                raise


def validate_coords(value, field: str = "coords") -> list[float]:
    """A stored ``coords`` value: exactly two finite numbers [lng, lat] in range."""
    return list(_pair(value, field, False))


def parse_polygon(geojson, field: str = "polygon") -> Polygon:
    """A prepared shapely Polygon from a GeoJSON Polygon; rings are closed if open."""
    def bad(detail: str) -> Invalid:
        return Invalid(f"{field}: {detail}", code="INVALID_POLYGON", field=field)

    if not isinstance(geojson, dict) or geojson.get("type") != "Polygon":
        raise bad('expected {"type": "Polygon", "coordinates": [[[lng, lat], ...]]}')
    rings = geojson.get("coordinates")
    if not isinstance(rings, list) or not rings:
        raise bad("coordinates must be a non-empty array of linear rings")
    parsed = []
    for i, ring in enumerate(rings):
        where = f"{field}.coordinates[{i}]"
        if not isinstance(ring, list):
            raise bad(f"ring {i} must be an array of positions")
        points = []
        for j, pos in enumerate(ring):
            if not isinstance(pos, list) or len(pos) not in (2, 3):
                raise bad(f"position {j} of ring {i} must be [lng, lat]")
            points.append(_lng_lat(pos[0], pos[1], f"{where}[{j}]", False))
        if points and points[0] != points[-1]:
            points.append(points[0])
        if len(points) < 4:
            raise bad(f"ring {i} needs at least 4 positions (first = last)")
        parsed.append(points)
    polygon = Polygon(parsed[0], parsed[1:])
    if not polygon.is_valid:            # well formed, but not a simple area: a geometry rule
        raise RuleViolation(f"{field}: not a valid polygon ({shapely.is_valid_reason(polygon)})",
                            "INVALID_POLYGON", field)
    shapely.prepare(polygon)
    return polygon


def point_in_polygon(polygon: Polygon, lng: float, lat: float) -> bool:
    """True when the point is inside the polygon or on its boundary."""
    return bool(shapely.intersects_xy(polygon, lng, lat))   # == covers, for a point


class GridIndex:
    """Spatial hash of points for exact radius queries.

    Points are hashed into latitude rows ``row_deg`` high; each row keeps its points sorted
    by longitude in contiguous arrays, so a query bisects, in every row the circle touches,
    the longitude range the circle can reach at that row's latitudes (the window widens by
    1/cos(lat)). ``within`` returns exactly what a brute-force ``distance_m <= radius`` scan
    would, antimeridian and poles included.
    """

    def __init__(self, row_deg: float = 0.002):
        self._h = row_deg
        self._rows: dict[int, tuple] = {}  # row -> (lng rad sorted, lat rad, cos lat, ids)
        self._where: dict = {}             # id -> (row, lng rad)

    def __len__(self) -> int:
        return len(self._where)

    def insert(self, id, lng: float, lat: float) -> None:
        """Add ``id`` at (lng, lat), moving it if already present."""
        if id in self._where:
            self.remove(id)
        iy = floor(lat / self._h)
        row = self._rows.get(iy)
        if row is None:
            row = self._rows[iy] = (array("d"), array("d"), array("d"), [])
        lam, phi = radians(lng), radians(lat)
        i = bisect_right(row[0], lam)
        row[0].insert(i, lam)
        row[1].insert(i, phi)
        row[2].insert(i, cos(phi))
        row[3].insert(i, id)
        self._where[id] = (iy, lam)

    move = insert

    def insert_all(self, points) -> None:
        """``insert`` of many ``(id, lng, lat)`` with distinct ids, in order: into an empty
        index (a snapshot load), each row is sorted once instead of growing point by point."""
        if self._where:
            for id, lng, lat in points:
                self.insert(id, lng, lat)
            return
        h, where, pending = self._h, self._where, {}
        for id, lng, lat in points:
            iy = floor(lat / h)
            lam = radians(lng)
            where[id] = (iy, lam)
            row = pending.get(iy)
            if row is None:
                row = pending[iy] = []
            row.append((lam, radians(lat), id))
        for iy, row in pending.items():
            row.sort(key=_first)            # stable: equal longitudes keep their order
            phis = array("d", [p[1] for p in row])
            self._rows[iy] = (array("d", [p[0] for p in row]), phis, array("d", map(cos, phis)),
                              [p[2] for p in row])

    def remove(self, id) -> None:
        """Forget ``id``; unknown ids are ignored."""
        where = self._where.pop(id, None)
        if where is None:
            return
        row = self._rows[where[0]]
        ids = row[3]
        i = bisect_left(row[0], where[1])
        while ids[i] != id:
            i += 1
        for column in row:
            del column[i]
        if not ids:
            del self._rows[where[0]]

    def within(self, lng: float, lat: float, radius_m: float) -> list[tuple[float, object]]:
        """[(distance_m, id)] of the points within ``radius_m``, by distance then id."""
        if radius_m < 0 or not self._where:
            return []
        h = self._h
        ang = min(radius_m / EARTH_RADIUS_M, pi)
        p1, l1 = radians(lat), radians(lng)
        c1 = cos(p1)
        half = sin(ang * 0.5)
        amax = half * half * (1 + 1e-9) + 1e-300   # slack; the exact test is d <= radius
        dlat = degrees(ang) * (1 + 1e-9) + 1e-9
        lo, hi = lat - dlat, lat + dlat
        out = []
        for iy, (lams, phis, coss, ids) in self._rows_between(lo, hi):
            # widest longitude offset a point of this row can have: a >= sin²(gap/2) +
            # cos(lat)·cos(farthest lat of the band)·sin²(dlng/2)
            band_lo, band_hi = max(lo, iy * h - 1e-9), min(hi, iy * h + h + 1e-9)
            gap = 0.0 if band_lo <= lat <= band_hi else min(abs(band_lo - lat), abs(band_hi - lat))
            sg = sin(radians(gap) * 0.5)
            far = cos(radians(min(90.0, max(-band_lo, band_hi))))
            s = sqrt(max(amax - sg * sg * (1 - 1e-9), 0.0) / (c1 * far))
            for i, j in _spans(lams, l1, s):
                for pid, l2, p2, c2 in zip(ids[i:j], lams[i:j], phis[i:j], coss[i:j]):
                    s1 = sin((p2 - p1) * 0.5)
                    s2 = sin((l2 - l1) * 0.5)
                    a = s1 * s1 + c1 * c2 * s2 * s2
                    if a <= amax:
                        d = _2R * asin(min(1.0, sqrt(a)))
                        if d <= radius_m:
                            out.append((d, pid))
        out.sort()
        return out

    def _rows_between(self, south: float, north: float):
        """(row number, row) of every row holding points between two latitudes."""
        h = self._h
        for iy in range(floor(max(south, -90.0) / h), floor(min(north, 90.0) / h) + 1):
            row = self._rows.get(iy)
            if row is not None:
                yield iy, row

    def in_box(self, west: float, south: float, east: float, north: float) -> list:
        """Ids of the points inside a lng/lat box, edges included (``west > east``: the box
        crosses the antimeridian), by latitude row then longitude."""
        if south > north or not self._where:
            return []
        h = self._h
        lo, hi = radians(west), radians(east)
        spans = ((lo, hi),) if west <= east else ((lo, pi), (-pi, hi))
        p_lo, p_hi = radians(south), radians(north)
        out = []
        for iy, (lams, phis, _, ids) in self._rows_between(south, north):
            edge = iy * h < south or (iy + 1) * h > north
            for a, b in spans:
                i, j = bisect_left(lams, a), bisect_right(lams, b)
                if edge:
                    out.extend(pid for pid, p in zip(ids[i:j], phis[i:j]) if p_lo <= p <= p_hi)
                else:
                    out.extend(ids[i:j])
        return out

    def nearest(self, lng: float, lat: float, k: int | None = None,
                radius_m: float | None = None) -> list[tuple[float, object]]:
        """The ``k`` nearest points (all when k is None), optionally capped at ``radius_m``."""
        if k is not None and k <= 0:
            return []
        if radius_m is None and (k is None or k >= len(self)):
            radius_m = pi * EARTH_RADIUS_M
        if radius_m is not None:
            return self.within(lng, lat, radius_m)[:k]
        radius = self._h * 111_000.0
        while True:
            found = self.within(lng, lat, radius)
            if len(found) >= k or radius >= pi * EARTH_RADIUS_M:
                return found[:k]
            radius *= 4


_first = itemgetter(0)


def _spans(lams: array, l1: float, s: float) -> tuple:
    """Index ranges of the sorted longitudes ``lams`` within 2·asin(s) of ``l1`` (wrapping)."""
    n = len(lams)
    dl = 2 * asin(s) * (1 + 1e-9) + 1e-12 if s < 1 else pi
    if dl >= pi:
        return ((0, n),)
    west, east = l1 - dl, l1 + dl
    if west < -pi:
        return (bisect_left(lams, west + 2 * pi), n), (0, bisect_right(lams, east))
    if east > pi:
        return (bisect_left(lams, west), n), (0, bisect_right(lams, east - 2 * pi))
    return ((bisect_left(lams, west), bisect_right(lams, east)),)
