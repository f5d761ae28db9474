"""The API called with plain `requests`, the way OZmap's tutorials and third-party integrations do:
filters URL-encoded in the query string, `populate=box`, the `eq`/`ne` aliases, raw and Bearer keys,
login with `{apiKey}`, `nextUrl` followed literally."""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import requests

pytestmark = pytest.mark.xdist_group("live")

MISSING_ID = "0123456789abcdef01234567"


class Http:
    def __init__(self, base_url: str, key: str | None):
        self.base_url, self.key = base_url, key

    def request(self, method: str, path: str, *, auth: str | None = "key", **kw) -> requests.Response:
        headers = dict(kw.pop("headers", {}) or {})
        if auth == "key" and self.key is not None:
            headers.setdefault("Authorization", self.key)
        url = path if path.startswith("http") else f"{self.base_url}/api/v2/{path.lstrip('/')}"
        return requests.request(method, url, headers=headers, timeout=30, **kw)

    def ok(self, method: str, path: str, status: int = 200, **kw):
        response = self.request(method, path, **kw)
        assert response.status_code == status, (method, path, response.status_code, response.text[:500])
        return response.json() if response.content else None


def where(prop: str, op: str, value) -> str:
    return json.dumps([{"property": prop, "operator": op, "value": value}])


@pytest.fixture(scope="module")
def net(live_server, module_tenant_key):
    """One small network in the module's own tenant: project, two boxes, a service splitter in
    the first, 27 tags."""
    base_url, _ = live_server
    http = Http(base_url, module_tenant_key)
    types = http.ok("GET", "box-types", params={"filter": where("code", "=", "CTO")})["rows"]
    splitter_types = http.ok("GET", "splitter-types",
                             params={"filter": where("code", "=", "01/08 A C")})["rows"]
    project = http.ok("POST", "projects", 201, json={"name": "Projeto HTTP"})
    box = http.ok("POST", "boxes", 201, json={
        "project": project["id"], "coords": [-52.46, -23.07], "boxType": types[0]["id"],
        "hierarchyLevel": 3, "implanted": True, "name": "CTO-HTTP-01"})
    empty_box = http.ok("POST", "boxes", 201, json={
        "project": project["id"], "coords": [-52.47, -23.08], "boxType": types[0]["id"],
        "hierarchyLevel": 3, "implanted": True, "name": "CTO-HTTP-02"})
    splitter = http.ok("POST", "splitters", 201, json={
        "parent": box["id"], "splitterType": splitter_types[0]["id"], "isDrop": True,
        "implanted": True})
    tags = [http.ok("POST", "tags", 201, json={"name": f"http-tag-{i:02d}", "allowedTypes": ["box"]})
            for i in range(27)]
    return {"http": http, "project": project, "box": box, "empty_box": empty_box,
            "splitter": splitter, "tags": tags}


@pytest.fixture(scope="module")
def prop(net):
    """A property on port 1 of the splitter, with a client whose code holds reserved characters."""
    code = "123|456 A/B"
    created = net["http"].ok("POST", "properties", 201, json={
        "project": net["project"]["id"], "box": net["box"]["id"], "auto_connect": True,
        "client": {"code": code, "name": "Cliente HTTP", "implanted": False}})
    return {**net, "property": created, "code": code}


# ---- authentication -------------------------------------------------------------------------
def test_raw_bearer_and_lowercase_authorization(net):
    http = net["http"]
    for headers in ({"Authorization": http.key}, {"Authorization": f"Bearer {http.key}"},
                    {"authorization": http.key}, {"Authorization": f"bearer {http.key}"}):
        user = http.ok("GET", "authenticated", auth=None, headers=headers)
        assert {"id", "name", "username"} <= set(user)
        page = http.ok("GET", "projects", auth=None, headers=headers)
        assert [p["id"] for p in page["rows"]] == [net["project"]["id"]]


@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}, {"Authorization": "not-a-key"},
                                     {"Authorization": "Bearer not-a-key"}])
def test_401_without_a_valid_key(net, headers):
    response = net["http"].request("GET", "boxes", auth=None, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert isinstance(body["message"], str) and isinstance(body["code"], str)


def test_login_with_api_key_like_the_sdk(net):
    http = net["http"]
    response = http.request("POST", "users/login?type=API", auth=None,
                            headers={"Authorization": "true"},
                            json={"apiKey": http.key, "defaultHeaders": {}, "timeoutRetries": 2})
    assert response.status_code == 200, response.text
    token = response.json()["authorization"]
    assert isinstance(token, str) and token
    page = http.ok("GET", "projects", auth=None, headers={"Authorization": token})
    assert [p["id"] for p in page["rows"]] == [net["project"]["id"]]   # same tenant


def test_login_rejects_an_unknown_key(net):
    response = net["http"].request("POST", "users/login", auth=None, params={"type": "API"},
                                   json={"apiKey": "not-a-key"})
    assert response.status_code == 401 and isinstance(response.json()["message"], str)


def test_login_with_password(live_server):
    from ozsim.ftth.domain import DEMO_LOGIN
    http = Http(live_server[0], None)
    token = http.ok("POST", "users/login", auth=None, json=DEMO_LOGIN)["authorization"]
    assert http.ok("GET", "authenticated", auth=None, headers={"Authorization": token})["username"] \
        == DEMO_LOGIN["login"]


# ---- filters in the query string ------------------------------------------------------------
def test_filter_url_encoded_in_the_query_string(net):
    http, box = net["http"], net["box"]
    # as the tutorials write it: the JSON array percent-encoded by hand
    raw = json.dumps([{"property": "name", "operator": "=", "value": box["name"]}])
    page = http.ok("GET", f"boxes?filter={quote(raw)}")
    assert page["total"] == 1 and page["rows"][0]["id"] == box["id"]
    # the same through requests' own encoding, with a sort and a `like`
    page = http.ok("GET", "boxes", params={"filter": where("name", "like", "cto-http"),
                                          "sort": json.dumps([{"property": "name", "direction": -1}])})
    assert [r["name"] for r in page["rows"]] == ["CTO-HTTP-02", "CTO-HTTP-01"]
    # the splitters of a box (Integrator's Guide)
    page = http.ok("GET", "splitters", params={"filter": where("parent", "=", box["id"])})
    assert [r["id"] for r in page["rows"]] == [net["splitter"]["id"]]


def test_eq_and_ne_aliases(net, prop):
    http = net["http"]
    page = http.ok("GET", "properties", params={"filter": where("client", "ne", None)})
    assert [r["id"] for r in page["rows"]] == [prop["property"]["id"]]
    page = http.ok("GET", "boxes", params={"filter": where("name", "eq", "CTO-HTTP-02")})
    assert [r["id"] for r in page["rows"]] == [net["empty_box"]["id"]]
    page = http.ok("GET", "boxes", params={"filter": where("name", "ne", "CTO-HTTP-02")})
    assert [r["id"] for r in page["rows"]] == [net["box"]["id"]]


def test_body_filter_wins_over_the_query(net):
    http = net["http"]
    body = {"filter": [{"property": "name", "operator": "=", "value": "CTO-HTTP-01"}]}
    page = http.ok("GET", "boxes", params={"filter": where("name", "=", "nothing")}, json=body)
    assert [r["id"] for r in page["rows"]] == [net["box"]["id"]]


def test_get_with_an_empty_json_body_like_the_sdk(net):
    http, box = net["http"], net["box"]
    doc = http.ok("GET", f"boxes/{box['id']}", data="{}", headers={"Content-Type": "application/json"})
    assert doc["id"] == doc["_id"] == box["id"]
    assert http.ok("GET", "boxes", data="{}", headers={"Content-Type": "application/json"})["total"] == 2


@pytest.mark.parametrize("query", [
    "filter=%5Bnot%20json", "filter=" + quote(where("name", "regex", "x")),
    "sort=" + quote("{oops"),
])
def test_malformed_queries_are_400(net, query):
    response = net["http"].request("GET", f"boxes?{query}")
    assert response.status_code == 400, response.text
    assert isinstance(response.json()["message"], str)


# ---- populate ---------------------------------------------------------------------------------
@pytest.mark.parametrize("populate", [
    "populate=box", "populate=client,box", "populate=client%20box",
    "populate%5B%5D=client&populate%5B%5D=box", "populate%5Bpath%5D=box&populate%5Bselect%5D=name",
])
def test_populate_box_on_properties(prop, populate):
    net = prop
    http = net["http"]
    page = http.ok("GET", f"properties?filter={quote(where('client', 'ne', None))}&{populate}")
    (row,) = page["rows"]
    assert isinstance(row["box"], dict)
    assert row["box"]["id"] == row["box"]["_id"] == net["box"]["id"]
    assert row["box"]["name"] == "CTO-HTTP-01"
    if "client" in populate:
        assert row["client"]["_id"] == net["property"]["client"]


def test_filters_and_sorts_see_derived_fields(prop):
    """A property's ``connections`` and ``cables`` are derived from its drop, a splitter's
    ``pon``/``currentPower`` from the light path: filters and sorts see them all the same."""
    http, splitter, created = prop["http"], prop["splitter"], prop["property"]
    by = lambda path, op, value: [r["id"] for r in http.ok(  # noqa: E731
        "GET", "properties", params={"filter": where(path, op, value)})["rows"]]
    assert by("connections.id", "=", splitter["id"]) == [created["id"]]
    assert by("connections.port", "=", 1) == [created["id"]] and by("connections.port", ">", 1) == []
    assert by("cables", "=", created["drop"]) == [created["id"]]
    assert by("connections", "exists", False) == []
    page = http.ok("GET", "properties", params={"sort": json.dumps(
        [{"property": "connections.port", "direction": -1}])})
    assert created["id"] in [r["id"] for r in page["rows"]]
    unlit = http.ok("GET", "splitters", params={"filter": where("pon", "exists", False)})["rows"]
    assert [r["id"] for r in unlit] == [splitter["id"]]
    assert http.ok("GET", "splitters", params={"filter": where("pon", "exists", True)})["total"] == 0


def test_property_by_client_code(prop):
    net = prop
    http = net["http"]
    rows = http.ok("GET", f"properties/client/{quote(net['code'], safe='')}")
    assert isinstance(rows, list) and [r["id"] for r in rows] == [net["property"]["id"]]
    client = rows[0]["client"]
    assert client["_id"] == net["property"]["client"] and client["code"] == net["code"]
    assert rows[0]["connections"][0]["port"] == 1
    assert http.ok("GET", f"properties/client/{quote('no such code', safe='')}") == []


# ---- paging -----------------------------------------------------------------------------------
def test_default_limit_and_no_limit(net):
    http = net["http"]
    mine = {"filter": where("name", "like", "http-tag-")}
    page = http.ok("GET", "tags", params=mine)
    assert (page["total"], page["count"], page["start"], page["limit"]) == (27, 25, 0, 25)
    assert page["hasNextPage"] is True and page["nextUrl"].startswith("/api/v2/tags?")
    for unlimited in ("0", "-1"):
        page = http.ok("GET", "tags", params={**mine, "limit": unlimited})
        assert page["count"] == 27 and page["hasNextPage"] is False and page["nextUrl"] is None
    page = http.ok("GET", "tags", params={**mine, "page": 2})
    assert (page["start"], page["count"], page["hasNextPage"]) == (25, 2, False)


def test_next_url_followed_literally(net):
    """The legacy client requests `<base><nextUrl>` as is; the filter stays in the query."""
    http = net["http"]
    url, seen, pages = f"tags?limit=4&filter={quote(where('name', 'like', 'http-tag-'))}", [], 0
    while url:
        page = http.ok("GET", url)
        seen += [r["id"] for r in page["rows"]]
        pages += 1
        url = f"{http.base_url}{page['nextUrl']}" if page["nextUrl"] else None
        assert page["hasNextPage"] is (url is not None)
    assert pages == 7 and len(seen) == len(set(seen)) == 27
    assert set(seen) == {t["id"] for t in net["tags"]}


# ---- writes -----------------------------------------------------------------------------------
def test_patch_and_delete_are_204_and_put_is_405(net):
    http = net["http"]
    tag = http.ok("POST", "tags", 201, json={"name": "to-delete", "allowedTypes": ["box"]})
    response = http.request("PATCH", f"tags/{tag['id']}", json={"name": "renamed"})
    assert response.status_code == 204 and response.content == b""
    assert http.ok("GET", f"tags/{tag['id']}")["name"] == "renamed"
    response = http.request("PUT", f"tags/{tag['id']}", json={"name": "put"})
    assert response.status_code == 405 and isinstance(response.json()["message"], str)
    response = http.request("DELETE", f"tags/{tag['id']}")      # no body, no Content-Type
    assert response.status_code == 204 and response.content == b""
    assert http.request("GET", f"tags/{tag['id']}").status_code == 404
    assert http.request("GET", f"tags/{MISSING_ID}").status_code == 404
