"""Geometry primitives: spherical distance, point and polygon parsing, a spatial hash grid.

Coordinates are ``[lng, lat]`` WGS84 degrees (reference §2.2). Distances are haversine on
MongoDB's sphere, R = 6 378 100 m (ftth-domain §6). Polygons are tested in the lng/lat plane.
"""
from __future__ import annotations

from math import asin, cos, degrees, floor, isfinite, pi, radians, sin, sqrt

import shapely
from shapely.geometry import Polygon

from .errors import Invalid

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


def parse_point(value, field: str = "value") -> tuple[float, float]:
    """(lng, lat) from {lat,lng}, {coords}, {coordinates}, {latitude,longitude} or [lng, lat].

    Numeric strings are coerced; other keys (e.g. ``radius``) are ignored.
    """
    if isinstance(value, dict):
        if "lat" in value and "lng" in value:
            return _lng_lat(value["lng"], value["lat"], field, True)
        for key in ("coords", "coordinates"):
            if key in value:
                return _pair(value[key], f"{field}.{key}", True)
        if "latitude" in value and "longitude" in value:
            return _lng_lat(value["longitude"], value["latitude"], field, True)
        raise _bad(field, "a point needs {lat, lng}, {coords: [lng, lat]}, "
                          "{coordinates: [lng, lat]} or {latitude, longitude}")
    return _pair(value, field, True)


def validate_coords(value, field: str = "coords") -> list[float]:
    """A stored ``coords`` value: exactly two finite numbers [lng, lat] in range."""
    return list(_pair(value, field, False))


def parse_polygon(geojson, field: str = "polygon") -> Polygon:
    """A prepared shapely Polygon from a GeoJSON Polygon; rings are closed if open."""
    def bad(detail: str) -> Invalid:
        return Invalid(f"{field}: {detail}", code="INVALID_POLYGON", field=field)

    if not isinstance(geojson, dict) or geojson.get("type") != "Polygon":
        raise bad('expected a GeoJSON object {"type": "Polygon", "coordinates": [[[lng, lat], ...]]}')
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
    if not polygon.is_valid:
        raise bad(f"invalid polygon ({shapely.is_valid_reason(polygon)})")
    shapely.prepare(polygon)
    return polygon


def point_in_polygon(polygon: Polygon, lng: float, lat: float) -> bool:
    """True when the point is inside the polygon or on its boundary."""
    return bool(shapely.intersects_xy(polygon, lng, lat))   # == covers, for a point


class GridIndex:
    """Points in a hash grid of ``cell_deg`` × ``cell_deg`` cells, for exact radius queries.

    Rows (latitude bands) map column → cell; a cell maps id → (lat rad, lng rad, cos lat).
    ``within`` returns exactly the points a brute-force ``distance_m <= radius`` scan would.
    """

    def __init__(self, cell_deg: float = 0.002):
        self._cell = cell_deg
        self._nx = round(360.0 / cell_deg)
        if abs(self._nx * cell_deg - 360.0) > 1e-9:
            raise ValueError("cell_deg must divide 360")
        self._rows: dict[int, dict[int, dict]] = {}
        self._where: dict = {}  # id -> (row, column)

    def __len__(self) -> int:
        return len(self._where)

    def insert(self, id, lng: float, lat: float) -> None:
        """Add (or move) ``id`` to the point (lng, lat)."""
        if id in self._where:
            self.remove(id)
        iy = floor(lat / self._cell)
        ix = floor(lng / self._cell) % self._nx
        p = radians(lat)
        self._rows.setdefault(iy, {}).setdefault(ix, {})[id] = (p, radians(lng), cos(p))
        self._where[id] = (iy, ix)

    def remove(self, id) -> None:
        """Forget ``id``; unknown ids are ignored."""
        key = self._where.pop(id, None)
        if key is None:
            return
        row = self._rows[key[0]]
        cell = row[key[1]]
        del cell[id]
        if not cell:
            del row[key[1]]
            if not row:
                del self._rows[key[0]]

    move = insert

    def within(self, lng: float, lat: float, radius_m: float) -> list[tuple[float, object]]:
        """[(distance_m, id)] of the points within ``radius_m``, by distance then id."""
        if radius_m < 0:
            return []
        ang = radius_m / EARTH_RADIUS_M
        p1 = radians(lat)
        l1 = radians(lng)
        c1 = cos(p1)
        half = sin(min(ang, pi) * 0.5)
        amax = half * half * (1 + 1e-9) + 1e-300      # slack; the exact test is d <= radius
        dlat = degrees(ang) * (1 + 1e-9) + 1e-9
        lo, hi = lat - dlat, lat + dlat
        cell = self._cell
        full = hi >= 90 or lo <= -90
        if not full:
            s = sqrt(amax / (c1 * cos(radians(max(-lo, hi)))))
            full = s >= 1
        if not full:
            dlng = degrees(2 * asin(s)) * (1 + 1e-9) + 1e-9
            ix0, ix1 = floor((lng - dlng) / cell), floor((lng + dlng) / cell)
            full = ix1 - ix0 + 1 >= self._nx
        nx = self._nx
        out = []
        rows = self._rows
        for iy in range(floor(max(lo, -90.0) / cell), floor(min(hi, 90.0) / cell) + 1):
            row = rows.get(iy)
            if row is None:
                continue
            cells = row.values() if full else [row.get(ix % nx) for ix in range(ix0, ix1 + 1)]
            for points in cells:
                if points is None:
                    continue
                for pid, (p2, l2, c2) in points.items():
                    s1 = sin((p2 - p1) * 0.5)
                    s2 = sin((l2 - l1) * 0.5)
                    a = s1 * s1 + c1 * c2 * s2 * s2
                    if a <= amax:
                        d = _2R * asin(min(1.0, sqrt(a)))
                        if d <= radius_m:
                            out.append((d, pid))
        out.sort()
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
        radius = self._cell * 111_000.0
        while True:
            found = self.within(lng, lat, radius)
            if len(found) >= k:
                return found[:k]
            radius *= 4
