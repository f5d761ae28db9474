"""The resource families the SDK 1.1.8 calls beyond the original CRUD ones, through HTTP:
the references they check and the state their writes leave (the generic round trip of each
is in ``test_resources.ROUND_TRIPS``)."""
from __future__ import annotations

from .conftest import type_id

MISSING = "0123456789abcdef01234567"


def _user(api, project, **extra):
    role = type_id(api, "roles", "Administrador")
    return api.ok("POST", "users", 201, body={
        "username": f"u{len(api.world.docs['users'])}", "name": "Ana", "email": "ana@example.com",
        "password": "s", "resources": [], "role": role, "projectGroups": [],
        "projects": [{"project": project["id"], "role": role, "fromGroup": False}], **extra})


# ---- access: roles and project groups ---------------------------------------------------------
def test_users_reference_existing_roles_and_groups(api, project):
    role = type_id(api, "roles", "Administrador")
    assert api.world.user["role"] == role                       # the API user's role ships too
    for body, field in (({"role": MISSING}, "role"),
                        ({"projects": [{"project": project["id"], "role": MISSING,
                                        "fromGroup": False}]}, "projects[0].role"),
                        ({"projectGroups": [{"group": MISSING}]}, "projectGroups[0].group")):
        refused = api.post("users", body={**_user_body(api, project), **body})
        assert refused.status_code == 422, refused.get_json()
        assert (refused.get_json()["code"], refused.get_json()["field"]) == ("REFERENCE_NOT_FOUND", field)
    user = _user(api, project)
    in_use = api.delete(f"roles/{role}")
    assert in_use.status_code == 422 and in_use.get_json()["code"] == "ELEMENT_IN_USE"
    assert user["role"] == role


def _user_body(api, project):
    return {"username": "x", "name": "X", "email": "x@example.com", "password": "s",
            "resources": [], "role": type_id(api, "roles", "Administrador"), "projects": [],
            "projectGroups": []}


def test_a_project_group_names_its_members_and_leaves_them_when_deleted(api, project):
    ana, bia = _user(api, project), _user(api, project)
    group = api.ok("POST", "project-groups", 201, body={
        "name": "Norte", "projects": [{"project": project["id"]}], "users": [ana["id"]]})
    assert "users" not in group                                   # an instruction, not stored

    def groups(user):
        return api.ok("GET", f"users/{user['id']}", 200)["projectGroups"]

    assert groups(ana) == [{"group": group["id"]}] and groups(bia) == []
    api.ok("PATCH", f"project-groups/{group['id']}", 204, body={"users": [bia["id"]]})
    assert groups(ana) == [] and groups(bia) == [{"group": group["id"]}]
    unknown = api.patch(f"project-groups/{group['id']}", body={"users": [MISSING]})
    assert unknown.status_code == 422 and unknown.get_json()["field"] == "users[0]"
    assert groups(bia) == [{"group": group["id"]}]                # refused: nothing changed
    listed = api.delete(f"projects/{project['id']}")              # a group lists the project
    assert listed.status_code == 422 and listed.get_json()["code"] == "ELEMENT_IN_USE"
    api.ok("DELETE", f"project-groups/{group['id']}", 204)
    assert groups(bia) == []


# ---- types the elements reference ---------------------------------------------------------------
def test_the_default_box_template_ships_with_its_fixed_id(api, project):
    template = api.ok("GET", "box-templates/589de1d126324a2564a6c4d0", 200)
    assert template["name"] == "Padrão"
    box = api.ok("POST", "boxes", 201, body={
        "project": project["id"], "coords": [-48.5, -27.5], "boxType": type_id(api, "box-types", "CTO"),
        "hierarchyLevel": 3, "implanted": True})
    assert box["template"] == template["id"]
    refused = api.delete(f"box-templates/{template['id']}")
    assert refused.status_code == 422 and refused.get_json()["code"] == "ELEMENT_IN_USE"
    bad = api.post("boxes", body={"project": project["id"], "coords": [-48.5, -27.5],
                                  "boxType": type_id(api, "box-types", "CTO"), "hierarchyLevel": 3,
                                  "implanted": True, "template": MISSING})
    assert bad.status_code == 422 and bad.get_json()["field"] == "template"


def test_cable_types_name_an_existing_fibre_profile(api):
    abnt = type_id(api, "fiber-profiles", "ABNT")
    assert all(t["fiberProfile"] == abnt for t in api.ok("GET", "cable-types", 200)["rows"])
    refused = api.delete(f"fiber-profiles/{abnt}")
    assert refused.status_code == 422 and refused.get_json()["code"] == "ELEMENT_IN_USE"


# ---- system configuration -------------------------------------------------------------------
def test_the_system_configuration_is_a_document_that_takes_a_patch(api):
    config = api.ok("GET", "system-configs", 200)
    assert config["kind"] == "SystemConfig" and config["_id"] == config["id"]
    assert [level["name"] for level in config["hierarchyLevels"]["boxes"]] == ["POP", "CE", "CTO"]
    boxes = [{"id": 1, "name": "POP"}, {"id": 2, "name": "CEO"}, {"id": 3, "name": "CTO"}]
    api.ok("PATCH", f"system-configs/{config['id']}", 204,
           body={**config, "hierarchyLevels": {"boxes": boxes}})        # the SDK sends it whole
    after = api.ok("GET", "system-configs", 200)
    assert after["hierarchyLevels"]["boxes"] == boxes
    assert after["hierarchyLevels"]["cables"] == config["hierarchyLevels"]["cables"]
    assert after["updatedAt"] >= config["updatedAt"] and after["createdAt"] == config["createdAt"]
    api.ok("PATCH", f"system-configs/{MISSING}", 404, body={"hierarchyLevels": {}})
