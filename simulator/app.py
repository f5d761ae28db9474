"""The Flask application factory and the Simulator that holds the tenants' worlds."""
from __future__ import annotations

import os
import secrets

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from . import generator
from .core import snapshot
from .core.errors import DomainError, Invalid, RuleViolation, Unauthorized
from .core.tenants import Tenants
from .core.world import ALL_ACCESS, Access
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

    def resolve(self, key: str):
        tenant = self.tenants.tenant_of(key)
        if tenant is None:
            raise Unauthorized("invalid API key", "INVALID_API_KEY")
        world = self.tenants.world(tenant)
        return world, self.access_of(world.user)

    @staticmethod
    def access_of(user: dict) -> Access:
        projects = {p["project"] for p in user.get("projects") or () if p.get("project")}
        return Access(projects) if projects and not user.get("allProjects") else ALL_ACCESS

    def login(self, body: dict) -> str:
        """The API key of the tenant whose API user has this login and password (or the key
        given as ``apiKey``). Only worlds that exist are searched: a login never builds a
        tenant's network but the default tenant's, which ``ozsim serve`` builds at start
        anyway (a tenant whose world is not built yet has no user but the one of its recipe,
        whose credentials are the default tenant's)."""
        api_key = body.get("apiKey")
        if isinstance(api_key, str) and self.tenants.tenant_of(api_key):
            return api_key
        login, password = body.get("login"), body.get("password")
        if isinstance(login, str) and isinstance(password, str):
            self.tenants.world("default")
            worlds = self.tenants.built()
            for key, tenant in self.tenants.keys().items():
                user = worlds[tenant].user if tenant in worlds else None
                if user and user["username"] == login and user.get("password") == password:
                    return key
        raise Unauthorized("invalid credentials", "INVALID_CREDENTIALS")


def _error_response(status: int, message: str, code: str, field: str | None = None):
    body = {"message": message, "code": code}
    if field:
        body["field"] = field
    return respond(body, status)


def create_app(simulator: Simulator | None = None, **options) -> Flask:
    from .control.api import bp as control_bp
    from .int6.api import CONTRACT as INT6_CONTRACT, bp as int6_bp
    from .ozmap.api import CONTRACT, bp as ozmap_bp
    from .web.docs import bp as docs_bp
    from .web.pages import bp as web_bp
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.json.ensure_ascii = False
    app.extensions["ozsim"] = simulator or Simulator(**options)
    app.register_blueprint(ozmap_bp)
    app.register_blueprint(control_bp)
    app.register_blueprint(int6_bp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(web_bp)
    # compile the contract's validators now: lazily, the first requests would each compile
    # them at once, and a burst of them would wait
    CONTRACT.router  # noqa: B018 - a cached property, built here
    INT6_CONTRACT.router  # noqa: B018 - the same for INT6's API

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
