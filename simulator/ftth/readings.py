"""Readings of an OLT manager applied to OZmap's clients: what OZmap does with the power and
ONU data its INT6 integration brings every 10 minutes (docs/int6.md, "The pull").

What a reading is (``reading``): a finite, non-zero number, or a string spelling one
(``"-21.4"``, ``" -21.4 "``, ``"-2.14e1"``). Anything else is *no reading*: a text such as
``"LOS"`` or ``"offline"``, ``0``, NaN, an infinity, a boolean, null.

The rules (``plan``), for the client whose ``code`` is the reading's and its property:

* a reading → the property's ``potencyRead`` = the reading, the client's ``status`` = 0
  (OK), and a client not implanted becomes implanted;
* no reading → ``status`` = 1 (ERROR) and ``potencyRead`` = null; a reading never turns an
  implanted client back into not implanted;
* the ONU data given — ``serial_number``, ``user_PPPoE``, ``mac_address`` — replaces the
  client's, field by field;
* only what differs is written, so applying the same reading twice changes nothing, the
  documents' ``updatedAt`` included.

``apply(world, readings)`` decides for ``CHUNK`` clients at a time under the world lock,
then writes grouped by the values written — the batch update of clients per (status,
implanted) pair and of properties per ``potencyRead`` value (``properties.batch_update``, what
``POST /<route>/batch-update`` does) — and updates each client whose ONU data changed;
between two holds of the lock, requests waiting for it get it.
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field

from ..core.errors import DomainError
from ..core.query import MISSING
from .properties import batch_update

ONU_FIELDS = ("serial_number", "user_PPPoE", "mac_address")
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
CHUNK = 500             # clients decided, or ids written, per hold of the world lock
YIELD_EVERY = 0.005     # seconds of work between two chances for the requests waiting
REFUSALS_SHOWN = 20     # per-client refusals kept in a summary


def reading(power) -> float | None:
    """The reading in dBm, or None when ``power`` is no reading."""
    if isinstance(power, str):
        text = power.strip()
        power = text if NUMBER.fullmatch(text) else None
    if power is None or isinstance(power, bool) or not isinstance(power, (int, float, str)):
        return None
    try:
        value = float(power)
    except OverflowError:                       # an integer beyond a double
        return None
    return value if math.isfinite(value) and value != 0 else None


@dataclass
class Plan:
    """What one reading asks of one client and its property."""
    client: dict = field(default_factory=dict)     # status / implanted: batch-updatable
    onu: dict | None = None                        # the client's new ONU data, when it changes
    potency: object = MISSING                      # the property's new potencyRead, if any


def plan(values: dict, client: dict, prop: dict | None) -> Plan:
    """The writes the rules ask for, given the reading (``power`` and ONU data), the client
    and its property as they are."""
    value = reading(values.get("power"))
    out = Plan()
    status = 0 if value is not None else 1
    if client.get("status") != status:
        out.client["status"] = status
    if value is not None and client.get("implanted") is False:
        out.client["implanted"] = True
    current = client.get("onu") or {}
    onu = {name: values[name] for name in ONU_FIELDS if isinstance(values.get(name), str)}
    if any(current.get(name) != text for name, text in onu.items()):
        out.onu = {**current, **onu}
    if prop is not None and prop.get("potencyRead", MISSING) != value:
        out.potency = value
    return out


class _Pace:
    """Called between two holds of the world lock: every ``YIELD_EVERY`` seconds of work, a
    thread switch, so that requests waiting for the lock get it (a released lock is
    otherwise taken back at once by the thread that released it)."""

    def __init__(self):
        self.last = time.perf_counter()

    def __call__(self) -> None:
        if time.perf_counter() - self.last >= YIELD_EVERY:
            time.sleep(0)
            self.last = time.perf_counter()


def apply(world, readings: dict[str, dict]) -> dict:
    """Apply ``{client code: {power, serial_number?, user_PPPoE?, mac_address?}}``; what
    changed: ``clients`` matched, ``unknown`` codes, ``status`` set to OK / ERROR,
    ``implanted``, ``onu``, ``potencyRead`` written, and the ``refused`` client updates."""
    summary = {"clients": 0, "unknown": 0, "status": {"OK": 0, "ERROR": 0}, "implanted": 0,
               "onu": 0, "potencyRead": 0, "refused": []}
    client_updates: dict[tuple, list[str]] = {}
    potencies: dict[object, list[str]] = {}
    onus: list[tuple[str, dict]] = []
    codes, pace = list(readings), _Pace()
    for start in range(0, len(codes), CHUNK):       # decide, a chunk per hold of the lock
        with world.lock:
            for code in codes[start:start + CHUNK]:
                client, prop = _customer(world, code)
                if client is None:
                    summary["unknown"] += 1
                    continue
                summary["clients"] += 1
                wanted = plan(readings[code], client, prop)
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
            if len(summary["refused"]) < REFUSALS_SHOWN:
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
    """The batch update of ``route`` (``POST /<route>/batch-update``), ``CHUNK`` ids at a time."""
    for start in range(0, len(ids), CHUNK):
        batch_update(world, route, [{"property": "id", "operator": "in",
                                     "value": ids[start:start + CHUNK]}], changes)
        pace()
