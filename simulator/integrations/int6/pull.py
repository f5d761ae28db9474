"""OZmap's pull from INT6, every 10 minutes: readings and ONU data into OZmap's clients.

The rules (``plan``), for the OZmap client whose ``code`` equals a record's
``gpon_client_id`` (no such client: nothing changes):

* a reading (``power.reading``: a finite non-zero number, or a string spelling one) → the
  property's ``potencyRead`` = the reading, the client's ``status`` = 0 (OK), and a client
  not implanted becomes implanted;
* no reading (a text such as "LOS", or 0) → ``status`` = 1 (ERROR) and ``potencyRead`` =
  null; a reading never turns an implanted client back into not implanted;
* the ONU data — ``serial_number``, ``user_PPPoE``, ``mac_address`` — is copied to the
  client's ``onu`` (a field INT6 does not send is left alone);
* only what differs is written, so applying a record twice changes nothing the second time.

One cycle (``cycle``):

1. **fetch** every record changed after the watermark — the key (``updatedAt``,
   ``gpon_client_id``) of the last record the previous good cycle applied — from INT6's API
   (``GET <url>/int6/onus?updatedSince=…&after=…``, HTTP Basic with the integration's e-mail
   and token), paging by key the same way, so a record written while the pull pages is read
   later, never skipped; the first cycle reads every record;
2. **apply** in this tenant's OZmap, as OZmap's own job writes its own database (only the
   calls to INT6 go over HTTP): the client of each code and its property are found by their
   indexes, and only what differs is written, grouped by the values written — the domain's
   batch update of clients per (status, implanted) pair and of properties per
   ``potencyRead`` value (what ``POST /ftth-clients/batch-update`` and ``POST
   /properties/batch-update`` do), and a client update per changed ONU. Records are applied
   ``CHUNK`` at a time, each chunk under the world lock, so OZmap keeps answering other
   requests in between;
3. move the watermark to the last record's key — only once every record was applied.

A failed call to INT6 (no answer, a timeout, an error status such as 401 or 5xx, a body that
is not a page of records) fails the cycle before OZmap is touched. A cycle that fails while
applying (the process stopping, say) leaves the watermark where it was: the next cycle
fetches the same records again and writes only what still differs. Nothing is lost, nothing
is applied twice. A write OZmap's rules refuse for one client is reported in the cycle's
summary and not retried.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from ...core.errors import DomainError
from ...core.query import MISSING
from ...ftth.properties import batch_update
from ..remote import Remote, RemoteError
from .power import reading
from .records import MAX_PAGE, ONU_FIELDS

PAGE = 5_000            # records per page fetched from INT6
CHUNK = 500             # records applied per hold of the world lock
ERRORS_SHOWN = 20       # per-client refusals kept in a cycle's summary
YIELD_EVERY = 0.005     # seconds of applying between two chances for other requests


@dataclass
class Plan:
    """What one record asks of one client and its property."""
    client: dict = field(default_factory=dict)     # status / implanted: batch-updatable
    onu: dict | None = None                        # the client's new ONU data, when it changes
    potency: object = MISSING                      # the property's new potencyRead, if any


def plan(record: dict, client: dict, prop: dict | None) -> Plan:
    """The writes the rules ask for, given the client and its property as they are."""
    value = reading(record.get("power"))
    out = Plan()
    status = 0 if value is not None else 1
    if client.get("status") != status:
        out.client["status"] = status
    if value is not None and client.get("implanted") is False:
        out.client["implanted"] = True
    current = client.get("onu") or {}
    onu = {name: record[name] for name in ONU_FIELDS if isinstance(record.get(name), str)}
    if any(current.get(name) != text for name, text in onu.items()):
        out.onu = {**current, **onu}
    if prop is not None and prop.get("potencyRead", MISSING) != value:
        out.potency = value
    return out


# ---- fetch ------------------------------------------------------------------------------------
def fetch(int6: Remote, watermark: dict | None) -> list[dict]:
    """Every record changed after ``watermark`` (the key ``{updatedAt, gpon_client_id}`` of
    the last record applied; None: every record), in INT6's order (oldest change first), paged
    by key: each page starts just after the last record of the one before."""
    key = _key(watermark) if watermark else {}
    rows: list[dict] = []
    while True:
        params = {"limit": PAGE, **key}
        page = int6.call("GET", "/int6/onus", params)
        batch = _records(page, int6)
        rows += batch
        if not batch or not page.get("hasNextPage"):
            return rows
        if _key(batch[-1]) == key:
            raise RemoteError("INT6", "GET", int6.base_url + "/int6/onus", 200,
                              "paging does not advance", "MALFORMED_RESPONSE")
        key = _key(batch[-1])


def _key(record: dict) -> dict:
    return {"updatedSince": record["updatedAt"], "after": record["gpon_client_id"]}


def _records(page, int6: Remote) -> list[dict]:
    """The rows of a page, each a record with a ``gpon_client_id`` and an ``updatedAt``."""
    rows = page.get("rows") if isinstance(page, dict) else None
    if not isinstance(rows, list) or len(rows) > MAX_PAGE or not all(
            isinstance(r, dict) and isinstance(r.get("gpon_client_id"), str)
            and isinstance(r.get("updatedAt"), str) for r in rows):
        raise RemoteError("INT6", "GET", int6.base_url + "/int6/onus", 200,
                          "the answer is not a page of ONU records {rows: [{gpon_client_id, "
                          "updatedAt, …}], hasNextPage}", "MALFORMED_RESPONSE")
    return rows


# ---- apply ------------------------------------------------------------------------------------
class _Pace:
    """Called between two holds of the world lock: every ``YIELD_EVERY`` seconds of work, a
    thread switch, so requests waiting for the lock get it (a released lock is otherwise
    taken back at once by the thread that released it)."""

    def __init__(self):
        self.last = time.perf_counter()

    def __call__(self) -> None:
        if time.perf_counter() - self.last >= YIELD_EVERY:
            time.sleep(0)
            self.last = time.perf_counter()


def apply(world, rows: list[dict]) -> dict:
    """Write what the records ask of the world's clients and properties; what changed."""
    records = {row["gpon_client_id"]: row for row in rows}         # the latest of each
    summary = {"records": len(rows), "clients": 0, "unknown": 0, "status": {"OK": 0, "ERROR": 0},
               "implanted": 0, "onu": 0, "potencyRead": 0, "refused": []}
    client_updates: dict[tuple, list[str]] = {}
    potencies: dict[object, list[str]] = {}
    onus: list[tuple[str, dict]] = []
    codes, pace = list(records), _Pace()
    for start in range(0, len(codes), CHUNK):       # decide, a chunk per hold of the lock
        with world.lock:
            for code in codes[start:start + CHUNK]:
                client, prop = _customer(world, code)
                if client is None:
                    summary["unknown"] += 1
                    continue
                summary["clients"] += 1
                wanted = plan(records[code], client, prop)
                if wanted.client:
                    client_updates.setdefault(tuple(sorted(wanted.client.items())),
                                              []).append(client["id"])
                if wanted.onu is not None:
                    onus.append((client["id"], wanted.onu))
                if wanted.potency is not MISSING:
                    potencies.setdefault(wanted.potency, []).append(prop["id"])
        pace()
    for update, ids in client_updates.items():      # write, grouped by the values written
        changes = dict(update)
        _batch(world, "ftth-clients", ids, changes, pace)
        if "status" in changes:
            summary["status"]["OK" if changes["status"] == 0 else "ERROR"] += len(ids)
        summary["implanted"] += len(ids) if changes.get("implanted") else 0
    for value, ids in potencies.items():
        _batch(world, "properties", ids, {"potencyRead": value}, pace)
        summary["potencyRead"] += len(ids)
    for client_id, onu in onus:
        try:
            world.update("ftth-clients", client_id, {"onu": onu})
            summary["onu"] += 1
        except DomainError as exc:
            if len(summary["refused"]) < ERRORS_SHOWN:
                summary["refused"].append({"client": client_id, "code": exc.code,
                                           "message": exc.message})
        pace()
    return summary


def _customer(world, code: str) -> tuple[dict | None, dict | None]:
    """The client with this code and its property (the first, as OZmap answers)."""
    found = world.ids_where("ftth-clients", "code", code)
    if not found:
        return None, None
    client = world.docs["ftth-clients"][min(found)]
    held = world.ids_where("properties", "client", client["id"])
    return client, world.docs["properties"][min(held)] if held else None


def _batch(world, route: str, ids: list[str], changes: dict, pace: _Pace) -> None:
    """The domain's batch update (``POST /<route>/batch-update``), ``CHUNK`` ids at a time."""
    for start in range(0, len(ids), CHUNK):
        batch_update(world, route, [{"property": "id", "operator": "in",
                                     "value": ids[start:start + CHUNK]}], changes)
        pace()


# ---- the job ----------------------------------------------------------------------------------
def cycle(int6) -> dict:
    """One run of the ``int6-pull`` job for a tenant's INT6 (``integration.Int6``)."""
    watermark = int6.watermark
    rows = fetch(int6.api(), watermark)
    summary = apply(int6.world, rows)
    if rows:
        int6.watermark = {"updatedAt": rows[-1]["updatedAt"],
                          "gpon_client_id": rows[-1]["gpon_client_id"]}
    return {**summary, "from": watermark, "watermark": int6.watermark}
