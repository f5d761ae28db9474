"""The FTTH domain as the core receives it, and a new tenant's world: its API user and the
types OZmap ships with.

``FTTH`` hands the core the catalogue, the rules, the views, the polygon models, the
settings and the invariants; ``FtthWorld`` is a core ``World`` of that domain with its port
ledger (``world.ports``) as write observer. Splitter attenuations of the shipped types are
the design values of docs/optical-budget.md; cable losses are planning values (dB/km). The
generator builds networks on top of a new world.
"""
from __future__ import annotations

import datetime as dt

from ..core.clock import Clock
from ..core.world import Domain, World
from . import invariants
from .addresses import AddressBook
from .mapview import CableRoutes
from .catalogue import DEFAULT_SETTINGS, POLYGON_MODELS, RESOURCES, VIEWS
from .ports import PortLedger
from .rules import RULES

FTTH = Domain(resources=RESOURCES, rules=RULES, views=VIEWS, polygons=POLYGON_MODELS,
              settings=DEFAULT_SETTINGS, invariants=invariants.check)


class FtthWorld(World):
    """A world of the FTTH domain, with write observers kept in step with every stored write:
    ``ports``, the sellable ports of every box and building (``ports.PortLedger``);
    ``addresses``, its addresses (``addresses.AddressBook``); ``cable_routes``, the cables
    by pole (``mapview.CableRoutes``)."""

    def __init__(self, tenant: str = "default", seed: int = 0, clock: Clock | None = None,
                 settings: dict | None = None):
        self.ports = PortLedger()
        self.addresses = AddressBook()
        self.cable_routes = CableRoutes()
        super().__init__(FTTH, tenant, seed, clock, settings,
                         observers=(self.ports, self.addresses, self.cable_routes))

DEMO_API_KEY = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJtb2R1bGUiOiJhcGkiLCJ1c2VyIjoib3pzaW0tZGVt"
                "byJ9.ozsim-demo-key")
DEMO_LOGIN = {"login": "integrador", "password": "ozsim"}

BALANCED = {2: 3.7, 4: 7.3, 8: 10.5, 16: 13.7, 32: 17.1, 64: 20.5}
UNBALANCED = {(5, 95): (14.5, 0.6), (10, 90): (10.8, 0.9), (20, 80): (7.7, 1.4),
              (30, 70): (5.9, 2.0), (40, 60): (4.6, 2.7), (50, 50): (3.7, 3.7)}


def splitter_types() -> list[dict]:
    types = []
    for n, loss in BALANCED.items():
        for service in (True, False):
            for connector in (1, 0):
                if n > 16 and service:
                    continue
                code = f"01/{n:02d} {'A' if service else 'R'} {'C' if connector else 'F'}"
                types.append({"code": code, "isDrop": service, "ratio": {"input": 1, "output": n},
                              "attenuation": [loss] * n, "isBalanced": True, "prefix": "SPL ",
                              "inputConnectionType": 0, "outputConnectionType": connector})
    for (tap, through), (tap_loss, through_loss) in UNBALANCED.items():
        if tap == through:
            continue
        types.append({"code": f"{through}/{tap} R F", "isDrop": False,
                      "ratio": {"input": 1, "output": 2}, "attenuation": [through_loss, tap_loss],
                      "isBalanced": False, "prefix": "FBT ", "inputConnectionType": 0,
                      "outputConnectionType": 0})
    return types


SHIPPED_TYPES = {
    "box-types": [
        {"code": "CTO", "prefix": "CTO-", "default_level": 3, "description": "Caixa de atendimento"},
        {"code": "CEO", "prefix": "CEO-", "default_level": 2, "description": "Caixa de emenda"},
    ],
    "splitter-types": splitter_types(),
    "cable-types": [
        {"code": "AS80 12F", "fiberNumber": 12, "looseNumber": 1, "base_loss": 0.35},
        {"code": "AS80 6L12F", "fiberNumber": 72, "looseNumber": 6, "base_loss": 0.35},
        {"code": "AS80 2L6F", "fiberNumber": 12, "looseNumber": 2, "base_loss": 0.35},
        {"code": "DROP 1F", "fiberNumber": 1, "looseNumber": 1, "base_loss": 0.35},
    ],
    "pole-types": [{"name": "Poste de concreto", "prefix": "P_"},
                   {"name": "Poste de terceiros", "prefix": "PT_", "viabilityAllowed": False}],
    "pop-types": [{"code": "POP", "prefix": "POP-", "hierarchyLevel": 1}],
    "olt-types": [{"code": "OLT 8x16", "brand": "Huawei", "mold": "MA5800-X7", "prefix": "OLT-",
                   "size": 8, "defaultPotency": 3.0, "defaultClients": 128,
                   "slots": [{"name": n, "starting_pon_number": 1, "pons": 16}
                             for n in range(1, 9)]}],
    "building-types": [{"code": "Edifício residencial", "prefix": "ED-"}],
    "connector-types": [{"code": "SC/APC", "loss": 0.5}, {"code": "SC/APC drop", "loss": 0.5,
                                                          "isDrop": True}],
    "fusion-types": [{"code": "Fusão", "loss": 0.1}],
    "pendency-types": [{"name": "Ajuste de rede", "color": "#ffdd00"},
                       {"name": "Manutenção de cliente", "color": "#ff5500"}],
    "colors": [{"name": "Azul", "color": "#3388FF"}, {"name": "Laranja", "color": "#FFA500"}],
}


def new_world(tenant: str = "default", seed: int = 0, clock: Clock | None = None,
              api_key: str = DEMO_API_KEY, settings: dict | None = None) -> FtthWorld:
    """A world with its API user and the shipped types; no network yet."""
    world = FtthWorld(tenant, seed, clock or Clock(), settings)
    with world.lock:
        world.user = world.insert("users", {
            "username": DEMO_LOGIN["login"], "name": "Integração OZmap", "email":
            "integracoes@example.com", "password": DEMO_LOGIN["password"], "resources": ["API"],
            "projects": [], "projectGroups": [], "allProjects": True, "allUsers": False,
            "email_confirmed": True,
            "apiKey": api_key, "role": None, "phone": None, "observation": None, "locale": "pt-BR",
            "browserData": None})
        world.user["creatorData"] = world.creator()
        for route, items in SHIPPED_TYPES.items():
            for item in items:
                world.create(route, dict(item))
    return world


def frozen_clock(at: str = "2025-06-02T12:00:00.000Z") -> Clock:
    return Clock(dt.datetime.fromisoformat(at.replace("Z", "+00:00")))


def system_config(world) -> dict:
    """The tenant's system configuration: the hierarchy levels of boxes, cables, POPs, towers."""
    def level(names):
        return [{"id": i + 1, "name": n, "translated_name": n} for i, n in enumerate(names)]
    return {"id": "000000000000000000000001",
            "hierarchyLevels": {"boxes": level(["POP", "CE", "CTO"]),
                                "cables": level(["PRIMÁRIO", "SECUNDÁRIO", "DROP"]),
                                "pops": level(["POP"]), "towers": level(["Torre"])}}
