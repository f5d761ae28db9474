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

1. **fetch** every record changed since the watermark from INT6's API
   (``GET <url>/int6/onus``, HTTP Basic with the integration's e-mail and token), paging by
   key — ``updatedSince`` and ``after`` = the ``updatedAt`` and ``gpon_client_id`` of the
   last record read — so a record written while the pull pages is read later, never skipped;
2. **apply** through this tenant's OZmap API: read the clients of those codes
   (``GET /ftth-clients``, filter ``code in``) and their properties (``GET /properties``,
   filter ``client in``), then write what differs, grouped by the values written —
   ``POST /ftth-clients/batch-update`` per (status, implanted) pair, ``POST
   /properties/batch-update`` per ``potencyRead`` value, ``PATCH /ftth-clients/:id`` per
   client whose ONU data changed;
3. move the watermark to the last record's ``updatedAt`` — only once every write succeeded.

A failed call to INT6 (no answer, a timeout, an error status such as 401 or 5xx, a body that
is not a page of records) fails the cycle before OZmap is touched. A failed write to OZmap
fails it after some writes: harmless, since the watermark did not move, the next cycle
fetches the same records again and writes only what still differs. Nothing is lost, nothing
is applied twice. ``updatedSince`` is inclusive, so the last record of a cycle comes again in
the next one — and changes nothing. A write OZmap refuses for one client (4xx: the client
was deleted meanwhile) is reported in the cycle's summary and not retried.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ...core.query import MISSING
from ..remote import Remote, RemoteError
from .power import reading
from .records import MAX_PAGE, ONU_FIELDS

PAGE = 5_000            # records per page fetched from INT6
CHUNK = 1_000           # ids per OZmap filter (`in`) and per batch update
ERRORS_SHOWN = 20       # per-client refusals kept in a cycle's summary


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
def fetch(int6: Remote, watermark: str | None) -> list[dict]:
    """Every record changed at or after ``watermark``, in INT6's order (oldest change first),
    paged by key: each page starts just after the last record of the one before."""
    rows: list[dict] = []
    params: dict = {"limit": PAGE}
    if watermark is not None:
        params["updatedSince"] = watermark
    while True:
        page = int6.call("GET", "/int6/onus", params)
        batch = _records(page, int6)
        rows += batch
        if not batch or not page.get("hasNextPage"):
            return rows
        key = {"updatedSince": batch[-1]["updatedAt"], "after": batch[-1]["gpon_client_id"]}
        if key.items() <= params.items():
            raise RemoteError("INT6", "GET", int6.base_url + "/int6/onus", 200,
                              "paging does not advance", "MALFORMED_RESPONSE")
        params = {"limit": PAGE, **key}


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
def apply(ozmap: Remote, rows: list[dict]) -> dict:
    """Write what the records ask of OZmap; the summary of what changed."""
    records = {row["gpon_client_id"]: row for row in rows}         # the latest of each
    clients = {c["code"]: c for c in _read(ozmap, "ftth-clients", "code", list(records),
                                           "id,code,implanted,status,onu")}
    properties: dict[str, dict] = {}
    for prop in _read(ozmap, "properties", "client", [c["id"] for c in clients.values()],
                      "id,client,potencyRead"):
        properties.setdefault(prop["client"], prop)                 # the first, as OZmap does
    client_updates: dict[tuple, list[str]] = {}
    potencies: dict[object, list[str]] = {}
    onus: list[tuple[str, dict]] = []
    for code, record in records.items():
        client = clients.get(code)
        if client is None:
            continue
        prop = properties.get(client["id"])
        wanted = plan(record, client, prop)
        if wanted.client:
            client_updates.setdefault(tuple(sorted(wanted.client.items())), []).append(client["id"])
        if wanted.onu is not None:
            onus.append((client["id"], wanted.onu))
        if wanted.potency is not MISSING:
            potencies.setdefault(wanted.potency, []).append(prop["id"])
    for update, ids in client_updates.items():
        _batch(ozmap, "ftth-clients", ids, dict(update))
    for value, ids in potencies.items():
        _batch(ozmap, "properties", ids, {"potencyRead": value})
    refused = []
    for client_id, onu in onus:
        try:
            ozmap.call("PATCH", f"/api/v2/ftth-clients/{client_id}", body={"onu": onu})
        except RemoteError as exc:
            if exc.status in (0, 401, 403) or exc.status >= 500:
                raise
            refused.append({"client": client_id, "status": exc.status, "message": exc.message})
    counted = [(dict(update), len(ids)) for update, ids in client_updates.items()]
    return {"records": len(rows), "clients": sum(1 for code in records if code in clients),
            "unknown": sum(1 for code in records if code not in clients),
            "status": {"OK": sum(n for u, n in counted if u.get("status") == 0),
                       "ERROR": sum(n for u, n in counted if u.get("status") == 1)},
            "implanted": sum(n for u, n in counted if u.get("implanted")),
            "onu": len(onus) - len(refused), "potencyRead": sum(map(len, potencies.values())),
            "refused": refused[:ERRORS_SHOWN]}


def _read(ozmap: Remote, route: str, key: str, values: list, select: str) -> list[dict]:
    rows = []
    for chunk in _chunks(values):
        page = ozmap.call("GET", f"/api/v2/{route}", {"select": select, "limit": 0},
                          {"filter": [{"property": key, "operator": "in", "value": chunk}]})
        rows += page["rows"]
    return rows


def _batch(ozmap: Remote, route: str, ids: list[str], update: dict) -> None:
    for chunk in _chunks(ids):
        ozmap.call("POST", f"/api/v2/{route}/batch-update",
                   body={"filter": [{"property": "id", "operator": "in", "value": chunk}],
                         "update": update})


def _chunks(values: list):
    for i in range(0, len(values), CHUNK):
        yield values[i:i + CHUNK]


# ---- the job ----------------------------------------------------------------------------------
def cycle(int6) -> dict:
    """One run of the ``int6-pull`` job for a tenant's INT6 (``integration.Int6``)."""
    watermark = int6.watermark
    rows = fetch(int6.int6(), watermark)
    summary = apply(int6.own_ozmap(), rows)
    if rows:
        int6.watermark = rows[-1]["updatedAt"]
    return {**summary, "from": watermark, "watermark": int6.watermark}
