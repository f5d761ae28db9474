"""The FTTH domain: every rule of OZmap's optical network, on top of the core.

Modules, each importing only those above it in this list (and the core):
``catalogue`` (the collections and their groups) · ``ports`` (the port ledger) ·
``wiring`` (fibres, cords and what holds them) · ``cables`` (paths, fibres, pole adjacency) ·
``optics`` (calculated power) · ``properties`` (the client lifecycle) · ``readings`` (an
OLT manager's readings applied to clients) · ``feasibility`` · ``ozloc`` (the offer around a
point, the reservation) · ``addresses`` (offline address resolution) · ``posts`` (posts and
uploaded files) · ``structure`` (box internals) · ``requests`` (change and box-create
requests) · ``reports`` (polygon and elements reports) · ``mapview`` (the map's layers and
optical paths) · ``invariants`` · ``rules`` (the per-resource rules, by family) · ``domain``
(what the core receives, and a new tenant's world). ARCHITECTURE.md has the same list.
"""
