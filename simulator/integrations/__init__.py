"""Integrations: other systems next to OZmap, and the jobs that connect them to it.

Each integration is per tenant (it lives in ``world.extensions`` and goes with the world on a
reset), runs its periodic work as jobs on the tenant's clock (``core.jobs``), and talks to
the other side over HTTP as production does (``remote``): to a configured URL, or to this
very simulator in-process when none is configured. The HTTP adapters (``ozsim.int6``,
``ozsim.control``) reach them through this package, never through each other.

* ``remote`` — JSON calls to another system, every failure one typed error;
* ``int6`` — INT6, the OLT manager: its own state and rules, its calls to OZmap, and
  OZmap's 10-minute pull of its readings.
"""
