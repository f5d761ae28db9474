"""A tenant's world: typed collections, indexes, RNG, clock, ids, and the generic operations.

The core knows no domain. A ``Domain`` hands it the resource catalogue, the per-resource
rules, the views, the polygon models of ``within`` filters, the default settings and the
invariant checker; a world receives its write observers (for the FTTH domain: the port
ledger) when it is made. Every operation takes ``world.lock`` itself, reads included, so a
caller never sees a half-applied write and a port is never sold twice.
"""
from __future__ import annotations

import contextlib
import copy
import functools
import gc
import random
import re
import threading
from dataclasses import dataclass, field
from itertools import repeat
from typing import Callable, Mapping

from . import geo
from .clock import Clock
from .errors import Forbidden, Invalid, MethodNotAllowed, NotFound, RuleViolation
from .ids import object_id
from .jobs import Jobs
from .query import MISSING, Filter, get_path, parse_filter, sort_docs
from .resource import Resource, View
from .store import compact, hold, hold_all, release, trim_heap

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


def check_object_id(value, field: str) -> str:
    if not isinstance(value, str) or not OBJECT_ID.match(value):
        raise Invalid(f"'{field}' must be a 24-character hexadecimal ObjectId, got {value!r}",
                      "INVALID_OBJECT_ID", field)
    return value


class Access:
    """Who acts and what they may see: ``projects`` — every project (None) or a set of project
    ids; ``user`` — the user document the actions are credited to (None: the world's API
    user). ``World.visible`` applies it to documents whose project is not a field of theirs."""

    def __init__(self, projects: set | None = None, user: dict | None = None):
        self.projects = projects
        self.user = user

    def allows(self, doc: dict) -> bool:
        project = doc.get("project")
        return self.projects is None or project is None or project in self.projects


ALL_ACCESS = Access()


@dataclass(frozen=True)
class Domain:
    """What a domain gives the core (the FTTH domain's is ``ftth.domain.FTTH``)."""
    resources: Mapping[str, Resource]
    rules: Mapping[str, object]                 # route -> its rules (``rules.Rules``)
    views: Mapping[str, View] = field(default_factory=dict)   # read-only names over routes
    polygons: Mapping[str, tuple] = field(default_factory=dict)  # within model -> (route, field)
    settings: Mapping = field(default_factory=dict)
    invariants: Callable | None = None          # raises AssertionError naming a broken rule


class Observer:
    """A write observer: told of every stored write of its ``routes`` (``add`` False before a
    document changes or goes, True once it is stored)."""
    routes: tuple = ()

    def note(self, route: str, doc: dict, add: bool) -> None:
        raise NotImplementedError

    def note_all(self, route: str, docs: list[dict]) -> None:
        """``note(route, doc, True)`` for each of many stored documents (``World.keep_all``)."""
        for doc in docs:
            self.note(route, doc, True)


class Derived(Observer):
    """A write observer holding something derived from the documents of its ``routes``:
    built from the whole world on first use (``ready``), then kept in step with every write
    (``drop`` then ``add`` of the document written). Until it is first used, writes cost it
    nothing — a world built in bulk and never asked pays nothing."""

    def __init__(self):
        self.built = False

    def note(self, route: str, doc: dict, add: bool) -> None:
        if self.built:
            self.drop(route, doc["id"])
            if add:
                self.add(route, doc)

    def note_all(self, route: str, docs: list[dict]) -> None:
        if self.built:
            super().note_all(route, docs)

    def ready(self, world):
        if not self.built:
            for route in self.routes:
                for doc in world.docs[route].values():
                    self.add(route, doc)
            self.built = True
        return self

    def add(self, route: str, doc: dict) -> None:
        raise NotImplementedError

    def drop(self, route: str, doc_id: str) -> None:
        raise NotImplementedError


def locked(operation):
    """Run a domain operation ``operation(world, ...)`` under that world's lock, atomically
    (``World.atomic``: when it raises, its writes are undone)."""
    @functools.wraps(operation)
    def run(world, *args, **kwargs):
        with world.atomic():
            return operation(world, *args, **kwargs)
    return run


class World:
    def __init__(self, domain: Domain, tenant: str = "default", seed: int = 0,
                 clock: Clock | None = None, settings: dict | None = None,
                 observers: tuple = ()):
        self.domain = domain
        self.resources = domain.resources
        self.rules = domain.rules
        self.tenant = tenant
        self.seed = seed
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self.clock = clock or Clock()
        self.jobs = Jobs(self.clock)      # what runs on this world's clock (integrations)
        # what other systems keep per tenant, by name (a fake of another system, an
        # integration's configuration): it lives and goes with the world (a reset drops it)
        self.extensions: dict[str, object] = {}
        self.settings = {**domain.settings, **(settings or {})}
        self.docs: dict[str, dict[str, dict]] = {route: {} for route in self.resources}
        self.tombstones: dict[str, dict[str, dict]] = {route: {} for route in self.resources}
        # equality indexes: value -> the ids of the documents holding it (store.hold)
        self.indexes: dict[tuple, dict] = {
            (r.route, f): {} for r in self.resources.values() for f in r.indexed}
        self.spatial: dict[str, geo.GridIndex] = {
            r.route: geo.GridIndex() for r in self.resources.values() if r.point}
        # what _index keeps per route: ((field, its index), ...), its observers, a spatial index
        self._keeps = {route: (tuple((f, self.indexes[(route, f)]) for f in r.indexed),
                               tuple(o for o in observers if route in o.routes),
                               self.spatial.get(route))
                       for route, r in self.resources.items()}
        self.user: dict | None = None     # the tenant's API user (its key's)
        self._actor: dict | None = None   # the user of the write in progress (``acting``)
        self._journal: list | None = None   # the undo log of the running atomic operation
        self._id_counter = 0
        self._id_seconds = 0

    # ---- identities and stamps -------------------------------------------------------
    def new_id(self) -> str:
        """A 24-hex ObjectId: seconds, a counter, then random bits — so ids sort in creation order."""
        self._id_seconds = max(self._id_seconds, int(self.clock.now().timestamp()) & 0xFFFFFFFF)
        self._id_counter += 1
        if self._id_counter > 0xFFFFFF:
            self._id_seconds, self._id_counter = self._id_seconds + 1, 0
        return object_id(self._id_seconds, self._id_counter, self.rng.getrandbits(40))

    def creator(self) -> dict | None:
        user = self._actor or self.user
        if user is None:
            return None
        return {"id": user["id"], "name": user["name"], "username": user["username"]}

    @contextlib.contextmanager
    def acting(self, access: Access):
        """Under the world lock, credit what is written to ``access.user`` (``creatorData``)."""
        with self.lock:
            previous = self._actor
            self._actor = access.user or previous
            try:
                yield
            finally:
                self._actor = previous

    # ---- storage primitives (used by the rules, the bulk paths and snapshots) -----------
    def insert(self, route: str, doc: dict, now: str | None = None) -> dict:
        """Store a complete document: id, kind, stamps are filled when absent; indexes updated."""
        doc.setdefault("id", self.new_id())
        doc.setdefault("kind", self.resources[route].kind)
        now = now or self.clock.now_iso()
        doc.setdefault("createdAt", now)
        doc.setdefault("updatedAt", doc["createdAt"])
        doc.setdefault("creatorData", self.creator())
        self.docs[route][doc["id"]] = doc
        self._index(route, doc, add=True)
        if self._journal is not None:
            self._journal.append((self._uninsert, route, doc["id"]))
        return doc

    def store(self, route: str, doc: dict) -> dict:
        """``insert`` for a document that already has its id, kind, stamps and creator (the
        bulk paths: the generator, snapshot loads). ``insert`` fills those with
        ``dict.setdefault(key, expression)``, which evaluates ``new_id()`` and ``creator()``
        even when the key is present, burning an id, a clock tick and 40 RNG bits each time.
        The stored document is a compact copy (``store.compact``): use the returned one."""
        doc = compact(route, doc)
        self.keep(route, doc)
        return doc

    def keep(self, route: str, doc: dict) -> None:
        """``store`` for a document that is already compact (or meant to stay as it is)."""
        self.docs[route][doc["id"]] = doc
        self._index(route, doc, add=True)
        if self._journal is not None:
            self._journal.append((self._uninsert, route, doc["id"]))

    def keep_all(self, route: str, docs: list[dict], values: dict | None = None) -> None:
        """``keep`` of many documents (snapshot loads), in order: the same indexes, observers
        and spatial index, built field by field instead of document by document. ``values``:
        when every document has the same keys, their values by key, in the same order (a
        snapshot's columns), read instead of the documents."""
        ids = _column(docs, values, "id")
        self.docs[route].update(zip(ids, docs))
        indexes, observers, spatial = self._keeps[route]
        for field_name, index in indexes:
            hold_all(index, _column(docs, values, field_name), ids)
        for observer in observers:
            observer.note_all(route, docs)
        if spatial is not None:
            spatial.insert_all((doc_id, coords[0], coords[1])
                               for doc_id, coords in zip(ids, _column(docs, values, "coords"))
                               if coords)

    def set_fields(self, route: str, doc: dict, changes: dict, touch: bool = True) -> None:
        """Apply field changes to a stored document, keeping indexes right (re-indexed only
        when the changes touch an indexed field or the point, or an observer watches the
        route: a read power or a status written on half a million documents skips it)."""
        if not changes:
            return
        if self._journal is not None:
            before = {k: doc.get(k, MISSING) for k in (*changes, "updatedAt")}
            self._journal.append((self._restore, route, doc, before))
        indexes, observers, spatial = self._keeps[route]
        reindex = observers or (spatial is not None and "coords" in changes) or any(
            name in changes or (touch and name == "updatedAt") for name, _ in indexes)
        if reindex:
            self._index(route, doc, add=False)
        doc.update(changes)
        if touch:
            doc["updatedAt"] = self.clock.now_iso()
        if reindex:
            self._index(route, doc, add=True)

    def remove(self, route: str, doc_id: str) -> dict:
        """Delete a document, leaving a tombstone ``{id, kind, deletedAt}`` (plus its
        ``project``, so that deletions sync per project and stay within a key's projects)."""
        project = self.project_of(route, self.docs[route][doc_id])
        doc = self.docs[route].pop(doc_id)
        self._index(route, doc, add=False)
        tombstone = {"id": doc_id, "kind": doc["kind"], "deletedAt": self.clock.now_iso()}
        if project is not None:
            tombstone["project"] = project
        if self._journal is not None:
            self._journal.append((self._unremove, route, doc, self.tombstones[route].get(doc_id)))
        self.tombstones[route][doc_id] = tombstone
        return doc

    # ---- atomic operations ---------------------------------------------------------------
    @contextlib.contextmanager
    def atomic(self):
        """Run a block under the world lock as one operation: when it raises, every write it
        made through the storage primitives (insert, keep, set_fields, remove) is undone,
        so a refused request leaves the world as it found it. Nested blocks join the
        outermost one."""
        with self.lock:
            if self._journal is not None:
                yield
                return
            self._journal = []
            try:
                yield
            except BaseException:
                journal, self._journal = self._journal, None
                for undo, *args in reversed(journal):
                    undo(*args)
                raise
            finally:
                self._journal = None

    def _uninsert(self, route: str, doc_id: str) -> None:
        doc = self.docs[route].pop(doc_id)
        self._index(route, doc, add=False)

    def _restore(self, route: str, doc: dict, before: dict) -> None:
        self._index(route, doc, add=False)
        for key, value in before.items():
            if value is MISSING:
                doc.pop(key, None)
            else:
                doc[key] = value
        self._index(route, doc, add=True)

    def _unremove(self, route: str, doc: dict, tombstone: dict | None) -> None:
        self.docs[route][doc["id"]] = doc
        self._index(route, doc, add=True)
        if tombstone is None:
            self.tombstones[route].pop(doc["id"], None)
        else:
            self.tombstones[route][doc["id"]] = tombstone

    def _index(self, route: str, doc: dict, add: bool) -> None:
        doc_id = doc["id"]
        indexes, observers, spatial = self._keeps[route]
        keep = hold if add else release
        for field_name, index in indexes:
            value = doc.get(field_name)
            if value is not None and not isinstance(value, (dict, list)):
                keep(index, value, doc_id)
        for observer in observers:
            observer.note(route, doc, add)
        if spatial is not None:
            if not add:
                spatial.remove(doc_id)
            elif doc.get("coords"):
                spatial.insert(doc_id, doc["coords"][0], doc["coords"][1])

    def settle(self, threshold: int = 100_000) -> None:
        """After a bulk path: move a big world's objects out of the cyclic GC's sight
        (``gc.freeze``) and hand the C heap's free pages back to the system.

        Documents are trees freed by reference counting; but the first full collection after
        a build walks every container — about 1 s per 1.5 M objects, a stop-the-world pause
        in the middle of serving. Frozen objects are skipped by every later collection.
        Call it while the bulk path still holds the cyclic GC off: everything it made is in
        the youngest generation until then, and the first allocation after ``gc.enable()``
        would collect it all (1.2 s on ``large``). Then the C heap's free memory goes back
        to the system (``store.trim_heap``)."""
        if sum(len(docs) for docs in self.docs.values()) >= threshold:
            gc.freeze()
            trim_heap()

    def ids_where(self, route: str, field: str, value) -> set:
        """Ids of the documents whose ``field`` equals ``value`` (a set not to be modified)."""
        held = self.indexes[(route, field)].get(value)
        if held is None:
            return set()
        return {held} if held.__class__ is str else set(held) if held.__class__ is tuple else held

    def docs_where(self, route: str, field: str, value) -> list[dict]:
        docs = self.docs[route]
        return [docs[i] for i in sorted(self.ids_where(route, field, value))]

    # ---- project access --------------------------------------------------------------
    def project_of(self, route: str, doc: dict):
        """The project a document (or tombstone) belongs to, or None (shared by every project:
        types, poles, a client on no property)."""
        if "deletedAt" in doc:
            return doc.get("project")
        resource = self.resources[route]
        if resource.project_scoped:
            return doc.get("project")
        if resource.scoped_by == "id":
            return doc["id"]
        if resource.scoped_by:
            owner_route, field_name = resource.scoped_by
            for owner in self.docs_where(owner_route, field_name, doc["id"]):
                return self.project_of(owner_route, owner)
        return None

    def visible(self, route: str, doc: dict, access: Access) -> bool:
        """Whether ``access`` may see the document: it belongs to one of its projects, or to
        no project at all."""
        if access.projects is None:
            return True
        project = self.project_of(route, doc)
        return project is None or project in access.projects

    # ---- reads -----------------------------------------------------------------------
    def get(self, route: str, doc_id, access: Access = ALL_ACCESS, field: str = "id",
            write: bool = False) -> dict:
        """The stored document. Outside the access's projects it does not exist for a read
        (404) and is forbidden to a write (403)."""
        check_object_id(doc_id, field)
        doc = self.docs[route].get(doc_id)
        if doc is not None and not self.visible(route, doc, access):
            if write:
                raise Forbidden(f"{self.resources[route].kind} {doc_id} belongs to a project "
                                "outside this user's projects", "PROJECT_FORBIDDEN")
            doc = None
        if doc is None:
            raise NotFound(f"{self.resources[route].kind} {doc_id} not found", "NOT_FOUND")
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
        rows, expanded = self._matching(route, filter, sort, access)
        rows = _ordered(rows, filter, sort)
        total = len(rows)
        page = rows[start:] if limit is None else rows[start:start + limit]
        if expanded:
            docs = self.docs[route]
            page = [docs[d["id"]] for d in page]
        return total, page

    def find_in(self, routes: tuple, filter: Filter | None = None, sort=None, start: int = 0,
                limit: int | None = None, access: Access = ALL_ACCESS):
        """``find`` over the union of several routes: (total, page of (route, document)), in
        creation order unless sorted (ids are minted in creation order across collections)."""
        filter = filter or parse_filter(None)
        rows, route_of = [], {}
        for route in routes:
            matched, expanded = self._matching(route, filter, sort, access)
            docs = self.docs[route]
            for row in matched:
                route_of[row["id"]] = route, docs.get(row["id"], row) if expanded else row
            rows += matched
        rows = _ordered(rows, filter, sort) if sort or filter.near else \
            sorted(rows, key=lambda d: d["id"])
        page = rows[start:] if limit is None else rows[start:start + limit]
        return len(rows), [route_of[d["id"]] for d in page]

    def _matching(self, route: str, filter: Filter, sort, access: Access):
        """(documents of ``route`` the filter keeps and the key may see, expanded): when the
        filter or the sort reads a computed field, the rows are copies carrying those fields."""
        resource = self.resources[route]
        hidden, computed = resource.hidden, resource.computed
        if hidden and (filter.reads(hidden) or _sorts_on(sort, hidden)):
            raise Invalid(f"{', '.join(hidden)} of {resource.kind} documents cannot be filtered "
                          "or sorted on", "FIELD_NOT_QUERYABLE",
                          "filter" if filter.reads(hidden) else "sort")
        expand = None
        tombstones = filter.constrains("deletedAt")
        candidates = list(self.tombstones[route].values()) if tombstones else \
            self._candidates(route, filter)
        if access.projects is not None:
            candidates = [d for d in candidates if self.visible(route, d, access)]
        if not tombstones and computed and (filter.reads(computed) or _sorts_on(sort, computed)):
            expand = self.rules[route].computed          # match and sort on derived fields
            candidates = [{**d, **expand(self, d)} for d in candidates]
        rows = [d for d in candidates if filter.matches(d)] if filter else candidates
        return rows, expand is not None

    def _candidates(self, route: str, filter: Filter) -> list[dict]:
        docs = self.docs[route]
        near = filter.near
        if near and near[2] is not None and near[3] == "coords" and route in self.spatial:
            lng, lat, radius, _ = near
            hits = self.spatial[route].within(lng, lat, radius)
            return [docs[i] for _, i in hits]
        best = None
        for field_name, values in filter.equalities().items():
            if (route, field_name) in self.indexes or field_name in ("id", "_id"):
                if field_name in ("id", "_id"):
                    ids = {v for v in values if v in docs}
                else:
                    ids = set().union(*(self.ids_where(route, field_name, v) for v in values))
                if best is None or len(ids) < len(best):
                    best = ids
        if best is None:
            return list(docs.values())
        return [docs[i] for i in sorted(best)]

    # ---- the operations an API serves (names are routes or views) ---------------------
    def view(self, name: str) -> View:
        """The view a name stands for: a route of the catalogue, or one of the domain's views."""
        found = self.domain.views.get(name)
        if found is not None:
            return found
        if name not in self.resources:
            raise NotFound(f"unknown resource '{name}'", "ROUTE_NOT_FOUND")
        return View(name)

    def query(self, name: str, filter=None, sort=None, start: int = 0, limit: int | None = None,
              select=None, populate=(), access: Access = ALL_ACCESS) -> tuple[int, list[dict]]:
        """(total, rendered page) of a list request. ``filter`` is the decoded filter array
        (``within`` references are resolved against this world), ``sort`` parsed."""
        view = self.view(name)
        with self.lock:
            flt = parse_filter(view.conditions(filter),
                               resolve_polygon=lambda model, i: self.polygon(model, i, access))
            total, page = self.find_in(view.routes, flt, sort, start, limit, access)
            return total, [self.render(route, d, select, populate, access=access)
                           for route, d in page]

    def read(self, name: str, doc_id, select=None, populate=(),
             access: Access = ALL_ACCESS) -> dict:
        """One rendered element by id (404 when it is not in the view)."""
        view = self.view(name)
        with self.lock:
            check_object_id(doc_id, "id")
            route, doc = self.lookup(view.routes, doc_id)
            if doc is not None:
                doc = self.get(route, doc_id, access)
            if doc is None or not view.shows(doc):
                raise NotFound(f"{view.kind or self.resources[view.routes[0]].kind} {doc_id} "
                               "not found", "NOT_FOUND")
            return self.render(route, doc, select, populate, access=access)

    def writable(self, name: str, operation: str) -> str:
        """The route behind ``name`` when it takes ``operation`` (create, update, delete);
        otherwise 405."""
        view = self.view(name)
        if view.read_only or operation not in self.resources[view.route].operations:
            raise MethodNotAllowed(f"{name} cannot be {operation}d through the API",
                                   "METHOD_NOT_ALLOWED")
        return view.route

    def add(self, name: str, body: dict, access: Access = ALL_ACCESS) -> dict:
        """Create an element through its rules and answer it rendered (a POST)."""
        route = self.writable(name, "create")
        with self.lock:
            return self.render(route, self.create(route, body, access), access=access)

    def create(self, route: str, body: dict, access: Access = ALL_ACCESS) -> dict:
        """Create through the rules, atomically; the stored document."""
        with self.acting(access), self.atomic():
            return self.rules[route].create(self, self.resources[route], body, access)

    def update(self, route: str, doc_id: str, patch: dict, access: Access = ALL_ACCESS) -> dict:
        with self.acting(access), self.atomic():
            doc = self.get(route, doc_id, access, write=True)
            self.rules[route].update(self, self.resources[route], doc, patch, access)
            return doc

    def delete(self, route: str, doc_id: str, access: Access = ALL_ACCESS) -> None:
        with self.acting(access), self.atomic():
            doc = self.get(route, doc_id, access, write=True)
            self.rules[route].delete(self, self.resources[route], doc)

    def check_refs(self, resource: Resource, values: dict, project: str | None) -> None:
        """Referential integrity of the reference fields present in ``values``."""
        for field_name, targets in resource.refs.items():
            value = values.get(field_name, MISSING)
            if value is MISSING or value is None:
                continue
            self.check_ref(field_name, value, targets,
                           project if field_name != "project" else None)
        for field_name, targets in resource.list_refs.items():
            for i, value in enumerate(values.get(field_name) or ()):
                self.check_ref(f"{field_name}[{i}]", value, targets, None)
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
            names = " or ".join(self.resources[t].kind for t in targets)
            raise RuleViolation(f"'{field}' references {value}, which is not an existing {names}",
                                "REFERENCE_NOT_FOUND", field)
        other = doc.get("project")
        if project and other and other != project and route != "projects":
            raise RuleViolation(f"'{field}' references {value}, which belongs to project {other}, "
                                f"not {project}", "CROSS_PROJECT_REFERENCE", field)
        return doc

    def polygon(self, model: str, element_id, access: Access = ALL_ACCESS) -> dict:
        """The GeoJSON polygon a ``within`` filter names by ``{model, id}`` (the domain's
        ``polygons``: model -> (route, field)). An unknown model is malformed (400); an
        element that does not exist for the key (missing, or in a project it cannot access)
        or has no polygon breaks a rule (422)."""
        route, field_name = self.domain.polygons.get(model, (None, None))
        if route is None:
            raise Invalid(f"'within' model {model!r} is not one of "
                          f"{', '.join(self.domain.polygons)}", "INVALID_FILTER", "filter")
        try:
            polygon = self.get(route, element_id, access).get(field_name)
        except NotFound as exc:
            raise RuleViolation(f"'within' references {model} {element_id!r}: {exc.message}",
                                "REFERENCE_NOT_FOUND", "filter") from None
        if not polygon:
            raise RuleViolation(f"'within' references {model} {element_id}, which has no "
                                f"{field_name}", "NO_POLYGON", "filter")
        return polygon

    def check_invariants(self) -> None:
        """Raise AssertionError naming the first broken rule of the domain."""
        if self.domain.invariants is not None:
            with self.lock:
                self.domain.invariants(self)

    # ---- rendering -------------------------------------------------------------------
    def render(self, route: str, doc: dict, select=None, populate=(), depth: int = 0,
               access: Access = ALL_ACCESS) -> dict:
        """The document as the API answers it; ``populate`` expands only what ``access`` sees."""
        if "deletedAt" in doc:                                          # a tombstone
            return dict(doc)
        resource = self.resources[route]
        out = copy.deepcopy(doc)
        out["_id"] = doc["id"]
        out["__v"] = 0
        if resource.point:
            coords = doc.get("coords")
            out["lng"], out["lat"] = (coords[0], coords[1]) if coords else (None, None)
        for field_name in resource.hidden:
            out.pop(field_name, None)
        self.rules[route].decorate(self, doc, out)
        for path in populate:
            self._populate(route, out, path.split("."), depth, access)
        return select.apply(out) if select else out

    def _populate(self, route: str, out: dict, parts: list[str], depth: int,
                  access: Access) -> None:
        if depth > 3 or not isinstance(out, dict):
            return
        head, rest = parts[0], parts[1:]
        value = out.get(head)
        targets = self.rules[route].ref_targets(self.resources[route], head)
        if targets is None:
            if isinstance(value, dict):       # a nested object such as `parent: {id}`
                self._populate(route, value, parts[1:] or ["id"], depth, access) if rest else None
            elif isinstance(value, list) and rest:
                for item in value:
                    if isinstance(item, dict):
                        self._populate(route, item, rest, depth, access)
            return

        def expand(item):
            if isinstance(item, str):
                target_route, doc = self.lookup(targets, item)
                if doc is not None and self.visible(target_route, doc, access):
                    rendered = self.render(target_route, doc, depth=depth + 1, access=access)
                    if rest:
                        self._populate(target_route, rendered, rest, depth + 1, access)
                    return rendered
            return item

        out[head] = [expand(v) for v in value] if isinstance(value, list) else expand(value)


def _ordered(rows: list, filter: Filter, sort) -> list:
    """Rows by ``sort``; else nearest first under a ``near`` filter; else as they are."""
    if sort:
        return sort_docs(rows, sort)
    if filter.near:
        lng, lat, _radius, prop = filter.near
        rows.sort(key=lambda d: _distance_to(d, prop, lng, lat))
    return rows


def _column(docs: list[dict], values: dict | None, name: str):
    """The ``name`` field of each of ``docs`` (None where absent), in order; read from
    ``values`` (the documents' values by field) when given."""
    if values is not None:
        return values.get(name) or ()
    return list(map(dict.get, docs, repeat(name)))


def _sorts_on(sort, fields) -> bool:
    """True when a sort key is one of ``fields`` or below one (``connections.port``)."""
    return any(path.split(".", 1)[0] in fields for path, _ in sort or ())


def _distance_to(doc: dict, prop: str, lng: float, lat: float) -> float:
    point = get_path(doc, prop)
    if not isinstance(point, list) or len(point) != 2:
        return float("inf")
    return geo.distance_m(lng, lat, point[0], point[1])
