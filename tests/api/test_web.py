"""The web pages and their /map routes over HTTP (in-process); every /map answer is checked
against contracts/web.yaml by the session app's contract check."""
from __future__ import annotations

import gzip
import json

import pytest

from ozsim.web import pages

ZOOMED_OUT, DETAIL = 12, 16


@pytest.fixture
def demo(simulator):
    """A fresh tenant on the seeded demo network."""
    return simulator.add_tenant(network="demo", seed=2)


def call(client, key, path, **params):
    return client.get(path, query_string=params, headers={"Authorization": key})


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    return response.get_json()


def bounds(client, key):
    return ",".join(str(v) for v in ok(call(client, key, "/map/overview"))["bounds"])


def test_index_is_the_dashboard_for_browsers_and_json_for_the_rest(client):
    page = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert 'data-testid="map"' in page.get_data(as_text=True)
    index = ok(client.get("/"))
    assert index["api"] == "/api/v2" and index["dashboard"] == "/" and index["ozloc"] == "/ozloc"
    assert ok(client.get("/", headers={"Accept": "application/json"}))["network"] == "demo"
    ozloc = client.get("/ozloc?lat=-27.59&lng=-48.54&cod_cli=X")
    assert ozloc.status_code == 200 and 'data-testid="ozloc-reserve"' in ozloc.get_data(as_text=True)
    assert client.get("/assets/common.js").status_code == 200
    assert client.get("/assets/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/assets/../pages.py").status_code == 404


def test_pages_say_how_to_build_missing_assets(client, monkeypatch, tmp_path):
    monkeypatch.setattr(pages, "LIBRARY", tmp_path / "leaflet.js")
    page = client.get("/ozloc")
    assert page.status_code == 503 and "make assets" in page.get_data(as_text=True)
    assert ok(client.get("/"))["name"] == "ozmap-simulator"      # JSON clients are unaffected


def test_overview_and_layers_count_the_same_network(client, demo):
    overview = ok(call(client, demo, "/map/overview"))
    counts = overview["counts"]
    assert counts["boxes"] == ok(call(client, demo, "/api/v2/boxes", limit=1))["total"]
    assert counts["clients"] == ok(call(client, demo, "/api/v2/ftth-clients", limit=1))["total"]
    bbox = bounds(client, demo)
    far = ok(call(client, demo, "/map/layers", bbox=bbox, zoom=ZOOMED_OUT))
    near = ok(call(client, demo, "/map/layers", bbox=bbox, zoom=DETAIL))
    assert far["boxes"]["clustered"] and far["clients"]["clustered"]
    assert not near["boxes"]["clustered"] and not near["clients"]["clustered"]
    for view in (far, near):
        assert view["boxes"]["total"] == counts["boxes"]
        assert sum(i.get("count", 1) for i in view["boxes"]["items"]) == counts["boxes"]
        assert sum(i.get("count", 1) for i in view["clients"]["items"]) == counts["clients"]
    assert far["cables"] == [] and far["poles"] == [] and near["cables"] and near["poles"] == []
    assert {b["state"] for b in near["boxes"]["items"]} >= {"free", "splice"}
    assert len(json.dumps(far)) < len(json.dumps(near)) / 10


@pytest.mark.parametrize("params, field", [
    ({"zoom": 12}, "bbox"), ({"bbox": "-48.6,-27.6,-48.5,-27.5"}, "zoom"),
    ({"bbox": "1,2,3", "zoom": 12}, "bbox"), ({"bbox": "-48.5,-27.5,-48.6,-27.6", "zoom": 12}, "bbox"),
    ({"bbox": "-48.6,-27.6,-48.5,-27.5", "zoom": 30}, "zoom"),
    ({"bbox": "-48.6,-27.6,-48.5,-27.5", "zoom": "near"}, "zoom")])
def test_layers_refuse_a_bad_viewport_naming_the_parameter(client, demo, params, field):
    body = ok(call(client, demo, "/map/layers", **params), 400)
    assert body["field"] == field, body


def test_map_routes_need_a_key(client):
    body = ok(client.get("/map/overview"), 401)
    assert body["code"] == "MISSING_API_KEY"
    assert ok(client.get("/map/overview", headers={"Authorization": "Bearer nope"}), 401)["code"] == \
        "INVALID_API_KEY"


def test_optical_path_ends_with_the_api_calculated_power(client, demo):
    rows = ok(call(client, demo, "/api/v2/properties", limit=40, filter=json.dumps(
        [{"property": "potencyRead", "operator": "exists", "value": True}])))["rows"]
    prop = next(p for p in rows if p["potencyCalculated"] is not None)
    path = ok(call(client, demo, f"/map/properties/{prop['id']}/path"))
    assert path["potencyCalculated"] == prop["potencyCalculated"]
    assert path["potencyRead"] == prop["potencyRead"]
    assert path["difference"] == round(prop["potencyRead"] - prop["potencyCalculated"], 2)
    assert path["steps"][0]["type"] == "pon" and path["steps"][-1]["type"] == "cable"
    assert path["connection"]["port"] == prop["connections"][0]["port"]
    assert ok(call(client, demo, "/map/properties/000000000000000000000000/path"), 404)["code"] == \
        "NOT_FOUND"
    assert ok(call(client, demo, "/map/properties/nope/path"), 400)["field"] == "id"


def test_addresses_resolve_and_locate(client, demo):
    prop = ok(call(client, demo, "/api/v2/properties", limit=1))["rows"][0]
    found = ok(call(client, demo, "/map/addresses", q=prop["address"].lower(), limit=2))["items"]
    assert found[0]["address"] in prop["address"] and len(found) <= 2
    near = ok(call(client, demo, "/map/addresses/nearest", lat=prop["lat"], lng=prop["lng"]))
    assert near["item"]["coords"] == prop["coords"]
    assert ok(call(client, demo, "/map/addresses"), 400)["field"] == "q"
    assert ok(call(client, demo, "/map/addresses", q="x", limit=0), 400)["field"] == "limit"


def offer(client, key, **params):
    return ok(call(client, key, "/map/feasibility", lat=-27.5954, lng=-48.5480, **params))


def reserve(client, key, body):
    return client.post("/map/reservations", json=body, headers={"Authorization": key})


def test_a_reservation_is_a_property_with_a_not_implanted_client(client, demo):
    box = offer(client, demo)["boxes"][0]
    splitter = box["splitters"][0]
    port = splitter["availablePorts"][-1]
    made = ok(reserve(client, demo, {"box": box["id"], "splitter": splitter["id"], "port": port,
                                     "cod_cli": "ERP-1", "client_name": "Ana", "lat": -27.5954,
                                     "lng": -48.548, "integration_code": "erp"}), 201)
    assert made["box"] == box["id"] and made["splitter"] == splitter["id"] and made["port"] == port
    prop = ok(call(client, demo, f"/api/v2/properties/{made['property']}", populate="client"))
    assert prop["client"]["code"] == "ERP-1" and prop["client"]["implanted"] is False
    assert prop["connections"][0]["port"] == port and "erp" in prop["observation"]
    again = ok(reserve(client, demo, {"box": box["id"], "splitter": splitter["id"], "port": port,
                                      "cod_cli": "ERP-2"}), 422)
    assert again["code"] == "PORT_OCCUPIED" and again["field"] == "port"
    assert ok(call(client, demo, "/api/v2/ftth-clients", filter=json.dumps(
        [{"property": "code", "operator": "=", "value": "ERP-2"}])))["total"] == 0


@pytest.mark.parametrize("change, status, field", [
    ({"cod_cli": ""}, 400, "cod_cli"), ({"port": 0}, 400, "port"), ({"box": "x"}, 400, "box"),
    ({"extra": 1}, 400, "extra"), ({"port": 99}, 422, "port"), ({"cod_cli": "DUP"}, 422, "code")])
def test_a_refused_reservation_leaves_nothing_behind(client, demo, change, status, field):
    box = offer(client, demo)["boxes"][0]
    body = {"box": box["id"], "splitter": box["splitters"][0]["id"],
            "port": box["splitters"][0]["availablePorts"][0], "cod_cli": "OK-1"}
    if change.get("cod_cli") == "DUP":
        ok(client.post("/api/v2/ftth-clients", json={"code": "DUP"}, headers={"Authorization": demo}), 201)
    def totals():
        return [ok(call(client, demo, f"/api/v2/{r}", limit=1))["total"]
                for r in ("properties", "ftth-clients")]
    before = totals()
    assert ok(reserve(client, demo, {**body, **change}), status)["field"] == field
    assert totals() == before


def test_viability_tags_limit_the_offer_and_the_reservation(client, demo):
    boxes = offer(client, demo)["boxes"]
    chosen, other = boxes[0], boxes[1]
    tag = ok(client.post("/api/v2/tags", json={"name": "Neutra", "allowedTypes": ["box"]},
                         headers={"Authorization": demo}), 201)
    assert client.patch(f"/api/v2/boxes/{chosen['id']}", json={"tags": [tag["id"]]},
                        headers={"Authorization": demo}).status_code == 204
    assert [b["id"] for b in offer(client, demo, viabilityTags="Neutra")["boxes"]] == [chosen["id"]]
    assert [b["id"] for b in offer(client, demo, viabilityTags=f"x,{tag['id']}".split(",")[1])["boxes"]] \
        == [chosen["id"]]
    assert ok(call(client, demo, "/map/feasibility", lat=-27.5954, lng=-48.548,
                   viabilityTags="Nope"), 400)["field"] == "viabilityTags"
    refused = ok(reserve(client, demo, {"box": other["id"], "splitter": other["splitters"][0]["id"],
                                        "port": other["splitters"][0]["availablePorts"][0],
                                        "cod_cli": "T-1", "viabilityTags": ["Neutra"]}), 422)
    assert refused["code"] == "BOX_NOT_OFFERED"


def test_big_viewports_travel_gzipped_to_clients_that_accept_it(client, demo):
    bbox = bounds(client, demo)
    plain = client.get("/map/layers", query_string={"bbox": bbox, "zoom": DETAIL},
                       headers={"Authorization": demo})
    packed = client.get("/map/layers", query_string={"bbox": bbox, "zoom": DETAIL},
                        headers={"Authorization": demo, "Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip" and len(packed.data) < len(plain.data) / 3
    assert json.loads(gzip.decompress(packed.data)) == plain.get_json()
