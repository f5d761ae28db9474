"""OZmap's pull from INT6, every 10 minutes: readings and ONU data into OZmap's clients.

One cycle (``cycle``):

1. **fetch** every record changed after the watermark — the key (``updatedAt``,
   ``gpon_client_id``) of the last record the previous good cycle applied — from INT6's API
   (``GET <url>/int6/onus?updatedSince=…&after=…``, HTTP Basic with the integration's e-mail
   and token), paging by key the same way, so a record written while the pull pages is read
   later, never skipped; the first cycle reads every record;
2. **apply** them to the tenant's OZmap, the client of each ``gpon_client_id`` being the
   client with that ``code``: OZmap's own job writes its own database, so this is one call of
   the FTTH domain (``ftth.readings.apply``: the rules, and what is written how) — only the
   calls to INT6 go over HTTP;
3. move the watermark to the last record's key — only once every record was applied.

A failed call to INT6 (no answer, a timeout, an error status such as 401 or 5xx, a body that
is not a page of records) fails the cycle before OZmap is touched. A cycle that fails while
applying (the process stopping, say) leaves the watermark where it was: the next cycle
fetches the same records again, and only what still differs is written. Nothing is lost,
nothing is applied twice.
"""
from __future__ import annotations

from ...ftth import readings
from ..remote import Remote, RemoteError
from .records import MAX_PAGE

PAGE = 5_000            # records per page fetched from INT6


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


# ---- the job ----------------------------------------------------------------------------------
def cycle(int6) -> dict:
    """One run of the ``int6-pull`` job for a tenant's INT6 (``integration.Int6``)."""
    watermark = int6.watermark
    rows = fetch(int6.api(), watermark)
    latest = {row["gpon_client_id"]: row for row in rows}         # the last of each
    summary = {"records": len(rows), **readings.apply(int6.world, latest)}
    if rows:
        int6.watermark = {"updatedAt": rows[-1]["updatedAt"],
                          "gpon_client_id": rows[-1]["gpon_client_id"]}
    return {**summary, "from": watermark, "watermark": int6.watermark}
