"""Monitoring / provisioning (OLT managers, ONU provisioning systems) — Integrator's Guide.

Basic: client status update, customer optical power (single and batch).
Advanced: ONU data, PON port power of an OLT (olts → slots → pons, ``PATCH potency``),
read-vs-calculated comparison (refuses provisioning when the read power is more than N dB
worse than OZmap's calculated power), CTO/splitter/port availability at a location,
customer creation, update customer data, deployment, cancellation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..client import Document, OZmapClient
from . import erp
from .common import (Customer, FlowError, Reservation, customer, free_ports, ids_filter,
                     property_of, ref_id, splitters_of, status_value)

DEFAULT_TOLERANCE_DB = 2.0

# Features shared with the ERP, under the Guide's monitoring names.
update_customer_data = erp.update_customer_data
deploy_customer = erp.deploy_customer
cancel_customer = erp.remove_customer
update_optical_power = erp.update_optical_power


def update_status(api: OZmapClient, code: str, online: bool | int | str) -> Customer:
    """Client status update from the ONU state: online → OK (0), offline/LOS → ERROR (1)."""
    return erp.update_status(api, code, status_value(online))


# ---- optical power, batch --------------------------------------------------------------------
@dataclass
class BatchPower:
    updated: int
    requests: int
    missing: list[str]


def update_optical_power_batch(api: OZmapClient, readings: Mapping[str, float | None]
                               ) -> BatchPower:
    """Read power of many customers at once: codes → clients → properties, then one
    ``POST /properties/batch-update`` per distinct value (``null`` clears readings)."""
    codes = list(readings)
    clients = list(api.find_all("ftth-clients", ids_filter("code", codes))) if codes else []
    code_of = {str(c["id"]): str(c.get("code")) for c in clients}
    props = list(api.find_all("properties", ids_filter("client", list(code_of)))) \
        if code_of else []
    groups: dict[float | None, list[str]] = {}
    found: set[str] = set()
    for prop in props:
        code = code_of.get(str(ref_id(prop.get("client"))))
        if code is None:
            continue
        found.add(code)
        value = readings[code]
        groups.setdefault(None if value is None else float(value), []).append(str(prop["id"]))
    for value, ids in groups.items():
        api.batch_update("properties", ids_filter("id", ids), {"potencyRead": value})
    return BatchPower(updated=sum(len(v) for v in groups.values()), requests=len(groups),
                      missing=[c for c in codes if c not in found])


# ---- ONU data --------------------------------------------------------------------------------
def update_onu(api: OZmapClient, code: str, *, serial_number: str | None = None,
               mac_address: str | None = None, user_pppoe: str | None = None) -> Customer:
    """ONU data update (MAC, PPPoE user, serial) on the client; all three are sent, like the SDK."""
    prop = property_of(api, code)
    current = dict((prop.get("client") or {}).get("onu") or {})
    onu = {"user_PPPoE": current.get("user_PPPoE", ""),
           "serial_number": current.get("serial_number", ""),
           "mac_address": current.get("mac_address", "")}
    for key, value in (("serial_number", serial_number), ("mac_address", mac_address),
                       ("user_PPPoE", user_pppoe)):
        if value is not None:
            onu[key] = value
    api.update("ftth-clients", str(ref_id(prop.get("client"))), {"onu": onu})
    return customer(api, code)


# ---- PON port power of an OLT ----------------------------------------------------------------
@dataclass
class PonPower:
    id: str
    name: str | None
    slot: str
    potency: float


@dataclass
class PonPowerUpdate:
    olt: str
    olt_name: str | None
    pons: list[PonPower]


def find_olt(api: OZmapClient, olt: str) -> Document:
    """An OLT by name, IP or id."""
    for prop in ("name", "ip", "id"):
        if prop == "id" and (len(olt) != 24 or any(ch not in "0123456789abcdef" for ch in olt)):
            continue
        rows = api.find("olts", [{"property": prop, "operator": "=", "value": olt}], limit=1).rows
        if rows:
            return rows[0]
    raise FlowError("NOT_FOUND", f"no OLT named {olt!r}")


def pons_of(api: OZmapClient, olt_doc: Mapping[str, Any]) -> list[tuple[Document, Document]]:
    """(slot, pon) pairs of an OLT: slot ids from its ``connectables``, PON ids from each slot."""
    slot_ids = [ref_id(s) for s in olt_doc.get("connectables") or []]
    slots = [s for s in (api.get("slots", str(i)) for i in slot_ids if i) if s]
    if not slots:
        slots = list(api.find_all("slots", [{"property": "olt", "operator": "=",
                                             "value": olt_doc["id"]}]))
    pairs = []
    for slot in slots:
        pon_ids = [ref_id(p) for p in slot.get("connectables") or []]
        pons = [p for p in (api.get("pons", str(i)) for i in pon_ids if i) if p]
        if not pons:
            pons = list(api.find_all("pons", [{"property": "slot", "operator": "=",
                                               "value": slot["id"]}]))
        pairs += [(slot, pon) for pon in pons]
    return pairs


def update_pon_power(api: OZmapClient, olt: str, potency: float | Mapping[str, float]
                     ) -> PonPowerUpdate:
    """PON port power update: ``potency`` for every PON of the OLT, or per PON name
    (``{"PON 1": 4.5}`` or ``{"Slot 1/PON 1": 4.5}``)."""
    olt_doc = find_olt(api, olt)
    updated = []
    for slot, pon in pons_of(api, olt_doc):
        if isinstance(potency, Mapping):
            value = potency.get(f"{slot.get('name')}/{pon.get('name')}",
                                potency.get(str(pon.get("name"))))
            if value is None:
                continue
        else:
            value = potency
        api.update("pons", str(pon["id"]), {"potency": float(value)})
        updated.append(PonPower(id=str(pon["id"]), name=pon.get("name"), slot=str(slot["id"]),
                                potency=float(value)))
    if isinstance(potency, Mapping) and not updated:
        raise FlowError("NOT_FOUND", f"no PON of {olt!r} matches {sorted(potency)}")
    return PonPowerUpdate(olt=str(olt_doc["id"]), olt_name=olt_doc.get("name"), pons=updated)


# ---- read vs calculated ----------------------------------------------------------------------
@dataclass
class PowerCheck:
    code: str
    read: float | None
    calculated: float | None
    delta: float | None               # read − calculated (negative: worse than calculated)
    tolerance: float
    verdict: str                      # ok | too-low | too-high | no-reading | no-calculation
    ok: bool
    pon: dict[str, Any] | None = None
    slot: dict[str, Any] | None = None
    olt: dict[str, Any] | None = None


def compare_power(api: OZmapClient, code: str, tolerance_db: float = DEFAULT_TOLERANCE_DB,
                  tolerance_better_db: float | None = None) -> PowerCheck:
    """Read power (``properties/client/:code``) versus calculated power (``…/olt-pop``).

    ``too-low`` when read < calculated − ``tolerance_db``; ``too-high`` (a documentation error)
    when ``tolerance_better_db`` is set and read > calculated + it. 0 dBm means "no reading".
    """
    prop = property_of(api, code)
    read = prop.get("potencyRead")
    trace = api.olt_pop(code)
    calculated = trace.get("potencyCalculated")
    if read is None or read == 0:
        verdict, delta = "no-reading", None
    elif calculated is None:
        verdict, delta = "no-calculation", None
    else:
        delta = round(float(read) - float(calculated), 3)
        if delta < -tolerance_db:
            verdict = "too-low"
        elif tolerance_better_db is not None and delta > tolerance_better_db:
            verdict = "too-high"
        else:
            verdict = "ok"
    return PowerCheck(code=code, read=read, calculated=calculated, delta=delta,
                      tolerance=tolerance_db, verdict=verdict, ok=verdict == "ok",
                      pon=_named(trace.get("pon")), slot=_named(trace.get("slot")),
                      olt=_named(trace.get("olt")))


def _named(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return dict(value) if value else None


@dataclass
class Provisioning:
    code: str
    provisioned: bool
    reason: str | None
    check: PowerCheck
    customer: Customer


def provision(api: OZmapClient, code: str, read_potency: float, *,
              tolerance_db: float = DEFAULT_TOLERANCE_DB, serial_number: str | None = None,
              mac_address: str | None = None, user_pppoe: str | None = None,
              require_calculation: bool = False, flag_refusal: bool = True) -> Provisioning:
    """Provision an ONU for a reserved customer, guarded by the power comparison.

    Writes the reading, compares it with the calculated power and refuses (no ONU data, not
    implanted; status ERROR when ``flag_refusal``) when it is more than ``tolerance_db`` worse.
    Otherwise writes the ONU data and implants the client with status OK.
    """
    erp.update_optical_power(api, code, read_potency)
    check = compare_power(api, code, tolerance_db)
    refuse = (check.verdict == "too-low"
              or (require_calculation and check.verdict == "no-calculation")
              or check.verdict == "no-reading")
    prop = property_of(api, code)
    client_id = str(ref_id(prop.get("client")))
    if refuse:
        if flag_refusal:
            api.update("ftth-clients", client_id, {"status": 1})
        reason = (f"read {check.read} dBm is {abs(check.delta or 0):.2f} dB worse than the "
                  f"calculated {check.calculated} dBm (tolerance {tolerance_db} dB)"
                  if check.verdict == "too-low" else check.verdict)
        return Provisioning(code=code, provisioned=False, reason=reason, check=check,
                            customer=customer(api, code))
    if serial_number or mac_address or user_pppoe:
        update_onu(api, code, serial_number=serial_number, mac_address=mac_address,
                   user_pppoe=user_pppoe)
    api.update("ftth-clients", client_id, {"implanted": True, "status": 0})
    return Provisioning(code=code, provisioned=True, reason=None, check=check,
                        customer=customer(api, code))


# ---- CTO / splitter / port availability ------------------------------------------------------
@dataclass
class SplitterPorts:
    id: str
    name: str | None
    free_ports: list[int]


@dataclass
class BoxAvailability:
    id: str
    name: str | None
    distance: float | None
    free_ports: int
    splitters: list[SplitterPorts]
    feasibility_ports: int          # availablePorts as reported by the feasibility route


@dataclass
class Availability:
    lat: float
    lng: float
    boxes: list[BoxAvailability] = field(default_factory=list)
    total_free_ports: int = 0


def find_availability(api: OZmapClient, lat: float, lng: float,
                      radius: float | None = None) -> Availability:
    """Available CTOs, splitters and ports at a location: feasibility by radius, then the
    splitters of each viable box (``filter parent``) and their free, unblocked outputs."""
    result = api.feasibility_radius(lat, lng, radius)
    availability = Availability(lat=lat, lng=lng)
    for item in result.get("viableBoxes") or []:
        splitters = [SplitterPorts(id=str(s["id"]), name=s.get("name"), free_ports=free_ports(s))
                     for s in splitters_of(api, str(item["id"]))]
        availability.boxes.append(BoxAvailability(
            id=str(item["id"]), name=item.get("name"), distance=item.get("distance"),
            free_ports=sum(len(s.free_ports) for s in splitters),
            splitters=[s for s in splitters if s.free_ports],
            feasibility_ports=int(item.get("availablePorts") or 0)))
    availability.total_free_ports = sum(b.free_ports for b in availability.boxes)
    return availability


# ---- customer creation -----------------------------------------------------------------------
def create_customer(api: OZmapClient, code: str, *, box: str | None = None,
                    splitter: str | None = None, port: int | None = None,
                    lat: float | None = None, lng: float | None = None,
                    name: str | None = None, serial_number: str = "",
                    mac_address: str = "", user_pppoe: str = "",
                    implanted: bool = True) -> Reservation:
    """Customer creation for a newly provisioned ONU: property + implanted client with ONU data."""
    return erp.reserve_port(api, code, box=box, splitter=splitter, port=port, lat=lat, lng=lng,
                            name=name, implanted=implanted,
                            onu={"serial_number": serial_number, "mac_address": mac_address,
                                 "user_PPPoE": user_pppoe})


__all__ = ["update_status", "update_optical_power", "update_optical_power_batch", "BatchPower",
           "update_onu", "find_olt", "pons_of", "update_pon_power", "PonPower",
           "PonPowerUpdate", "compare_power", "PowerCheck", "provision", "Provisioning",
           "find_availability", "Availability", "BoxAvailability", "SplitterPorts",
           "create_customer", "update_customer_data", "deploy_customer", "cancel_customer",
           "DEFAULT_TOLERANCE_DB"]
