"""The OZneutral marketplace: its parties, their sign-in, and each operator's OZmap integration.

One marketplace per server (``ozsim serve``), as in production. Its parties are **operators**
(a company with an OZmap network, ports for sale at ``portDefaultPrice``) and **partners**
(ISPs selling service on them); each is a company with users (``idExternal`` = e-mail) and an
OAuth client (``clientId``/``clientSecret``). A **partnership** joins a partner to an
operator: requested by the partner, accepted by the operator with the projects the partner
may sell in — which creates the partner's user in the operator's OZmap with exactly those
projects — or rejected.

An operator's **integration** is what it hands over to activate the integration: the OZmap
URL (this simulator when absent), the integration user's login and password and its API key.
The key picks the OZmap tenant; OZneutral reads and writes OZmap only through it, over HTTP
(``ozmap.OZmapLink``). Sale-enabled projects are those the operator chose (all, by default)
intersected with the integration user's projects in OZmap; ``viabilityTags`` limit sales to
boxes carrying one of those tags.

**Tokens** (simulator decision): a token lives ``TOKEN_SECONDS`` (refresh tokens
``REFRESH_SECONDS``) on the clock of its party's OZmap tenant — an operator's is the tenant
of its integration key; a partner's, that of the operator of its first partnership — and on
real time for a party with neither yet (or whose OZmap is not this simulator). So advancing
a tenant's clock (``POST /__ozsim/clock``) ages the tokens of the parties selling on it.
A refresh token is used once: the grant answers a new pair.

State lives in memory under one lock, never held during an OZmap call: a write first checks
and claims under the lock, calls OZmap, then records under the lock (``sales``).
"""
from __future__ import annotations

import datetime as dt
import secrets
import threading
from typing import Callable

from ...core.clock import Clock, iso
from ...core.errors import (BadGateway, Conflict, Forbidden, Invalid, NotFound, RuleViolation,
                             Unauthorized)
from ...core.ids import object_id
from . import tmf
from .ozmap import OZmapLink, where
from .records import Caller, Company, Integration, Party, Partnership, Secret, Token, User
from .sales import Sales

TOKEN_SECONDS = 3600
REFRESH_SECONDS = 86400


class Marketplace:
    """``link_for(url, key)``: an ``OZmapLink`` to OZmap at ``url`` (None: this simulator);
    ``world_of(key)``: the local world a key of this simulator picks, else None."""

    def __init__(self, link_for: Callable[[str | None, str | None], OZmapLink],
                 world_of: Callable[[str], object | None]):
        self.link_for = link_for
        self.world_of = world_of
        self.lock = threading.RLock()
        self.clock = Clock()                    # real time: the parties' own stamps
        self.parties: dict[str, Party] = {}
        self.users: dict[str, User] = {}        # by e-mail (lower case)
        self.clients: dict[str, Party] = {}     # by clientId
        self.partnerships: dict[str, Partnership] = {}
        self.tokens: dict[str, Token] = {}
        self._counter = 0
        self.sales = Sales(self)                # the sales book of this marketplace

    # ---- ids and clocks ------------------------------------------------------------------
    def new_id(self) -> str:
        with self.lock:
            self._counter += 1
            return object_id(int(self.clock.instant().timestamp()), self._counter & 0xFFFFFF,
                             secrets.randbits(40))

    def clear(self) -> None:
        """Start empty again: every party, user, partnership, token and sale forgotten, and
        every operator's poll job cancelled. OZmap's worlds keep what the sales wrote there
        (reset a tenant for that)."""
        with self.lock:
            integrated = [(p, p.integration) for p in self.parties.values() if p.integration]
            for book in (self.parties, self.users, self.clients, self.partnerships, self.tokens):
                book.clear()
            sales, self.sales = self.sales, Sales(self)
        for operator, integration in integrated:
            sales.unschedule(operator, integration)

    def clock_of(self, party: Party) -> Clock:
        """The clock a party's tokens and sales run on (module docstring)."""
        operator = party if party.kind == "operator" else party.home
        if operator is not None and operator.integration and operator.integration.clock:
            return operator.integration.clock
        return self.clock

    # ---- sign-up ---------------------------------------------------------------------------
    def sign_up(self, kind: str, body: dict) -> tuple[Party, str]:
        """A company, its first user and the party; (party, its client secret — shown once)."""
        email = body["email"].strip().lower()
        now = self.clock.now_iso()
        secret = secrets.token_urlsafe(24)
        hashed, password = Secret.of(secret), Secret.of(body["password"])   # slow: unlocked
        with self.lock:
            if email in self.users:
                raise Conflict(f"e-mail {body['email']!r} already belongs to a user of "
                               f"{self.users[email].company.name}", "EMAIL_TAKEN")
            company = Company(self.new_id(), body["name"], body.get("address") or "",
                              body.get("country") or "Brasil", body.get("phone") or "",
                              body.get("logoPath") or "", now)
            party = Party(self.new_id(), kind, company, body["site"],
                          f"ozn-{kind}-{secrets.token_hex(8)}", hashed, now,
                          port_default_price=body.get("portDefaultPrice"), updated=now)
            self.parties[party.id] = party
            self.clients[party.client_id] = party
            self.users[email] = User(self.new_id(), email, company, party, password)
        return party, secret

    def party(self, party_id: str, kind: str) -> Party:
        found = self.parties.get(party_id)
        if found is None or found.kind != kind:
            raise NotFound(f"no {kind} {party_id}", f"{kind.upper()}_NOT_FOUND")
        return found

    def listed(self, kind: str) -> list[Party]:
        with self.lock:
            return [p for p in self.parties.values() if p.kind == kind]

    def user_of(self, party: Party) -> User | None:
        """The party's first user."""
        return next((u for u in self.users.values() if u.party is party), None)

    # ---- OAuth ---------------------------------------------------------------------------------
    def grant(self, body: dict) -> dict:
        """The token endpoint: ``password``, ``client_credentials`` or ``refresh_token``."""
        kind = body.get("grant_type")
        if kind == "password":                  # (hashes are checked outside the lock: slow)
            user = self.users.get(str(body.get("username", "")).strip().lower())
            if user is None or not user.password.matches(str(body.get("password", ""))):
                raise Unauthorized("invalid username or password", "INVALID_GRANT")
            return self._issue(user.party, user)
        if kind == "client_credentials":
            party = self.clients.get(str(body.get("client_id", "")))
            if party is None or not party.client_secret.matches(str(body.get("client_secret", ""))):
                raise Unauthorized("invalid client_id or client_secret", "INVALID_CLIENT")
            return self._issue(party, None)
        if kind == "refresh_token":
            with self.lock:
                token = self._live(str(body.get("refresh_token", "")), refresh=True)
                del self.tokens[body["refresh_token"]]
                return self._issue(token.party, token.user)
        raise Invalid(f"'grant_type' must be password, client_credentials or refresh_token, got "
                      f"{kind!r}", "UNSUPPORTED_GRANT_TYPE", "grant_type")

    def _issue(self, party: Party, user: User | None) -> dict:
        clock = self.clock_of(party)
        now = clock.instant()
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[access] = Token(party, user, clock,
                                        now + dt.timedelta(seconds=TOKEN_SECONDS), False)
            self.tokens[refresh] = Token(party, user, clock,
                                         now + dt.timedelta(seconds=REFRESH_SECONDS), True)
        return {"access_token": access, "expires_in": TOKEN_SECONDS,
                "refresh_expires_in": REFRESH_SECONDS, "refresh_token": refresh}

    def _live(self, value: str, refresh: bool) -> Token:
        token = self.tokens.get(value)
        what = "refresh token" if refresh else "access token"
        if token is None or token.refresh != refresh:
            raise Unauthorized(f"unknown {what}", "INVALID_TOKEN")
        if token.clock.instant() >= token.expires:
            del self.tokens[value]
            raise Unauthorized(f"the {what} expired at {iso(token.expires)}", "TOKEN_EXPIRED")
        return token

    def authenticate(self, bearer: str) -> Caller:
        with self.lock:
            token = self._live(bearer, refresh=False)
            return Caller(token.party, token.user)

    # ---- the operator's integration ---------------------------------------------------------
    def own_operator(self, caller: Caller, operator_id: str) -> Party:
        operator = self.party(operator_id, "operator")
        if caller.party is not operator:
            raise Forbidden(f"operator {operator_id} is not this token's operator",
                            "NOT_YOUR_OPERATOR")
        return operator

    def integrate(self, caller: Caller, operator_id: str, body: dict) -> dict:
        """Check the integration against OZmap and keep it: the login must work, the key must
        be that same user's and reach the API module."""
        operator = self.own_operator(caller, operator_id)
        url = body.get("url") or None
        status, _ = self.link_for(url, None).send(
            "POST", "users/login", {"type": "API"},
            {"login": body["login"], "password": body["password"]})
        if status == 401:
            raise RuleViolation("OZmap refused the integration user's login and password",
                                "INTEGRATION_LOGIN_REFUSED", "login")
        status, user = self.link_for(url, body["apiKey"]).send("GET", "authenticated")
        if status in (401, 403):
            raise RuleViolation("OZmap refused the API key" + (
                ": its user has no access to the API module" if status == 403 else ""),
                "INTEGRATION_KEY_REFUSED", "apiKey")
        if status >= 400 or not isinstance(user, dict):
            raise BadGateway(f"OZmap at {url or 'this simulator'} answered {status} to GET "
                             "/authenticated", "OZMAP_UNAVAILABLE")
        if user.get("username") != body["login"]:
            raise RuleViolation(f"the API key acts as OZmap user {user.get('username')!r}, not "
                                f"the integration user {body['login']!r}", "INTEGRATION_KEY_MISMATCH",
                                "apiKey")
        world = self.world_of(body["apiKey"]) if url is None else None
        clock = world.clock if world is not None else None
        now = (clock or self.clock).now_iso()
        integration = Integration(url, body["login"], body["apiKey"],
                                  {k: user.get(k) for k in ("id", "name", "username")}, clock,
                                  now, now)
        with self.lock:
            old = operator.integration
            operator.integration = integration
            operator.updated = self.clock.now_iso()
        if old is not None and old.clock is not None:
            self.sales.unschedule(operator, old)
        if world is not None:
            self.sales.schedule(operator, world)
        return self.integration_of(caller, operator_id)

    def integration_of(self, caller: Caller, operator_id: str) -> dict:
        operator = self.own_operator(caller, operator_id)
        self.link(operator)                     # 422 before there is one
        return tmf.integration(operator, self.integration_projects(operator))

    def link(self, operator: Party) -> OZmapLink:
        integration = operator.integration
        if integration is None:
            raise RuleViolation(f"operator {operator.company.name} has no OZmap integration yet: "
                                f"PUT /ozneutral/operators/{operator.id}/integration",
                                "INTEGRATION_REQUIRED")
        return self.link_for(integration.url, integration.api_key)

    def integration_projects(self, operator: Party) -> list[dict]:
        """The projects the integration user sees in OZmap: [{id, name}]."""
        return [{"id": p["id"], "name": p.get("name")}
                for p in self.link(operator).rows("projects", select="id name")]

    def sale_projects(self, operator: Party) -> list[dict]:
        """The sale-enabled projects: the chosen ones (all by default) the integration user
        still sees."""
        visible = self.integration_projects(operator)
        chosen = operator.sale_projects
        return visible if chosen is None else [p for p in visible if p["id"] in chosen]

    def sale_projects_of(self, caller: Caller, operator_id: str) -> dict:
        operator = self.own_operator(caller, operator_id)
        return tmf.sale_projects(operator, self.sale_projects(operator))

    def set_sale_projects(self, caller: Caller, operator_id: str, body: dict) -> dict:
        operator = self.own_operator(caller, operator_id)
        projects = body.get("projects")
        tags = body.get("viabilityTags") or []
        link = self.link(operator)
        if projects is not None:
            visible = {p["id"] for p in self.integration_projects(operator)}
            for i, project in enumerate(projects):
                if project not in visible:
                    raise RuleViolation(f"project {project} is not one of the integration user's "
                                        "OZmap projects", "PROJECT_NOT_AVAILABLE", f"projects[{i}]")
        if tags:
            known = {t["id"] for t in link.rows("tags", [where("id", "in", tags)], "id")}
            for i, tag in enumerate(tags):
                if tag not in known:
                    raise RuleViolation(f"viabilityTags[{i}] {tag} is not a tag of the operator's "
                                        "OZmap", "TAG_NOT_FOUND", f"viabilityTags[{i}]")
        with self.lock:
            operator.sale_projects = None if projects is None else list(dict.fromkeys(projects))
            operator.viability_tags = list(dict.fromkeys(tags))
            operator.updated = self.clock.now_iso()
        return self.sale_projects_of(caller, operator_id)

    # ---- partnerships ---------------------------------------------------------------------
    def request_partnership(self, caller: Caller, body: dict) -> Partnership:
        caller.must_be("partner")
        operator = self.party(body["operator"], "operator")
        partner = caller.party
        now = self.clock.now_iso()
        with self.lock:
            for other in self.partnerships.values():
                if other.partner is partner and other.operator is operator \
                        and other.status in ("pending", "active"):
                    raise Conflict(f"partnership {other.id} with {operator.company.name} is "
                                   f"already {other.status}", "PARTNERSHIP_EXISTS")
            found = Partnership(self.new_id(), partner, operator, "pending", now, now)
            self.partnerships[found.id] = found
            if partner.home is None:
                partner.home = operator
        return found

    def partnership(self, caller: Caller, partnership_id: str) -> Partnership:
        found = self.partnerships.get(partnership_id)
        if found is None or caller.party not in (found.partner, found.operator):
            raise NotFound(f"no partnership {partnership_id} of this token's party",
                           "PARTNERSHIP_NOT_FOUND")
        return found

    def partnerships_of(self, caller: Caller) -> list[Partnership]:
        with self.lock:
            return [p for p in self.partnerships.values()
                    if caller.party in (p.partner, p.operator)]

    def _pending(self, caller: Caller, partnership_id: str) -> Partnership:
        caller.must_be("operator")
        found = self.partnership(caller, partnership_id)
        if found.status != "pending" or found.deciding:
            raise Conflict(f"partnership {partnership_id} is {found.status}, not pending",
                           "PARTNERSHIP_NOT_PENDING")
        return found

    def accept(self, caller: Caller, partnership_id: str, body: dict) -> Partnership:
        """Accept with the projects the partner may sell in (sale-enabled ones): the partner's
        OZmap user is created with exactly those projects."""
        found = self._pending(caller, partnership_id)
        operator = found.operator
        projects = list(dict.fromkeys(body["projects"]))
        enabled = {p["id"] for p in self.sale_projects(operator)}
        for i, project in enumerate(projects):
            if project not in enabled:
                raise RuleViolation(f"project {project} is not sale-enabled for "
                                    f"{operator.company.name}", "PROJECT_NOT_FOR_SALE",
                                    f"projects[{i}]")
        with self.lock:
            if found.status != "pending" or found.deciding:
                raise Conflict(f"partnership {partnership_id} is being decided already",
                               "PARTNERSHIP_NOT_PENDING")
            found.deciding = True
        try:
            user = self._partner_user(operator, found.partner, projects)
            with self.lock:
                found.status, found.projects, found.ozmap_user = "active", projects, user
                found.updated = self.clock.now_iso()
        finally:
            found.deciding = False
        return found

    def _partner_user(self, operator: Party, partner: Party, projects: list) -> dict:
        """``POST /users`` in the operator's OZmap: the partner's user, with the integration
        user's role, the API module and exactly ``projects``."""
        link = self.link(operator)
        role = link.call("GET", f"users/{operator.integration.user['id']}").get("role")
        if role is None:
            raise RuleViolation(f"the integration user {operator.integration.login!r} has no role "
                                "in OZmap to give the partner's user; give it one",
                                "INTEGRATION_USER_WITHOUT_ROLE")
        email, password = self.user_of(partner).email, secrets.token_urlsafe(12)
        made = link.call("POST", "users", None, {
            "username": email, "name": partner.company.name, "email": email,
            "password": password, "resources": ["API"], "role": role, "projectGroups": [],
            "projects": [{"project": p, "role": role, "fromGroup": False} for p in projects],
            "allUsers": False, "email_confirmed": True,
            "observation": f"OZneutral partner {partner.id}"})
        return {"id": made["id"], "username": made["username"], "password": password}

    def reject(self, caller: Caller, partnership_id: str) -> Partnership:
        found = self._pending(caller, partnership_id)
        with self.lock:
            found.status, found.updated = "rejected", self.clock.now_iso()
        return found

    def active_partnership(self, caller: Caller, operator: Party) -> Partnership | None:
        """The caller's active partnership with ``operator`` (None for the operator itself);
        403 when there is none."""
        if caller.party is operator:
            return None
        found = next((p for p in self.partnerships.values() if p.partner is caller.party
                      and p.operator is operator and p.status == "active"), None)
        if found is None:
            raise Forbidden(f"{caller.party.company.name} has no active partnership with "
                            f"{operator.company.name}", "NO_PARTNERSHIP")
        return found

    def selling_projects(self, caller: Caller, operator: Party) -> set:
        """The projects the caller may sell in on ``operator``'s network."""
        partnership = self.active_partnership(caller, operator)
        enabled = {p["id"] for p in self.sale_projects(operator)}
        return enabled if partnership is None else enabled & set(partnership.projects)
