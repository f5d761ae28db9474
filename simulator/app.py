"""The Flask application factory and the Simulator that holds the tenants' worlds."""
from __future__ import annotations

import functools
import os
import pickle
import secrets
import threading

from flask import Flask, request
from flask.sessions import NullSession, SessionInterface
from werkzeug.exceptions import HTTPException

from . import generator
from .core import snapshot
from .core.errors import DomainError, Invalid, NotFound, RuleViolation, Unauthorized
from .core.tenants import Tenants
from .ftth.domain import DEMO_API_KEY, DEMO_LOGIN, FtthWorld
from .ftth.rules.access import api_access
from .traffic import Api, Traffic
from .wire.encoding import api_key, respond
from .wire.local import wsgi_session

MAX_BODY = 10 * 1024 * 1024


class Simulator:
    """Tenants and how their worlds are built: network size, seed, optional snapshot; their
    traffic (journal, faults, rate limits: ``ozsim.traffic``). ``max_tenants`` and
    ``max_network`` cap what ``add_tenant`` and ``seed`` may create (None: no cap)."""

    def __init__(self, api_key: str = DEMO_API_KEY, network: str = "demo", seed: int = 0,
                 state: str | None = None, strict: bool = False, max_tenants: int | None = None,
                 max_network: str | None = None):
        """``strict``: refuse unknown request fields (400) instead of dropping them as OZmap
        does; the default of every tenant that does not choose (``add_tenant(strict=...)``)."""
        self.network, self.seed, self.state, self.strict = network, seed, state, strict
        self.max_tenants, self.max_network = max_tenants, max_network
        self.tenants = Tenants(self.build_world)
        self.default_key = api_key
        self.recipes: dict[str, tuple[str, int]] = {"default": (network, seed)}
        self.strict_tenants: dict[str, bool] = {}
        self.tenants.register(api_key, "default")
        self.traffic = Traffic(self.tenants.world, lambda tenant: self.recipe(tenant)[1])
        self._lock = threading.Lock()
        self._sessions: set[str] = set()                  # tokens answered by a login
        self._session_of: dict[tuple, str] = {}           # (tenant, user id) -> its token
        self._sessions_lock = threading.Lock()
        # this simulator over HTTP without a socket (``wire.local``), set by ``create_app``:
        # how the integrations reach it when no URL is configured
        self.local = None

    def recipe(self, tenant: str) -> tuple[str, int]:
        """(network, seed) a tenant's world is built from."""
        return self.recipes.get(tenant, ("empty", 0))

    def _check_network(self, network: str) -> None:
        if network not in generator.SIZES:
            raise Invalid(f"unknown network {network!r}; choose one of {', '.join(generator.SIZES)}",
                          "UNKNOWN_NETWORK", "network")
        cap = self.max_network
        if cap and generator.SIZES.index(network) > generator.SIZES.index(cap):
            raise RuleViolation(f"network {network!r} is larger than this server allows (at most "
                                f"{cap!r}: ozsim serve --max-network)", "NETWORK_TOO_LARGE",
                                "network")

    def add_tenant(self, api_key: str | None = None, network: str = "empty", seed: int = 0,
                   strict: bool | None = None) -> str:
        """A new isolated tenant with its own world, built lazily from (network, seed);
        ``strict`` (None: the server's mode) decides whether its unknown fields are refused."""
        self._check_network(network)
        api_key = api_key or f"ozsim-{secrets.token_hex(12)}"
        with self._lock:
            if self.tenants.tenant_of(api_key):
                raise RuleViolation("that API key is already registered", "DUPLICATE_API_KEY",
                                    "apiKey")
            if self.max_tenants is not None and len(self._primary()) >= self.max_tenants:
                raise RuleViolation(f"this server holds its maximum of {self.max_tenants} tenants "
                                    "(ozsim serve --max-tenants): delete one first",
                                    "TENANT_LIMIT")
            tenant = f"t-{secrets.token_hex(6)}"
            self.recipes[tenant] = (network, seed)
            if strict is not None:
                self.strict_tenants[tenant] = strict
            self.tenants.register(api_key, tenant)
        return api_key

    def is_strict(self, tenant: str) -> bool:
        """Whether the tenant's requests with unknown fields are refused (else they are dropped)."""
        return self.strict_tenants.get(tenant, self.strict)

    def _primary(self) -> dict[str, str]:
        """{the key a tenant was created with: tenant} (not its users' keys and tokens)."""
        return {k: t for k, t in self.tenants.keys().items() if self.tenants.user_of(k) is None}

    def remove_tenant(self, api_key: str) -> None:
        """Forget a tenant — its keys (its users' tokens too), world, recipe and traffic —
        by the key it was created with. Not the default tenant."""
        with self._lock:
            tenant = self._primary().get(api_key)
            if tenant is None:
                raise NotFound("no tenant was created with that API key", "NOT_FOUND", "apiKey")
            if tenant == "default":
                raise RuleViolation("the default tenant cannot be deleted (reset it instead)",
                                    "DEFAULT_TENANT", "apiKey")
            self.tenants.drop(tenant)
            self.recipes.pop(tenant, None)
            self.strict_tenants.pop(tenant, None)
            self.traffic.forget(tenant)
        with self._sessions_lock:
            for tenant_user in [tu for tu in self._session_of if tu[0] == tenant]:
                self._sessions.discard(self._session_of.pop(tenant_user))

    def tenant_list(self) -> dict:
        """Every tenant (the default one first) and the caps."""
        built = self.tenants.built()
        rows = []
        for key, tenant in self._primary().items():
            network, seed = self.recipe(tenant)
            world = built.get(tenant)
            rows.append({"apiKey": key, "network": network, "seed": seed,
                         "default": tenant == "default", "built": world is not None,
                         "documents": sum(map(len, world.docs.values())) if world else None})
        return {"tenants": rows, "limits": {"maxTenants": self.max_tenants,
                                            "maxNetwork": self.max_network}}

    def reset(self, tenant: str) -> None:
        """A clean slate: the world rebuilt from its recipe; journal, faults, limits gone."""
        self.tenants.replace(tenant)
        self.traffic.forget(tenant)

    def seed_tenant(self, tenant: str, network: str, seed: int) -> dict:
        """Replace a tenant's world with the network (network, seed), now its recipe."""
        self._check_network(network)
        self.recipes[tenant] = (network, seed)
        if tenant == "default":
            self.state = None                   # the recipe, not the --state file, from now on
        world = self.tenants.replace(tenant)
        return {"network": network, "seed": seed,
                "counts": {route: len(docs) for route, docs in world.docs.items() if docs}}

    def snapshot(self, tenant: str, out) -> None:
        """Write a tenant's world to the binary file ``out``: the readable (JSON) layout,
        whose bytes a restore gives back exactly."""
        snapshot.save(self.tenants.world(tenant), out, fmt="json")

    def restore(self, tenant: str, path: str) -> None:
        """Replace a tenant's world with the snapshot file at ``path`` (400 when it is not one)."""
        try:
            world = snapshot.load(path, FtthWorld)
        except (snapshot.SnapshotError, ValueError, KeyError, TypeError, EOFError, OSError,
                pickle.UnpicklingError) as exc:
            reason = str(exc).replace(path, "the upload")
            raise Invalid(f"not a snapshot this simulator can read: {reason}", "INVALID_SNAPSHOT",
                          "body") from None
        self.tenants.replace(tenant, world)

    def identify(self) -> tuple[str, str] | None:
        """(API key, tenant) of the request being served, when its key acts as somebody."""
        try:
            key = api_key()
            tenant = self.tenants.tenant_of(key)
            if tenant is None:
                self.user_of(key)              # a user's own apiKey, met for the first time
                tenant = self.tenants.tenant_of(key)
        except Unauthorized:
            return None
        return key, tenant

    def build_world(self, tenant: str):
        if self.state and tenant == "default":
            return snapshot.load(self.state, FtthWorld)
        network, seed = self.recipe(tenant)
        return generator.build_world(network, seed=seed, tenant=tenant, api_key=self.key_of(tenant))

    def key_of(self, tenant: str) -> str:
        return next((k for k, t in self.tenants.keys().items() if t == tenant), self.default_key)

    # ---- who a key acts as: the one place where users, keys and permissions meet ------------
    def resolve(self, key: str):
        """(world, Access) of the user behind a key of ``/api/v2``: a tenant's key acts as its
        API user; a login's token or a user's own ``apiKey`` as that user. 401 for a key nobody
        holds; what the user may reach is the domain's rule (``api_access``: 403 without the
        API module)."""
        world, user = self.user_of(key)
        return world, api_access(user)

    def user_of(self, key: str):
        """(world, user document) a key acts as; 401 when it acts as nobody (any more)."""
        tenant = self.tenants.tenant_of(key)
        if tenant is None:                     # a user's own apiKey, in a world that exists
            tenant = next((t for t, w in self.tenants.built().items()
                           if w.ids_where("users", "apiKey", key)), None)
            if tenant is None:
                raise Unauthorized("invalid API key", "INVALID_API_KEY")
            world = self.tenants.world(tenant)
            self.tenants.register(key, tenant, min(world.ids_where("users", "apiKey", key)))
        world = self.tenants.world(tenant)
        user_id = self.tenants.user_of(key)
        if user_id is None:
            return world, world.user
        user = world.docs["users"].get(user_id)
        if user is None or (key not in self._sessions and user.get("apiKey") != key):
            self.tenants.forget(key)           # the user is gone, or its key was changed
            raise Unauthorized("invalid API key", "INVALID_API_KEY")
        return world, user

    def login(self, body: dict) -> str:
        """The key that acts as the user with this login and password (or the ``apiKey``
        given, when it is valid): the tenant's key for its API user, a user's own ``apiKey``,
        else a session token of that user (one per user, kept). Only worlds that exist are
        searched, in the order tenants were registered: a login never builds a tenant's
        network but the default tenant's, which ``ozsim serve`` builds at start anyway."""
        api_key = body.get("apiKey")
        if isinstance(api_key, str):
            try:
                self.user_of(api_key)
                return api_key
            except Unauthorized:
                pass
        login, password = body.get("login"), body.get("password")
        if isinstance(login, str) and isinstance(password, str):
            self.tenants.world("default")
            worlds = self.tenants.built()
            for tenant in dict.fromkeys(self.tenants.keys().values()):
                world = worlds.get(tenant)
                for user_id in sorted(world.ids_where("users", "username", login) if world else ()):
                    user = world.docs["users"][user_id]
                    if user.get("password") == password:
                        return self._key_for(tenant, world, user)
        raise Unauthorized("invalid credentials", "INVALID_CREDENTIALS")

    def _key_for(self, tenant: str, world, user: dict) -> str:
        if user is world.user:
            return self.key_of(tenant)
        if user.get("apiKey"):
            return user["apiKey"]
        with self._sessions_lock:
            token = self._session_of.get((tenant, user["id"]))
            if token is None or self.tenants.tenant_of(token) is None:
                token = f"ozsim-session-{secrets.token_hex(16)}"
                self._session_of[(tenant, user["id"])] = token
                self._sessions.add(token)
                self.tenants.register(token, tenant, user["id"])
            return token


def _error_response(status: int, message: str, code: str, field: str | None = None):
    body = {"message": message, "code": code}
    if field:
        body["field"] = field
    return respond(body, status)


def marketplace(simulator: Simulator):
    """The server's OZneutral: it reaches OZmap over HTTP — this simulator in-process when an
    operator's integration names no URL — and finds the local world of a key for the clock
    and jobs of its integration."""
    from .integrations.ozneutral.marketplace import Marketplace
    from .integrations.ozneutral.ozmap import OZmapLink
    from .integrations.remote import connect

    def link_for(url: str | None, key: str | None) -> OZmapLink:
        return OZmapLink(connect("OZmap", url, simulator.local, {
            "Accept": "application/json", **({"Authorization": key} if key else {})}, "/api/v2"))

    def world_of(key: str):
        try:
            return simulator.user_of(key)[0]
        except Unauthorized:
            return None

    return Marketplace(link_for, world_of)


def int6_caller(simulator: Simulator):
    """(e-mail, tenant) of an INT6 request whose HTTP Basic credentials are a tenant's INT6
    integration's, else None: INT6's requests are journaled, limited and faulted per tenant."""
    from .integrations.int6 import integration

    def caller() -> tuple[str, str] | None:
        auth = request.authorization
        if auth is None or auth.type != "basic" or not auth.username:
            return None
        int6 = integration.find(simulator.tenants.built().values(), auth.username,
                                auth.password or "")
        return (auth.username, int6.world.tenant) if int6 else None
    return caller


class NoSessions(SessionInterface):
    """No request has a session: one shared, read-only empty one (``NullSession``)."""
    null = NullSession()

    def open_session(self, app, request):
        return self.null

    def save_session(self, app, session, response):
        pass


class App(Flask):
    """Flask, minus two costs every request paid for nothing: no view or hook is ``async``
    (``ensure_sync`` returns it as it is instead of inspecting it, six times a request), and
    no request has a session (no secret key: Flask would build an empty one each time)."""

    def ensure_sync(self, func):
        return func

    session_interface = NoSessions()


def create_app(simulator: Simulator | None = None, *, admin_token: str | None = None,
               control_disabled: str | None = None, **options) -> Flask:
    """The app serving ``simulator`` (or ``Simulator(**options)``). ``admin_token``: required
    in ``X-Ozsim-Admin`` on every control route; ``control_disabled``: why the control plane
    (and the ``X-Ozsim-Fault`` header) is off, or None."""
    from . import traffic
    from .control.access import guard
    from .control.api import CONTRACT as CONTROL, bp as control_bp
    from .int6.api import CONTRACT as INT6, bp as int6_bp
    from .ozmap.api import CONTRACT, bp as ozmap_bp
    from .ozneutral.api import CONTRACT as OZNEUTRAL, bp as ozneutral_bp
    from .web.docs import bp as docs_bp
    from .web.pages import bp as web_bp
    app = App(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.json.ensure_ascii = False
    sim = app.extensions["ozsim"] = simulator or Simulator(**options)
    sim.local = functools.partial(wsgi_session, app)
    app.extensions["ozneutral"] = marketplace(sim)
    guard(app, admin_token, control_disabled)
    traffic.install(app, sim.traffic, [Api("/api/v2", CONTRACT, sim.identify),
                                       Api("/int6", INT6, int6_caller(sim)),
                                       Api("/ozneutral", OZNEUTRAL, lambda: None)],
                    header_faults=control_disabled is None)
    app.register_blueprint(ozmap_bp)
    app.register_blueprint(control_bp)
    app.register_blueprint(int6_bp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(ozneutral_bp)
    # compile the contracts' validators now: lazily, the first requests would each compile
    # them at once, and a burst of them would wait
    CONTRACT.router  # noqa: B018 - a cached property, built here
    INT6.router  # noqa: B018
    OZNEUTRAL.router  # noqa: B018
    CONTROL.router  # noqa: B018

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        response = _error_response(exc.status, exc.message, exc.code, exc.field)
        response.headers.update(exc.headers())
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        codes = {404: "ROUTE_NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE",
                 400: "INVALID_REQUEST"}
        message = {404: f"no route {request.method} {request.path}",
                   405: f"{request.method} is not allowed on {request.path}",
                   413: f"the request body exceeds {request.max_content_length} bytes"
                   }.get(exc.code, exc.description)
        response = _error_response(exc.code or 500, message, codes.get(exc.code, "HTTP_ERROR"))
        if exc.code == 405:     # a method no route takes (QUERY, ...): what the path takes
            allow = CONTRACT.router.allowed(request.path) or getattr(exc, "valid_methods", None)
            response.headers["Allow"] = ", ".join(allow or ())
        return response

    return app


SERVE_LIMITS = {"max_tenants": 100, "max_network": "small"}     # what `ozsim serve` allows


def options_from_env(**overrides) -> dict:
    """Simulator options from OZSIM_* environment variables, overridden by explicit values, with
    the caps of ``SERVE_LIMITS`` by default; ValueError naming the setting when one is not
    usable."""
    env = {"api_key": "OZSIM_API_KEY", "network": "OZSIM_NETWORK", "seed": "OZSIM_SEED",
           "state": "OZSIM_STATE", "strict": "OZSIM_STRICT", "max_tenants": "OZSIM_MAX_TENANTS",
           "max_network": "OZSIM_MAX_NETWORK"}
    merged = dict(SERVE_LIMITS)
    merged.update({k: os.environ[v] for k, v in env.items() if os.environ.get(v)})
    merged.update({k: v for k, v in overrides.items() if v is not None})
    if isinstance(merged.get("strict"), str):
        flag = merged["strict"].strip().lower()
        if flag not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ValueError(f"OZSIM_STRICT must be true or false, got {merged['strict']!r}")
        merged["strict"] = flag in ("1", "true", "yes", "on")
    if "seed" in merged:
        merged["seed"] = _integer(merged["seed"], "the seed (--seed / OZSIM_SEED)")
    merged["max_tenants"] = _integer(merged["max_tenants"], "the tenant cap (--max-tenants / "
                                     "OZSIM_MAX_TENANTS)", low=1)
    for name, option in (("network", "network"), ("max_network", "max-network")):
        if merged.get(name, "demo") not in generator.SIZES:
            raise ValueError(f"unknown network {merged[name]!r} (--{option} / {env[name]}): "
                             f"choose one of {', '.join(generator.SIZES)}")
    return merged


def _integer(raw, what: str, low: int | None = None) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or (low is not None and value < low):
        raise ValueError(f"{what} must be an integer{'' if low is None else f' >= {low}'}, "
                         f"got {raw!r}")
    return value


__all__ = ["create_app", "Simulator", "DEMO_API_KEY", "DEMO_LOGIN", "options_from_env",
           "SERVE_LIMITS"]
