"""A new tenant's world: its API user and the default catalogue of types OZmap ships.

Splitter attenuations are the design values of ``ftth-domain.md`` §1.4–1.5; cable losses are
planning values (dB/km). The generator builds networks on top of this catalogue.
"""
from __future__ import annotations

import datetime as dt

from .clock import Clock
from .world import World

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


CATALOGUE = {
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
              api_key: str = DEMO_API_KEY, settings: dict | None = None) -> World:
    """A world with its API user and the default catalogue; no network yet."""
    world = World(tenant, seed, clock or Clock(), settings)
    with world.lock:
        world.user = world.insert("users", {
            "username": DEMO_LOGIN["login"], "name": "Integração OZmap", "email":
            "integracoes@example.com", "password": DEMO_LOGIN["password"], "resources": ["API"],
            "projects": [], "projectGroups": [], "allUsers": False, "email_confirmed": True,
            "apiKey": api_key, "role": None, "phone": None, "observation": None, "locale": "pt-BR",
            "browserData": None})
        world.user["creatorData"] = world.creator()
        for route, items in CATALOGUE.items():
            for item in items:
                world.create(route, dict(item))
    return world


def frozen_clock(at: str = "2025-06-02T12:00:00.000Z") -> Clock:
    return Clock(dt.datetime.fromisoformat(at.replace("Z", "+00:00")))
