"""The Flask application factory and the Simulator that holds the tenants' worlds."""
from __future__ import annotations

import json
import os
import secrets

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from .world.catalogue import DEMO_API_KEY, DEMO_LOGIN
from .world.errors import DomainError, Unauthorized
from .world.tenants import Tenants
from .world.world import ALL_ACCESS, Access

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
        from .world import generator
        if network not in generator.SIZES:
            from .world.errors import Invalid
            raise Invalid(f"unknown network {network!r}; choose one of {', '.join(generator.SIZES)}",
                          "UNKNOWN_NETWORK", "network")
        api_key = api_key or f"ozsim-{secrets.token_hex(12)}"
        if self.tenants.tenant_of(api_key):
            from .world.errors import RuleViolation
            raise RuleViolation("that API key is already registered", "DUPLICATE_API_KEY", "apiKey")
        tenant = f"t-{secrets.token_hex(6)}"
        self.recipes[tenant] = (network, seed)
        self.tenants.register(api_key, tenant)
        return api_key

    def build_world(self, tenant: str):
        from .world import generator
        if self.state and tenant == "default":
            from .world import snapshot
            return snapshot.load(self.state)
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
        api_key = body.get("apiKey")
        if isinstance(api_key, str) and self.tenants.tenant_of(api_key):
            return api_key
        login, password = body.get("login"), body.get("password")
        if isinstance(login, str) and isinstance(password, str):
            for key, tenant in self.tenants.keys().items():
                world = self.tenants.world(tenant)
                user = world.user
                if user["username"] == login and user.get("password") == password:
                    return key
        raise Unauthorized("invalid credentials", "INVALID_CREDENTIALS")

    @staticmethod
    def system_config(world) -> dict:
        level = lambda names: [{"id": i + 1, "name": n, "translated_name": n}  # noqa: E731
                               for i, n in enumerate(names)]
        return {"id": "000000000000000000000001",
                "hierarchyLevels": {"boxes": level(["POP", "CE", "CTO"]),
                                    "cables": level(["PRIMÁRIO", "SECUNDÁRIO", "DROP"]),
                                    "pops": level(["POP"]), "towers": level(["Torre"])}}


def _error_response(status: int, message: str, code: str, field: str | None = None) -> Response:
    body = {"message": message, "code": code}
    if field:
        body["field"] = field
    return Response(json.dumps(body, ensure_ascii=False), status, mimetype="application/json")


def create_app(simulator: Simulator | None = None, **options) -> Flask:
    from .control.api import bp as control_bp
    from .ozmap.api import bp as ozmap_bp
    from .web.docs import bp as docs_bp
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.json.ensure_ascii = False
    app.extensions["ozsim"] = simulator or Simulator(**options)
    app.register_blueprint(ozmap_bp)
    app.register_blueprint(control_bp)
    app.register_blueprint(docs_bp)
    # compile the contract's validators now (≈ 1.5 s): lazily, the first requests would each
    # compile them at once, and a burst of them would wait several seconds
    from .ozmap import contract
    contract.router()

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

    @app.get("/")
    def index():
        sim = app.extensions["ozsim"]
        return {"name": "ozmap-simulator", "api": "/api/v2", "contract": "/api/v2/openapi.yaml",
                "docs": "/docs", "network": sim.network, "seed": sim.seed}

    return app


def options_from_env(**overrides) -> dict:
    """Simulator options from OZSIM_* environment variables, overridden by explicit values;
    ValueError naming the setting when one is not usable."""
    from .world.generator import SIZES
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
    if merged.get("network", "demo") not in SIZES:
        raise ValueError(f"unknown network {merged['network']!r} (--network / OZSIM_NETWORK): "
                         f"choose one of {', '.join(SIZES)}")
    return merged


__all__ = ["create_app", "Simulator", "DEMO_API_KEY", "DEMO_LOGIN", "options_from_env"]
