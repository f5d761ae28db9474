"""Responses are encoded by orjson (``simulator.ozmap.api.dumps``): the same JSON values as the
standard library's encoder, UTF-8 rather than ``\\u`` escapes, never NaN, and the standard
encoder for what orjson refuses."""
from __future__ import annotations

import json
import math

from ozsim.wire.encoding import dumps
from ozsim.ftth import feasibility


def standard(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def test_world_answers_encode_to_the_same_values(simulator):
    world = simulator.tenants.world("default")
    payloads = [feasibility.radius(world, -27.5954 + i * 1e-3, -48.5480 + i * 1e-3, 300)
                for i in range(-5, 6)]
    payloads += [world.render(route, doc) for route in ("boxes", "splitters", "properties",
                                                        "ftth-clients", "cables", "projects")
                 for doc in list(world.docs[route].values())[:40]]
    for payload in payloads:
        assert json.loads(dumps(payload)) == json.loads(standard(payload)) == payload


def test_utf8_not_escapes():
    body = dumps({"name": "Condomínio São José — bloco C", "code": "ç\u2028"})
    assert "Condomínio São José — bloco C".encode() in body
    assert b"\\u" not in body
    assert json.loads(body)["code"] == "ç\u2028"


def test_never_nan():
    body = dumps({"a": math.nan, "b": [math.inf, -math.inf], "c": 1.5})
    assert b"NaN" not in body and b"Infinity" not in body
    assert json.loads(body) == {"a": None, "b": [None, None], "c": 1.5}


def test_what_orjson_refuses_goes_through_json():
    assert dumps({"n": 2 ** 70}) == b'{"n":1180591620717411303424}'
    assert dumps({1: "a", "b": [2]}) == b'{"1":"a","b":[2]}'


def test_radius_over_the_app_is_compact_utf8_json(client, api_key):
    response = client.get("/api/v2/ftth-viability/radius?lat=-27.5954&lng=-48.5480&radius=150",
                          headers={"Authorization": api_key})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert int(response.headers["Content-Length"]) == len(response.data)
    body = response.get_json()
    assert body["boxes"] and response.data == dumps(body)
