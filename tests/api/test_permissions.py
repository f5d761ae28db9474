"""Users and their projects, through /api/v2: every list, read, feasibility query, populate,
sync query and write is limited to the acting user's projects.

One tenant holds two copies of the same small network, projects A and B (``project_network``:
POP, OLT, slot, PON, CEO, CTOs with service splitters, cables and their fibres, a building, a
gated community; plus a connector, a fusion, a pendency and a reserved client in each). A user
with project A only acts through its own ``apiKey``. For every resource family, B's elements
are absent from its lists, 404 by id, 403 to a PATCH or DELETE, and creating into B is 403 —
the world unchanged by every refusal.
"""
from __future__ import annotations

import json

import pytest

from ozsim.core.world import Access

from ..unit.fixtures import north, project_network, reserve, type_id
from .conftest import _APP, _SIM, Api

PASSWORD = "s3nha-Parceiro"


def _extras(world, net, code: str) -> None:
    """A connector and a fusion in the CEO, a pendency and a reserved client."""
    net.connector = world.create("connectors", {
        "parent": net.ceo["id"], "connectorType": type_id(world, "connector-types", "SC/APC")})
    net.fusion = world.create("fusions", {
        "parent": net.ceo["id"], "fusionType": type_id(world, "fusion-types", "Fusão")})
    net.pendency = world.create("pendencies", {
        "owner": world.user["id"], "project": net.project, "coords": net.ceo["coords"],
        "pendencyType": type_id(world, "pendency-types", "Ajuste de rede"), "name": "vistoria"})
    net.property = reserve(world, net.ctos[0], code)
    net.client = world.docs["ftth-clients"][net.property["client"]]
    net.drop = world.docs["cables"][net.property["drop"]]
    net.fiber = world.docs_where("fibers", "parent", net.feeder["id"])[0]


@pytest.fixture(scope="module")
def tenant():
    """(API-user client, client of a user limited to project A, A, B)."""
    key = _SIM.add_tenant()
    admin = Api(_APP, key)
    world = admin.world
    a = project_network(world, "Projeto A", north(0))
    b = project_network(world, "Projeto B", north(5000))
    _extras(world, a, "CLI-A")
    _extras(world, b, "CLI-B")
    user = admin.ok("POST", "users", 201, body={
        "username": "parceiro.a", "name": "Parceiro A", "email": "a@parceiro.com.br",
        "password": PASSWORD, "resources": ["API"], "role": "5" * 24, "apiKey": f"{key}-a",
        "projects": [{"project": a.project, "role": "5" * 24, "fromGroup": False}],
        "projectGroups": []})
    return admin, Api(_APP, f"{key}-a"), a, b, user


def ids(net, route: str) -> set:
    """The ids of ``route`` that belong to a project network."""
    world = net.world
    view = world.view(route)
    return {d["id"] for d in world.docs[view.route].values()
            if view.shows(d) and world.project_of(view.route, d) == net.project}


def one(net, route: str) -> dict:
    """An element of ``route`` in the network (the one its writes are tried on)."""
    return {"projects": {"id": net.project}, "boxes": net.ctos[1], "buildings": net.building,
            "pops": net.pop, "horizontal-condominiums": net.condo, "pendencies": net.pendency,
            "olts": net.olt, "slots": net.slot, "pons": net.pon, "splitters": net.splitters[1],
            "cables": net.feeder, "drops": net.drop, "fibers": net.fiber,
            "connectors": net.connector, "fusions": net.fusion, "properties": net.property,
            "ftth-clients": net.client}[route]


FAMILIES = {
    "inventory": ("projects", "boxes", "buildings", "pops", "horizontal-condominiums", "pendencies"),
    "equipment": ("olts", "slots", "pons"),
    "network": ("splitters", "cables", "drops", "fibers", "connectors", "fusions"),
    "clients": ("properties", "ftth-clients"),
}
ROUTES = [pytest.param(route, id=f"{family}-{route}")
          for family, routes in FAMILIES.items() for route in routes]
PATCHES = {"projects": {"name": "x"}, "boxes": {"name": "x"}, "buildings": {"name": "x"},
           "pops": {"name": "x"}, "horizontal-condominiums": {"name": "x"},
           "pendencies": {"name": "x"}, "olts": {"label": "x"}, "slots": {"label": "x"},
           "pons": {"label": "x"}, "splitters": {"label": "x"}, "cables": {"name": "x"},
           "fibers": {"name": "x"}, "connectors": {"label": "x"}, "fusions": {"label": "x"},
           "properties": {"name": "x"}, "ftth-clients": {"name": "x"}}


@pytest.mark.parametrize("route", ROUTES)
def test_reads_see_only_the_users_projects(tenant, route):
    admin, user, a, b, _ = tenant
    listed = {row["id"] for row in user.ok("GET", route, 200, query={"limit": 0})["rows"]}
    assert listed == ids(a, route) and listed.isdisjoint(ids(b, route))
    everything = {row["id"] for row in admin.ok("GET", route, 200, query={"limit": 0})["rows"]}
    assert ids(a, route) | ids(b, route) <= everything
    user.ok("GET", f"{route}/{one(a, route)['id']}", 200)
    hidden = user.get(f"{route}/{one(b, route)['id']}")
    assert hidden.status_code == 404 and hidden.get_json()["code"] == "NOT_FOUND"
    # a filter naming B's element finds nothing either
    query = {"filter": json.dumps([{"property": "id", "operator": "=", "value": one(b, route)["id"]}])}
    assert user.ok("GET", route, 200, query=query)["total"] == 0


@pytest.mark.parametrize("route", ROUTES)
def test_writes_outside_the_users_projects_are_403(tenant, route):
    admin, user, a, b, _ = tenant
    target = one(b, route)
    before = json.dumps(admin.ok("GET", f"{route}/{target['id']}", 200), sort_keys=True)
    operations = admin.world.resources[admin.world.view(route).route].operations
    for method, body in (("PATCH", PATCHES.get(route)), ("DELETE", None)):
        answer = user.request(method, f"{route}/{target['id']}", body=body)
        allowed = route != "drops" and {"PATCH": "update", "DELETE": "delete"}[method] in operations
        assert answer.status_code == (403 if allowed else 405), (method, answer.get_json())
        if allowed:
            assert answer.get_json()["code"] == "PROJECT_FORBIDDEN"
    assert json.dumps(admin.ok("GET", f"{route}/{target['id']}", 200), sort_keys=True) == before


def _create_into(world, b) -> dict:
    """A create body per route that would put a new element into project B."""
    return {
        "boxes": {"project": b.project, "coords": north(10, 0, b.ctos[0]["coords"]),
                  "boxType": type_id(world, "box-types", "CTO"), "hierarchyLevel": 3,
                  "implanted": True},
        "buildings": {"project": b.project, "coords": b.ctos[0]["coords"],
                      "buildingType": type_id(world, "building-types", "Edifício residencial")},
        "pops": {"project": b.project, "coords": b.ctos[0]["coords"], "hierarchyLevel": 1,
                 "popType": type_id(world, "pop-types", "POP"), "implanted": True},
        "horizontal-condominiums": {"project": b.project, "polygon": b.condo["polygon"],
                                    "tags": []},
        "pendencies": {"owner": world.user["id"], "project": b.project, "coords": b.ceo["coords"],
                       "pendencyType": type_id(world, "pendency-types", "Ajuste de rede")},
        "olts": {"parent": b.pop["id"], "project": b.project, "shelf": "5" * 24,
                 "oltType": type_id(world, "olt-types", "OLT 8x16")},
        "slots": {"olt": b.olt["id"], "parent": b.pop["id"], "starting_pon_number": 1},
        "pons": {"slot": b.slot["id"], "project": b.project, "parent": b.pop["id"],
                 "name": "PON 2"},
        "splitters": {"parent": b.ctos[1]["id"],
                      "splitterType": type_id(world, "splitter-types", "01/08 A C")},
        "cables": {"project": b.project, "cableType": type_id(world, "cable-types", "AS80 12F"),
                   "hierarchyLevel": 2, "implanted": True, "boxA": b.ceo["id"],
                   "boxB": b.ctos[2]["id"], "poles": []},
        "connectors": {"parent": b.ceo["id"],
                       "connectorType": type_id(world, "connector-types", "SC/APC")},
        "fusions": {"parent": b.ceo["id"], "fusionType": type_id(world, "fusion-types", "Fusão")},
        "properties": {"box": b.ctos[2]["id"], "auto_connect": True,
                       "client": {"code": "INTRUSO"}},
    }


CREATES = [pytest.param(route, id=f"{family}-{route}") for family, routes in FAMILIES.items()
           for route in routes if route not in ("projects", "drops", "fibers", "ftth-clients")]


@pytest.mark.parametrize("route", CREATES)
def test_creating_into_a_project_outside_is_403(tenant, route):
    admin, user, _, b, _ = tenant
    world = admin.world
    counts = {r: len(d) for r, d in world.docs.items()}
    answer = user.post(route, body=_create_into(world, b)[route])
    assert answer.status_code == 403, answer.get_json()
    assert answer.get_json()["code"] == "PROJECT_FORBIDDEN"
    assert {r: len(d) for r, d in world.docs.items()} == counts


def test_feasibility_and_client_lookups_see_only_the_users_projects(tenant):
    admin, user, a, b, _ = tenant
    for net, seen in ((a, True), (b, False)):
        lng, lat = net.ctos[0]["coords"]
        point = {"lat": lat, "lng": lng, "radius": 300}
        boxes = {item["id"] for item in user.ok("GET", "ftth-viability/radius", 200,
                                                 query=point)["boxes"]}
        assert bool(boxes) is seen and (boxes <= ids(net, "boxes"))
        assert admin.ok("GET", "ftth-viability/radius", 200, query=point)["boxes"]
        pole = user.ok("GET", "ftth-viability/pole", 200, query={"lat": lat, "lng": lng})
        assert {item["id"] for item in pole["boxes"]} <= ids(a, "boxes")
        condos = user.ok("GET", "ftth-viability/condominiums", 200, query=point)
        assert {c["id"] for c in condos["horizontalCondominiums"]} <= {a.condo["id"]}
    assert len(user.ok("GET", "properties/client/CLI-A", 200)) == 1
    assert user.ok("GET", "properties/client/CLI-B", 200) == []
    assert user.get("properties/client/CLI-B/olt-pop").status_code == 404
    assert admin.ok("GET", "properties/client/CLI-B/olt-pop", 200)["property"] == b.property["id"]
    # a `within` filter naming B's project is as unusable as a missing one
    within = [{"property": "coords", "operator": "within",
               "value": {"model": "project", "id": b.project}}]
    refused = user.get("boxes", query={"filter": json.dumps(within)})
    assert refused.status_code == 400 and refused.get_json()["field"] == "filter"


def test_batch_updates_touch_only_the_users_projects(tenant):
    admin, user, a, b, _ = tenant
    codes = [{"property": "code", "operator": "in", "value": ["CLI-A", "CLI-B"]}]
    user.ok("POST", "ftth-clients/batch-update", 204,
            body={"filter": codes, "update": {"certified": True}})
    assert admin.world.docs["ftth-clients"][a.client["id"]]["certified"] is True
    assert admin.world.docs["ftth-clients"][b.client["id"]]["certified"] is False


def test_sync_queries_see_only_the_users_tombstones(tenant):
    """Tombstones keep the project of what was deleted — a client's is its property's."""
    admin, user, a, b, _ = tenant
    since = admin.world.clock.now_iso()
    extra = {net.project: reserve(admin.world, net.ctos[2], f"SYNC-{net.project}")
             for net in (a, b)}
    for prop in extra.values():
        admin.ok("DELETE", f"ftth-clients/{prop['client']}", 204)
    deleted = json.dumps([{"property": "deletedAt", "operator": ">=", "value": since}])
    for route, field in (("properties", "id"), ("ftth-clients", "client")):
        seen = {t["id"] for t in user.ok("GET", route, 200, query={"filter": deleted})["rows"]}
        assert seen == {extra[a.project][field]}
        everything = {t["id"] for t in admin.ok("GET", route, 200,
                                                query={"filter": deleted})["rows"]}
        assert everything == {p[field] for p in extra.values()}


def test_populate_expands_only_what_the_user_sees(tenant):
    admin, _, a, b, user = tenant
    world = admin.world
    limited = Access({a.project}, world.docs["users"][user["id"]])
    mine = world.render("properties", a.property, populate=["box", "client"], access=limited)
    assert mine["box"]["id"] == a.ctos[0]["id"] and mine["client"]["code"] == "CLI-A"
    theirs = world.render("properties", b.property, populate=["box", "client"], access=limited)
    assert theirs["box"] == b.ctos[0]["id"] and theirs["client"] == b.client["id"]


def test_a_user_acts_as_itself(tenant):
    """Its key, or a login with its credentials, act as that user: `authenticated` names it
    and what it creates is credited to it."""
    admin, user, a, _, created = tenant
    assert user.ok("GET", "authenticated", 200)["username"] == "parceiro.a"
    assert admin.ok("GET", "authenticated", 200)["username"] == admin.world.user["username"]
    box = user.ok("POST", "boxes", 201, body={
        "project": a.project, "coords": north(20, 0, a.ctos[2]["coords"]), "implanted": True,
        "boxType": type_id(admin.world, "box-types", "CTO"), "hierarchyLevel": 3})
    assert box["creatorData"] == {"id": created["id"], "name": "Parceiro A",
                                  "username": "parceiro.a"}
    for query in (None, {"type": "API"}):
        token = admin.ok("POST", "users/login", 200, query=query,
                         body={"login": "parceiro.a", "password": PASSWORD})["authorization"]
        assert token == user.key                       # its own apiKey
    wrong = admin.post("users/login", body={"login": "parceiro.a", "password": "errada"})
    assert wrong.status_code == 401


def test_login_answers_a_token_of_a_user_without_api_key(tenant):
    admin, _, a, b, _ = tenant
    made = admin.ok("POST", "users", 201, body={
        "username": "projetista.b", "name": "Projetista B", "email": "b@provedor.com.br",
        "password": PASSWORD, "resources": ["API"], "role": "5" * 24, "allProjects": False,
        "projects": [{"project": b.project, "role": "5" * 24, "fromGroup": False}],
        "projectGroups": []})
    token = admin.ok("POST", "users/login", 200, query={"type": "API"},
                     body={"login": "projetista.b", "password": PASSWORD})["authorization"]
    session = Api(_APP, token)
    assert session.ok("GET", "authenticated", 200)["id"] == made["id"]
    assert {r["id"] for r in session.ok("GET", "projects", 200)["rows"]} == {b.project}
    # the same token on the next login; gone with its user
    assert admin.ok("POST", "users/login", 200, body={"login": "projetista.b",
                                                      "password": PASSWORD})["authorization"] == token
    admin.ok("DELETE", f"users/{made['id']}", 204)
    assert session.get("authenticated").status_code == 401


def test_a_user_without_the_api_module_is_403(tenant):
    admin, _, a, _, _ = tenant
    made = admin.ok("POST", "users", 201, body={
        "username": "tecnico.campo", "name": "Técnico", "email": "t@provedor.com.br",
        "password": PASSWORD, "resources": ["Mobile"], "role": "5" * 24, "apiKey": "chave-campo",
        "projects": [{"project": a.project, "role": "5" * 24, "fromGroup": False}],
        "projectGroups": []})
    field = Api(_APP, "chave-campo")
    for path in ("boxes", "authenticated", f"boxes/{a.ctos[0]['id']}"):
        refused = field.get(path)
        assert refused.status_code == 403 and refused.get_json()["code"] == "API_MODULE_FORBIDDEN"
    admin.ok("PATCH", f"users/{made['id']}", 204, body={"resources": ["Mobile", "API"]})
    assert field.ok("GET", "boxes", 200)["total"] > 0
    # a changed apiKey stops the old one
    admin.ok("PATCH", f"users/{made['id']}", 204, body={"apiKey": "chave-nova"})
    assert field.get("boxes").status_code == 401
    assert Api(_APP, "chave-nova").ok("GET", "authenticated", 200)["id"] == made["id"]
