"""The OZmap list query language: filter, sort, select, populate (docs/api-conventions.md,
"Reading lists").

``parse_filter`` validates and compiles a filter once into closures, so ``Filter.matches``
does no parsing per document. Semantics follow MongoDB where OZmap is silent: a
condition on an array field holds when any element satisfies it, and ``=``/``in`` with
``null`` match null or absent values.
"""
from __future__ import annotations

import json
import operator
import re
from datetime import datetime, timezone
from math import degrees, isfinite

import orjson

from . import geo
from .errors import Invalid


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing()
"""What ``get_path`` returns for an absent field (distinct from an explicit ``None``)."""

_PK = ("id", "_id")
_ALWAYS = ("id", "_id", "kind", "lat", "lng")
_PATH = re.compile(r"[^\s.]+(?:\.[^\s.]+)*")
_SPLIT = re.compile(r"[\s,]+")
_CMP = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_RANGE = {"$lt": operator.lt, "$lte": operator.le, "$gt": operator.gt, "$gte": operator.ge}
_ALIASES = {"eq": "=", "ne": "!="}
OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "like", "in", "notin", "all", "exists",
             "near", "within", "point-intersect")
_MODELS = ("project", "region", "horizontalCondominium")
_UTC = timezone.utc


# ---- paths and values -------------------------------------------------------------------

def _walk(cur, segs: list[str], i: int = 0):
    while i < len(segs):
        seg = segs[i]
        if isinstance(cur, dict):
            value = cur.get(seg, MISSING)
            if value is MISSING and seg in _PK:   # id and _id address the same key
                value = cur.get("_id" if seg == "id" else "id", MISSING)
            if value is MISSING:
                return MISSING
            cur = value
        elif isinstance(cur, list):
            if not seg.isdecimal():   # collect the rest of the path from every element
                out = []
                for element in cur:
                    value = _walk(element, segs, i) if isinstance(element, dict) else MISSING
                    if isinstance(value, list):
                        out.extend(value)
                    elif value is not MISSING:
                        out.append(value)
                return out or MISSING
            if int(seg) >= len(cur):
                return MISSING
            cur = cur[int(seg)]
        else:
            return MISSING
        i += 1
    return cur


def get_path(doc: dict, path: str):
    """Value at a dotted path, or MISSING. Through a list of dicts, values are collected
    (flattened one level); a numeric segment indexes a list; ``id``/``_id`` are aliases."""
    return _walk(doc, path.split("."))


def _getter(path: str):
    if "." not in path and path not in _PK:
        return lambda doc: doc.get(path, MISSING)
    segs = path.split(".")
    return lambda doc: _walk(doc, segs)


def _date(text: str):
    """UTC-aware datetime when ``text`` is an ISO-8601 date(-time) string, else None."""
    if len(text) < 10 or text[4] != "-" or text[7] != "-" or text[10:11] not in ("", "T", " "):
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=_UTC)


def _show(value) -> str:
    """A short JSON rendering of a client value for error messages."""
    text = json.dumps(value, default=repr)
    return text if len(text) <= 80 else text[:77] + "..."


def _canonical(text: str) -> bool:
    """Shaped like the API's own timestamps, e.g. 2025-01-02T03:04:05.678Z."""
    return len(text) == 24 and text[23] == "Z" and text[19] == "." and text[10] == "T" \
        and text[4] == "-" and text[7] == "-"


def _is_scalar(value) -> bool:
    return value is None or isinstance(value, (str, bool, int)) or (
        isinstance(value, float) and isfinite(value))


def _canon(path: str) -> str:
    return "id" if path == "_id" else path


# ---- the compiled filter ----------------------------------------------------------------

class Filter:
    """A compiled filter. ``matches(doc)`` is a plain function attribute (hot path)."""
    __slots__ = ("matches", "near", "_props", "_equalities")

    def __init__(self, matches, near, props: set, equalities: dict):
        self.matches = matches
        self.near = near              # (lng, lat, radius | None, property) or None
        self._props = props
        self._equalities = equalities

    def __bool__(self) -> bool:
        return bool(self._props)

    def constrains(self, path: str) -> bool:
        """True when any condition (OR groups included) is on ``path``."""
        return _canon(path) in self._props

    def reads(self, fields) -> bool:
        """True when any condition is on one of ``fields`` or below it (``connections.id``)."""
        return any(p.split(".", 1)[0] in fields for p in self._props)

    def equalities(self) -> dict[str, set]:
        """{property: allowed values} from top-level ``=``/``in`` on plain strings/numbers.

        Every matching document has, at that property, one of the values (or, for an
        array field, contains one); the filter must still be applied to candidates.
        """
        return {prop: set(values) for prop, values in self._equalities.items()}


def _always(doc) -> bool:
    return True


def _never(doc) -> bool:
    return False


def _all_of(terms: list):
    if not terms:
        return _always
    if len(terms) == 1:
        return terms[0]
    terms = tuple(terms)

    def match(doc):
        for term in terms:
            if not term(doc):
                return False
        return True
    return match


def _any_of(terms: list):
    if len(terms) == 1:
        return terms[0]
    terms = tuple(terms)

    def match(doc):
        for term in terms:
            if term(doc):
                return True
        return False
    return match


def _negate(term):
    return lambda doc: not term(doc)


def _elementwise(get, test):
    """Match when the value (or any element of an array value) passes ``test``."""
    def match(doc):
        value = get(doc)
        if type(value) is list:
            for element in value:
                if test(element):
                    return True
            return False
        return test(value)
    return match


def _member(get, values: list):
    """The field equals one of ``values`` (dates compare as dates; null = null or absent)."""
    bools = {v for v in values if isinstance(v, bool)}
    plain = {v for v in values if v is not None and not isinstance(v, bool)}
    dates = {d for v in values if isinstance(v, str) for d in (_date(v),) if d is not None}
    has_null = None in values

    def test(x):
        t = type(x)
        if t is str:
            return x in plain or (bool(dates) and _date(x) in dates)
        if t is int or t is float:
            return x in plain
        if t is bool:
            return x in bools
        return has_null and (x is None or x is MISSING)
    return _elementwise(get, test)


def _compare(get, op, expected):
    """Ordered comparison; dates compare as dates, otherwise only values of the same type."""
    if expected is None:
        return _member(get, [None]) if op in (operator.le, operator.ge) else _never
    if isinstance(expected, bool):
        def test(x):
            return type(x) is bool and op(x, expected)
    elif isinstance(expected, (int, float)):
        def test(x):
            return (type(x) is int or type(x) is float) and op(x, expected)
    elif (when := _date(expected)) is None:
        def test(x):
            return type(x) is str and op(x, expected)
    else:
        # Both in the canonical "YYYY-MM-DDTHH:MM:SS.mmmZ" layout: string order is date order
        # (and is also the fallback when such a string is not a valid date), so skip parsing.
        canonical = _canonical(expected)

        def test(x):
            if type(x) is not str:
                return False
            if canonical and _canonical(x):
                return op(x, expected)
            d = _date(x)
            return op(x, expected) if d is None else op(d, when)
    return _elementwise(get, test)


def _like(get, pattern: str):
    search = re.compile(".*".join(map(re.escape, pattern.split("%"))),
                        re.IGNORECASE | re.DOTALL).search
    return _elementwise(get, lambda x: type(x) is str and search(x) is not None)


def _exists(get, want: bool):
    def match(doc):
        value = get(doc)
        return (value is not MISSING and value is not None) is want
    return match


def _point(value):
    if type(value) is list and len(value) == 2:
        lng, lat = value
        if type(lng) in (int, float) and type(lat) in (int, float):
            return lng, lat
    return None


def _near(get, lng, lat, radius):
    distance = geo.distance_m
    if radius is None:
        return lambda doc: _point(get(doc)) is not None
    dlat = degrees(radius / geo.EARTH_RADIUS_M) * (1 + 1e-9) + 1e-9   # d >= R·|Δlat|

    def match(doc):
        p = _point(get(doc))
        return (p is not None and abs(p[1] - lat) <= dlat
                and distance(lng, lat, p[0], p[1]) <= radius)
    return match


def _within(get, polygon):
    minx, miny, maxx, maxy = polygon.bounds

    def match(doc):
        p = _point(get(doc))
        return (p is not None and minx <= p[0] <= maxx and miny <= p[1] <= maxy
                and geo.point_in_polygon(polygon, p[0], p[1]))
    return match


def _intersects(get, lng, lat):
    def match(doc):
        value = get(doc)
        if not isinstance(value, dict):
            return False
        try:
            polygon = geo.parse_polygon(value)
        except Invalid:
            return False
        return geo.point_in_polygon(polygon, lng, lat)
    return match


def _plain(values: list):
    """The values as an index key set, or None unless all are plain strings/numbers."""
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (str, int, float)) or (
                isinstance(v, str) and _date(v) is not None):
            return None
    return set(values)


def _condition(item, where: str, resolve_polygon):
    """(property, matcher, near tuple | None, plain equality set | None) of one condition."""
    if not isinstance(item, dict):
        raise Invalid(f"{where}: a condition must be an object "
                      '{"property", "operator", "value"}', code="INVALID_FILTER", field="filter")
    prop = item.get("property")
    if not isinstance(prop, str) or not _PATH.fullmatch(prop.strip()):
        raise Invalid(f'{where}: "property" must be a dotted field path, got {_show(prop)}',
                      code="INVALID_FILTER", field="filter")
    prop = prop.strip()
    op = item.get("operator")
    if not isinstance(op, str):
        raise Invalid(f'{where}: "operator" of property "{prop}" must be a string, got {_show(op)}',
                      code="INVALID_FILTER", field="filter")
    op = _ALIASES.get(op.strip(), op.strip())
    if op not in OPERATORS:
        raise Invalid(f'{where}: unknown operator "{op}" on property "{prop}" '
                      f"(expected one of {', '.join(OPERATORS)}, eq, ne)",
                      code="UNKNOWN_OPERATOR", field="filter")

    def bad(detail: str) -> Invalid:
        return Invalid(f'{where}: operator "{op}" on property "{prop}": {detail}',
                       code="INVALID_FILTER", field="filter")

    if "value" not in item:
        raise bad('"value" is missing')
    value = item["value"]
    field = f"{where}.value"
    get = _getter(prop)
    near = plain = None
    if op == "=" and isinstance(value, dict):
        if not value or set(value) - set(_RANGE):
            raise bad("an object value is only allowed as a range of $gte, $gt, $lte, $lt, "
                      f"got {sorted(value)}")
        if not all(_is_scalar(v) for v in value.values()):
            raise bad("range bounds must be scalars")
        match = _all_of([_compare(get, _RANGE[k], v) for k, v in value.items()])
    elif op in ("=", "!=") or op in _CMP:
        if not _is_scalar(value):
            raise bad(f"expected a string, number, boolean or null, got {_show(value)}")
        if op in _CMP:
            match = _compare(get, _CMP[op], value)
        else:
            match = _member(get, [value])
            if op == "=":
                plain = _plain([value])
            else:
                match = _negate(match)
    elif op == "like":
        if not isinstance(value, str):
            raise bad(f"expected a string pattern, got {_show(value)}")
        match = _like(get, value)
    elif op in ("in", "notin", "all"):
        if not isinstance(value, list) or not all(_is_scalar(v) for v in value):
            raise bad(f"expected an array of scalars, got {_show(value)}")
        if op == "all":
            match = _all_of([_member(get, [v]) for v in value]) if value else _never
        else:
            match = _member(get, value)
            if op == "in":
                plain = _plain(value)
            else:
                match = _negate(match)
    elif op == "exists":
        if not isinstance(value, bool):
            raise bad(f"expected true or false, got {_show(value)}")
        match = _exists(get, value)
    elif op == "near":
        lng, lat = geo.parse_point(value, field)
        radius = value.get("radius") if isinstance(value, dict) else None
        if radius is not None:
            try:
                radius = float(radius) if isinstance(radius, str) else radius
            except ValueError:
                radius = None
            if isinstance(radius, bool) or not isinstance(radius, (int, float)) \
                    or not isfinite(radius) or radius < 0:
                raise bad(f"radius must be a number of metres >= 0, got {_show(value['radius'])}")
        match = _near(get, lng, lat, radius)
        near = (lng, lat, radius, prop)
    elif op == "within":
        if not isinstance(value, dict):
            raise bad('expected a GeoJSON Polygon or {"id", "model"}')
        if "type" in value:
            polygon = geo.parse_polygon(value, field)
        else:
            model, ident = value.get("model"), value.get("id")
            if model not in _MODELS:
                raise bad(f'"model" must be one of {", ".join(_MODELS)}, got {_show(model)}')
            if not isinstance(ident, str) or not ident:
                raise bad(f'"id" must be a string, got {_show(ident)}')
            if resolve_polygon is None:
                raise bad(f"cannot resolve the polygon of {model} {ident} here")
            polygon = geo.parse_polygon(resolve_polygon(model, ident), f"{model} {ident}")
        match = _within(get, polygon)
    else:  # point-intersect
        lng, lat = geo.parse_point(value, field)
        match = _intersects(get, lng, lat)
    return prop, match, near, plain


def parse_filter(raw, resolve_polygon=None) -> Filter:
    """Validate and compile a decoded filter array (None or [] match everything).

    ``resolve_polygon(model, id)`` returns the GeoJSON polygon for ``within`` by reference.
    """
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise Invalid("filter must be a JSON array of conditions", code="INVALID_FILTER",
                      field="filter")
    terms, props, equalities, near = [], set(), {}, None
    for i, item in enumerate(raw):
        where = f"filter[{i}]"
        if isinstance(item, list):
            if not item:
                raise Invalid(f"{where}: an OR group needs at least one condition",
                              code="INVALID_FILTER", field="filter")
            alternatives = []
            for j, sub in enumerate(item):
                if isinstance(sub, list):
                    raise Invalid(f"{where}[{j}]: only one level of nesting is allowed "
                                  "(an OR group holds conditions, not arrays)",
                                  code="INVALID_FILTER", field="filter")
                prop, match, _, _ = _condition(sub, f"{where}[{j}]", resolve_polygon)
                props.add(_canon(prop))
                alternatives.append(match)
            terms.append(_any_of(alternatives))
            continue
        prop, match, point, plain = _condition(item, where, resolve_polygon)
        props.add(_canon(prop))
        terms.append(match)
        near = near or point
        if plain is not None:
            key = _canon(prop)
            equalities[key] = equalities[key] & plain if key in equalities else plain
    return Filter(_all_of(terms), near, props, equalities)


# ---- sort ---------------------------------------------------------------------------------

def parse_sort(raw) -> list[tuple[str, int]]:
    """[(path, 1 | -1)] from a decoded ``[{"property", "direction"}]`` array."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise Invalid('sort must be a JSON array of {"property", "direction"}',
                      code="INVALID_SORT", field="sort")
    keys = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise Invalid(f'sort[{i}]: expected {{"property", "direction"}}, got {_show(item)}',
                          code="INVALID_SORT", field="sort")
        prop, direction = item.get("property"), item.get("direction")
        if not isinstance(prop, str) or not _PATH.fullmatch(prop.strip()):
            raise Invalid(f'sort[{i}]: "property" must be a dotted field path, got {_show(prop)}',
                          code="INVALID_SORT", field="sort")
        if type(direction) is not int or direction not in (1, -1):
            raise Invalid(f'sort[{i}]: "direction" of "{prop.strip()}" must be 1 or -1, '
                          f"got {_show(direction)}", code="INVALID_SORT", field="sort")
        keys.append((prop.strip(), direction))
    return keys


def _sort_key(value):
    """MongoDB type order: null/absent, numbers, strings, objects/arrays, booleans, dates."""
    if value is None or value is MISSING:
        return (0, 0)
    t = type(value)
    if t is int or t is float:
        return (1, value)
    if t is str:
        when = _date(value)
        return (2, value) if when is None else (5, when)
    if t is bool:
        return (4, value)
    return (3, json.dumps(value, sort_keys=True, default=str))


def sort_docs(docs, sort: list[tuple[str, int]]) -> list:
    """A new list of ``docs`` sorted by the keys in order (stable)."""
    rows = list(docs)
    for path, direction in reversed(sort):
        get = _getter(path)
        rows.sort(key=lambda doc: _sort_key(get(doc)), reverse=direction == -1)
    return rows


# ---- select -------------------------------------------------------------------------------

class Projection:
    """A field projection; ``id``, ``_id``, ``kind``, ``lat``, ``lng`` are always kept."""
    __slots__ = ("include", "_tree")

    def __init__(self, paths: list[str], include: bool):
        tree: dict = {}
        for path in paths:
            node, segs = tree, path.split(".")
            for seg in segs[:-1]:
                node = node.setdefault(seg, {})
                if node is True:
                    break
            else:
                node[segs[-1]] = True
        if include:
            tree.update(dict.fromkeys(_ALWAYS, True))
        self.include = include
        self._tree = tree

    def apply(self, doc: dict) -> dict:
        return (_include if self.include else _exclude)(self._tree, doc)


def _include(tree: dict, doc: dict) -> dict:
    out = {}
    for key, value in doc.items():
        sub = tree.get(key)
        if sub is True:
            out[key] = value
        elif sub is not None:
            if isinstance(value, dict):
                out[key] = _include(sub, value)
            elif isinstance(value, list):
                out[key] = [_include(sub, e) for e in value if isinstance(e, dict)]
    return out


def _exclude(tree: dict, doc: dict) -> dict:
    out = {}
    for key, value in doc.items():
        sub = tree.get(key)
        if sub is None:
            out[key] = value
        elif sub is not True:
            if isinstance(value, dict):
                out[key] = _exclude(sub, value)
            elif isinstance(value, list):
                out[key] = [_exclude(sub, e) if isinstance(e, dict) else e for e in value]
            else:
                out[key] = value
    return out


def parse_select(raw) -> Projection | None:
    """Projection from ``"name coords"``, ``"name,coords"``, ``"-history"`` or a list of those."""
    if raw is None:
        return None
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        raise Invalid('select must be a list of field names such as "name coords"',
                      code="INVALID_SELECT", field="select")
    include, exclude = [], []
    for token in (t for s in items for t in _SPLIT.split(s) if t):
        negative = token.startswith("-")
        path = token[1:] if negative else token
        if not _PATH.fullmatch(path):
            raise Invalid(f'select: "{token}" is not a field name', code="INVALID_SELECT",
                          field="select")
        if negative and path in _ALWAYS:
            continue   # always returned
        (exclude if negative else include).append(path)
    if include and exclude:
        raise Invalid(f"select cannot mix fields ({' '.join(include)}) and exclusions "
                      f"(-{' -'.join(exclude)})", code="INVALID_SELECT", field="select")
    if not include and not exclude:
        return None
    return Projection(include or exclude, bool(include))


# ---- populate and JSON parameters ---------------------------------------------------------

_POPULATE_KEY = re.compile(r"populate(?:\[\d*\])*(?:\[path\])?")


def _populate_names(value, key: str, out: list) -> None:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("[", "{")):   # axios sends objects and arrays JSON-encoded
            _populate_names(parse_json_param(key, text), key, out)
            return
        for token in _SPLIT.split(text):
            if not token:
                continue
            if not _PATH.fullmatch(token):
                raise Invalid(f'{key}: "{token}" is not a field name', code="INVALID_POPULATE",
                              field="populate")
            if token not in out:
                out.append(token)
    elif isinstance(value, dict):
        _populate_names(value.get("path"), key, out)
    elif isinstance(value, list):
        for item in value:
            _populate_names(item, key, out)
    elif value is not None:
        raise Invalid(f"{key}: expected field names, got {_show(value)}", code="INVALID_POPULATE",
                      field="populate")


def parse_populate(args) -> list[str]:
    """Unique dotted field names, in order, from (key, value) query pairs.

    Keys ``populate``, ``populate[]``, ``populate[N]``, ``populate[path]`` and
    ``populate[N][path]`` count; other keys (``populate[select]``, …) are ignored.
    """
    names: list[str] = []
    for key, value in args:
        if _POPULATE_KEY.fullmatch(key):
            _populate_names(value, key, names)
    return names


def loads(text: str | bytes, where: str):
    """Strict JSON (RFC 8259, as orjson reads it): no NaN or Infinity, no number beyond a
    double, nesting at most 1024 deep. Anything else is Invalid(INVALID_JSON) naming ``where``."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"{where} is not valid JSON: {exc}", code="INVALID_JSON",
                      field=where) from None


def parse_json_param(name: str, raw):
    """Decoded JSON of a parameter (None when absent or blank), or Invalid(INVALID_JSON)."""
    if raw is None or not raw.strip():
        return None
    return loads(raw, name)
