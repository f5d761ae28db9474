"""The web pages — the map dashboard at ``/`` and OZloc at ``/ozloc`` — and the ``/map/...``
JSON routes they read (contract: ``contracts/web.yaml``).

Pages are static HTML served from ``pages/``; their scripts and styles, and the map library
copied there by the build (``make assets``: Leaflet from the npm registry, pinned in
``web/package-lock.json``), are served from ``static/`` at ``/assets/``. Nothing is fetched
from elsewhere: the map draws the network over a plain background and the projects' areas.
When the built library is missing, a page says how to build it.

``/map/...`` routes take the API key in ``Authorization`` exactly as ``/api/v2`` does, make
one domain call each and answer errors as ``{message, code[, field]}``.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, g, request, send_from_directory

from ..core.errors import Invalid
from ..ftth import addresses, mapview, ozloc
from ..wire.contract import Contract
from ..wire.encoding import api_key, json_body, respond

HERE = Path(__file__).parent
STATIC = HERE / "static"
PAGES = HERE / "pages"
LIBRARY = STATIC / "vendor" / "leaflet" / "leaflet.js"
CONTRACT = Contract("web.yaml")

bp = Blueprint("web", __name__)

MISSING_ASSETS = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>ozmap-simulator — map assets not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>The map's assets are not built</h1>
<p>The map library (Leaflet, from the npm registry) is copied into the package at build time,
never fetched by the browser. Build it once from the repository, then reload:</p>
<pre>make assets        # npm ci in web/, copies Leaflet into simulator/web/static/vendor/</pre>
<p><code>make run</code>, <code>make test</code> and the Docker image run this step.
The API itself works without it: <a href="/docs">/docs</a>.</p></body></html>"""


def _page(name: str) -> Response:
    if not LIBRARY.exists():
        return Response(MISSING_ASSETS, 503, mimetype="text/html")
    return Response((PAGES / name).read_text(encoding="utf-8"), mimetype="text/html",
                    headers={"Cache-Control": "no-store"})


@bp.get("/")
def index():
    """The dashboard to a browser; the JSON index to every other client."""
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        return _page("dashboard.html")
    sim = current_app.extensions["ozsim"]
    return {"name": "ozmap-simulator", "api": "/api/v2", "contract": "/api/v2/openapi.yaml",
            "docs": "/docs", "dashboard": "/", "ozloc": "/ozloc", "network": sim.network,
            "seed": sim.seed}


@bp.get("/ozloc")
def ozloc_page():
    return _page("ozloc.html")


@bp.get("/assets/<path:name>")
def asset(name):
    return send_from_directory(STATIC, name, max_age=300)


# ---- the data routes ----------------------------------------------------------------------
@bp.get("/map/openapi.yaml")
def openapi():
    return Response(CONTRACT.served_from(request.host_url.rstrip("/")),
                    mimetype="application/yaml")


@bp.before_request
def authenticate_and_validate():
    if not request.path.startswith("/map/") or request.endpoint == "web.openapi":
        return
    g.world, g.access = current_app.extensions["ozsim"].resolve(api_key())
    operation, _ = CONTRACT.router.match(request.path, request.method)
    if operation is not None:
        operation.validate_query(request.args)
        if request.method == "POST":
            g.body = operation.validate_body(json_body(), True)


def _arg(name: str) -> str:
    raw = request.args.get(name)
    if raw in (None, ""):
        raise Invalid(f"query parameter '{name}' is required", "MISSING_PARAMETER", name)
    return raw


def _number(name: str, required: bool = True) -> float | None:
    if not required and request.args.get(name) in (None, ""):
        return None
    return float(_arg(name))                             # the contract checked it is one


def _tags() -> list[str] | None:
    raw = request.args.get("viabilityTags")
    return None if raw in (None, "") else raw.split(",")


@bp.get("/map/overview")
def overview():
    return respond(mapview.overview(g.world, g.access))


@bp.get("/map/layers")
def layers():
    try:
        bbox = [float(v) for v in _arg("bbox").split(",")]
    except ValueError:
        raise Invalid("'bbox' must be four numbers: west,south,east,north", "INVALID_PARAMETER",
                      "bbox") from None
    return respond(mapview.viewport(g.world, bbox, int(_arg("zoom")), g.access), compress=True)


@bp.get("/map/properties/<property_id>/path")
def optical_path(property_id):
    return respond(mapview.optical_path(g.world, property_id, g.access))


@bp.get("/map/addresses")
def find_addresses():
    limit = int(request.args.get("limit", 5))
    return respond({"items": addresses.resolve(g.world, _arg("q"), limit)})


@bp.get("/map/addresses/nearest")
def nearest_address():
    return respond({"item": addresses.locate(g.world, _number("lng"), _number("lat"))})


@bp.get("/map/feasibility")
def offer():
    return respond(ozloc.offer(g.world, _number("lat"), _number("lng"), _number("radius", False),
                               _tags(), g.access))


@bp.post("/map/reservations")
def reserve():
    return respond(ozloc.reserve(g.world, g.body, g.access), 201)
