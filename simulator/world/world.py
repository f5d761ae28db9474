"""A tenant's world: typed collections, indexes, RNG, clock, and the generic write rules.

Every mutation runs under ``world.lock``; reads that must not see half-applied writes take it
too. Resource-specific rules live in behaviours (``simulator/world/behaviour.py`` and the
FTTH modules it registers); this module only knows the catalogue in ``model.py``.
"""
from __future__ import annotations

import copy
import random
import re
import threading

from . import geo
from .clock import Clock
from .errors import Forbidden, Invalid, NotFound, RuleViolation
from .model import RESOURCES, Resource
from .query import MISSING, Filter, get_path, parse_filter, sort_docs
from .store import hold, release

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
LEDGER_ROUTES = ("splitters", "boxes", "buildings")   # writes the port ledger follows
POLYGON_MODELS = {"project": ("projects", "area"),     # `within` by reference: model -> field
                  "horizontalCondominium": ("horizontal-condominiums", "polygon")}

DEFAULT_SETTINGS = {
    "defaultRadius": 150.0,          # feasibility radius when the request gives none (m)
    "poleSearchRadius": 100.0,       # pole feasibility: nearest usable pole within (m)
    "defaultPonPotency": 0.0,        # PON launch power when neither PON nor project says (dBm)
    "connectorLoss": 0.5,            # a connectorised splitter output (dB)
    "dropConnectorLoss": 0.5,        # field connector at the end of a drop (dB)
    "readWorseTolerance": 2.0,       # read power this much below calculated is suspect (dB)
}


def check_object_id(value, field: str) -> str:
    if not isinstance(value, str) or not OBJECT_ID.match(value):
        raise Invalid(f"'{field}' must be a 24-character hexadecimal ObjectId, got {value!r}",
                      "INVALID_OBJECT_ID", field)
    return value


class Access:
    """What a key's user may see: every project, or a set of project ids."""

    def __init__(self, projects: set | None = None):
        self.projects = projects

    def allows(self, doc: dict) -> bool:
        project = doc.get("project")
        return self.projects is None or project is None or project in self.projects


ALL_ACCESS = Access()


class World:
    def __init__(self, tenant: str = "default", seed: int = 0, clock: Clock | None = None,
                 settings: dict | None = None):
        from .behaviour import behaviours  # late: behaviours import World helpers
        from .network import PortLedger
        self.tenant = tenant
        self.seed = seed
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self.clock = clock or Clock()
        self.settings = {**DEFAULT_SETTINGS, **(settings or {})}
        self.docs: dict[str, dict[str, dict]] = {route: {} for route in RESOURCES}
        self.tombstones: dict[str, dict[str, dict]] = {route: {} for route in RESOURCES}
        # equality indexes: value -> the ids of the documents holding it (store.hold)
        self.indexes: dict[tuple, dict] = {
            (r.route, f): {} for r in RESOURCES.values() for f in r.indexes + ("external_id",)}
        self.spatial: dict[str, geo.GridIndex] = {
            r.route: geo.GridIndex() for r in RESOURCES.values() if r.point}
        # what _index keeps per route: ((field, its index), ...), the port ledger, a spatial index
        self._keeps = {route: (tuple((f, self.indexes[(route, f)])
                                     for f in r.indexes + ("external_id",)),
                               route in LEDGER_ROUTES, self.spatial.get(route))
                       for route, r in RESOURCES.items()}
        self.behaviours = behaviours()
        self.ports = PortLedger()           # available service ports per box, see network.py
        self.user: dict | None = None     # the API user actions are attributed to
        self._id_counter = 0
        self._id_seconds = 0

    # ---- identities and stamps -------------------------------------------------------
    def new_id(self) -> str:
        """A 24-hex ObjectId: seconds, a counter, then random bits — so ids sort in creation order."""
        self._id_seconds = max(self._id_seconds, int(self.clock.now().timestamp()) & 0xFFFFFFFF)
        self._id_counter += 1
        if self._id_counter > 0xFFFFFF:
            self._id_seconds, self._id_counter = self._id_seconds + 1, 0
        return f"{self._id_seconds:08x}{self._id_counter:06x}{self.rng.getrandbits(40):010x}"

    def creator(self) -> dict | None:
        if self.user is None:
            return None
        return {"id": self.user["id"], "name": self.user["name"], "username": self.user["username"]}

    # ---- low-level storage (used by behaviours and the generator) ---------------------
    def insert(self, route: str, doc: dict, now: str | None = None) -> dict:
        """Store a complete document: id, kind, stamps are filled when absent; indexes updated."""
        resource = RESOURCES[route]
        doc.setdefault("id", self.new_id())
        doc.setdefault("kind", resource.kind)
        now = now or self.clock.now_iso()
        doc.setdefault("createdAt", now)
        doc.setdefault("updatedAt", doc["createdAt"])
        doc.setdefault("creatorData", self.creator())
        self.docs[route][doc["id"]] = doc
        self._index(route, doc, add=True)
        return doc

    def set_fields(self, route: str, doc: dict, changes: dict, touch: bool = True) -> None:
        """Apply field changes to a stored document, keeping indexes right."""
        if not changes:
            return
        self._index(route, doc, add=False)
        doc.update(changes)
        if touch:
            doc["updatedAt"] = self.clock.now_iso()
        self._index(route, doc, add=True)

    def remove(self, route: str, doc_id: str) -> dict:
        """Delete a document, leaving a tombstone ``{id, kind, deletedAt}`` (plus its
        ``project``, so that deletions sync per project and stay within a key's projects)."""
        doc = self.docs[route].pop(doc_id)
        self._index(route, doc, add=False)
        tombstone = {"id": doc_id, "kind": doc["kind"], "deletedAt": self.clock.now_iso()}
        if doc.get("project") is not None and RESOURCES[route].project_scoped:
            tombstone["project"] = doc["project"]
        self.tombstones[route][doc_id] = tombstone
        return doc

    def _index(self, route: str, doc: dict, add: bool) -> None:
        doc_id = doc["id"]
        indexes, ledger, spatial = self._keeps[route]
        keep = hold if add else release
        for field, index in indexes:
            value = doc.get(field)
            if value is not None and not isinstance(value, (dict, list)):
                keep(index, value, doc_id)
        if ledger:
            self.ports.note(route, doc, add)
        if spatial is not None:
            if not add:
                spatial.remove(doc_id)
            elif doc.get("coords"):
                spatial.insert(doc_id, doc["coords"][0], doc["coords"][1])

    def ids_where(self, route: str, field: str, value) -> set:
        """Ids of the documents whose ``field`` equals ``value`` (a set not to be modified)."""
        held = self.indexes[(route, field)].get(value)
        if held is None:
            return set()
        return {held} if held.__class__ is str else set(held) if held.__class__ is tuple else held

    def docs_where(self, route: str, field: str, value) -> list[dict]:
        docs = self.docs[route]
        return [docs[i] for i in sorted(self.ids_where(route, field, value))]

    # ---- reads -----------------------------------------------------------------------
    def get(self, route: str, doc_id, access: Access = ALL_ACCESS, field: str = "id") -> dict:
        check_object_id(doc_id, field)
        doc = self.docs[route].get(doc_id)
        if doc is None:
            raise NotFound(f"{RESOURCES[route].kind} {doc_id} not found", "NOT_FOUND")
        if not access.allows(doc):
            raise Forbidden(f"{RESOURCES[route].kind} {doc_id} belongs to a project this key "
                            "cannot access", "PROJECT_FORBIDDEN")
        return doc

    def lookup(self, routes, doc_id):
        """(route, doc) of the first of ``routes`` holding ``doc_id``, else (None, None)."""
        for route in routes:
            doc = self.docs[route].get(doc_id)
            if doc is not None:
                return route, doc
        return None, None

    def find(self, route: str, filter: Filter | None = None, sort=None, start: int = 0,
             limit: int | None = None, access: Access = ALL_ACCESS):
        """(total, page of documents) — tombstones when the filter constrains ``deletedAt``."""
        filter = filter or parse_filter(None)
        resource = RESOURCES[route]
        hidden, computed = resource.hidden, resource.computed
        if hidden and (filter.reads(hidden) or _sorts_on(sort, hidden)):
            raise Invalid(f"{', '.join(hidden)} of {resource.kind} documents cannot be filtered "
                          "or sorted on", "FIELD_NOT_QUERYABLE",
                          "filter" if filter.reads(hidden) else "sort")
        expand = None
        tombstones = filter.constrains("deletedAt")
        candidates = list(self.tombstones[route].values()) if tombstones else \
            self._candidates(route, filter)
        if access.projects is not None and resource.project_scoped:
            candidates = [d for d in candidates if access.allows(d)]
        if not tombstones and computed and (filter.reads(computed) or _sorts_on(sort, computed)):
            expand = self.behaviours[route].computed          # match and sort on derived fields
            candidates = [{**d, **expand(self, d)} for d in candidates]
        rows = [d for d in candidates if filter.matches(d)] if filter else candidates
        near = filter.near
        if sort:
            rows = sort_docs(rows, sort)
        elif near:
            lng, lat, _radius, prop = near
            rows.sort(key=lambda d: _distance_to(d, prop, lng, lat))
        total = len(rows)
        page = rows[start:] if limit is None else rows[start:start + limit]
        if expand is not None:
            docs = self.docs[route]
            page = [docs[d["id"]] for d in page]
        return total, page

    def _candidates(self, route: str, filter: Filter) -> list[dict]:
        docs = self.docs[route]
        near = filter.near
        if near and near[2] is not None and near[3] == "coords" and route in self.spatial:
            lng, lat, radius, _ = near
            hits = self.spatial[route].within(lng, lat, radius)
            return [docs[i] for _, i in hits]
        best = None
        for field, values in filter.equalities().items():
            if (route, field) in self.indexes or field in ("id", "_id"):
                if field in ("id", "_id"):
                    ids = {v for v in values if v in docs}
                else:
                    ids = set().union(*(self.ids_where(route, field, v) for v in values))
                if best is None or len(ids) < len(best):
                    best = ids
        if best is None:
            return list(docs.values())
        return [docs[i] for i in sorted(best)]

    # ---- generic writes ----------------------------------------------------------------
    def create(self, route: str, body: dict, access: Access = ALL_ACCESS) -> dict:
        with self.lock:
            return self.behaviours[route].create(self, RESOURCES[route], body, access)

    def update(self, route: str, doc_id: str, patch: dict, access: Access = ALL_ACCESS) -> dict:
        with self.lock:
            doc = self.get(route, doc_id, access)
            self.behaviours[route].update(self, RESOURCES[route], doc, patch, access)
            return doc

    def delete(self, route: str, doc_id: str, access: Access = ALL_ACCESS) -> None:
        with self.lock:
            doc = self.get(route, doc_id, access)
            self.behaviours[route].delete(self, RESOURCES[route], doc)

    def check_refs(self, resource: Resource, values: dict, project: str | None) -> None:
        """Referential integrity of the reference fields present in ``values``."""
        for field, targets in resource.refs.items():
            value = values.get(field, MISSING)
            if value is MISSING or value is None:
                continue
            self.check_ref(field, value, targets, project if field != "project" else None)
        for field, targets in resource.list_refs.items():
            for i, value in enumerate(values.get(field) or ()):
                self.check_ref(f"{field}[{i}]", value, targets, None)
        if resource.tag_type and values.get("tags"):
            for tag_id in values["tags"]:
                allowed = self.docs["tags"][tag_id].get("allowedTypes") or []
                if resource.tag_type not in allowed:
                    raise RuleViolation(
                        f"tag {tag_id} does not allow elements of type '{resource.tag_type}' "
                        f"(allowedTypes: {allowed})", "TAG_TYPE_NOT_ALLOWED", "tags")

    def check_ref(self, field: str, value, targets, project: str | None) -> dict:
        check_object_id(value, field)
        route, doc = self.lookup(targets, value)
        if doc is None:
            names = " or ".join(RESOURCES[t].kind for t in targets)
            raise RuleViolation(f"'{field}' references {value}, which is not an existing {names}",
                                "REFERENCE_NOT_FOUND", field)
        other = doc.get("project")
        if project and other and other != project and route != "projects":
            raise RuleViolation(f"'{field}' references {value}, which belongs to project {other}, "
                                f"not {project}", "CROSS_PROJECT_REFERENCE", field)
        return doc

    def polygon(self, model: str, element_id, access: Access = ALL_ACCESS) -> dict:
        """The GeoJSON polygon a ``within`` filter names by ``{model, id}``: a project's
        ``area`` or a horizontal condominium's ``polygon``. A reference that cannot be used —
        unknown model, missing or inaccessible element, no polygon — makes the filter invalid
        (400), as a malformed polygon would."""
        route, field = POLYGON_MODELS.get(model, (None, None))
        if route is None:
            raise Invalid(f"'within' model {model!r} is not one of "
                          f"{', '.join(POLYGON_MODELS)}", "INVALID_FILTER", "filter")
        try:
            polygon = self.get(route, element_id, access).get(field)
        except (NotFound, Forbidden) as exc:
            raise Invalid(f"'within' references {model} {element_id!r}: {exc.message}",
                          "INVALID_FILTER", "filter") from None
        if not polygon:
            raise Invalid(f"{model} {element_id} has no {field}", "INVALID_FILTER", "filter")
        return polygon

    def check_invariants(self) -> None:
        """Raise AssertionError naming the first broken rule of the FTTH model (invariants.py)."""
        from .invariants import check
        with self.lock:
            check(self)

    # ---- rendering -------------------------------------------------------------------
    def render(self, route: str, doc: dict, select=None, populate=(), depth: int = 0) -> dict:
        if "deletedAt" in doc:                                          # a tombstone
            return dict(doc)
        out = copy.deepcopy(doc)
        out["_id"] = doc["id"]
        out["__v"] = 0
        if RESOURCES[route].point:
            coords = doc.get("coords")
            out["lng"], out["lat"] = (coords[0], coords[1]) if coords else (None, None)
        for field in RESOURCES[route].hidden:
            out.pop(field, None)
        self.behaviours[route].decorate(self, doc, out)
        for path in populate:
            self._populate(route, out, path.split("."), depth)
        return select.apply(out) if select else out

    def _populate(self, route: str, out: dict, parts: list[str], depth: int) -> None:
        if depth > 3 or not isinstance(out, dict):
            return
        head, rest = parts[0], parts[1:]
        value = out.get(head)
        targets = self.behaviours[route].ref_targets(RESOURCES[route], head)
        if targets is None:
            if isinstance(value, dict):       # a nested object such as `parent: {id}`
                self._populate(route, value, parts[1:] or ["id"], depth) if rest else None
            elif isinstance(value, list) and rest:
                for item in value:
                    if isinstance(item, dict):
                        self._populate(route, item, rest, depth)
            return

        def expand(item):
            if isinstance(item, str):
                target_route, doc = self.lookup(targets, item)
                if doc is not None:
                    rendered = self.render(target_route, doc, depth=depth + 1)
                    if rest:
                        self._populate(target_route, rendered, rest, depth + 1)
                    return rendered
            return item

        out[head] = [expand(v) for v in value] if isinstance(value, list) else expand(value)


def _sorts_on(sort, fields) -> bool:
    """True when a sort key is one of ``fields`` or below one (``connections.port``)."""
    return any(path.split(".", 1)[0] in fields for path, _ in sort or ())


def _distance_to(doc: dict, prop: str, lng: float, lat: float) -> float:
    point = get_path(doc, prop)
    if not isinstance(point, list) or len(point) != 2:
        return float("inf")
    return geo.distance_m(lng, lat, point[0], point[1])
