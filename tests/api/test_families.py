"""The resource families the SDK 1.1.8 calls beyond the original CRUD ones, through HTTP:
the references they check and the state their writes leave (the generic round trip of each
is in ``test_resources.ROUND_TRIPS``)."""
from __future__ import annotations

import io
import json

from .conftest import conformance, type_id

MISSING = "0123456789abcdef01234567"


def where(prop: str, op: str, value) -> dict:
    return {"filter": json.dumps([{"property": prop, "operator": op, "value": value}])}


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


# ---- the map's passive plant: points, junction boxes, ducts, cable paths and ends -------------
FLORIPA = [-48.548, -27.595]


def _box(api, project, **extra):
    return api.ok("POST", "boxes", 201, body={
        "project": project["id"], "coords": FLORIPA, "boxType": type_id(api, "box-types", "CTO"),
        "hierarchyLevel": 3, "implanted": True, **extra})


def _cable(api, project, **extra):
    return api.post("cables", body={
        "project": project["id"], "cableType": type_id(api, "cable-types", "AS80 12F"),
        "hierarchyLevel": 2, "implanted": True, **extra})


def test_positions_come_as_lat_lng_and_win_over_coords(api, project):
    box = _box(api, project, coords=[0, 0], lat=-27.6, lng=-48.5)
    assert box["coords"] == [-48.5, -27.6] and (box["lat"], box["lng"]) == (-27.6, -48.5)
    without = api.post("boxes", body={"project": project["id"], "lat": -27.61, "lng": -48.51,
                                      "boxType": type_id(api, "box-types", "CTO"),
                                      "hierarchyLevel": 3, "implanted": True})
    assert without.status_code == 201 and without.get_json()["coords"] == [-48.51, -27.61]
    api.ok("PATCH", f"boxes/{box['id']}", 204, body={"lat": -27.7, "lng": -48.7})
    assert api.ok("GET", f"boxes/{box['id']}", 200)["coords"] == [-48.7, -27.7]
    half = api.post("prospects", body={"name": "Lead", "lat": -27.6})
    assert half.status_code == 400 and half.get_json()["field"] == "lng"
    lead = api.ok("POST", "prospects", 201, body={"name": "Lead", "lat": -27.6, "lng": -48.6})
    assert lead["coords"] == [-48.6, -27.6] and "lat" not in lead      # prospects render no lat/lng
    neither = api.post("boxes", body={"project": project["id"], "hierarchyLevel": 3,
                                      "boxType": type_id(api, "box-types", "CTO"), "implanted": True})
    assert neither.status_code == 400


def test_a_box_sent_with_coordinates_and_no_pole_gets_its_point(api, project):
    box = _box(api, project)
    point = api.ok("GET", f"points/{box['pole']}", 200)
    assert point["coords"] == box["coords"] and point["kind"] == "Point"
    listed = api.ok("GET", "base-points", 200, query=where("id", "=", point["id"]))
    assert [r["kind"] for r in listed["rows"]] == ["Point"]
    assert api.ok("GET", f"base-points/{point['id']}", 200) == point
    on_pole = _box(api, project, pole=box["pole"])                # given a pole: none created
    assert on_pole["pole"] == box["pole"]
    in_use = api.delete(f"points/{point['id']}")
    assert in_use.status_code == 422 and in_use.get_json()["code"] == "ELEMENT_IN_USE"


def test_adjacency_is_mirrored_across_poles_points_and_junction_boxes(api, project):
    pole = api.ok("POST", "poles", 201, body={"coords": FLORIPA,
                                             "poleType": type_id(api, "pole-types", "Poste de concreto")})
    point = api.ok("POST", "points", 201, body={"coords": [-48.549, -27.595]})
    api.ok("PATCH", f"poles/{pole['id']}", 204, body={"adjacents": [point["id"]]})
    assert api.ok("GET", f"points/{point['id']}", 200)["adjacents"] == [pole["id"]]
    api.ok("DELETE", f"points/{point['id']}", 204)
    assert api.ok("GET", f"poles/{pole['id']}", 200)["adjacents"] == []


def test_a_cable_path_creates_points_and_inline_boxes(api, project):
    a = _box(api, project, name="CEO-A")
    pole = api.ok("POST", "points", 201, body={"coords": [-48.5487, -27.5957]})
    response = _cable(api, project, boxA=a["id"], poles=[
        {"lat": -27.5955, "lng": -48.5485}, {"id": pole["id"], "reserve": 10},
        {"lat": -27.596, "lng": -48.549}],
        boxB={"boxType": type_id(api, "box-types", "CTO"), "hierarchyLevel": 3, "implanted": True,
              "name": "CTO-NOVA"})
    assert response.status_code == 201, response.get_json()
    cable = response.get_json()
    first, _, last = (api.ok("GET", f"points/{p['id']}", 200) for p in cable["poles"])
    assert first["coords"] == [-48.5485, -27.5955] and cable["poles"][1] == {"id": pole["id"],
                                                                              "reserve": 10}
    new_box = api.ok("GET", f"boxes/{cable['boxB']}", 200)
    assert new_box["name"] == "CTO-NOVA" and new_box["project"] == project["id"]
    assert new_box["coords"] == last["coords"] and new_box["pole"] == last["id"]
    assert new_box["cables"] == [cable["id"]] and cable["length"] > 10
    stranded = _cable(api, project, poles=[], boxA={"boxType": type_id(api, "box-types", "CTO"),
                                                     "hierarchyLevel": 3, "implanted": True})
    assert stranded.status_code == 422
    assert stranded.get_json()["code"] == "INLINE_BOX_NEEDS_POSITION"


def test_a_loose_end_is_a_cable_stub_until_it_reaches_a_box(api, project):
    a = _box(api, project, name="CEO-A")
    cable = _cable(api, project, boxA=a["id"], boxB=None,
                   poles=[{"lat": -27.5955, "lng": -48.5485}]).get_json()
    stub = api.ok("GET", f"cable-stubs/{cable['boxB']}", 200)
    assert stub["kind"] == "CableStub" and stub["cables"] == [cable["id"]]
    assert stub["pole"] == cable["poles"][0]["id"] and stub["project"] == project["id"]
    assert api.ok("GET", f"base-boxes/{stub['id']}", 200) == stub
    kinds = {r["kind"] for r in api.ok("GET", "base-boxes", 200, query={"limit": 0})["rows"]}
    assert kinds == {"Box", "CableStub"}
    assert api.request("POST", "cable-stubs", body={}).status_code == 405
    b = _box(api, project, name="CTO-B", coords=[-48.549, -27.596])
    api.ok("PATCH", f"cables/{cable['id']}", 204, body={"boxB": b["id"]})
    api.ok("GET", f"cable-stubs/{stub['id']}", 404)                # its cable left it
    api.ok("PATCH", f"cables/{cable['id']}", 204, body={"boxB": None})
    stub = api.ok("GET", "cable-stubs", 200)["rows"][0]
    api.ok("DELETE", f"cables/{cable['id']}", 204)
    api.ok("GET", f"cable-stubs/{stub['id']}", 404)
    assert api.world.check_invariants() is None


def test_ducts_are_measured_hold_sub_ducts_and_take_them_along(api, project):
    kind = type_id(api, "junction-box-types", "Caixa subterrânea")
    a, b = (api.ok("POST", "junction-boxes", 201, body={
        "project": project["id"], "coords": coords, "name": name, "junctionBoxType": kind})
        for name, coords in (("CS-A", FLORIPA), ("CS-B", [-48.549, -27.595])))
    duct_type = type_id(api, "duct-types", "Duto PEAD 40mm")
    duct = api.ok("POST", "ducts", 201, body={
        "project": project["id"], "ductType": duct_type, "edgeA": a["id"], "edgeB": b["id"],
        "points": [], "tags": [], "subDucts": [{"subDucts": [{}]}, {}]})
    assert 95 < duct["length"] < 100 and duct["index"] == 1 and "subDucts" not in duct
    inside = api.ok("GET", "ducts", 200, query=where("parent", "=", duct["id"]))
    assert inside["total"] == 3
    assert sorted(r["index"] for r in inside["rows"] if r["immediateParent"] == duct["id"]) == [1, 2]
    api.ok("DELETE", f"ducts/{duct['id']}", 204)
    assert api.ok("GET", "ducts", 200)["total"] == 0


def test_within_a_region(api, project):
    square = {"type": "Polygon", "coordinates": [[[-48.549, -27.596], [-48.547, -27.596],
                                                  [-48.547, -27.594], [-48.549, -27.594],
                                                  [-48.549, -27.596]]]}
    region = api.ok("POST", "regions", 201, body={
        "polygon": square, "regionType": type_id(api, "region-types", "Bairro"), "tags": [],
        "projects": [project["id"]]})
    inside, outside = _box(api, project), _box(api, project, coords=[-48.6, -27.6])
    found = api.ok("GET", "boxes", 200,
                   query=where("coords", "within", {"model": "region", "id": region["id"]}))
    assert [r["id"] for r in found["rows"]] == [inside["id"]] and outside["id"]
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    refused = api.post("regions", body={"polygon": bow_tie, "tags": [], "projects": [],
                                        "regionType": type_id(api, "region-types", "Bairro")})
    assert refused.status_code == 422 and refused.get_json()["code"] == "INVALID_POLYGON"


# ---- inside boxes and POPs: network connectors and connectables ----------------------------
def _pop(api, project):
    return api.ok("POST", "pops", 201, body={"project": project["id"], "coords": FLORIPA,
                                             "popType": type_id(api, "pop-types", "POP"),
                                             "hierarchyLevel": 1, "implanted": True})


def test_network_connectors_and_connectables_are_views_over_their_collections(api, project):
    pop = _pop(api, project)
    shelf = api.ok("POST", "shelfs", 201, body={"parent": pop["id"], "shelfType": type_id(
        api, "shelf-types", 'Rack 19" 44U')})
    dio = api.ok("POST", "dios", 201, body={"parent": pop["id"], "shelf": shelf["id"],
                                            "dioType": type_id(api, "dio-types", "DIO 24")})
    cord = api.ok("POST", "cords", 201, body={"parent": pop["id"], "name": "C1", "observation": ""})
    wiring = {"input": [None] * 24, "output": [cord["id"]] + [None] * 23}
    api.ok("PATCH", f"dios/{dio['id']}", 204, body={"connectables": wiring})
    assert api.ok("GET", f"network-connectables/{cord['id']}", 200)["connectors"] == [dio["id"]]
    rows = api.ok("GET", "network-connectors", 200,
                  query=where("parent", "=", pop["id"]))["rows"]
    assert [(r["kind"], r["id"]) for r in rows] == [("Shelf", shelf["id"]), ("DIO", dio["id"])]
    assert api.ok("GET", f"network-connectors/{shelf['id']}", 200)["connectables"] == \
        [None, [dio["id"]]]
    kinds = {r["kind"] for r in api.ok("GET", "network-connectables", 200, query={"limit": 0})["rows"]}
    assert kinds == {"Cord"}
    assert api.request("POST", "network-connectors", body={}).status_code == 405
    assert api.request("POST", "passings", body={}).status_code == 405
    in_use = api.delete(f"shelfs/{shelf['id']}")
    assert in_use.status_code == 422 and in_use.get_json()["code"] == "ELEMENT_IN_USE"
    api.ok("DELETE", f"cords/{cord['id']}", 204)
    assert api.ok("GET", f"dios/{dio['id']}", 200)["connectables"]["output"][0] is None


def test_counts_read_as_javascript_reads_them_and_are_bounded(api, project):
    """``4.0`` is 4 (OZmap is a JavaScript server); a type cannot promise a million positions."""
    made = api.ok("POST", "dio-types", 201, body={"code": "DIO 4", "ratio": 4.0, "tray_number": 1.0})
    assert made["ratio"] == 4 and isinstance(made["ratio"], int)
    dio = api.ok("POST", "dios", 201, body={"parent": _pop(api, project)["id"],
                                            "dioType": made["id"]})
    assert dio["port_labels"] == ["1", "2", "3", "4"]
    for route, body in (("dio-types", {"code": "DIO 1M", "ratio": 10 ** 6}),
                        ("switch-types", {"code": "SW 1M", "ratio": 10 ** 6}),
                        ("cable-types", {"code": "1M F", "fiberNumber": 10 ** 6, "looseNumber": 1,
                                         "base_loss": 0.35})):
        refused = api.post(route, body=body)
        assert refused.status_code == 400, (route, refused.get_json())
        assert refused.get_json()["field"] in ("ratio", "fiberNumber")


# ---- box internals: topology, design, structure --------------------------------------------------
def _cto_with_a_cable(api, project):
    """A CEO and a CTO joined by a 12-fibre cable; a 1x8 service splitter in the CTO."""
    ceo = _box(api, project, name="CEO", coords=[-48.549, -27.595])
    cto = _box(api, project, name="CTO")
    cable = _cable(api, project, boxA=ceo["id"], boxB=cto["id"], poles=[]).get_json()
    splitter = api.ok("POST", "splitters", 201, body={
        "parent": cto["id"], "isDrop": True,
        "splitterType": type_id(api, "splitter-types", "01/08 A C")})
    return cto, cable, splitter


def test_the_topology_is_what_the_box_holds(api, project):
    cto, cable, splitter = _cto_with_a_cable(api, project)
    prop = api.ok("POST", "properties", 201, body={"box": cto["id"], "auto_connect": True,
                                                    "client": {"code": "T-1"}})
    topology = api.ok("GET", f"base-boxes/{cto['id']}/topology", 200)
    assert topology["box"] == cto["id"] and list(topology["cables"]) == [cable["id"]]
    record = topology["cables"][cable["id"]]
    assert len(record["fibers"]) == 12 and record["fibersColourMap"][:2] == ["verde", "amarelo"]
    [drop] = topology["drops"].values()
    assert drop["propertyData"]["id"] == prop["id"] and drop["propertyData"]["client"]["code"] == "T-1"
    spl = topology["splitters"][splitter["id"]]
    assert spl["code"] == "01/08 A C" and spl["connectables"]["output"][0] == \
        api.ok("GET", f"splitters/{splitter['id']}", 200)["connectables"]["output"][0]
    assert api.ok("GET", f"base-boxes/{cto['id']}/topology", 200)["checksum"] == topology["checksum"]
    api.ok("GET", f"base-boxes/{MISSING}/topology", 404)


def test_a_structure_wires_the_box_and_keeps_its_drawing(api, project):
    cto, cable, splitter = _cto_with_a_cable(api, project)
    topology = api.ok("GET", f"base-boxes/{cto['id']}/topology", 200)
    fibers = topology["cables"][cable["id"]]["fibers"]
    design = api.ok("GET", f"base-boxes/{cto['id']}/design", 200)
    assert design["id"] is None and splitter["id"] in design["positions"]["splitters"]
    spl = topology["splitters"][splitter["id"]]
    spl["connectables"] = {"input": [fibers[0]], "output": spl["connectables"]["output"]}
    topology["passings"] = {MISSING: {"id": MISSING, "connectables": [fibers[1], fibers[2]]}}
    design["positions"]["splitters"][splitter["id"]] = {"x": 420, "y": 40}
    api.ok("PATCH", f"base-boxes/{cto['id']}/structure", 204,
           body={"structure": {"topology": topology, "design": design}})
    after = api.ok("GET", f"base-boxes/{cto['id']}/topology", 200)
    assert after["splitters"][splitter["id"]]["connectables"]["input"] == [fibers[0]]
    [passing] = after["passings"].values()
    assert passing["connectables"] == [fibers[1], fibers[2]] and passing["id"] != MISSING
    assert api.ok("GET", f"fibers/{fibers[1]}", 200)["connectors"] == [passing["id"]]
    kept = api.ok("GET", f"base-boxes/{cto['id']}/design", 200)
    assert kept["positions"]["splitters"][splitter["id"]] == {"x": 420, "y": 40} and kept["id"]
    # the checksum read before is stale now: 409, nothing changes
    stale = api.patch(f"base-boxes/{cto['id']}/structure",
                      body={"structure": {"topology": {**topology, "passings": {}}}})
    assert stale.status_code == 409 and stale.get_json()["code"] == "STRUCTURE_CHANGED"
    # a passings list without it removes the passing; an element of another box is refused whole
    api.ok("PATCH", f"base-boxes/{cto['id']}/structure", 204,
           body={"structure": {"topology": {"passings": {}}}})
    assert api.ok("GET", "passings", 200)["total"] == 0
    other = api.ok("POST", "splitters", 201, body={"parent": cable["boxA"], "isDrop": False,
                                                   "splitterType": type_id(api, "splitter-types",
                                                                           "01/08 R F")})
    elsewhere = api.patch(f"base-boxes/{cto['id']}/structure", body={"structure": {"topology": {
        "cords": {MISSING: {"id": MISSING, "name": "C", "observation": ""}},
        "splitters": {other["id"]: {"name": "x"}}}}})
    assert elsewhere.status_code == 422 and elsewhere.get_json()["code"] == "ELEMENT_ELSEWHERE"
    assert api.ok("GET", "cords", 200)["total"] == 0                   # all or nothing
    assert api.world.check_invariants() is None


# ---- change requests ------------------------------------------------------------------------------
def test_a_box_structure_change_request_is_applied_when_approved(api, project):
    cto, cable, splitter = _cto_with_a_cable(api, project)
    fibers = api.ok("GET", f"base-boxes/{cto['id']}/topology", 200)["cables"][cable["id"]]["fibers"]
    structure = {"topology": {"splitters": {splitter["id"]: {"connectables": {
        "input": [fibers[0]], "output": [None] * 8}}}}, "design": {"positions": {}}}
    bad = api.post("change-requests/box-structures", body={
        "element": {"id": MISSING, "kind": "box"}, "description": "ligar", "structure": structure})
    assert bad.status_code == 422 and bad.get_json()["field"] == "element.id"
    request = api.ok("POST", "change-requests/box-structures", 201, body={
        "element": {"id": cto["id"], "kind": "box"}, "description": "ligar o splitter",
        "structure": structure})
    assert (request["kind"], request["status"], request["code"]) == ("BoxStructure", "pending", "CR-000001")
    assert request["project"] == project["id"] and request["createdBy"] == api.world.user["id"]
    assert api.ok("GET", f"change-requests/{request['id']}", 200) == request
    wrong = api.patch(f"change-requests/box-structures/{request['id']}/review",
                      body={"elementId": MISSING, "kind": "BoxStructure", "status": "approved"})
    assert wrong.status_code == 422 and wrong.get_json()["field"] == "elementId"
    api.ok("PATCH", f"change-requests/box-structures/{request['id']}/review", 204,
           body={"elementId": cto["id"], "kind": "BoxStructure", "status": "approved"})
    assert api.ok("GET", f"splitters/{splitter['id']}", 200)["connectables"]["input"] == [fibers[0]]
    settled = api.ok("GET", f"change-requests/box-structures/{request['id']}", 200)
    assert settled["status"] == "approved" and settled["review"]["by"]["id"] == api.world.user["id"]
    again = api.patch(f"change-requests/box-structures/{request['id']}", body={"description": "outra"})
    assert again.status_code == 422 and again.get_json()["code"] == "CHANGE_REQUEST_REVIEWED"


def test_a_box_create_request_makes_its_box_when_approved(api, project):
    data = {"boxType": type_id(api, "box-types", "CTO"), "project": project["id"],
            "coords": [-48.548, -27.595], "name": "CTO-NOVA"}
    first = api.ok("POST", "box-create-requests", 201, body={"description": "nova CTO", "boxData": data})
    second = api.ok("POST", "box-create-requests", 201, body={"description": "outra CTO", "boxData": data})
    assert first["element"] == {"id": None, "kind": "box"} and second["code"] == "CR-000002"
    listed = api.ok("GET", "change-requests", 200)
    assert [r["id"] for r in listed["rows"]] == [first["id"], second["id"]]
    approved = api.ok("POST", f"box-create-requests/{first['id']}/approve", 200,
                      body={"observation": "ok", "boxData": {"implanted": True}})
    box = api.ok("GET", f"boxes/{approved['element']['id']}", 200)
    assert box["name"] == "CTO-NOVA" and box["hierarchyLevel"] == 3 and box["implanted"] is True
    assert approved["status"] == "approved" and approved["observation"] == "ok"
    no_reason = api.post(f"box-create-requests/{second['id']}/reject", body={"observation": ""})
    assert no_reason.status_code == 400
    rejected = api.ok("POST", f"box-create-requests/{second['id']}/reject", 200,
                      body={"observation": "já existe"})
    assert rejected["status"] == "rejected" and rejected["element"]["id"] is None
    twice = api.post(f"box-create-requests/{second['id']}/approve", body={})
    assert twice.status_code == 422 and twice.get_json()["code"] == "CHANGE_REQUEST_REVIEWED"
    assert api.ok("GET", "boxes", 200, query=where("name", "=", "CTO-NOVA"))["total"] == 1


# ---- posts and files --------------------------------------------------------------------------
def _form(api, path: str, fields: dict, files=()):
    """A multipart POST as the SDK sends it (every response checked against the contract)."""
    data = {**fields, **({"files": [(io.BytesIO(content), name) for name, content in files]}
                         if files else {})}
    response = api.http.post(f"/api/v2/{path}", data=data, content_type="multipart/form-data",
                             headers={"Authorization": api.key})
    problems = conformance("POST", response)
    assert not problems, problems
    return response


def test_a_post_pins_a_note_on_an_element_and_keeps_its_files(api, project):
    box = _box(api, project)
    tag = api.ok("POST", "tags", 201, body={"name": "foto", "allowedTypes": ["post"]})
    made = _form(api, "posts", {"element.kind": "box", "element.id": box["id"], "title": "Sem tampa",
                                "tags.0": tag["id"]})
    assert made.status_code == 201, made.get_json()
    post = made.get_json()
    assert post["element"] == {"id": box["id"], "kind": "box"} and post["tags"] == [tag["id"]]
    assert post["project"] == project["id"] and post["owner"] == api.world.user["id"]
    photo, plan = b"\xff\xd8\xff\xe0jpeg bytes", b"%PDF-1.4 plan"
    uploaded = _form(api, "files", {"element.kind": "post", "element.id": post["id"]},
                     files=[("tampa.jpg", photo), ("planta.pdf", plan)])
    assert uploaded.status_code == 201, uploaded.get_json()
    files = uploaded.get_json()
    assert [(f["name"], f["size"]) for f in files] == [("tampa.jpg", len(photo)), ("planta.pdf", len(plan))]
    assert api.ok("GET", f"posts/{post['id']}", 200)["files"] == [f["id"] for f in files]
    served = api.get(f"files/{files[0]['id']}/content")
    assert served.status_code == 200 and served.data == photo
    assert served.mimetype == "image/jpeg" and "content" not in api.ok("GET", f"files/{files[0]['id']}", 200)
    api.ok("PATCH", f"posts/{post['id']}", 204, body={"observation": "tampa trocada"})
    api.ok("DELETE", f"posts/{post['id']}", 204)
    api.ok("GET", f"files/{files[1]['id']}", 404)


def test_posts_name_existing_elements_as_json_too(api, project):
    box = _box(api, project)
    post = api.ok("POST", "posts", 201, body={"element": {"kind": "box", "id": box["id"]}})
    assert post["files"] == [] and post["title"] is None
    for element, code in (({"kind": "box", "id": MISSING}, "REFERENCE_NOT_FOUND"),
                          ({"kind": "pole", "id": box["id"]}, "REFERENCE_NOT_FOUND")):
        refused = api.post("posts", body={"element": element})
        assert refused.status_code == 422 and refused.get_json()["code"] == code
    not_a_form = api.post("files", body={"element": {"kind": "post", "id": post["id"]}})
    assert not_a_form.status_code == 415


def test_a_tenant_keeps_files_up_to_its_limit(api, project):
    box = _box(api, project)
    post = api.ok("POST", "posts", 201, body={"element": {"kind": "box", "id": box["id"]}})
    api.world.settings["fileStorageLimit"] = 100
    assert _form(api, "files", {"element.kind": "post", "element.id": post["id"]},
                 files=[("a.bin", b"x" * 60)]).status_code == 201
    full = _form(api, "files", {"element.kind": "post", "element.id": post["id"]},
                 files=[("b.bin", b"x" * 60)])
    assert full.status_code == 413 and full.get_json()["code"] == "FILE_STORAGE_FULL"
    assert len(api.ok("GET", f"posts/{post['id']}", 200)["files"]) == 1


def test_unknown_form_fields_follow_the_mode(api, strict_api, project, strict_project):
    for client, proj, status in ((api, project, 201), (strict_api, strict_project, 400)):
        box = _box(client, proj)
        response = _form(client, "posts", {"element.kind": "box", "element.id": box["id"],
                                           "legacy": "1"})
        assert response.status_code == status, response.get_json()
        if status == 201:
            assert "legacy" in response.headers["X-Ozsim-Warning"]


def test_snapshots_keep_the_bytes_of_files(api, project, tmp_path):
    from ozsim.core import snapshot
    from ozsim.ftth.domain import FtthWorld
    from ozsim.ftth.posts import file_content

    box = _box(api, project)
    post = api.ok("POST", "posts", 201, body={"element": {"kind": "box", "id": box["id"]}})
    [uploaded] = _form(api, "files", {"element.kind": "post", "element.id": post["id"]},
                       files=[("foto.jpg", bytes(range(256)))]).get_json()
    for fmt in ("pickle", "json"):
        path = tmp_path / f"world.{fmt}"
        snapshot.save(api.world, path, fmt=fmt)
        loaded = snapshot.load(path, FtthWorld)
        assert file_content(loaded, uploaded["id"]) == (bytes(range(256)), "image/jpeg", "foto.jpg")


# ---- reports --------------------------------------------------------------------------------------
SQUARE = {"type": "Polygon", "coordinates": [[[-48.549, -27.596], [-48.547, -27.596], [-48.547, -27.594],
                                              [-48.549, -27.594], [-48.549, -27.596]]]}


def test_a_polygon_report_counts_what_it_holds_and_follows_its_polygon(api, project):
    inside = _box(api, project, implanted=True)
    _box(api, project, coords=[-48.6, -27.6])                         # outside
    api.ok("POST", "properties", 201, body={"project": project["id"], "coords": FLORIPA,
                                            "client": {"code": "R-1", "implanted": True}})
    report = api.ok("POST", "reports/polygon", 201, body={"polygon": SQUARE, "name": "Centro",
                                                          "project": project["id"]})
    data = report["data"]
    assert data["id"] == report["id"] and report["date"]
    assert data["boxes"] == [{"id": inside["boxType"], "implanted": 1, "not_implanted": 0,
                              "draft": 0, "total": 1}]
    assert data["properties"] == [{"implanted": 1, "total": 1}]
    assert data["clients"] == [{"id": project["id"], "implanted": 1, "not_implanted": 0, "total": 1}]
    moved = api.ok("POST", f"reports/{report['id']}/move", 200, body={"lat": -27.6, "lng": -48.6})
    assert [b["total"] for b in moved["data"]["boxes"]] == [1] and moved["polygon"] != SQUARE
    assert moved["data"]["properties"] == [{"implanted": 0, "total": 0}]
    assert api.ok("GET", f"reports/polygon/{report['id']}", 200) == moved
    tag = api.ok("POST", "tags", 201, body={"name": "auditoria", "allowedTypes": ["box"]})
    assert api.ok("POST", f"reports/{report['id']}/tags", 200, body={"tags": [tag["id"]]})["tags"] == \
        [tag["id"]]
    unknown = api.post(f"reports/{report['id']}/tags", body={"tags": [MISSING]})
    assert unknown.status_code == 422
    assert api.ok("DELETE", f"reports/{report['id']}/tags", 200, body={"tags": [tag["id"]]})["tags"] == []
    other = api.ok("POST", "projects", 201, body={"name": "Outro"})
    api.ok("POST", "reports/project", 204, body={"project": other["id"], "ids": [report["id"]]})
    assert api.ok("GET", f"reports/polygon/{report['id']}", 200)["project"] == other["id"]
    api.ok("PATCH", f"reports/polygon/{report['id']}", 204, body={"polygon": SQUARE})
    assert api.ok("GET", f"reports/polygon/{report['id']}", 200)["data"]["properties"] == \
        [{"implanted": 1, "total": 1}]


def test_an_elements_report_lists_what_it_finds(api, project):
    box = _box(api, project)
    splitter = api.ok("POST", "splitters", 201, body={
        "parent": box["id"], "isDrop": True, "splitterType": type_id(api, "splitter-types", "01/08 A C")})
    api.ok("POST", "properties", 201, body={"box": box["id"], "auto_connect": True,
                                            "client": {"code": "E-1"}})
    elements = {"boxIds": [box["id"], MISSING], "connectorIds": [splitter["id"]], "towerIds": [MISSING]}
    complete = api.ok("POST", "reports/elements/complete", 200, body={"elements": elements})
    [row] = complete["boxes"]
    assert (row["id"], row["capacity"], row["busyDoors"], row["availableDoors"], row["clients"]) == \
        (box["id"], 8, 1, 7, 1)
    assert complete["splitters"][0]["available"] == 7
    assert sorted(e["element"] for e in complete["errors"]) == [MISSING, MISSING]
    count = api.ok("POST", "reports/elements/count", 200, body={"elements": elements})
    assert (count["boxes"], count["splitters"], count["cables"], len(count["errors"])) == (1, 1, 0, 2)
