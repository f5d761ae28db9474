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
        self._users: dict[str, str] = {}      # key -> the id of the user it acts as (else the API user)
        self._worlds: dict[str, World] = {}

    def register(self, key: str, tenant: str | None = None, user: str | None = None) -> str:
        """Map a key to a tenant; ``user``: the id of the user it acts as (none: the tenant's
        API user)."""
        with self._lock:
            self._keys[key] = tenant or key
            if user is not None:
                self._users[key] = user
            return self._keys[key]

    def forget(self, key: str) -> None:
        with self._lock:
            self._keys.pop(key, None)
            self._users.pop(key, None)

    def tenant_of(self, key: str) -> str | None:
        return self._keys.get(key)

    def user_of(self, key: str) -> str | None:
        return self._users.get(key)

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

    def drop(self, tenant: str) -> None:
        """Forget a tenant: every key that maps to it, and its world."""
        with self._lock:
            for key in [k for k, t in self._keys.items() if t == tenant]:
                del self._keys[key]
                self._users.pop(key, None)
            self._worlds.pop(tenant, None)

    def keys(self) -> dict[str, str]:
        return dict(self._keys)

    def built(self) -> dict[str, World]:
        """The worlds that exist, by tenant (never builds one)."""
        return dict(self._worlds)
