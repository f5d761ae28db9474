"""The reference integration of the OZmap API, and the scenario library that replays it.

* ``client``  — a small typed HTTP client of ``/api/v2`` (``requests`` only), which
  behaves like the official SDK where it matters: ``nextUrl`` paging, retries, errors.
* ``flows``   — one module per integrator type of OZmap's Integrator's Guide
  (``erp``, ``monitoring``, ``sales``, ``field``) plus ``fixture`` (build a small network
  through the API so that scenarios also run on an empty tenant or a real sandbox).
* ``runner``  — loads ``library/*.yaml`` and replays them, in-process or remotely.
* ``cli``     — ``ozsim scenario run|list``.

Nothing here imports the simulator but the runner's in-process mode (lazily: ``ozsim.app``
builds the app, ``ozsim.wire.local`` is the transport): the client and the flows only speak
HTTP, so they run unchanged against the simulator or any OZmap URL.
"""
from __future__ import annotations

from .client import (BadRequest, Forbidden, NotFound, OZmapClient, OZmapConnectionError,
                     OZmapError, Page, RuleViolation, Unauthorized)

__all__ = ["OZmapClient", "Page", "OZmapError", "BadRequest", "Unauthorized", "Forbidden",
           "NotFound", "RuleViolation", "OZmapConnectionError"]
