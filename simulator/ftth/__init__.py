"""The FTTH domain: every rule of OZmap's optical network, on top of the core.

Modules, each importing only those above it in this list (and the core):
``catalogue`` (the collections and their groups) · ``ports`` (the port ledger) ·
``wiring`` (fibres and what holds them) · ``cables`` (paths, fibres, pole adjacency) ·
``optics`` (calculated power) · ``properties`` (the client lifecycle) · ``readings`` (an
OLT manager's readings applied to clients) · ``feasibility`` ·
``invariants`` · ``rules`` (the per-resource rules, by family) · ``domain`` (what the core
receives, and a new tenant's world).
"""
