"""Other systems next to OZmap and their integrations with it: their state and rules, their
clients of the other side's API (over HTTP — through ``wire.local`` for this simulator
itself) and their jobs on a tenant's clock. Nothing here reads or writes a world's documents
directly: what an integration changes in OZmap goes through OZmap's API or, for OZmap's own
side of an integration (the INT6 pull), through the FTTH domain's operation for it.

* ``remote`` — JSON calls to another system, every failure one typed error;
* ``int6`` — INT6, the OLT manager: its own state and rules, its calls to OZmap, and
  OZmap's 10-minute pull of its readings;
* ``ozneutral`` — the neutral-network marketplace and its 5-minute poll of OZmap.
"""
