"""Deterministic network generator: from an empty catalogue to ISP-scale topologies."""
from __future__ import annotations

from .catalogue import DEMO_API_KEY, frozen_clock, new_world

SIZES = ("empty",)


def build_world(size: str = "demo", seed: int = 0, tenant: str = "default",
                api_key: str = DEMO_API_KEY):
    if size not in SIZES:
        raise ValueError(f"unknown network size {size!r}; choose one of {', '.join(SIZES)}")
    return new_world(tenant, seed, frozen_clock(), api_key)
