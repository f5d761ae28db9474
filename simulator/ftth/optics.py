"""Calculated optical power (docs/optical-budget.md).

Power is traced upstream at read time from the current network, so it never goes stale:
from a fibre to the element holding it in an output position, through that element to the
fibre on its input, and so on until a PON. Losses on the way: each traversed cable (length
with slack × its type's dB/km), each splitter's attenuation at the output used (plus the
tenant's ``connectorLoss`` on connectorised outputs), each connector's and fusion's loss;
a drop adds the field connector (``dropConnectorLoss``). No PON reached → ``None``.
"""
from __future__ import annotations

from ..core.query import MISSING
from .cables import cable_type_loss
from .catalogue import WIRED
from .wiring import connection

JOINT_TYPES = {"connectors": ("connectorType", "connector-types"),
               "fusions": ("fusionType", "fusion-types")}


def element_loss(world, route: str, element: dict, output: int) -> float:
    """dB lost crossing ``element`` to its output position ``output`` (0-based)."""
    if route == "splitters":
        stype = world.docs["splitter-types"].get(element.get("splitterType")) or {}
        return splitter_loss(world, stype, element["attenuation"][output])
    if route in JOINT_TYPES:
        field, types = JOINT_TYPES[route]
        own = element.get("attenuation") or ()
        return own[0] if own else (world.docs[types].get(element.get(field)) or {}).get("loss", 0.0)
    return 0.0


def splitter_loss(world, splitter_type: dict, attenuation: float) -> float:
    """dB lost through one splitter output of ``attenuation`` dB: plus the tenant's
    ``connectorLoss`` when the type's outputs are connectorised (``outputConnectionType`` 1)."""
    connector = world.settings["connectorLoss"] if splitter_type.get("outputConnectionType") == 1 \
        else 0.0
    return attenuation + connector


def client_power(world, launch: float, loss: float) -> float:
    """Calculated power (dBm) at a client's ONU: launch power, less the losses from the PON to
    the end of the drop, less the field connector at the client (``dropConnectorLoss``)."""
    return round(launch - loss - world.settings["dropConnectorLoss"], 2)


def fiber_feed(world, fiber_id: str, seen: set | None = None, hops: list | None = None):
    """(PON, dB lost from the PON to the far end of this fibre), or None when unlit.
    ``hops``, when given, receives the path from the PON down to this fibre: the PON, then
    each element crossed and each cable followed, in order — as
    ``("pons", pon, None)``, ``(route, element, output index)`` and ``("cables", cable, fibre)``."""
    fiber = world.docs["fibers"].get(fiber_id)
    seen = set() if seen is None else seen
    for holder_id in fiber["connectors"] if fiber else ():
        source = _source(world, fiber_id, holder_id, seen, hops)
        if source is not None:
            cable = world.docs["cables"].get(fiber["parent"]) or {}
            if hops is not None:
                hops.append(("cables", cable, fiber))
            return source[0], source[1] + cable_type_loss(world, cable)
    return None


def _source(world, fiber_id: str, holder_id: str, seen: set, hops: list | None):
    """(PON, dB lost up to where the fibre starts) when ``holder_id`` lights it, else None."""
    route, holder = world.lookup(WIRED, holder_id)
    if route == "pons":
        if fiber_id not in holder["connectables"]:
            return None
        if hops is not None:
            hops.append(("pons", holder, None))
        return holder, 0.0
    outputs = holder["connectables"]["output"] if holder else ()
    if fiber_id not in outputs:
        return None
    feed = element_feed(world, route, holder, seen, hops)
    if feed is None:
        return None
    output = outputs.index(fiber_id)
    if hops is not None:
        hops.append((route, holder, output))
    return feed[0], feed[1] + element_loss(world, route, holder, output)


def element_feed(world, route: str, element: dict, seen: set | None = None,
                 hops: list | None = None):
    """(PON, dB lost from the PON to this element's input), or None when unlit."""
    seen = set() if seen is None else seen
    if element["id"] in seen:                 # a wiring loop never reaches a PON
        return None
    seen.add(element["id"])
    for fiber_id in element["connectables"]["input"]:
        if fiber_id:
            feed = fiber_feed(world, fiber_id, seen, hops)    # appends to hops only when lit
            if feed is not None:
                return feed
    return None


def launch_power(world, pon: dict) -> float:
    """The PON's ``potency`` (0 means unset), else the project's ``defaultPonPotency``, else
    its OLT type's ``defaultPotency``, else the tenant setting."""
    if pon.get("potency"):
        return pon["potency"]
    project = world.docs["projects"].get(pon.get("project")) or {}
    if project.get("defaultPonPotency") is not None:
        return project["defaultPonPotency"]
    slot = world.docs["slots"].get(pon.get("slot")) or {}
    olt = world.docs["olts"].get(slot.get("olt")) or {}
    olt_type = world.docs["olt-types"].get(olt.get("oltType")) or {}
    return olt_type.get("defaultPotency") or world.settings["defaultPonPotency"]


def splitter_output_power(world, splitter: dict, i: int) -> float | None:
    """Calculated power (dBm) at output ``i`` (0-based, port i+1) of a splitter."""
    feed = element_feed(world, "splitters", splitter)
    if feed is None:
        return None
    pon, loss = feed
    return round(launch_power(world, pon) - loss - element_loss(world, "splitters", splitter, i), 2)


def calculated_power(world, prop: dict, current: dict | None = MISSING) -> float | None:
    """Calculated power (dBm) at a property's ONU: through its drop, to a PON (``current``:
    the property's connection, when the caller has it)."""
    current = connection(world, prop) if current is MISSING else current
    feed = fiber_feed(world, current["fiber"]) if current else None
    if feed is None:
        return None
    pon, loss = feed
    return client_power(world, launch_power(world, pon), loss)


def equipment(world, pon: dict | None) -> dict | None:
    """{pop, olt, slot, pon} documents above a PON (None where the chain breaks)."""
    if pon is None:
        return None
    slot = world.docs["slots"].get(pon.get("slot"))
    olt = world.docs["olts"].get((slot or {}).get("olt"))
    pop = world.docs["pops"].get((olt or {}).get("parent")) or world.docs["pops"].get(pon.get("parent"))
    return {"pop": pop, "olt": olt, "slot": slot, "pon": pon}


def upstream(world, splitter: dict) -> dict | None:
    """{pop, olt, slot, pon} feeding a splitter, or None when it is not lit."""
    feed = element_feed(world, "splitters", splitter)
    return equipment(world, feed[0] if feed else None)


def splitter_report(world, splitter: dict) -> dict:
    """The read-only fields of a rendered splitter: olt/slot/pon ids and the power per output."""
    n = len(splitter["connectables"]["output"])
    feed = element_feed(world, "splitters", splitter)
    if feed is None:
        return {"olt": None, "slot": None, "pon": None, "currentPower": [None] * n,
                "installPower": [None] * n}
    pon, loss = feed
    up = equipment(world, pon)
    power = launch_power(world, pon) - loss
    return {**{k: up[k] and up[k]["id"] for k in ("olt", "slot", "pon")},
            "currentPower": [round(power - element_loss(world, "splitters", splitter, i), 2)
                             for i in range(n)],
            "installPower": [None] * n}
