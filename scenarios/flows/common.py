"""What every integrator needs: a customer by code, a splitter's free ports, typed results.

OZmap represents a customer as a **client** (the person/contract, ``ftth-clients``) plus a
**property** (the premises that occupies the splitter port, ``properties``). Integrations key
everything on the client ``code`` (the ERP contract code); ``GET /properties/client/:code``
resolves it to the property with its client populated.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ..client import Document, OZmapClient


class FlowError(Exception):
    """A flow refused to go on: ``reason`` is a machine word (``NOT_VIABLE``, ``NOT_FOUND``…)."""

    def __init__(self, reason: str, message: str, **details: Any):
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "message": self.message, **self.details}


# ---- typed results ---------------------------------------------------------------------------
@dataclass
class Customer:
    """A customer as OZmap sees it: client + property + where the property is connected."""

    code: str
    client: str
    property: str
    implanted: bool
    status: int
    name: str | None = None
    box: str | None = None
    splitter: str | None = None
    port: int | None = None
    drop: str | None = None
    potency_read: float | None = None
    lat: float | None = None
    lng: float | None = None
    onu: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reservation:
    """A port reservation: a property with a not-implanted client, connected to a port."""

    code: str
    client: str
    property: str
    box: str | None
    splitter: str | None
    port: int | None
    drop: str | None
    implanted: bool


@dataclass
class Removal:
    """What a removal freed."""

    code: str
    client: str
    property: str
    box: str | None
    splitter: str | None
    port: int | None
    was_implanted: bool


# ---- helpers ---------------------------------------------------------------------------------
def ref_id(value: Any) -> str | None:
    """An id from a reference that may be populated (``{"id": …}``) or plain."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        raw = value.get("id") or value.get("_id")
        return str(raw) if raw is not None else None
    return str(value)


def connection_of(prop: Mapping[str, Any]) -> tuple[str | None, int | None]:
    """(splitter id, 1-based port) of a property, from its ``connections[]``."""
    for conn in prop.get("connections") or []:
        if conn and conn.get("port") is not None:
            return ref_id(conn.get("id")), int(conn["port"])
    return None, None


def customer_from(prop: Mapping[str, Any], client_doc: Mapping[str, Any] | None = None
                  ) -> Customer:
    cli = client_doc if client_doc is not None else prop.get("client")
    if not isinstance(cli, Mapping):
        raise FlowError("NO_CLIENT", f"property {prop.get('id')} has no client")
    splitter, port = connection_of(prop)
    return Customer(code=str(cli.get("code")), client=str(ref_id(cli)),
                    property=str(prop.get("id")), implanted=bool(cli.get("implanted")),
                    status=int(cli.get("status") or 0), name=cli.get("name"),
                    box=ref_id(prop.get("box")), splitter=splitter, port=port,
                    drop=ref_id(prop.get("drop")), potency_read=prop.get("potencyRead"),
                    lat=prop.get("lat"), lng=prop.get("lng"), onu=dict(cli.get("onu") or {}))


def property_of(api: OZmapClient, code: str) -> Document:
    """The property of a client code (client populated); ``FlowError NOT_FOUND`` when none."""
    rows = api.properties_by_client_code(code)
    if not rows:
        raise FlowError("NOT_FOUND", f"no customer with code {code!r}", code=code)
    return rows[0]


def customer(api: OZmapClient, code: str) -> Customer:
    """The customer of a code, as it is now."""
    return customer_from(property_of(api, code))


def status_value(status: int | str | bool) -> int:
    """``0``/``"OK"``/``True`` (online) → 0; ``1``/``"ERROR"``/``False`` (offline) → 1."""
    if isinstance(status, bool):
        return 0 if status else 1
    if isinstance(status, str):
        word = status.strip().upper()
        if word in ("OK", "ONLINE", "0"):
            return 0
        if word in ("ERROR", "OFFLINE", "LOS", "1"):
            return 1
        raise ValueError(f"unknown status {status!r}")
    if status in (0, 1):
        return int(status)
    raise ValueError(f"unknown status {status!r}")


def free_ports(splitter: Mapping[str, Any]) -> list[int]:
    """1-based output ports whose ``connectables.output`` entry is null and that are not blocked."""
    outputs = (splitter.get("connectables") or {}).get("output") or []
    ports = splitter.get("ports") or []
    free = []
    for i, fiber in enumerate(outputs):
        blocked = bool(ports[i].get("blocked")) if i < len(ports) and ports[i] else False
        if fiber is None and not blocked:
            free.append(i + 1)
    return free


def splitters_of(api: OZmapClient, parent: str, service_only: bool = True) -> list[Document]:
    """The splitters in a box or building (``filter parent = <id>``), service ones by default."""
    rows = list(api.find_all("splitters", [{"property": "parent", "operator": "=",
                                            "value": parent}]))
    if service_only:
        rows = [r for r in rows if r.get("isDrop") is True]
    return sorted(rows, key=lambda r: (r.get("index") if r.get("index") is not None else 1e9,
                                       r.get("createdAt") or "", r.get("id")))


def box_free_ports(api: OZmapClient, box: str) -> int:
    return sum(len(free_ports(s)) for s in splitters_of(api, box))


def ids_filter(prop: str, ids: Iterable[str]) -> list[dict[str, Any]]:
    return [{"property": prop, "operator": "in", "value": list(ids)}]


EARTH_RADIUS_M = 6_371_008.8


def offset(lat: float, lng: float, east_m: float = 0.0, north_m: float = 0.0
           ) -> tuple[float, float]:
    """The point ``east_m``/``north_m`` metres away from (lat, lng): (lat, lng)."""
    dlat = math.degrees(north_m / EARTH_RADIUS_M)
    dlng = math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
    return round(lat + dlat, 7), round(lng + dlng, 7)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


__all__ = ["FlowError", "Customer", "Reservation", "Removal", "ref_id", "connection_of",
           "customer_from", "property_of", "customer", "status_value", "free_ports",
           "splitters_of", "box_free_ports", "ids_filter", "offset", "distance_m"]
