"""The reference integration: one module per integrator type of OZmap's Integrator's Guide.

* ``erp``        — business management (ERP)
* ``monitoring`` — monitoring / provisioning (OLT managers)
* ``sales``      — consultative sales, chatbot / IVR, CRM
* ``field``      — field service (element synchronisation into a SQLite replica)
* ``fixture``    — builds a small network through the API (for scenarios on empty tenants)
* ``int6``       — INT6, the OLT manager: its integration, readings, provisioning, OZmap's pull
* ``ozneutral``  — the neutral-network marketplace: operators, partners and their sales

Every flow function takes the typed client (``api``) first, then plain parameters, and
returns a dataclass. ``FLOWS`` maps the names scenario files use (``erp.reserve_port``) to them.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

from . import erp, field, fixture, int6, monitoring, ozneutral, sales
from .common import FlowError

MODULES = {"erp": erp, "monitoring": monitoring, "sales": sales, "field": field,
           "fixture": fixture, "int6": int6, "ozneutral": ozneutral}


def _public(module: Any) -> dict[str, Callable[..., Any]]:
    names = getattr(module, "__all__", dir(module))
    out: dict[str, Callable[..., Any]] = {}
    for name in names:
        obj = getattr(module, name, None)
        if inspect.isfunction(obj) and not name.startswith("_"):
            params = list(inspect.signature(obj).parameters)
            if params and params[0] == "api":
                out[name] = obj
    return out


FLOWS: dict[str, Callable[..., Any]] = {f"{m}.{n}": fn for m, mod in MODULES.items()
                                        for n, fn in _public(mod).items()}

__all__ = ["FLOWS", "MODULES", "FlowError", "erp", "monitoring", "sales", "field", "fixture",
           "int6", "ozneutral"]
