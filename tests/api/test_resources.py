"""Every resource through HTTP: status codes, defaults, references, errors, lists."""
from __future__ import annotations

import json
import re

import pytest

from .conftest import type_id

FLORIPA = [-48.548, -27.595]
HEX24 = re.compile(r"^[0-9a-f]{24}$")


def make_box(api, project, **extra):
    body = {"project": project["id"], "coords": FLORIPA, "boxType": type_id(api, "box-types", "CTO"),
            "hierarchyLevel": 3, "implanted": True, **extra}
    return api.ok("POST", "boxes", 201, body=body)


def test_create_get_patch_delete_box(api, project):
    box = make_box(api, project, name="CTO-A")
    assert box["kind"] == "Box" and box["_id"] == box["id"] and box["draft"] is False
    assert (box["lng"], box["lat"]) == tuple(FLORIPA)
    assert box["creatorData"]["username"] == api.world.user["username"]
    assert box["createdAt"].endswith("Z")
    api.ok("PATCH", f"boxes/{box['id']}", 204, body={"name": "CTO-B", "draft": True})
    got = api.ok("GET", f"boxes/{box['id']}", 200)
    assert got["name"] == "CTO-B" and got["draft"] is True and got["updatedAt"] >= box["updatedAt"]
    api.ok("DELETE", f"boxes/{box['id']}", 204)
    api.ok("GET", f"boxes/{box['id']}", 404)


def test_auto_name_from_type_prefix(api, project):
    assert make_box(api, project)["name"].startswith("CTO-")


MISSING = "0123456789abcdef01234567"          # a well-formed ObjectId the simulator never issues
SQUARE = {"type": "Polygon", "coordinates": [[[-48.549, -27.596], [-48.547, -27.596],
                                              [-48.547, -27.594], [-48.549, -27.594],
                                              [-48.549, -27.596]]]}


def _cable_body(api, project):
    a = make_box(api, project, name="CEO-A")
    b = make_box(api, project, name="CTO-B", coords=[-48.549, -27.595])
    return {"project": project["id"], "cableType": type_id(api, "cable-types", "AS80 12F"),
            "hierarchyLevel": 2, "implanted": True, "poles": [], "boxA": a["id"], "boxB": b["id"],
            "name": "CB-01"}


def _pop(api, project):
    return api.ok("POST", "pops", 201, body={"project": project["id"], "coords": FLORIPA,
                                             "popType": type_id(api, "pop-types", "POP"),
                                             "hierarchyLevel": 1, "implanted": True})


def _duct_body(api, project):
    kind = type_id(api, "junction-box-types", "Caixa subterrânea")
    a, b = (api.ok("POST", "junction-boxes", 201, body={
        "project": project["id"], "coords": coords, "name": name, "junctionBoxType": kind})
        for name, coords in (("CS-A", FLORIPA), ("CS-B", [-48.549, -27.595])))
    return {"project": project["id"], "ductType": type_id(api, "duct-types", "Duto PEAD 40mm"),
            "edgeA": a["id"], "edgeB": b["id"], "points": [], "tags": [], "name": "DT-01"}


def _user_body(api, project):
    role = type_id(api, "roles", "Administrador")   # every tenant ships this role
    return {"username": "tecnico.joao", "name": "João Técnico", "email": "joao@example.com",
            "password": "s3cret-Senha", "resources": ["API"], "role": role,
            "projects": [{"project": project["id"], "role": role, "fromGroup": False}],
            "projectGroups": []}


# One row per resource: how to build a create body (given the api and a project), the field a
# list is filtered on, a PATCH, the reference that a never-issued id breaks (None: the resource
# has no checked reference), the fields that must never be returned, and what the simulator adds.
ROUND_TRIPS = {
    "tags": dict(body=lambda api, p: {"name": "Falha massiva", "allowedTypes": ["box", "client"]},
                 key="name", patch={"name": "Falha resolvida", "allowedTypes": ["box"]}),
    "prospects": dict(body=lambda api, p: {"name": "Maria", "coords": FLORIPA, "viable": False},
                      key="name", patch={"viable": True, "observation": "ligar amanhã"},
                      bad_ref=("tags", [MISSING])),
    "pendency-types": dict(body=lambda api, p: {"name": "Vistoria"}, key="name",
                           patch={"description": "visita técnica"}),
    "colors": dict(body=lambda api, p: {"name": "Verde", "color": "#00FF00"}, key="name",
                   patch={"name": "Verde escuro"}),
    "pole-types": dict(body=lambda api, p: {"name": "Madeira"}, key="name",
                       patch={"viabilityAllowed": False},
                       adds={"prefix": "P_", "viabilityAllowed": True}),
    "building-types": dict(body=lambda api, p: {"code": "Edifício comercial", "prefix": "EC "},
                           key="code", patch={"description": "salas comerciais"},
                           bad_ref=("default_template", MISSING)),
    "buildings": dict(
        body=lambda api, p: {"project": p["id"], "coords": FLORIPA, "name": "Ed. Atlântico",
                             "buildingType": type_id(api, "building-types", "Edifício residencial")},
        key="name", patch={"name": "Ed. Atlântico Sul", "observation": "síndico: Ana",
                           "implanted": False},
        bad_ref=("buildingType", MISSING),
        adds={"kind": "Building", "implanted": True, "tags": [], "cables": [], "hasProblem": False,
              "lng": FLORIPA[0], "lat": FLORIPA[1]}),
    "horizontal-condominiums": dict(
        body=lambda api, p: {"polygon": SQUARE, "project": p["id"], "tags": [],
                             "name": "Jardim das Flores"},
        key="name", patch={"name": "Jardim das Flores II", "address": "Rod. SC-401"},
        bad_ref=("project", MISSING)),
    "cable-types": dict(
        body=lambda api, p: {"code": "AS80 24F", "fiberNumber": 24, "looseNumber": 2,
                             "base_loss": 0.3, "fiberProfile": type_id(api, "fiber-profiles", "ABNT")},
        key="code", patch={"description": "autossustentado 24 fibras", "base_loss": 0.25},
        bad_ref=("fiberProfile", MISSING)),
    "cables": dict(body=_cable_body, key="name",
                   patch={"name": "CB-02", "observation": "lançado em 2025", "implanted": False},
                   bad_ref=("cableType", MISSING),
                   adds={"kind": "Cable", "fiberNumber": 12, "looseNumber": 1, "tags": []}),
    # types and access (SDK 1.1.8 families): field names, required fields and defaults of the SDK
    "box-templates": dict(body=lambda api, p: {"name": "CTO 16", "structure": {}, "positions": {},
                                               "topology": {}},
                          key="name", patch={"description": "dois splitters 1x8"},
                          adds={"kind": "BoxTemplate", "description": None}),
    "fiber-profiles": dict(body=lambda api, p: {"name": "EIA-598", "fibers": [{"color": "azul"}],
                                                "tubes": [{"color": "azul"}]},
                           key="name", patch={"defaultFiberColor": "black"},
                           adds={"defaultFiberColor": "white", "defaultTubeColor": "white"}),
    "dio-types": dict(body=lambda api, p: {"code": "DIO 48", "ratio": 48, "tray_number": 4},
                      key="code", patch={"loss": 0.4, "description": "4 bandejas"},
                      adds={"prefix": "DIO ", "size": 0, "input_label": "IN"}),
    "switch-types": dict(body=lambda api, p: {"code": "SW 8", "ratio": 8, "isDrop": False},
                         key="code", patch={"manageable": True}, adds={"manageable": False, "size": 0}),
    "shelf-types": dict(body=lambda api, p: {"code": "Rack 12U", "size": 12}, key="code",
                        patch={"brand": "Furukawa"}, adds={"brand": "-", "mold": "-", "description": "-"}),
    "duct-types": dict(body=lambda api, p: {"code": "Duto 40", "subDucts": [
                           {"ductType": type_id(api, "duct-types", "Duto PEAD 40mm")}]},
                       key="code", patch={"brand": "Tigre"},
                       bad_ref=("subDucts", [{"ductType": MISSING}]),
                       adds={"config": {"regular": {"color": "#000000", "weight": 10},
                                        "notImplanted": {"color": "#606060A5", "weight": 10}}}),
    "junction-box-types": dict(body=lambda api, p: {"code": "R2", "prefix": "R2-", "color": "#607D8B"},
                               key="code", patch={"color": "#455A64"}, adds={"systemDefault": False}),
    "region-types": dict(body=lambda api, p: {"name": "Expansão", "color": "FF9800"}, key="name",
                         patch={"lineWidth": 2}, adds={"borderColor": "FF9800", "lineWidth": 3.5}),
    "roles": dict(body=lambda api, p: {"name": "Técnico", "actions": ["property.read"]}, key="name",
                  patch={"defaultRadius": 200}, adds={"defaultDropSize": None}),
    "project-groups": dict(body=lambda api, p: {"name": "Norte", "projects": [{"project": p["id"]}]},
                           key="name", patch={"name": "Norte II"},
                           bad_ref=("projects", [{"project": MISSING}]), adds={"hasLogo": False}),
    # the map's passive plant and areas
    "points": dict(body=lambda api, p: {"coords": FLORIPA, "tags": []}, key="coords",
                   patch={"coords": [-48.549, -27.596], "lat": -27.596, "lng": -48.549},
                   bad_ref=("tags", [MISSING]),
                   adds={"kind": "Point", "adjacents": [], "lng": FLORIPA[0], "lat": FLORIPA[1]}),
    "junction-boxes": dict(
        body=lambda api, p: {"project": p["id"], "coords": FLORIPA, "name": "CS-01",
                             "junctionBoxType": type_id(api, "junction-box-types", "Caixa subterrânea")},
        key="name", patch={"implanted": True, "address": "Rua A"},
        bad_ref=("junctionBoxType", MISSING),
        adds={"kind": "JunctionBox", "typeColor": "#795548", "implanted": False, "shared": False}),
    "ducts": dict(body=lambda api, p: _duct_body(api, p), key="name",
                  patch={"observation": "com cabo", "implanted": False}, bad_ref=("edgeA", MISSING),
                  adds={"kind": "Duct", "index": 1, "parent": None,
                        "typeColor": {"regular": "#000000", "notImplanted": "#606060A5"}}),
    "regions": dict(body=lambda api, p: {"polygon": SQUARE, "name": "Centro", "tags": [],
                                         "projects": [p["id"]],
                                         "regionType": type_id(api, "region-types", "Bairro")},
                    key="name", patch={"name": "Centro histórico", "color": "FF0000"},
                    bad_ref=("regionType", MISSING), adds={"kind": "Region", "borderColor": None}),
    # inside boxes and POPs
    "shelfs": dict(body=lambda api, p: {"parent": _pop(api, p)["id"], "name": "RACK A",
                                        "shelfType": type_id(api, "shelf-types", 'Rack 19" 44U')},
                   key="name", patch={"observation": "sala 2"}, bad_ref=("shelfType", MISSING),
                   adds={"kind": "Shelf", "connectables": [None, []]}),
    "dios": dict(body=lambda api, p: {"parent": _pop(api, p)["id"], "name": "DIO A",
                                      "dioType": type_id(api, "dio-types", "DIO 24")},
                 key="name", patch={"observation": "bandeja 1", "tray_labels": ["A", "B"]},
                 bad_ref=("shelf", MISSING),
                 adds={"kind": "DIO", "tray_number": 2, "attenuation": [0.5] * 24,
                       "connectables": {"input": [None] * 24, "output": [None] * 24}}),
    "switches": dict(body=lambda api, p: {"parent": _pop(api, p)["id"], "name": "SW-A",
                                          "switchType": type_id(api, "switch-types", "Switch 24P"),
                                          "port_labels": [str(i + 1) for i in range(24)]},
                     key="name", patch={"manageable": False}, bad_ref=("switchType", MISSING),
                     adds={"kind": "Switch", "manageable": True, "connectables": [None] * 24}),
    "cords": dict(body=lambda api, p: {"parent": _pop(api, p)["id"], "name": "CORD-A",
                                       "observation": "amarelo"},
                  key="name", patch={"observation": "azul, 2 m"}, bad_ref=("parent", MISSING),
                  adds={"kind": "Cord", "connectors": []}),
    "users": dict(body=_user_body, key="username",
                  patch={"name": "João da Silva", "phone": "+55 48 99999-0000"},
                  bad_ref=("role", MISSING),
                  hidden=("password",), adds={"kind": "User", "allUsers": False,
                                              "email_confirmed": False}),
}


def where(prop: str, op: str, value) -> dict:
    return {"filter": json.dumps([{"property": prop, "operator": op, "value": value}])}


@pytest.mark.parametrize("route", list(ROUND_TRIPS))
def test_round_trip(strict_api, strict_project, route):
    """POST 201 with the full object, GET 200, a filtered list, PATCH 204 then visible, DELETE
    204 then 404; an unknown field → 400 naming it (a strict tenant); a never-issued reference
    → 422 naming it; the world is unchanged by every refused request."""
    api, project = strict_api, strict_project
    case = ROUND_TRIPS[route]
    body = case["body"](api, project)
    key, hidden = case["key"], case.get("hidden", ())

    def listed() -> list[str]:
        return [r["id"] for r in api.ok("GET", route, 200, query=where(key, "=", body[key]))["rows"]]

    # refused creates leave nothing behind
    unknown = api.post(route, body={**body, "colour": "azul"})
    assert unknown.status_code == 400, unknown.get_json()
    assert unknown.get_json()["field"] == "colour"
    if case.get("bad_ref"):
        field, value = case["bad_ref"]
        bad = api.post(route, body={**body, field: value})
        assert bad.status_code == 422, bad.get_json()
        assert re.split(r"[.\[]", bad.get_json()["field"])[0] == field, bad.get_json()
    assert listed() == []

    created = api.ok("POST", route, 201, body=body)
    assert HEX24.match(created["id"]) and created["_id"] == created["id"]
    assert created["createdAt"].endswith("Z") and created["updatedAt"] >= created["createdAt"]
    for field, value in body.items():
        if field not in hidden:
            assert created[field] == value, (field, created[field], value)
    for field, value in case.get("adds", {}).items():
        assert created[field] == value, (field, created[field], value)
    for field in hidden:
        assert field not in created
    got = api.ok("GET", f"{route}/{created['id']}", 200)
    assert got == created                                       # the full object, both times
    assert listed() == [created["id"]]

    assert api.patch(f"{route}/{created['id']}", body={"colour": "azul"}).status_code == 400
    assert api.ok("PATCH", f"{route}/{created['id']}", 204, body=case["patch"]) is None
    patched = api.ok("GET", f"{route}/{created['id']}", 200)
    for field, value in case["patch"].items():
        assert patched[field] == value, (field, patched[field], value)
    assert patched["updatedAt"] >= created["updatedAt"] and patched["createdAt"] == created["createdAt"]
    untouched = {k: v for k, v in created.items() if k not in case["patch"] and k != "updatedAt"}
    assert {k: patched[k] for k in untouched} == untouched      # a partial update
    for field in hidden:
        assert field not in patched
        assert all(field not in row for row in api.ok("GET", route, 200)["rows"])
        selected = api.ok("GET", f"{route}/{created['id']}", 200, query={"select": field})
        assert field not in selected

    assert api.ok("DELETE", f"{route}/{created['id']}", 204) is None
    api.ok("GET", f"{route}/{created['id']}", 404)
    api.ok("PATCH", f"{route}/{created['id']}", 404, body=case["patch"])
    assert listed() == []


def _cable(api, project):
    """A 12-fibre cable between two new boxes 0.001° of longitude apart."""
    return api.ok("POST", "cables", 201, body=_cable_body(api, project))


def test_a_cable_is_measured_and_listed_on_its_boxes(api, project):
    cable = _cable(api, project)
    assert cable["kind"] == "Cable" and (cable["fiberNumber"], cable["looseNumber"]) == (12, 1)
    # 0.001° of longitude at 27.595° S, no pole reserves; AS80 12F loses 0.35 dB/km
    assert cable["ground_length"] == cable["length"] == pytest.approx(98.66, abs=0.01)
    assert cable["loss"] == pytest.approx(cable["length"] / 1000 * 0.35, abs=1e-4)
    for end in ("boxA", "boxB"):
        assert cable["id"] in api.ok("GET", f"boxes/{cable[end]}", 200)["cables"]
    # the type of a cable in use keeps its fibre count (the cable owns one fibre per fibre)
    changed = api.patch(f"cable-types/{cable['cableType']}", body={"fiberNumber": 24})
    assert changed.status_code == 422 and changed.get_json()["code"] == "FIBER_COUNT_MISMATCH"
    assert api.ok("GET", f"cable-types/{cable['cableType']}", 200)["fiberNumber"] == 12
    api.ok("DELETE", f"cables/{cable['id']}", 204)
    for end in ("boxA", "boxB"):
        assert cable["id"] not in api.ok("GET", f"boxes/{cable[end]}", 200)["cables"]


def test_fibers_come_with_their_cable_and_only_name_and_observation_change(strict_api,
                                                                         strict_project):
    api, project = strict_api, strict_project
    cable = _cable(api, project)
    mine = {**where("parent", "=", cable["id"]),
            "sort": json.dumps([{"property": "fiberNumber", "direction": 1}])}
    page = api.ok("GET", "fibers", 200, query={**mine, "limit": 0})
    assert page["total"] == 12 and [f["fiberNumber"] for f in page["rows"]] == list(range(1, 13))
    for fiber in page["rows"]:
        assert fiber["kind"] == "Fiber" and fiber["_id"] == fiber["id"]
        assert (fiber["parent"], fiber["project"]) == (cable["id"], project["id"])
        assert fiber["isDrop"] is False and fiber["connectors"] == []
    fiber = page["rows"][0]
    assert api.ok("GET", f"fibers/{fiber['id']}", 200) == fiber

    assert api.ok("PATCH", f"fibers/{fiber['id']}", 204,
                  body={"name": "F01 azul", "observation": "reservada"}) is None
    patched = api.ok("GET", f"fibers/{fiber['id']}", 200)
    assert (patched["name"], patched["observation"]) == ("F01 azul", "reservada")
    assert {k: v for k, v in patched.items() if k not in ("name", "observation", "updatedAt")} \
        == {k: v for k, v in fiber.items() if k not in ("name", "observation", "updatedAt")}
    # everything else is the cable's: refused as unknown fields, naming them; nothing changes
    for body in ({"fiberNumber": 3}, {"parent": cable["boxA"]}, {"isDrop": True},
                 {"connectors": []}, {"colour": "azul"}):
        refused = api.patch(f"fibers/{fiber['id']}", body=body)
        assert refused.status_code == 400, (body, refused.get_json())
        assert refused.get_json()["field"] == next(iter(body))
    assert api.ok("GET", f"fibers/{fiber['id']}", 200) == patched
    # no create or delete through /fibers
    for method, path in (("POST", "fibers"), ("DELETE", f"fibers/{fiber['id']}")):
        refused = api.request(method, path, body={"parent": cable["id"]} if method == "POST" else None)
        assert refused.status_code == 405 and refused.get_json()["code"] == "METHOD_NOT_ALLOWED"
    assert api.ok("GET", "fibers", 200, query=mine)["total"] == 12
    # they go with the cable
    api.ok("DELETE", f"cables/{cable['id']}", 204)
    api.ok("GET", f"fibers/{fiber['id']}", 404)
    assert api.ok("GET", "fibers", 200, query=mine)["total"] == 0
    api.ok("PATCH", f"fibers/{fiber['id']}", 404, body={"name": "x"})


def test_a_drop_cable_is_served_under_drops(api):
    drop_type = type_id(api, "cable-types", "DROP 1F")
    project = api.ok("POST", "projects", 201, body={
        "name": "Projeto drops", "drop": {"maxSize": 200, "type": {"cableType": drop_type}}})
    cable = _cable(api, project)
    box = make_box(api, project, name="CTO-D")
    drop = api.ok("POST", "cables", 201, body={
        "project": project["id"], "cableType": drop_type, "hierarchyLevel": 3, "implanted": True,
        "poles": [], "boxA": box["id"], "boxB": None, "name": "DROP-01"})
    assert drop["kind"] == "Drop" and drop["fiberNumber"] == 1     # the project's drop type
    assert api.ok("GET", f"drops/{drop['id']}", 200) == api.ok("GET", f"cables/{drop['id']}", 200)
    api.ok("GET", f"drops/{cable['id']}", 404)                   # a plain cable is not a drop
    drops = api.ok("GET", "drops", 200)
    assert [d["id"] for d in drops["rows"]] == [drop["id"]] and drops["total"] == 1
    assert {r["id"] for r in api.ok("GET", "cables", 200)["rows"]} == {cable["id"], drop["id"]}
    named = api.ok("GET", "drops", 200, query=where("name", "=", "DROP-01"))
    assert [d["id"] for d in named["rows"]] == [drop["id"]]
    (fiber,) = api.ok("GET", "fibers", 200, query=where("parent", "=", drop["id"]))["rows"]
    assert fiber["isDrop"] is True
    # a reservation's drop is one too: box → property
    splitter = api.ok("POST", "splitters", 201, body={
        "parent": box["id"], "splitterType": type_id(api, "splitter-types", "01/08 A C"),
        "isDrop": True, "implanted": True})
    prop = api.ok("POST", "properties", 201, body={
        "project": project["id"], "box": box["id"], "auto_connect": True,
        "coords": [-48.5481, -27.5951], "client": {"code": "DROP-C1"}})
    reservation = api.ok("GET", f"drops/{prop['drop']}", 200)
    assert (reservation["kind"], reservation["boxA"], reservation["boxB"]) == \
        ("Drop", box["id"], prop["id"])
    assert prop["connections"][0]["id"] == splitter["id"]
    assert api.ok("GET", "drops", 200)["total"] == 2
    # /drops is read-only
    for method in ("PATCH", "DELETE"):
        refused = api.request(method, f"drops/{drop['id']}",
                              body={"name": "x"} if method == "PATCH" else None)
        assert refused.status_code == 405, refused.get_json()
    api.ok("DELETE", f"cables/{drop['id']}", 204)
    api.ok("GET", f"drops/{drop['id']}", 404)


def test_users_never_return_the_password(strict_api, strict_project):
    api, project = strict_api, strict_project
    body = _user_body(api, project)
    user = api.ok("POST", "users", 201, body=body)
    assert "password" not in user
    for query in ({}, {"select": "password"}, {"select": "username password"}):
        assert "password" not in api.ok("GET", f"users/{user['id']}", 200, query=query)
        rows = api.ok("GET", "users", 200, query=query)["rows"]
        assert rows and all("password" not in row for row in rows)
    # the password is write-only: PATCH refuses it, naming it
    refused = api.patch(f"users/{user['id']}", body={"password": "outra"})
    assert refused.status_code == 400 and refused.get_json()["field"] == "password"
    # nor can a filter or a sort test it
    for query in (where("password", "=", body["password"]), where("password", "like", "s3"),
                  {"sort": json.dumps([{"property": "password", "direction": 1}])}):
        guessed = api.get("users", query=query)
        assert guessed.status_code == 400 and guessed.get_json()["code"] == "FIELD_NOT_QUERYABLE"
    duplicate = api.post("users", body={**body, "email": "outro@example.com"})
    assert duplicate.status_code == 422 and duplicate.get_json()["field"] == "username"
    refused = api.delete(f"users/{api.world.user['id']}")              # the key's own API user
    assert refused.status_code == 422 and refused.get_json()["code"] == "API_USER_IN_USE"


def test_unknown_reference_is_422_naming_the_field(api, project):
    response = api.post("boxes", body={"project": project["id"], "coords": FLORIPA,
                                       "boxType": "0" * 24, "hierarchyLevel": 3, "implanted": True})
    assert response.status_code == 422
    assert response.get_json()["field"] == "boxType"
    assert api.ok("GET", "boxes", 200)["total"] == 0


def test_malformed_object_id_is_400(api):
    response = api.get("boxes/not-an-id")
    assert response.status_code == 400 and response.get_json()["code"] == "INVALID_OBJECT_ID"


def test_unknown_field_is_refused_in_strict_mode(strict_api):
    api = strict_api
    response = api.post("tags", body={"name": "x", "allowedTypes": ["box"], "colour": "red"})
    assert response.status_code == 400
    assert response.get_json()["field"] == "colour"
    assert api.ok("GET", "tags", 200)["total"] == 0


def test_wrong_type_and_missing_required_name_the_field(api, project):
    bad = api.post("boxes", body={"project": project["id"], "coords": "here",
                                  "boxType": type_id(api, "box-types", "CTO"),
                                  "hierarchyLevel": 3, "implanted": True})
    assert bad.status_code == 400 and "coords" in bad.get_json()["field"]
    missing = api.post("projects", body={})
    assert missing.status_code == 400 and missing.get_json()["field"] == "name"


def test_connection_instructions_that_cannot_connect_are_refused_and_nothing_is_made(api,
                                                                                     project):
    """The contract says it too: ``auto_connect`` without ``box`` (or ``connector``), and a
    ``connector`` without ``port``, are 400s naming the missing field; ``port`` alone on a
    property that is not connected is a rule of its state (422)."""
    splitter = "0" * 24
    for body, field in (({"auto_connect": True}, "box"),
                        ({"auto_connect": True, "box": None}, "box"),
                        ({"connector": splitter}, "port")):
        refused = api.post("properties", body={"project": project["id"], **body})
        assert (refused.status_code, refused.get_json()["field"]) == (400, field), body
    assert api.ok("GET", "properties", 200)["total"] == 0
    prop = api.ok("POST", "properties", 201, body={"project": project["id"], "address": "x"})
    assert api.patch(f"properties/{prop['id']}", body={"connector": splitter}).status_code == 400
    moved = api.patch(f"properties/{prop['id']}", body={"port": 2})
    assert (moved.status_code, moved.get_json()["code"]) == (422, "PROPERTY_NOT_CONNECTED")
    assert api.ok("GET", f"properties/{prop['id']}", 200)["connections"] == []


@pytest.mark.parametrize("raw", [
    "{not json", '{"name": "P", "lat": NaN}', '{"name": "P", "lng": Infinity}',
    '{"name": "P", "lat": 1e400}', '{"name": ' + "[" * 5000 + "]" * 5000 + "}",
])
def test_malformed_json_is_400_and_nothing_changes(api, raw):
    """Not JSON, or JSON beyond the standard (NaN, Infinity, numbers past a double, nesting
    past 1024): 400 INVALID_JSON, in the body as in a filter, never a 500 or a stored NaN."""
    before = api.ok("GET", "projects", 200)["total"]
    response = api.post("projects", raw=raw)
    assert response.status_code == 400 and response.get_json()["code"] == "INVALID_JSON"
    assert response.get_json()["field"] == "body"
    assert api.ok("GET", "projects", 200)["total"] == before
    nan_filter = api.get("projects", query={"filter": '[{"property": "lat", "operator": "=", '
                                                      '"value": NaN}]'})
    assert nan_filter.status_code == 400 and nan_filter.get_json()["field"] == "filter"


def test_auth_errors(api):
    assert api.get("boxes", headers={"Authorization": None}).status_code == 401
    assert api.get("boxes", headers={"Authorization": "nope"}).status_code == 401
    assert api.get("boxes", headers={"Authorization": f"Bearer {api.key}"}).status_code == 200
    login = api.ok("POST", "users/login", 200, query={"type": "API"}, body={"apiKey": api.key},
                   headers={"Authorization": "true"})
    assert login["authorization"] == api.key
    assert api.post("users/login", body={"apiKey": "wrong"}).status_code == 401
    me = api.ok("GET", "authenticated", 200)
    assert me["username"] == api.world.user["username"]


def test_unknown_route_and_method_are_json(api):
    assert api.get("no-such-thing/here/deep").status_code == 404
    response = api.request("PUT", f"projects/{'a' * 24}", body={"name": "x"})
    assert response.status_code == 405 and response.get_json()["code"] == "METHOD_NOT_ALLOWED"


def test_pagination_envelope_and_next_url(api):
    ids = [api.ok("POST", "tags", 201, body={"name": f"t{i:02d}", "allowedTypes": ["box"]})["id"]
           for i in range(7)]
    seen, query = [], {"limit": 3}
    while True:
        page = api.ok("GET", "tags", 200, query=query)
        assert page["total"] == 7 and page["count"] == len(page["rows"])
        seen += [r["id"] for r in page["rows"]]
        if not page["hasNextPage"]:
            assert page["nextUrl"] is None
            break
        # follow nextUrl the way the SDK's findAll does: keep its query but drop `page`
        from urllib.parse import parse_qsl, urlsplit
        query = {k: v for k, v in parse_qsl(urlsplit(page["nextUrl"]).query) if k != "page"}
    assert seen == ids
    by_page = api.ok("GET", "tags", 200, query={"limit": 3, "page": 3})
    assert [r["id"] for r in by_page["rows"]] == ids[6:]
    assert api.ok("GET", "tags", 200, query={"limit": 0})["count"] == 7
    assert api.get("tags", query={"start": -1}).status_code == 400


def test_filter_and_sort_in_query_or_body(api):
    for name in ("b", "a", "c"):
        api.ok("POST", "tags", 201, body={"name": name, "allowedTypes": ["box"]})
    flt = [{"property": "name", "operator": "in", "value": ["a", "c"]}]
    srt = [{"property": "name", "direction": -1}]
    q = api.ok("GET", "tags", 200, query={"filter": json.dumps(flt), "sort": json.dumps(srt)})
    b = api.ok("GET", "tags", 200, body={"filter": flt, "sort": srt})
    assert [r["name"] for r in q["rows"]] == [r["name"] for r in b["rows"]] == ["c", "a"]
    bad = api.get("tags", query={"filter": "[{oops"})
    assert bad.status_code == 400 and bad.get_json()["code"] == "INVALID_JSON"
    unknown = api.get("tags", query={"filter": json.dumps(
        [{"property": "name", "operator": "regex", "value": "a"}])})
    assert unknown.status_code == 400 and "regex" in unknown.get_json()["message"]


def test_select_and_populate(api, project):
    box = make_box(api, project)
    row = api.ok("GET", "boxes", 200, query={"select": "name"})["rows"][0]
    assert set(row) <= {"id", "_id", "kind", "name", "lat", "lng"} and row["name"] == box["name"]
    populated = api.ok("GET", f"boxes/{box['id']}", 200, query={"populate": "project"})
    assert populated["project"]["id"] == project["id"] and populated["project"]["_id"]
    repeated = api.ok("GET", "boxes", 200, query=[("populate[]", "project"),
                                                   ("populate[]", "boxType")])["rows"][0]
    assert repeated["boxType"]["code"] == "CTO"


def test_tombstones_for_deletion_sync(api):
    tag = api.ok("POST", "tags", 201, body={"name": "gone", "allowedTypes": ["box"]})
    api.ok("DELETE", f"tags/{tag['id']}", 204)
    deleted = api.ok("GET", "tags", 200, query={"filter": json.dumps(
        [{"property": "deletedAt", "operator": ">=", "value": "2000-01-01T00:00:00.000Z"}])})
    assert [(r["id"], r["kind"]) for r in deleted["rows"]] == [(tag["id"], "Tag")]
    assert api.ok("GET", "tags", 200)["total"] == 0


def test_deleting_a_referenced_element_is_refused(api, project):
    make_box(api, project)
    response = api.delete(f"projects/{project['id']}")
    assert response.status_code == 422 and response.get_json()["code"] == "ELEMENT_IN_USE"
    api.ok("GET", f"projects/{project['id']}", 200)


def test_tag_allowed_types(api, project):
    tag = api.ok("POST", "tags", 201, body={"name": "só clientes", "allowedTypes": ["client"]})
    response = api.post("boxes", body={"project": project["id"], "coords": FLORIPA,
                                       "boxType": type_id(api, "box-types", "CTO"),
                                       "hierarchyLevel": 3, "implanted": True, "tags": [tag["id"]]})
    assert response.status_code == 422 and response.get_json()["code"] == "TAG_TYPE_NOT_ALLOWED"


def test_external_id_is_unique_per_resource(api):
    api.ok("POST", "prospects", 201, body={"name": "a", "external_id": "X1"})
    response = api.post("prospects", body={"name": "b", "external_id": "X1"})
    assert response.status_code == 422 and response.get_json()["code"] == "DUPLICATE_EXTERNAL_ID"


def test_pole_adjacency_is_undirected(api):
    pole_type = type_id(api, "pole-types", "Poste de concreto")
    a = api.ok("POST", "poles", 201, body={"coords": FLORIPA, "poleType": pole_type})
    b = api.ok("POST", "poles", 201, body={"coords": [-48.549, -27.595], "poleType": pole_type,
                                           "adjacents": [a["id"]]})
    assert api.ok("GET", f"poles/{a['id']}", 200)["adjacents"] == [b["id"]]
    api.ok("DELETE", f"poles/{b['id']}", 204)
    assert api.ok("GET", f"poles/{a['id']}", 200)["adjacents"] == []


def test_olt_slot_pon_chain_and_project_scoping(api, project):
    pop = api.ok("POST", "pops", 201, body={"project": project["id"], "coords": FLORIPA,
                                            "popType": type_id(api, "pop-types", "POP"),
                                            "hierarchyLevel": 1, "implanted": True})
    shelf = api.ok("POST", "shelfs", 201, body={"parent": pop["id"], "shelfType": type_id(
        api, "shelf-types", 'Rack 19" 44U')})
    olt = api.ok("POST", "olts", 201, body={"parent": pop["id"], "project": project["id"],
                                            "shelf": shelf["id"], "oltType": type_id(api, "olt-types",
                                                                                   "OLT 8x16")})
    assert api.ok("GET", f"shelfs/{shelf['id']}", 200)["connectables"] == [None, [olt["id"]]]
    slot = api.ok("POST", "slots", 201, body={"olt": olt["id"], "parent": pop["id"],
                                              "starting_pon_number": 1})
    pon = api.ok("POST", "pons", 201, body={"slot": slot["id"], "project": project["id"],
                                            "parent": pop["id"], "name": "PON 1", "potency": 0})
    assert api.ok("GET", f"olts/{olt['id']}", 200)["connectables"] == [slot["id"]]
    assert api.ok("GET", f"slots/{slot['id']}", 200)["connectables"] == [pon["id"]]
    api.ok("PATCH", f"pons/{pon['id']}", 204, body={"potency": 4.5})
    assert api.ok("GET", f"pons/{pon['id']}", 200)["potency"] == 4.5


def test_system_configs_is_one_object(api):
    config = api.ok("GET", "system-configs", 200)
    assert [level["name"] for level in config["hierarchyLevels"]["boxes"]] == ["POP", "CE", "CTO"]


def test_a_literal_route_with_another_method_is_405_not_an_id(api):
    """``batch-update`` and ``login`` are routes of their own, not ids of a document."""
    for method, path in (("GET", "properties/batch-update"), ("DELETE", "ftth-clients/batch-update"),
                         ("GET", "users/login"), ("PATCH", "properties/batch-update")):
        response = api.request(method, path, body={} if method == "PATCH" else None)
        assert response.status_code == 405, (method, path, response.get_json())
        assert response.get_json()["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("client, field, code", [
    ({"code": 5}, "client.code", "INVALID_FIELD"),
    ({"code": "n1", "foo": 1}, "client.foo", "UNKNOWN_FIELD"),
    ({"onu": {"bad": 1}}, "client.onu.bad", "UNKNOWN_FIELD"),
])
def test_errors_inside_alternatives_name_the_nested_field(strict_api, strict_project, client,
                                                           field, code):
    """``client`` is an id or a nested client (oneOf): the error names the nested field."""
    api, project = strict_api, strict_project
    prop = api.ok("POST", "properties", 201, body={"project": project["id"]})
    response = api.patch(f"properties/{prop['id']}", body={"client": client})
    assert response.status_code == 400, response.get_json()
    assert (response.get_json()["field"], response.get_json()["code"]) == (field, code)
    assert api.ok("GET", f"properties/{prop['id']}", 200)["client"] is None
