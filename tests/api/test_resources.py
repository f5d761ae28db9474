"""Every resource through HTTP: status codes, defaults, references, errors, lists."""
from __future__ import annotations

import json

import pytest

from .conftest import type_id

FLORIPA = [-48.548, -27.595]


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


@pytest.mark.parametrize("route, body", [
    ("tags", {"name": "Falha massiva", "allowedTypes": ["box", "client"]}),
    ("prospects", {"name": "Maria", "coords": FLORIPA, "viable": False}),
    ("pendency-types", {"name": "Vistoria"}),
    ("colors", {"name": "Verde", "color": "#00FF00"}),
    ("pole-types", {"name": "Madeira"}),
])
def test_simple_resources_round_trip(api, route, body):
    created = api.ok("POST", route, 201, body=body)
    for key, value in body.items():
        assert created[key] == value
    listed = api.ok("GET", route, 200, query={"filter": json.dumps(
        [{"property": "id", "operator": "=", "value": created["id"]}])})
    assert listed["total"] == 1 and listed["rows"][0]["id"] == created["id"]
    api.ok("DELETE", f"{route}/{created['id']}", 204)
    api.ok("GET", f"{route}/{created['id']}", 404)


def test_unknown_reference_is_422_naming_the_field(api, project):
    response = api.post("boxes", body={"project": project["id"], "coords": FLORIPA,
                                       "boxType": "0" * 24, "hierarchyLevel": 3, "implanted": True})
    assert response.status_code == 422
    assert response.get_json()["field"] == "boxType"
    assert api.ok("GET", "boxes", 200)["total"] == 0


def test_malformed_object_id_is_400(api):
    response = api.get("boxes/not-an-id")
    assert response.status_code == 400 and response.get_json()["code"] == "INVALID_OBJECT_ID"


def test_unknown_field_is_refused_in_strict_mode(api, project):
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


def test_malformed_json_is_400_and_nothing_changes(api):
    before = api.ok("GET", "projects", 200)["total"]
    response = api.post("projects", raw="{not json")
    assert response.status_code == 400 and response.get_json()["code"] == "INVALID_JSON"
    assert api.ok("GET", "projects", 200)["total"] == before


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
    olt = api.ok("POST", "olts", 201, body={"parent": pop["id"], "project": project["id"],
                                            "shelf": "5" * 24, "oltType": type_id(api, "olt-types",
                                                                                "OLT 8x16")})
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
