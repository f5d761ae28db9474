"""INT6, the OLT manager, next to OZmap: its integration set up, its ONU readings, the
splitters it offers for provisioning, the provisioning with its power check, and OZmap's
10-minute pull of its readings.

INT6's own routes (``/int6``) are called over HTTP with the integration's e-mail and token
(HTTP Basic), on the same server and session as the typed client ``api``; the integration,
the ONU records and the pull are driven through the simulator's control plane
(``/__ozsim/integrations/int6``, ``/__ozsim/int6/onus``, ``/__ozsim/jobs``), so these flows
need it. INT6's refusals raise ``OZmapError`` subclasses carrying INT6's ``{message, code}``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..client import OZmapClient
from .common import FlowError

PULL_JOB = "int6-pull"


# ---- typed results ---------------------------------------------------------------------------
@dataclass
class Integration:
    enabled: bool
    url: str | None
    email: str
    ozmap_url: str | None
    allowlist: list[str] | None
    watermark: dict[str, str] | None       # the key of the last record the pull applied

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "Integration":
        return cls(body["enabled"], body["url"], body["email"], body["ozmapUrl"],
                   body["allowlist"], body["watermark"])


@dataclass
class OnuRecord:
    gpon_client_id: str
    power: float | str
    serial_number: str
    user_pppoe: str
    mac_address: str
    provisioning: dict[str, Any] | None
    updated_at: str

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "OnuRecord":
        return cls(body["gpon_client_id"], body["power"], body["serial_number"],
                   body["user_PPPoE"], body["mac_address"], body["provisioning"],
                   body["updatedAt"])


@dataclass
class Provisioning:
    """INT6's answer: whether the activation was authorised, and why not."""
    gpon_client_id: str
    authorized: bool
    code: str | None
    reason: str | None
    power_read: float | None
    power_calculated: float | None
    difference: float | None
    client: str
    client_created: bool
    property: str
    splitter: str
    port: int
    olt: dict[str, Any] | None
    pon: dict[str, Any] | None

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "Provisioning":
        return cls(body["gpon_client_id"], body["authorized"], body["code"], body["reason"],
                   body["powerRead"], body["powerCalculated"], body["difference"], body["client"],
                   body["clientCreated"], body["property"], body["splitter"], body["port"],
                   body["olt"], body["pon"])


@dataclass
class PullRun:
    """One run of OZmap's pull: its log entry (``changed`` is None when it failed)."""
    ok: bool
    at: str
    trigger: str
    error: str | None
    changed: dict[str, Any] | None = field(default=None)


# ---- plumbing --------------------------------------------------------------------------------
def _int6(api: OZmapClient, email: str, token: str, method: str, path: str,
          query: dict[str, Any] | None = None, body: Any = None) -> Any:
    """One call to INT6's API on ``api``'s server; its JSON answer, or ``OZmapError``."""
    response = api.session.request(method, f"{api.base_url}/int6/{path}", params=query,
                                   json=body, auth=(email, token), timeout=api.timeout)
    if response.status_code >= 400:
        raise api.error(response)
    return response.json()


# ---- the integration and INT6's readings (control plane) -------------------------------------
def connect(api: OZmapClient, email: str, token: str, url: str | None = None,
            ozmap_url: str | None = None, ozmap_api_key: str | None = None,
            allowlist: list[str] | None = None, enabled: bool = True) -> Integration:
    """Set the tenant's INT6 integration (the data OZmap's integration form asks for: INT6's
    URL, e-mail, token, the OZmap API key; plus INT6's IP allowlist). ``url`` None: this
    simulator's INT6; ``enabled`` schedules OZmap's pull every 10 minutes."""
    return Integration.from_json(api.call("PUT", "/__ozsim/integrations/int6", None, {
        "enabled": enabled, "url": url, "email": email, "token": token, "ozmapUrl": ozmap_url,
        "ozmapApiKey": ozmap_api_key, "allowlist": allowlist}))


def set_onu(api: OZmapClient, gpon_client_id: str, power: float | str,
            serial_number: str = "", user_pppoe: str = "", mac_address: str = "") -> OnuRecord:
    """Create or replace INT6's record of an ONU: its reading (dBm, 0, or "LOS"/"offline")
    and its data."""
    return OnuRecord.from_json(api.call(
        "PUT", f"/__ozsim/int6/onus/{quote(gpon_client_id, safe='')}", None,
        {"power": power, "serial_number": serial_number, "user_PPPoE": user_pppoe,
         "mac_address": mac_address}))


def read_onu(api: OZmapClient, email: str, token: str, gpon_client_id: str) -> OnuRecord:
    """INT6's record of an ONU, as its API answers it."""
    return OnuRecord.from_json(_int6(api, email, token, "GET",
                                     f"onus/{quote(gpon_client_id, safe='')}"))


# ---- INT6's own functions ---------------------------------------------------------------------
def settings(api: OZmapClient, email: str, token: str, power_limit: float | None = None,
             symmetric: bool | None = None, allow_uncalculated: bool | None = None
             ) -> dict[str, Any]:
    """INT6's power-check settings, after changing those given."""
    changes = {k: v for k, v in (("powerLimit", power_limit), ("symmetric", symmetric),
                                 ("allowUncalculated", allow_uncalculated)) if v is not None}
    if not changes:
        return dict(_int6(api, email, token, "GET", "settings"))
    return dict(_int6(api, email, token, "PATCH", "settings", body=changes))


def nearby(api: OZmapClient, email: str, token: str, lat: float, lng: float,
           radius: float | None = None) -> dict[str, Any]:
    """The OZmap splitters INT6 offers for provisioning near a point (nearest first)."""
    query = {"lat": lat, "lng": lng, **({"radius": radius} if radius is not None else {})}
    return dict(_int6(api, email, token, "GET", "splitters/nearby", query))


def provision(api: OZmapClient, email: str, token: str, gpon_client_id: str,
              splitter: str | None = None, port: int | None = None, lat: float | None = None,
              lng: float | None = None) -> Provisioning:
    """Provision an ONU on a splitter port, with INT6's power check. Without ``splitter``,
    the nearest splitter INT6 offers around (lat, lng) and its first available port."""
    if splitter is None:
        if lat is None or lng is None:
            raise FlowError("MISSING", "provision needs splitter and port, or lat and lng")
        offered = nearby(api, email, token, lat, lng)["splitters"]
        if not offered:
            raise FlowError("NOT_VIABLE", f"INT6 offers no splitter near ({lat}, {lng})")
        splitter, port = offered[0]["id"], offered[0]["availablePorts"][0]
        lat, lng = offered[0]["lat"], offered[0]["lng"]
    return Provisioning.from_json(_int6(api, email, token, "POST", "provisioning", body={
        "gpon_client_id": gpon_client_id, "splitter": splitter, "port": port, "lat": lat,
        "lng": lng}))


# ---- OZmap's pull ---------------------------------------------------------------------------
def pull(api: OZmapClient) -> PullRun:
    """Run OZmap's pull from INT6 now (outside its 10-minute schedule)."""
    return _run(api.call("POST", f"/__ozsim/jobs/{PULL_JOB}/run"))


def last_pull(api: OZmapClient) -> PullRun:
    """The latest run of the pull (after a clock advance, say)."""
    for job in api.call("GET", "/__ozsim/jobs")["jobs"]:
        if job["name"] == PULL_JOB and job["log"]:
            return _run(job["log"][0])
    raise FlowError("NOT_FOUND", "OZmap's INT6 pull has not run")


def _run(entry: dict[str, Any]) -> PullRun:
    return PullRun(entry["ok"], entry["at"], entry["trigger"], entry["error"], entry["changed"])


__all__ = ["connect", "set_onu", "read_onu", "settings", "nearby", "provision", "pull",
           "last_pull", "Integration", "OnuRecord", "Provisioning", "PullRun"]
