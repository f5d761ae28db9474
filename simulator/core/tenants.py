"""API key → tenant → World. Worlds are created lazily, under a lock, by a factory."""
from __future__ import annotations

import threading
from typing import Callable

from .world import World


class Tenants:
    def __init__(self, factory: Callable[[str], World]):
        self._factory = factory
        self._lock = threading.Lock()
        self._keys: dict[str, str] = {}       # api key -> tenant name
        self._worlds: dict[str, World] = {}

    def register(self, key: str, tenant: str | None = None) -> str:
        with self._lock:
            self._keys[key] = tenant or key
            return self._keys[key]

    def tenant_of(self, key: str) -> str | None:
        return self._keys.get(key)

    def world(self, tenant: str) -> World:
        world = self._worlds.get(tenant)
        if world is None:
            with self._lock:
                world = self._worlds.get(tenant)
                if world is None:
                    world = self._worlds[tenant] = self._factory(tenant)
        return world

    def replace(self, tenant: str, world: World | None = None) -> World:
        """Reset: a fresh world from the factory (or the one given) replaces the tenant's."""
        with self._lock:
            self._worlds[tenant] = world or self._factory(tenant)
            return self._worlds[tenant]

    def remove(self, key: str) -> str | None:
        """Forget an API key; its tenant's world goes with its last key. The tenant, or None."""
        with self._lock:
            tenant = self._keys.pop(key, None)
            if tenant is not None and tenant not in self._keys.values():
                self._worlds.pop(tenant, None)
            return tenant

    def keys(self) -> dict[str, str]:
        return dict(self._keys)

    def built(self) -> dict[str, World]:
        """The worlds that exist, by tenant (never builds one)."""
        return dict(self._worlds)
