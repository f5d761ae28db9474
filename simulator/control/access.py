"""Who may use the control plane: every route under ``/__ozsim`` (whichever blueprint serves
it), except the contract document, goes through ``guard``.

* ``disabled`` (a reason): the control plane is off — 403 ``CONTROL_PLANE_DISABLED``, naming
  the reason and the way out (``ozsim serve`` does this when it listens beyond loopback
  without an admin token);
* ``admin_token``: every control request must carry it in ``X-Ozsim-Admin`` — 401
  ``ADMIN_TOKEN_REQUIRED`` without it, 403 ``INVALID_ADMIN_TOKEN`` with another one.
"""
from __future__ import annotations

import hmac

from flask import Flask, request

from ..core.errors import Forbidden, Unauthorized

PREFIX = "/__ozsim"
HEADER = "X-Ozsim-Admin"
PUBLIC = {PREFIX + "/openapi.yaml"}


def guard(app: Flask, admin_token: str | None = None, disabled: str | None = None) -> None:
    @app.before_request
    def control_access():
        path = request.path
        if not (path == PREFIX or path.startswith(PREFIX + "/")) or path in PUBLIC:
            return
        if disabled:
            raise Forbidden(f"the control plane is disabled: {disabled}",
                            "CONTROL_PLANE_DISABLED")
        if admin_token:
            given = request.headers.get(HEADER)
            if not given:
                raise Unauthorized(f"this server requires its admin token in {HEADER}",
                                   "ADMIN_TOKEN_REQUIRED", HEADER)
            if not hmac.compare_digest(given.encode(), admin_token.encode()):
                raise Forbidden(f"wrong admin token in {HEADER}", "INVALID_ADMIN_TOKEN", HEADER)
