"""A tenant's INT6 and its integration with the tenant's OZmap.

``of(world)`` is the tenant's INT6: its ONU records, its settings, and — once
``configure`` has run — the integration, which OZmap's help centre describes as the data
given to the OZmap team: INT6's URL, an e-mail and a token to access it, and an OZmap API
key; plus the IP allowlist INT6 applies to its callers. Here:

* ``url`` — where OZmap's pull finds INT6's API (``<url>/int6/onus``); null: this simulator;
* ``email``, ``token`` — what the pull sends (HTTP Basic), and what INT6's own API accepts:
  it finds the tenant by them (``authenticate``); unique per pair across tenants;
* ``ozmapUrl``, ``ozmapApiKey`` — where and with which key INT6 calls OZmap (nearby
  splitters, provisioning); null: this simulator, with the key that configured the
  integration;
* ``allowlist`` — addresses or networks (CIDR) allowed to call INT6's API; null or empty:
  everybody (the default); otherwise other callers get 403;
* ``enabled`` — whether OZmap's ``int6-pull`` job is scheduled (every 600 simulated s).

The pull is OZmap's side of the integration: it calls INT6 over HTTP and writes into this
tenant's own OZmap world, as OZmap's job writes its own database. The integration, the
records and the settings live in ``world.extensions``: a tenant reset drops them with the
world, jobs included.
"""
from __future__ import annotations

import base64
import hmac
import ipaddress
import re
import threading
from typing import Callable

import requests

from ...core.errors import Forbidden, Invalid, NotFound, RuleViolation, Unauthorized
from ...core.jobs import Job
from ..remote import Remote, base_url, connect
from . import pull
from .fields import check_object
from .power import DEFAULT_SETTINGS, check_settings
from .records import OnuRecords

NAME = "int6"
PULL_JOB = "int6-pull"
PULL_EVERY = 600.0               # seconds: "os clientes são atualizados a cada 10 minutos"
FIELDS = ("enabled", "url", "email", "token", "ozmapUrl", "ozmapApiKey", "allowlist")
EMAIL = re.compile(r"[^:@\s]+@[^:@\s]+")     # also an HTTP Basic user name: no colon
_CONFIGURING = threading.Lock()  # credentials stay unique across tenants


class Int6:
    """One tenant's INT6: records, settings, and the integration (None until configured)."""

    def __init__(self, world):
        self.world = world
        self.records = OnuRecords(world.clock)
        self.settings = dict(DEFAULT_SETTINGS)
        self.config: dict | None = None
        self.watermark: dict | None = None          # the pull's: {updatedAt, gpon_client_id}
        #                                             of the last record it applied
        self.local: Callable[[], requests.Session] | None = None   # this simulator, in-process
        self._lock = threading.Lock()

    # ---- INT6's own settings ------------------------------------------------------------
    def change_settings(self, patch) -> dict:
        changes = check_settings(patch)
        with self._lock:
            self.settings.update(changes)
            return dict(self.settings)

    # ---- who may call INT6 ---------------------------------------------------------------
    def admits(self, email: str, token: str) -> bool:
        config = self.config
        return config is not None and config["email"] == email and \
            hmac.compare_digest(config["token"].encode(), token.encode())

    def check_address(self, address: str | None) -> None:
        allowlist = self.config["allowlist"] if self.config else None
        if not allowlist:
            return
        try:
            caller = ipaddress.ip_address(address or "")
        except ValueError:
            caller = None
        if caller is None or not any(caller in ipaddress.ip_network(n) for n in allowlist):
            raise Forbidden(f"address {address} is not in INT6's IP allowlist", "IP_NOT_ALLOWED")

    # ---- the other side ------------------------------------------------------------------
    def ozmap(self) -> Remote:
        """OZmap as INT6 reaches it: ``ozmapUrl`` (or this simulator) with ``ozmapApiKey``."""
        config = self._configured()
        return connect("OZmap", config["ozmapUrl"], self.local,
                       {"Authorization": config["ozmapApiKey"]})

    def api(self) -> Remote:
        """INT6's API as OZmap's pull reaches it: ``url`` (or this simulator), e-mail and token."""
        config = self._configured()
        credentials = base64.b64encode(f"{config['email']}:{config['token']}".encode()).decode()
        return connect("INT6", config["url"], self.local,
                       {"Authorization": f"Basic {credentials}"})

    def _configured(self) -> dict:
        if self.config is None:
            raise NotFound("the INT6 integration of this tenant is not configured: "
                           "PUT /__ozsim/integrations/int6", "INTEGRATION_NOT_CONFIGURED")
        return self.config

    # ---- what the control plane shows ------------------------------------------------------
    def describe(self) -> dict:
        config = dict(self._configured())
        config["token"] = mask(config["token"])
        config["ozmapApiKey"] = mask(config["ozmapApiKey"])
        return {**config, "job": PULL_JOB, "watermark": self.watermark}

    def pull_state(self) -> dict:
        config = self.config or {}
        return {"url": config.get("url"), "watermark": self.watermark}


def of(world) -> Int6:
    """The tenant's INT6 (made on first use)."""
    found = world.extensions.get(NAME)
    if found is None:
        with world.lock:
            found = world.extensions.setdefault(NAME, Int6(world))
    return found


def configure(world, body, tenant_key: str, worlds, local) -> dict:
    """``PUT /__ozsim/integrations/int6``: set (replace) the tenant's integration and
    schedule or cancel the pull. ``worlds``: every tenant's world (credentials are unique
    per e-mail and token pair); ``local()``: a session to this simulator, in-process."""
    config = check_config(body, tenant_key)
    with _CONFIGURING:
        for other in worlds:
            theirs = other.extensions.get(NAME) if other is not world else None
            if theirs is not None and theirs.admits(config["email"], config["token"]):
                raise RuleViolation("another tenant's INT6 already uses this e-mail and token",
                                    "INT6_CREDENTIALS_IN_USE", "email")
        int6 = of(world)
        int6.config, int6.local = config, local
        if not config["enabled"]:
            world.jobs.cancel(PULL_JOB)
        elif PULL_JOB not in world.jobs:
            world.jobs.schedule(Job(PULL_JOB, PULL_EVERY, lambda: pull.cycle(int6),
                                    "OZmap pulls readings and ONU data from INT6 "
                                    "(GET <url>/int6/onus?updatedSince=…)", int6.pull_state))
    return int6.describe()


def check_config(body, tenant_key: str) -> dict:
    check_object(body, FIELDS, ("email", "token"), "the integration has")
    email, token = body["email"], body["token"]
    if not isinstance(email, str) or not EMAIL.fullmatch(email) or len(email) > 254:
        raise Invalid("'email' must be an e-mail address (the HTTP Basic user name)",
                      "INVALID_FIELD", "email")
    if not isinstance(token, str) or not 1 <= len(token) <= 256:
        raise Invalid("'token' must be a string of 1 to 256 characters", "INVALID_FIELD", "token")
    enabled = body.get("enabled", True)
    if not isinstance(enabled, bool):
        raise Invalid("'enabled' must be true or false", "INVALID_FIELD", "enabled")
    key = body.get("ozmapApiKey")
    if key is not None and (not isinstance(key, str) or not key.strip()):
        raise Invalid("'ozmapApiKey' must be an OZmap API key, or null for this tenant's key",
                      "INVALID_FIELD", "ozmapApiKey")
    return {"enabled": enabled, "url": base_url(body.get("url"), "url"), "email": email,
            "token": token, "ozmapUrl": base_url(body.get("ozmapUrl"), "ozmapUrl"),
            "ozmapApiKey": key or tenant_key, "allowlist": check_allowlist(body.get("allowlist"))}


def check_allowlist(value) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise Invalid("'allowlist' must be null or an array of IP addresses or networks",
                      "INVALID_FIELD", "allowlist")
    networks = []
    for i, item in enumerate(value):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except (TypeError, ValueError):
            raise Invalid(f"'allowlist[{i}]' must be an IP address or network (CIDR), got "
                          f"{item!r}", "INVALID_FIELD", f"allowlist[{i}]") from None
    return networks


def find(worlds, email: str, token: str) -> Int6 | None:
    """The INT6 whose integration has this e-mail and token."""
    for world in worlds:
        int6 = world.extensions.get(NAME)
        if int6 is not None and int6.admits(email, token):
            return int6
    return None


def authenticate(worlds, email: str | None, token: str | None, address: str | None) -> Int6:
    """The INT6 whose integration has this e-mail and token (401 otherwise), once its IP
    allowlist admits ``address`` (403 otherwise)."""
    int6 = find(worlds, email, token) if email and token is not None else None
    if int6 is None:
        raise Unauthorized("INT6 needs HTTP Basic authentication with the integration's "
                           "e-mail and token", "INVALID_CREDENTIALS")
    int6.check_address(address)
    return int6


def mask(secret: str) -> str:
    """A secret as the control plane shows it: its last 4 characters at most."""
    return "****" + (secret[-4:] if len(secret) >= 12 else "")
