"""The Flask application factory and the Simulator that holds the tenants' worlds."""
from __future__ import annotations

import os
import secrets
import threading

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from . import generator
from .core import snapshot
from .core.errors import DomainError, Forbidden, Invalid, RuleViolation, Unauthorized
from .core.tenants import Tenants
from .core.world import Access
from .ftth.domain import DEMO_API_KEY, DEMO_LOGIN, FtthWorld
from .wire.encoding import respond

MAX_BODY = 10 * 1024 * 1024


class Simulator:
    """Tenants and how their worlds are built: network size, seed, optional snapshot."""

    def __init__(self, api_key: str = DEMO_API_KEY, network: str = "demo", seed: int = 0,
                 state: str | None = None, strict: bool = True):
        self.network, self.seed, self.state, self.strict = network, seed, state, strict
        self.tenants = Tenants(self.build_world)
        self.default_key = api_key
        self.recipes: dict[str, tuple[str, int]] = {"default": (network, seed)}
        self.tenants.register(api_key, "default")
        self._sessions: set[str] = set()                  # tokens answered by a login
        self._session_of: dict[tuple, str] = {}           # (tenant, user id) -> its token
        self._sessions_lock = threading.Lock()

    def add_tenant(self, api_key: str | None = None, network: str = "empty", seed: int = 0) -> str:
        """A new isolated tenant with its own world, built lazily from (network, seed)."""
        if network not in generator.SIZES:
            raise Invalid(f"unknown network {network!r}; choose one of {', '.join(generator.SIZES)}",
                          "UNKNOWN_NETWORK", "network")
        api_key = api_key or f"ozsim-{secrets.token_hex(12)}"
        if self.tenants.tenant_of(api_key):
            raise RuleViolation("that API key is already registered", "DUPLICATE_API_KEY", "apiKey")
        tenant = f"t-{secrets.token_hex(6)}"
        self.recipes[tenant] = (network, seed)
        self.tenants.register(api_key, tenant)
        return api_key

    def build_world(self, tenant: str):
        if self.state and tenant == "default":
            return snapshot.load(self.state, FtthWorld)
        network, seed = self.recipes.get(tenant, ("empty", 0))
        return generator.build_world(network, seed=seed, tenant=tenant, api_key=self.key_of(tenant))

    def key_of(self, tenant: str) -> str:
        return next((k for k, t in self.tenants.keys().items() if t == tenant), self.default_key)

    # ---- who a key acts as: the one place where users, keys and permissions meet ------------
    def resolve(self, key: str):
        """(world, Access) of the user behind a key of ``/api/v2``: a tenant's key acts as its
        API user; a login's token or a user's own ``apiKey`` as that user. 401 for a key nobody
        holds; 403 for a user without the API module."""
        world, user = self.user_of(key)
        if "API" not in (user.get("resources") or ()):
            raise Forbidden(f"user {user.get('username')!r} has no access to the API module",
                            "API_MODULE_FORBIDDEN")
        return world, self.access_of(user)

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

    @staticmethod
    def access_of(user: dict) -> Access:
        """A user sees every project with ``allProjects``, else those of ``projects[]``."""
        if user.get("allProjects"):
            return Access(None, user)
        return Access({p["project"] for p in user.get("projects") or ()
                       if isinstance(p, dict) and p.get("project")}, user)

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


def marketplace(app: Flask, simulator: Simulator):
    """The server's OZneutral: it reaches OZmap over HTTP — this simulator in-process when an
    operator's integration names no URL — and finds the local world of a key for the clock
    and jobs of its integration."""
    import requests

    from .integrations.ozneutral.marketplace import Marketplace
    from .integrations.ozneutral.ozmap import OZmapLink
    from .wire.local import IN_PROCESS_URL, wsgi_session

    def link_for(url: str | None, key: str | None) -> OZmapLink:
        if url is None:
            return OZmapLink(wsgi_session(app), IN_PROCESS_URL, key)
        return OZmapLink(requests.Session(), url, key)

    def world_of(key: str):
        try:
            return simulator.user_of(key)[0]
        except Unauthorized:
            return None

    return Marketplace(link_for, world_of)


def create_app(simulator: Simulator | None = None, **options) -> Flask:
    from .control.api import bp as control_bp
    from .int6.api import CONTRACT as INT6_CONTRACT, bp as int6_bp
    from .ozmap.api import CONTRACT, bp as ozmap_bp
    from .ozneutral.api import CONTRACT as OZNEUTRAL, bp as ozneutral_bp
    from .web.docs import bp as docs_bp
    from .web.pages import bp as web_bp
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.json.ensure_ascii = False
    app.extensions["ozsim"] = simulator = simulator or Simulator(**options)
    app.extensions["ozneutral"] = marketplace(app, simulator)
    app.register_blueprint(ozmap_bp)
    app.register_blueprint(control_bp)
    app.register_blueprint(int6_bp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(ozneutral_bp)
    # compile the contracts' validators now: lazily, the first requests would each compile
    # them at once, and a burst of them would wait
    CONTRACT.router  # noqa: B018 - a cached property, built here
    INT6_CONTRACT.router  # noqa: B018 - the same for INT6's API
    OZNEUTRAL.router  # noqa: B018 - a cached property, built here

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return _error_response(exc.status, exc.message, exc.code, exc.field)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        codes = {404: "ROUTE_NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE",
                 400: "INVALID_REQUEST"}
        message = {404: f"no route {request.method} {request.path}",
                   405: f"{request.method} is not allowed on {request.path}",
                   413: f"the request body exceeds {MAX_BODY} bytes"}.get(exc.code, exc.description)
        return _error_response(exc.code or 500, message, codes.get(exc.code, "HTTP_ERROR"))

    return app


def options_from_env(**overrides) -> dict:
    """Simulator options from OZSIM_* environment variables, overridden by explicit values;
    ValueError naming the setting when one is not usable."""
    env = {"api_key": os.environ.get("OZSIM_API_KEY"), "network": os.environ.get("OZSIM_NETWORK"),
           "seed": os.environ.get("OZSIM_SEED"), "state": os.environ.get("OZSIM_STATE")}
    merged = {k: v for k, v in env.items() if v not in (None, "")}
    merged.update({k: v for k, v in overrides.items() if v is not None})
    if "seed" in merged:
        try:
            merged["seed"] = int(merged["seed"])
        except ValueError:
            raise ValueError(f"the seed (--seed / OZSIM_SEED) must be an integer, got "
                             f"{merged['seed']!r}") from None
    if merged.get("network", "demo") not in generator.SIZES:
        raise ValueError(f"unknown network {merged['network']!r} (--network / OZSIM_NETWORK): "
                         f"choose one of {', '.join(generator.SIZES)}")
    return merged


__all__ = ["create_app", "Simulator", "DEMO_API_KEY", "DEMO_LOGIN", "options_from_env"]
