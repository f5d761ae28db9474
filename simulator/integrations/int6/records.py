"""INT6's ONU records: one per ``gpon_client_id`` (the OZmap client code), listed by change.

A record is ``gpon_client_id``, ``power`` (the ONU's received power in dBm, ``0``, or a text
such as ``"LOS"`` or ``"offline"``), ``serial_number``, ``user_PPPoE``, ``mac_address``,
``provisioning`` (``{splitter, port, lat, lng}`` once provisioned on an OZmap splitter port,
else None) and ``updatedAt``, stamped by the tenant's clock on every write.

Listings are ordered by (``updatedAt``, ``gpon_client_id``) and stay cheap on half a million
records while a pull pages through them. Every write takes a stamp from the tenant's clock,
later than every stamp before (the clock's time to the millisecond, or one millisecond past
the last stamp when two writes fall in the same millisecond); a bulk load stamps its records
with one instant, in id order. So the write log (stamp, id) is sorted by construction: a
listing starts by bisection — at the first stamp >= ``updatedSince``, or just after the key
(``updatedSince``, ``after``) — and pages by slicing. A reader that pages by key
(``updatedSince`` and ``after`` = the last record it read) never skips a record, whatever is
written or deleted between its pages; one paging by offset (``start``) may, when records it
has not read yet move. A rewritten or deleted record leaves a dead entry in the log; the log
is compacted, in one pass, before the next listing — so listings between writes cost
O(log n + page).
"""
from __future__ import annotations

import bisect
import datetime as dt
import math
import threading

from ...core.clock import Clock, iso, parse_iso
from ...core.errors import Invalid, NotFound
from ...core.world import check_object_id
from ...ftth.readings import ONU_FIELDS
from .fields import check_object

FIELDS = ("power", *ONU_FIELDS, "provisioning")
MAX_TEXT = 128
MAX_PAGE = 10_000


def _text(value, field: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise Invalid(f"'{field}' must be a string of at most {MAX_TEXT} characters",
                      "INVALID_FIELD", field)
    return value


def check_power(value):
    """A reading as INT6 stores it: a finite number (dBm; 0 means no reading) or a text."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or (
            isinstance(value, float) and not math.isfinite(value)):
        raise Invalid("'power' must be a number (dBm, 0 for no reading) or a text such as "
                      "\"LOS\"", "INVALID_FIELD", "power")
    return _text(value, "power") if isinstance(value, str) else value


def check_coordinate(value, field: str, bound: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -bound <= value <= bound:
        raise Invalid(f"'{field}' must be a number between -{bound:g} and {bound:g}",
                      "INVALID_FIELD", field)
    return value


def check_provisioning(value):
    """None, or where the ONU was provisioned: ``{splitter, port, lat, lng}``."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"splitter", "port", "lat", "lng"}:
        raise Invalid("'provisioning' must be null or {splitter, port, lat, lng}",
                      "INVALID_FIELD", "provisioning")
    port = value["port"]
    if isinstance(port, bool) or not isinstance(port, int) or port < 1:
        raise Invalid("'provisioning.port' must be a 1-based port number", "INVALID_FIELD",
                      "provisioning.port")
    return {"splitter": check_object_id(value["splitter"], "provisioning.splitter"), "port": port,
            "lat": check_coordinate(value["lat"], "provisioning.lat", 90),
            "lng": check_coordinate(value["lng"], "provisioning.lng", 180)}


CHECKS = {"power": check_power, "provisioning": check_provisioning,
          **{name: (lambda value, name=name: _text(value, name)) for name in ONU_FIELDS}}


def check_values(values, partial: bool) -> dict:
    """The record fields of a write, checked: all of them but ``power`` optional on a PUT
    (ONU data ``""``, ``provisioning`` null), any of them on a PATCH."""
    check_object(values, FIELDS, () if partial else ("power",), "an ONU record has")
    return {name: CHECKS[name](value) for name, value in values.items()}


def check_id(value) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise Invalid(f"'gpon_client_id' must be a non-empty string of at most {MAX_TEXT} "
                      "characters (the OZmap client code)", "INVALID_FIELD", "gpon_client_id")
    return value


def since(value) -> str | None:
    """``updatedSince`` as a stamp of the records' own format (None: from the beginning)."""
    if value is None:
        return None
    try:
        return iso(parse_iso(value))
    except (TypeError, ValueError):
        raise Invalid(f"'updatedSince' must be an ISO-8601 date-time, got {value!r}",
                      "INVALID_PARAMETER", "updatedSince") from None


class OnuRecords:
    """A tenant's ONU records, stamped by ``clock``; every method is thread-safe."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self._lock = threading.Lock()
        self._records: dict[str, dict] = {}
        self._stamps: list[str] = []         # the write log, sorted: updatedAt of each write
        self._ids: list[str] = []            # ... and the record it wrote
        self._dead = 0                       # log entries no longer a record's latest write
        self._last = ""                      # the latest stamp ever given

    def __len__(self) -> int:
        return len(self._records)

    def get(self, gpon_client_id: str) -> dict:
        record = self._records.get(gpon_client_id)
        if record is None:
            raise NotFound(f"no ONU record with gpon_client_id {gpon_client_id!r}",
                           "ONU_NOT_FOUND")
        return _copy(record)

    def put(self, gpon_client_id: str, values: dict) -> tuple[dict, bool]:
        """Create or replace a record; (the record, whether it was created)."""
        gpon_client_id = check_id(gpon_client_id)
        values = check_values(values, partial=False)
        with self._lock:
            created = gpon_client_id not in self._records
            record = _new(gpon_client_id, values)
            self._write(record, self._stamp())
            return _copy(record), created

    def patch(self, gpon_client_id: str, values: dict) -> dict:
        """Change some fields of a record (404 when there is none)."""
        values = check_values(values, partial=True)
        with self._lock:
            current = self._records.get(gpon_client_id)
            if current is None:
                raise NotFound(f"no ONU record with gpon_client_id {gpon_client_id!r}",
                               "ONU_NOT_FOUND")
            record = {**current, **values}
            self._write(record, self._stamp())
            return _copy(record)

    def delete(self, gpon_client_id: str) -> None:
        with self._lock:
            if self._records.pop(gpon_client_id, None) is None:
                raise NotFound(f"no ONU record with gpon_client_id {gpon_client_id!r}",
                               "ONU_NOT_FOUND")
            self._dead += 1

    def load(self, records) -> int:
        """Create or replace many records at one instant (seeding: benchmarks, fixtures);
        the number written. Each is checked as a PUT; a repeated id keeps its last record."""
        batch = {}
        for values in records:
            values = dict(values)
            gpon_client_id = check_id(values.pop("gpon_client_id", None))
            batch[gpon_client_id] = check_values(values, partial=False)
        with self._lock:
            stamp = self._stamp()
            for gpon_client_id in sorted(batch):
                self._write(_new(gpon_client_id, batch[gpon_client_id]), stamp)
        return len(batch)

    def _stamp(self) -> str:
        stamp = self.clock.now_iso()
        if stamp <= self._last:
            stamp = iso(parse_iso(self._last) + dt.timedelta(milliseconds=1))
        self._last = stamp
        return stamp

    def _write(self, record: dict, stamp: str) -> None:
        record["updatedAt"] = stamp
        if record["gpon_client_id"] in self._records:
            self._dead += 1
        self._records[record["gpon_client_id"]] = record
        self._stamps.append(stamp)
        self._ids.append(record["gpon_client_id"])

    def page(self, updated_since: str | None = None, start: int = 0, limit: int = 100,
             gpon_client_id: str | None = None, after: str | None = None
             ) -> tuple[int, list[dict]]:
        """(total, records ``start`` .. ``start + limit``) of the records changed at or after
        ``updated_since`` (an ISO instant; None: all) — after the record ``after`` when given
        (with ``updated_since``: the key of the last record read) — in order; or of the one
        record of ``gpon_client_id``."""
        threshold = since(updated_since)
        if after is not None and threshold is None:
            raise Invalid("'after' needs 'updatedSince': together they are the key of the last "
                          "record read", "INVALID_PARAMETER", "after")
        with self._lock:
            if gpon_client_id is not None:
                record = self._records.get(gpon_client_id)
                found = [record] if record and (threshold is None or (
                    record["updatedAt"], gpon_client_id) > (threshold, after or "")) else []
                return len(found), [_copy(r) for r in found[start:start + limit]]
            if self._dead:
                self._compact()
            stamps, ids = self._stamps, self._ids
            first = bisect.bisect_left(stamps, threshold) if threshold else 0
            if after is not None:           # ids of one instant are in order: bisect them too
                first = bisect.bisect_right(ids, after, first,
                                            bisect.bisect_right(stamps, threshold, first))
            records = self._records
            return len(ids) - first, [_copy(records[i])
                                      for i in ids[first + start:first + start + limit]]

    def _compact(self) -> None:
        records = self._records
        live = [(stamp, i) for stamp, i in zip(self._stamps, self._ids)
                if i in records and records[i]["updatedAt"] == stamp]
        self._stamps = [stamp for stamp, _ in live]
        self._ids = [i for _, i in live]
        self._dead = 0


def _new(gpon_client_id: str, values: dict) -> dict:
    """A whole record from the checked values of a PUT (the ONU data defaults to "")."""
    return {"gpon_client_id": gpon_client_id, "power": values["power"],
            **{name: values.get(name, "") for name in ONU_FIELDS},
            "provisioning": values.get("provisioning")}


def _copy(record: dict) -> dict:
    out = dict(record)
    if out["provisioning"] is not None:
        out["provisioning"] = dict(out["provisioning"])
    return out
