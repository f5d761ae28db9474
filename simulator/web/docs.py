"""Browsable API docs at ``/docs``: Swagger UI 5 (OpenAPI 3.1) served from the installed
``swagger-ui-py`` package's static files — nothing is fetched from a CDN."""
from __future__ import annotations

import os

import swagger_ui
from flask import Blueprint, Response, send_from_directory

STATIC = os.path.join(os.path.dirname(swagger_ui.__file__), "static")
bp = Blueprint("docs", __name__, url_prefix="/docs")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ozmap-simulator — OZmap API v2</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "/api/v2/openapi.yaml", dom_id: "#swagger-ui",
  deepLinking: true, persistAuthorization: true, validatorUrl: null});
</script></body></html>"""


@bp.get("")
@bp.get("/")
def page():
    return Response(PAGE, mimetype="text/html")


@bp.get("/static/<path:name>")
def static(name):
    return send_from_directory(STATIC, name)
