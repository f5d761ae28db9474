"""INT6 calling OZmap: the splitters near a client, and provisioning an ONU on one of them.

Every call goes over OZmap's API (``Int6.ozmap()``: ``ozmapUrl`` or this simulator, with
``ozmapApiKey``), so INT6 works the same against this simulator and against a real OZmap.

**Nearby splitters** (``nearby``): OZmap's feasibility by radius (``GET
/ftth-viability/radius``) and of condominiums (``GET /ftth-viability/condominiums``) around
the client's point; every service splitter with an available port in a viable box, a viable
building, or a viable box of a gated community containing the point — nearest first. The
feasibility answers already list each box's service splitters and their free ports, so no
call per box is needed.

**Provisioning** (``provision``), in this order:

1. the client: ``GET /properties/client/:code`` (code = ``gpon_client_id``). Missing, it is
   created *not implanted* on the chosen port — ``POST /properties`` with ``connector``,
   ``port``, ``coords`` and an inline client ``{code}`` (or, when a client with that code
   exists without a property, that client) — so that OZmap can calculate its power. Present
   elsewhere, it is moved: ``PATCH /properties/:id {connector, port, coords}``;
2. the power check: ``GET /properties/client/:code/olt-pop`` gives the calculated power,
   OLT, slot and PON; ``power.check`` compares it with the ONU's reading;
3. authorised: ``PATCH /ftth-clients/:id {"implanted": true}``, and the ONU record keeps
   where it was provisioned. Refused: the client stays in OZmap, not implanted, on that port.

OZmap's refusals are INT6's: a rule OZmap applies (a port occupied, not a service splitter)
is a 422 carrying OZmap's code; OZmap unreachable or refusing INT6's key is a 502.
"""
from __future__ import annotations

import math
from urllib.parse import quote

from ...core.errors import BadGateway, RuleViolation
from ..remote import Remote, RemoteError
from ...ftth.readings import reading
from .power import check


def _call(ozmap: Remote, method: str, path: str, params=None, body=None):
    """One call to OZmap, its failures turned into INT6's answers."""
    try:
        return ozmap.call(method, path, params, body)
    except RemoteError as exc:
        if exc.status in (401, 403):
            raise BadGateway(f"OZmap refused INT6's API key: {exc.message}",
                             "OZMAP_UNAUTHORIZED") from exc
        if exc.status == 0 or exc.status >= 500 or exc.code == "MALFORMED_RESPONSE":
            raise BadGateway(f"OZmap did not answer: {exc}", "OZMAP_UNAVAILABLE") from exc
        raise RuleViolation(f"OZmap refused {method} {path}: {exc.message}",
                            exc.code or "OZMAP_REFUSED") from exc


def nearby(int6, lat: float, lng: float, radius: float | None = None) -> dict:
    """OZmap's service splitters with available ports near a point, nearest first."""
    ozmap = int6.ozmap()
    point = {"lat": lat, "lng": lng, **({"radius": radius} if radius is not None else {})}
    boxes = _call(ozmap, "GET", "/api/v2/ftth-viability/radius", point)
    condominiums = _call(ozmap, "GET", "/api/v2/ftth-viability/condominiums", point)
    found: dict[str, dict] = {}

    def add(holder: dict, condominium: dict | None = None) -> None:
        for splitter in holder.get("splitters") or ():
            if splitter["id"] in found:
                found[splitter["id"]]["condominium"] = found[splitter["id"]]["condominium"] \
                    or condominium
            elif splitter.get("availablePorts"):
                found[splitter["id"]] = {
                    "id": splitter["id"], "name": splitter.get("name"),
                    "availablePorts": list(splitter["availablePorts"]),
                    "distance": holder.get("distance"),
                    "box": {"id": holder["id"], "name": holder.get("name"),
                            "kind": holder.get("kind")},
                    "condominium": condominium, "lat": holder.get("lat"), "lng": holder.get("lng")}

    for box in boxes.get("viableBoxes") or ():
        add(box)
    for building in condominiums.get("buildings") or ():
        add(building)
    for gated in condominiums.get("horizontalCondominiums") or ():
        for box in gated.get("boxes") or ():
            if box.get("viable"):
                add(box, {"id": gated["id"], "name": gated.get("name")})
    splitters = sorted(found.values(), key=lambda s: (
        s["distance"] if s["distance"] is not None else math.inf, s["name"] or "", s["id"]))
    return {"lat": lat, "lng": lng, "radius": boxes.get("radius", radius), "splitters": splitters}


def provision(int6, gpon_client_id: str, splitter: str, port: int, lat: float,
              lng: float) -> dict:
    """Provision the ONU of ``gpon_client_id`` on ``splitter`` port ``port``, with the power
    check; what happened (``authorized`` and why not, the powers, the client in OZmap)."""
    record = int6.records.get(gpon_client_id)
    ozmap = int6.ozmap()
    code = quote(gpon_client_id, safe="")
    coords = [lng, lat]
    found = _call(ozmap, "GET", f"/api/v2/properties/client/{code}")
    created = False
    if found:
        prop = found[0]
        client = prop["client"]
        current = (prop.get("connections") or [{}])[0]
        if (current.get("id"), current.get("port"), prop.get("coords")) != (splitter, port, coords):
            _call(ozmap, "PATCH", f"/api/v2/properties/{prop['id']}",
                  body={"connector": splitter, "port": port, "coords": coords})
    else:
        loose = _call(ozmap, "GET", "/api/v2/ftth-clients", {"limit": 1}, {"filter": [
            {"property": "code", "operator": "=", "value": gpon_client_id}]})["rows"]
        client = loose[0] if loose else {"code": gpon_client_id, "implanted": False}
        prop = _call(ozmap, "POST", "/api/v2/properties", body={
            "connector": splitter, "port": port, "coords": coords,
            "client": client["id"] if loose else client})
        client = {**client, "id": prop["client"]}
        created = not loose
    trace = _call(ozmap, "GET", f"/api/v2/properties/client/{code}/olt-pop")
    verdict = check(record["power"], trace["potencyCalculated"], int6.settings)
    if verdict.authorized:
        if not client.get("implanted"):
            _call(ozmap, "PATCH", f"/api/v2/ftth-clients/{client['id']}", body={"implanted": True})
        where = {"splitter": splitter, "port": port, "lat": lat, "lng": lng}
        if record["provisioning"] != where:
            int6.records.patch(gpon_client_id, {"provisioning": where})
    return {"gpon_client_id": gpon_client_id, "authorized": verdict.authorized,
            "code": verdict.code, "reason": verdict.reason, "power": record["power"],
            "powerRead": reading(record["power"]), "powerCalculated": trace["potencyCalculated"],
            "difference": verdict.difference, "powerLimit": int6.settings["powerLimit"],
            "symmetric": int6.settings["symmetric"], "client": client["id"],
            "clientCreated": created, "property": prop["id"], "splitter": splitter, "port": port,
            "olt": trace["olt"], "slot": trace["slot"], "pon": trace["pon"]}
