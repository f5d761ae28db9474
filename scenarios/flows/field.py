"""Field service — element synchronisation (Integrator's Guide).

Keeps a local replica of OZmap network elements (boxes and splitters by default) in a SQLite
file, incrementally:

* **created/updated since** the high-water mark: ``filter updatedAt >= <hwm>``,
  ``sort updatedAt ascending``, paged through ``nextUrl`` (``find_all``);
* **deleted since**: ``filter deletedAt >= <hwm>`` returns tombstones ``{id, kind, deletedAt}``
  (reference §8 g), which remove rows from the replica.

``>=`` (not ``>``) re-reads the elements stamped exactly at the mark, so nothing written in
the same millisecond as the previous sync is lost; upserts make the re-read harmless. The
marks are the greatest ``updatedAt``/``deletedAt`` seen — the server's own clock — and live in
the replica itself (table ``sync_state``), so a sync can resume from any process.
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
    updated_hwm TEXT,
    deleted_hwm TEXT,
    runs        INTEGER NOT NULL DEFAULT 0
);
"""


class Replica:
    """The integrator's local copy of OZmap elements (a SQLite file)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Replica":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- marks -------------------------------------------------------------------------------
    def marks(self, resource: str) -> tuple[str | None, str | None, int]:
        row = self.db.execute("SELECT updated_hwm, deleted_hwm, runs FROM sync_state "
                              "WHERE resource = ?", (resource,)).fetchone()
        return (row["updated_hwm"], row["deleted_hwm"], row["runs"]) if row else (None, None, 0)

    def set_marks(self, resource: str, updated: str | None, deleted: str | None) -> None:
        self.db.execute("INSERT INTO sync_state (resource, updated_hwm, deleted_hwm, runs) "
                        "VALUES (?, ?, ?, 1) ON CONFLICT(resource) DO UPDATE SET "
                        "updated_hwm = excluded.updated_hwm, deleted_hwm = excluded.deleted_hwm, "
                        "runs = runs + 1", (resource, updated, deleted))

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


def _changes(api: OZmapClient, resource: str, mark: str | None, batch_size: int
             ) -> Iterator[dict[str, Any]]:
    return api.find_all(resource, _since("updatedAt", mark) if mark else None,
                        _sorted_by("updatedAt"), batch_size=batch_size)


def sync_elements(api: OZmapClient, replica: str | Path,
                  resources: Sequence[str] = DEFAULT_RESOURCES,
                  batch_size: int = 100) -> SyncReport:
    """Element synchronisation: bring the replica at ``replica`` (a SQLite path) up to date."""
    report = SyncReport(replica=str(replica))
    with closing(Replica(replica)) as db, db.db:
        for resource in resources:
            updated_mark, deleted_mark, runs = db.marks(resource)
            stats = ResourceSync(resource=resource, full=updated_mark is None and runs == 0)
            new_updated = updated_mark
            for doc in _changes(api, resource, updated_mark, batch_size):
                stats.fetched += 1
                outcome = db.upsert(resource, doc)
                setattr(stats, outcome, getattr(stats, outcome) + 1)
                stamp = doc.get("updatedAt")
                if isinstance(stamp, str) and (new_updated is None or stamp > new_updated):
                    new_updated = stamp
            new_deleted = deleted_mark
            for tomb in api.find_all(resource, _since("deletedAt", deleted_mark or EPOCH),
                                     _sorted_by("deletedAt"), batch_size=batch_size):
                stats.tombstones += 1
                if db.remove(resource, str(tomb["id"])):
                    stats.deleted += 1
                stamp = tomb.get("deletedAt")
                if isinstance(stamp, str) and (new_deleted is None or stamp > new_deleted):
                    new_deleted = stamp
            db.set_marks(resource, new_updated, new_deleted)
            stats.updated_hwm, stats.deleted_hwm = new_updated, new_deleted
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
            updated, deleted, runs = db.marks(r)
            marks[r] = {"updated_hwm": updated, "deleted_hwm": deleted, "runs": runs}
        return ReplicaState(replica=str(replica), counts={r: db.count(r) for r in resources},
                            ids={r: db.ids(r) for r in resources}, marks=marks)


def replica_element(replica: str | Path, resource: str, id: str) -> dict[str, Any] | None:
    with closing(Replica(replica)) as db:
        return db.get(resource, id)


__all__ = ["Replica", "sync_elements", "SyncReport", "ResourceSync", "replica_state",
           "ReplicaState", "replica_element", "DEFAULT_RESOURCES"]
