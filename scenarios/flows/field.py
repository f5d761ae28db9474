"""Field service — element synchronisation (Integrator's Guide).

Keeps a local replica of OZmap network elements (boxes and splitters by default) in a SQLite
file, incrementally — one query per action of the Guide ("creation dates, last update, or
deletion dates"), each sorted by its date and paged through ``nextUrl`` (``find_all``):

* **created since** the mark: ``filter createdAt >= <mark>`` — new rows;
* **updated since** the mark: ``filter updatedAt >= <mark>`` — changed rows;
* **deleted since** the mark: ``filter deletedAt >= <mark>`` returns tombstones
  ``{id, kind, deletedAt}`` (docs/decisions.md, "Tombstones"), which remove rows
  from the replica.

The first sync is one full listing. ``>=`` (not ``>``) re-reads the elements stamped exactly
at a mark, so nothing written in the same millisecond as the previous sync is lost; upserts
make re-reads harmless. The marks are the greatest dates seen — the server's own clock — and
live in the replica itself (table ``sync_state``), so a sync can resume from any process.
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..client import OZmapClient
from .common import ref_id

EPOCH = "1970-01-01T00:00:00.000Z"
DEFAULT_RESOURCES = ("boxes", "splitters")

SCHEMA = """
CREATE TABLE IF NOT EXISTS elements (
    resource   TEXT NOT NULL,
    id         TEXT NOT NULL,
    kind       TEXT,
    name       TEXT,
    project    TEXT,
    parent     TEXT,
    updated_at TEXT,
    doc        TEXT NOT NULL,
    PRIMARY KEY (resource, id)
);
CREATE TABLE IF NOT EXISTS sync_state (
    resource    TEXT PRIMARY KEY,
    created_hwm TEXT,
    updated_hwm TEXT,
    deleted_hwm TEXT,
    runs        INTEGER NOT NULL DEFAULT 0
);
"""
MARKS = ("created", "updated", "deleted")


class Replica:
    """The integrator's local copy of OZmap elements (a SQLite file)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)
        columns = {row["name"] for row in self.db.execute("PRAGMA table_info(sync_state)")}
        if "created_hwm" not in columns:        # a replica written before created-since
            self.db.execute("ALTER TABLE sync_state ADD COLUMN created_hwm TEXT")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Replica":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- marks -------------------------------------------------------------------------------
    def marks(self, resource: str) -> tuple[dict[str, str | None], int]:
        """({created, updated, deleted: high-water mark or None}, runs) of a resource."""
        row = self.db.execute("SELECT * FROM sync_state WHERE resource = ?",
                              (resource,)).fetchone()
        return ({m: row[f"{m}_hwm"] for m in MARKS}, row["runs"]) if row else \
            (dict.fromkeys(MARKS), 0)

    def set_marks(self, resource: str, marks: dict[str, str | None]) -> None:
        self.db.execute("INSERT INTO sync_state (resource, created_hwm, updated_hwm, deleted_hwm, "
                        "runs) VALUES (?, ?, ?, ?, 1) ON CONFLICT(resource) DO UPDATE SET "
                        "created_hwm = excluded.created_hwm, updated_hwm = excluded.updated_hwm, "
                        "deleted_hwm = excluded.deleted_hwm, runs = runs + 1",
                        (resource, *(marks[m] for m in MARKS)))

    # -- rows --------------------------------------------------------------------------------
    def get(self, resource: str, id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT doc FROM elements WHERE resource = ? AND id = ?",
                              (resource, id)).fetchone()
        return json.loads(row["doc"]) if row else None

    def ids(self, resource: str) -> list[str]:
        return [r["id"] for r in self.db.execute(
            "SELECT id FROM elements WHERE resource = ? ORDER BY id", (resource,))]

    def count(self, resource: str) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM elements WHERE resource = ?",
                                   (resource,)).fetchone()[0])

    def upsert(self, resource: str, doc: dict[str, Any]) -> str:
        """'created', 'updated' or 'unchanged'."""
        text = json.dumps(doc, sort_keys=True, ensure_ascii=False)
        old = self.db.execute("SELECT doc FROM elements WHERE resource = ? AND id = ?",
                              (resource, str(doc["id"]))).fetchone()
        if old is not None and old["doc"] == text:
            return "unchanged"
        self.db.execute(
            "INSERT INTO elements (resource, id, kind, name, project, parent, updated_at, doc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(resource, id) DO UPDATE SET "
            "kind = excluded.kind, name = excluded.name, project = excluded.project, "
            "parent = excluded.parent, updated_at = excluded.updated_at, doc = excluded.doc",
            (resource, str(doc["id"]), doc.get("kind"), doc.get("name"),
             ref_id(doc.get("project")), ref_id(doc.get("parent")), doc.get("updatedAt"), text))
        return "updated" if old is not None else "created"

    def remove(self, resource: str, id: str) -> bool:
        cursor = self.db.execute("DELETE FROM elements WHERE resource = ? AND id = ?",
                                 (resource, id))
        return cursor.rowcount > 0


@dataclass
class ResourceSync:
    resource: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    fetched: int = 0
    tombstones: int = 0
    total: int = 0                  # rows in the replica after the sync
    created_hwm: str | None = None
    updated_hwm: str | None = None
    deleted_hwm: str | None = None
    full: bool = False              # first sync of this resource: no mark yet


@dataclass
class SyncReport:
    replica: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    resources: dict[str, ResourceSync] = field(default_factory=dict)


def _since(prop: str, mark: str) -> list[dict[str, Any]]:
    return [{"property": prop, "operator": ">=", "value": mark}]


def _sorted_by(prop: str) -> list[dict[str, Any]]:
    return [{"property": prop, "direction": 1}]


def _since_mark(api: OZmapClient, resource: str, date: str, mark: str | None, batch_size: int
                ) -> Iterator[dict[str, Any]]:
    """Every element (or tombstone) whose ``date`` is at or after ``mark`` (all without one),
    oldest first."""
    return api.find_all(resource, _since(date, mark) if mark else None, _sorted_by(date),
                        batch_size=batch_size)


def _newest(marks: dict[str, str | None], doc: dict[str, Any]) -> None:
    for mark in marks:
        stamp = doc.get(f"{mark}At")
        if isinstance(stamp, str) and (marks[mark] is None or stamp > marks[mark]):
            marks[mark] = stamp


def sync_elements(api: OZmapClient, replica: str | Path,
                  resources: Sequence[str] = DEFAULT_RESOURCES,
                  batch_size: int = 100) -> SyncReport:
    """Element synchronisation: bring the replica at ``replica`` (a SQLite path) up to date."""
    report = SyncReport(replica=str(replica))
    with closing(Replica(replica)) as db, db.db:
        for resource in resources:
            marks, runs = db.marks(resource)
            stats = ResourceSync(resource=resource, full=marks["created"] is None and runs == 0)
            newest = dict(marks)                       # queries use the marks of the last sync
            pulls = ["created"] if stats.full else ["created", "updated"]
            for date in pulls:                         # the first sync is one full listing
                for doc in _since_mark(api, resource, f"{date}At", marks[date], batch_size):
                    stats.fetched += 1
                    outcome = db.upsert(resource, doc)
                    setattr(stats, outcome, getattr(stats, outcome) + 1)
                    _newest(newest, doc)
            for tomb in _since_mark(api, resource, "deletedAt", marks["deleted"] or EPOCH,
                                    batch_size):
                stats.tombstones += 1
                if db.remove(resource, str(tomb["id"])):
                    stats.deleted += 1
                _newest(newest, tomb)
            db.set_marks(resource, newest)
            stats.created_hwm, stats.updated_hwm, stats.deleted_hwm = \
                (newest[m] for m in MARKS)
            stats.total = db.count(resource)
            report.resources[resource] = stats
            report.created += stats.created
            report.updated += stats.updated
            report.unchanged += stats.unchanged
            report.deleted += stats.deleted
    return report


@dataclass
class ReplicaState:
    replica: str
    counts: dict[str, int]
    ids: dict[str, list[str]]
    marks: dict[str, dict[str, Any]]


def replica_state(replica: str | Path, resources: Sequence[str] = DEFAULT_RESOURCES
                  ) -> ReplicaState:
    """What the replica holds (for assertions and reports)."""
    with closing(Replica(replica)) as db:
        marks = {}
        for r in resources:
            hwm, runs = db.marks(r)
            marks[r] = {**{f"{m}_hwm": hwm[m] for m in MARKS}, "runs": runs}
        return ReplicaState(replica=str(replica), counts={r: db.count(r) for r in resources},
                            ids={r: db.ids(r) for r in resources}, marks=marks)


def replica_element(replica: str | Path, resource: str, id: str) -> dict[str, Any] | None:
    with closing(Replica(replica)) as db:
        return db.get(resource, id)


__all__ = ["Replica", "sync_elements", "SyncReport", "ResourceSync", "replica_state",
           "ReplicaState", "replica_element", "DEFAULT_RESOURCES"]
