"""OZloc: an ERP or CRM lets its user pick a box and a port on a map around a client's
address, and gets the reservation back.

A reservation is what ``POST /properties`` makes (``rules.clients.Properties.create``): a
property on the chosen splitter port with a new, not implanted client whose ``code`` is the
host system's client code (``cod_cli``). Every rule is checked before the first write, so a
refusal — the port taken meanwhile, a full or draft box, a code already in use — leaves
nothing behind.

Simulator decisions: with ``viabilityTags`` the box must carry one of them (as OZloc only
offers such boxes); ``integration_code`` is noted in the property's ``observation``.
"""
from __future__ import annotations

from ..core.errors import Invalid, RuleViolation
from ..core.world import ALL_ACCESS, locked
from .feasibility import carries, tag_ids
from .feasibility import radius as radius_feasibility


def _text(body: dict, name: str, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid(f"'{name}' is required", "MISSING_FIELD", name)
        return None
    if not isinstance(value, str):
        raise Invalid(f"'{name}' must be text", "INVALID_FIELD", name)
    return value.strip()


@locked
def reserve(world, body: dict, access=ALL_ACCESS) -> dict:
    """Reserve ``port`` of ``splitter`` in ``box`` for client ``cod_cli`` (named
    ``client_name``) at ``lat``/``lng`` and ``address``; answers {box, splitter, port,
    property, client}."""
    code = _text(body, "cod_cli", required=True)
    wanted = tag_ids(world, body.get("viabilityTags"))
    box = world.docs["boxes"].get(body.get("box"))
    if wanted is not None and box is not None and not carries(box, wanted):
        raise RuleViolation(f"box {box.get('name') or box['id']} carries none of the "
                            "viabilityTags", "BOX_NOT_OFFERED", "box")
    prop = {"box": body.get("box"), "connector": body.get("splitter"), "port": body.get("port"),
            "client": {"code": code, "name": _text(body, "client_name"), "implanted": False}}
    if body.get("lat") is not None or body.get("lng") is not None:
        prop["coords"] = [body.get("lng"), body.get("lat")]
    address = _text(body, "address")
    if address:
        prop["address"] = address
    integration = _text(body, "integration_code")
    if integration:
        prop["observation"] = f"OZloc: integração {integration}"
    doc = world.create("properties", prop, access)
    return {"box": doc["box"], "splitter": body.get("splitter"), "port": body.get("port"),
            "property": doc["id"], "client": doc["client"]}


@locked
def offer(world, lat, lng, radius=None, tags=None, access=ALL_ACCESS) -> dict:
    """The boxes OZloc offers around a point: the viable ones of feasibility by radius (only
    those carrying one of ``tags`` when given), nearest first, each with what OZloc shows —
    name, distance, box type, implantation, available ports per service splitter."""
    found = radius_feasibility(world, lat, lng, radius, access, tags)
    types = world.docs["box-types"]
    boxes = [{"id": b["id"], "name": b["name"], "distance": b["distance"],
              "boxType": (types.get(b["boxType"]) or {}).get("code"), "implanted": b["implanted"],
              "coords": b["coords"], "availablePorts": b["availablePorts"],
              "splitters": b["splitters"]} for b in found["viableBoxes"]]
    return {"lat": found["lat"], "lng": found["lng"], "radius": found["radius"], "boxes": boxes}
