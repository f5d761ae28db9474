"""Unknown request fields: dropped as OZmap drops them (the default), named in the
``X-Ozsim-Warning`` header and the log; refused with 400 by a strict server or tenant; the
served contract follows the mode."""
from __future__ import annotations

import json
import logging

import pytest
import yaml

from ozsim.app import Simulator, create_app, options_from_env

from .conftest import type_id


def test_an_unknown_field_is_dropped_named_and_logged(api, project, caplog):
    """A capture of OZmap's sandbox: 201 to POST /properties carrying an extra
    ``"previous": true``. Nested unknown fields go too, from the alternative they were in."""
    with caplog.at_level(logging.WARNING):
        response = api.post("properties", body={
            "project": project["id"], "previous": True, "address": "Rua A, 1",
            "client": {"code": "C-1", "name": "Ana", "legacy": {"id": 7}}})
    assert response.status_code == 201, response.get_json()
    warning = response.headers["X-Ozsim-Warning"]
    assert "previous" in warning and "client.legacy" in warning
    created = response.get_json()
    assert "previous" not in created and created["address"] == "Rua A, 1"
    client = api.ok("GET", f"ftth-clients/{created['client']}", 200)
    assert client["code"] == "C-1" and "legacy" not in client
    assert any("client.legacy" in record.getMessage() for record in caplog.records)
    patched = api.patch(f"properties/{created['id']}", body={"observation": "ok", "colour": "x"})
    assert patched.status_code == 204 and "colour" in patched.headers["X-Ozsim-Warning"]
    assert api.ok("GET", f"properties/{created['id']}", 200)["observation"] == "ok"
    clean = api.post("tags", body={"name": "t", "allowedTypes": ["box"]})
    assert "X-Ozsim-Warning" not in clean.headers


def test_a_field_of_the_wrong_type_is_still_refused(api, project):
    response = api.post("boxes", body={"project": project["id"], "coords": [-48.5, -27.5],
                                       "boxType": type_id(api, "box-types", "CTO"),
                                       "hierarchyLevel": "three", "implanted": True, "x": 1})
    assert response.status_code == 400 and response.get_json()["field"] == "hierarchyLevel"


def test_a_strict_tenant_refuses_them(strict_api):
    response = strict_api.post("tags", body={"name": "t", "allowedTypes": ["box"], "colour": 1})
    assert response.status_code == 400
    assert (response.get_json()["code"], response.get_json()["field"]) == ("UNKNOWN_FIELD", "colour")
    assert strict_api.ok("GET", "tags", 200)["total"] == 0


def test_the_control_plane_makes_strict_tenants():
    app = create_app(Simulator(network="empty"))
    client = app.test_client()
    made = client.post("/__ozsim/tenants", json={"strict": True})
    assert made.status_code == 201 and made.get_json()["strict"] is True
    key = made.get_json()["apiKey"]
    refused = client.post("/api/v2/tags", headers={"Authorization": key},
                          json={"name": "t", "allowedTypes": ["box"], "colour": 1})
    assert refused.status_code == 400
    lenient = client.post("/__ozsim/tenants", json={}).get_json()
    assert lenient["strict"] is False
    bad = client.post("/__ozsim/tenants", json={"strict": "yes"})
    assert bad.status_code == 400 and bad.get_json()["field"] == "strict"


def _served(client, key=None) -> dict:
    response = client.get("/api/v2/openapi.yaml", headers={"Authorization": key} if key else {})
    assert response.status_code == 200
    return yaml.safe_load(response.data)


@pytest.mark.parametrize("strict", [False, True])
def test_the_served_contract_follows_the_mode(strict):
    sim = Simulator(network="empty", strict=strict)
    client = create_app(sim).test_client()
    served = _served(client)["components"]["schemas"]
    for name in ("TagCreate", "BoxUpdate", "QueryBody", "FilterCondition"):
        assert served[name]["additionalProperties"] is (not strict), name
    assert served["Box"]["additionalProperties"] is False          # responses stay closed
    other = sim.add_tenant(strict=not strict)                       # a key of the other mode
    assert _served(client, other)["components"]["schemas"]["TagCreate"]["additionalProperties"] \
        is strict


@pytest.mark.parametrize("raw, expected", [("true", True), ("1", True), ("off", False)])
def test_ozsim_strict_in_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("OZSIM_STRICT", raw)
    assert options_from_env()["strict"] is expected
    assert options_from_env(strict=True)["strict"] is True        # --strict wins


def test_a_bad_ozsim_strict_is_one_clear_line(monkeypatch):
    monkeypatch.setenv("OZSIM_STRICT", "maybe")
    with pytest.raises(ValueError, match="OZSIM_STRICT"):
        options_from_env()


def test_unknown_fields_of_a_json_query_parameter_are_dropped_too(api, strict_api):
    """What the served (lenient) contract admits: a condition's extra key goes; an unknown key
    of a range is an operator, refused in both modes (dropping it would change the matches)."""
    made = api.ok("POST", "tags", 201, body={"name": "kept", "allowedTypes": ["box"]})
    condition = {"property": "name", "operator": "=", "value": "kept", "hint": 1}
    query = {"filter": json.dumps([condition])}
    response = api.get("tags", query=query)
    assert response.status_code == 200 and response.get_json()["rows"][0]["id"] == made["id"]
    assert response.headers["X-Ozsim-Warning"] == 'ignored unknown fields: "filter.0.hint"'
    refused = strict_api.get("tags", query=query)
    assert refused.status_code == 400 and refused.get_json()["field"] == "filter.0.hint"
    ranged = {"property": "createdAt", "operator": "=", "value": {"$gte": "2000", "$ne": 2}}
    for client in (api, strict_api):
        response = client.get("tags", query={"filter": json.dumps([ranged])})
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["field"] == "filter.0.value.$ne"
    served = yaml.safe_load(api.get("openapi.yaml").data)["components"]["schemas"]
    ranges = served["FilterCondition"]["allOf"][0]["then"]["properties"]["value"]["anyOf"][2]
    assert ranges["additionalProperties"] is False


def test_the_warning_header_quotes_every_name(api):
    """Names with line breaks or beyond latin-1 are JSON-quoted (a header is one latin-1
    line); beyond the first few, the header counts them (the log names them all)."""
    tag = {"name": "t", "allowedTypes": ["box"]}
    response = api.post("tags", body={**tag, "a\nb": 1, "ção😍": 2})
    assert response.status_code == 201, response.get_json()
    warning = response.headers["X-Ozsim-Warning"]
    assert warning == 'ignored unknown fields: "a\\nb", "\\u00e7\\u00e3o\\ud83d\\ude0d"'
    many = api.post("tags", body={**tag, "name": "u", **{f"x{i}": i for i in range(30)}})
    assert many.headers["X-Ozsim-Warning"].endswith('"x26", 10 more')


def test_a_method_no_route_takes_is_405_with_allow(api):
    response = api.request("QUERY", "tags", check=False)
    assert response.status_code == 405 and response.get_json()["code"] == "METHOD_NOT_ALLOWED"
    assert response.headers["Allow"] == "GET, POST"


def test_a_body_of_blanks_is_not_json(api):
    response = api.request("GET", "tags", raw="\t")
    assert response.status_code == 400 and response.get_json()["code"] == "INVALID_JSON"


def test_a_method_the_contract_lacks_is_405_with_allow(api):
    response = api.request("PUT", "tags", check=False)
    assert response.status_code == 405 and response.headers["Allow"] == "GET, POST"
