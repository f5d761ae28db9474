"""The official OZmap SDK (`@ozmap/ozmap-sdk` 1.1.8, Node) drives the simulator over real HTTP.

Each test runs one scenario of ``tests/sdk/driver.mjs`` in a fresh tenant of the live server and
asserts on the JSON it prints. ``test_sdk_wire_format`` needs no simulator: it records what the SDK
puts on the wire (against a capture server inside the driver), i.e. what the simulator must accept.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SDK_DIR = ROOT / "tests" / "sdk"
DRIVER = "tests/sdk/driver.mjs"
NODE = shutil.which("node")
SDK_INSTALLED = (SDK_DIR / "node_modules" / "@ozmap" / "ozmap-sdk" / "package.json").is_file()

pytestmark = [
    pytest.mark.xdist_group("live"),
    pytest.mark.skipif(NODE is None, reason="`node` is not on PATH: the SDK tests need Node.js 18+"),
    pytest.mark.skipif(not SDK_INSTALLED, reason="tests/sdk/node_modules is missing: run "
                       "`make sdk` (cd tests/sdk && npm ci)"),
]

HEX24 = re.compile(r"^[0-9a-f]{24}$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
COORDS = [-52.4612, -23.0712]


def drive(base_url: str, key: str, scenario: str, *args: str) -> dict:
    """Run one driver scenario; its parsed ``result``."""
    env = {**os.environ, "BASE_URL": base_url, "API_KEY": key,
           "OZLOGGER_HTTP": "false", "OZLOGGER_LEVEL": "error"}
    proc = subprocess.run(["node", DRIVER, scenario, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"driver scenario {scenario!r} failed:\n{proc.stderr[-4000:]}"
    out = json.loads(proc.stdout)
    assert out["scenario"] == scenario
    return out["result"]


def assert_document(doc: dict, kind: str | None = None) -> None:
    """The fields every document has (docs/api-conventions.md)."""
    assert isinstance(doc, dict), doc
    assert HEX24.match(doc["id"]), doc["id"]
    assert doc["_id"] == doc["id"]
    if kind is not None:
        assert doc["kind"] == kind
    for stamp in ("createdAt", "updatedAt"):
        assert ISO_MS.match(doc[stamp]), (stamp, doc[stamp])


def assert_crud(result: dict, kind: str) -> None:
    created = result["created"]
    assert_document(created, kind)
    assert result["fetched"]["id"] == created["id"]
    assert result["updateResult"] is None                  # PATCH → 204, the SDK returns nothing
    assert result["updated"]["id"] == created["id"]
    assert result["updated"]["updatedAt"] >= created["updatedAt"]
    assert result["deleteResult"] is None
    assert result["afterDelete"] is None                   # 404 → findById resolves to null
    assert result["listedAfterDelete"] == 0


LIST_BATCH = 3          # driver.mjs: `listing()` reads its seven elements back in batches of 3


def assert_listing(listing: dict) -> None:
    """What the driver's `listing()` saw (every resource's scenario runs it): a `find` with a
    filter and a descending sort, `findAll` in small batches, `findById` of a never-issued id."""
    elements = listing["elements"]
    ids = [e["id"] for e in elements]
    keys = [e["key"] for e in elements]
    assert len(ids) == 7 and all(HEX24.match(i) for i in ids) and len(set(ids)) == 7, elements
    assert all(isinstance(k, str) for k in keys) and len(set(keys)) == 7, elements
    assert keys != sorted(keys) and keys != sorted(keys, reverse=True)   # creation order ≠ sort order
    # find: the filter keeps the seven (not the decoy); the rows come by `sortBy` descending,
    # checked against the values the elements were created with
    expected = [e["id"] for e in sorted(elements, key=lambda e: e["key"], reverse=True)]
    found = listing["sorted"]
    assert (found["total"], found["count"]) == (7, 7), found
    assert found["ids"] == expected, (listing["sortBy"], found["keys"])
    assert found["keys"] == sorted(keys, reverse=True)
    if listing["decoy"] is not None:
        assert HEX24.match(listing["decoy"]) and listing["decoy"] not in found["ids"]
    # findAll: every element exactly once, over ceil(7 / 3) = 3 pages advanced by `start`
    assert len(listing["all"]) == 7 and set(listing["all"]) == set(ids), listing["all"]
    assert listing["decoy"] not in listing["all"]
    assert [p["start"] for p in listing["pages"]] == [None, "3", "6"], listing["pages"]
    assert all(str(p["limit"]) == str(LIST_BATCH) for p in listing["pages"]), listing["pages"]
    # findById of a well-formed id that was never issued: 404, which the SDK turns into null
    assert HEX24.match(listing["neverIssued"]) and listing["neverIssued"] not in ids
    assert listing["missing"] is None


@pytest.fixture
def sdk_env(live_server, tenant_key):
    """(base_url, key) of a fresh, empty tenant on the live server."""
    base_url, _ = live_server
    return base_url, tenant_key


def get_json(base_url: str, key: str, path: str, **params):
    response = requests.get(f"{base_url}/api/v2/{path}", headers={"Authorization": key},
                            params=params, timeout=30)
    return response.status_code, response.json()


# ---- what the SDK sends ---------------------------------------------------------------------
def test_sdk_wire_format():
    """The SDK's requests, captured without the simulator: the shapes the simulator must accept."""
    steps = drive("http://127.0.0.1:1", "unused", "wire")["steps"]
    assert all(step["result"] is None for step in steps.values()), steps

    def only(name):
        (req,) = steps[name]["requests"]
        return req

    # every GET carries a JSON body, `{}` when there is nothing to filter (findById included)
    for name in ("findNoArgs", "findById", "afterLogin"):
        req = only(name)
        assert req["method"] == "GET" and req["body"] == "{}"
        assert req["headers"]["content-type"] == "application/json"
        assert req["headers"]["authorization"] == "the-api-key"           # raw key, no scheme
        assert req["headers"]["accept"] == "application/json, text/plain, */*"
    # filter and sort travel in the body (`sorter` becomes `sort`, property trimmed); page, limit,
    # select and populate in the query, arrays as `populate[]=`, space-separated select
    find = only("find")
    assert json.loads(find["body"]) == {
        "filter": [{"property": "name", "operator": "like", "value": "CTO"},
                   [{"property": "project", "operator": "=", "value": "0123456789abcdef01234567"}]],
        "sort": [{"property": "name", "direction": -1}]}
    assert find["query"] == [["page", "2"], ["limit", "10"], ["select", "name coords"],
                             ["populate[]", "project"], ["populate[]", "boxType"]]
    assert "select=name+coords" in find["url"]
    assert only("findById")["query"] == [["select", "name"], ["populate", "project"]]
    # findAll: first page with limit only; then nextUrl's params minus `page`/`select`/`populate`,
    # limit forced back to the batch size, the same body re-sent
    pages = steps["findAll"]["requests"]
    assert [p["query"] for p in pages] == [
        [["limit", "1"]],
        [["start", "1"], ["limit", "1"], ["extra", "kept"]],
        [["start", "2"], ["limit", "1"], ["extra", "kept"]]]
    assert len({p["body"] for p in pages}) == 1
    # create: the SDK's injected defaults (docs/api-conventions.md, "Writing")
    assert json.loads(only("createSplitter")["body"]) == {
        "implanted": True, "isDrop": False, "parent": "0123456789abcdef01234567",
        "splitterType": "0123456789abcdef01234567"}
    assert json.loads(only("createProperty")["body"])["client"] == {"code": "c1", "implanted": False}
    # update: external_id is never sent; delete: no body, no Content-Type
    update = only("update")
    assert update["method"] == "PATCH" and json.loads(update["body"]) == {"name": "n"}
    delete = only("delete")
    assert delete["method"] == "DELETE" and delete["body"] == ""
    assert "content-type" not in delete["headers"]
    batch = only("batchUpdate")
    assert batch["path"] == "/api/v2/ftth-clients/batch-update"
    assert json.loads(batch["body"]) == {
        "filter": [{"property": "id", "operator": "in", "value": ["0123456789abcdef01234567"]}],
        "update": {"implanted": True}}
    # 401 → login (?type=API, `Authorization: true`, body {apiKey}) → replay with the same raw key
    failed, login, replay = steps["unauthorizedThenLogin"]["requests"]
    assert login["method"] == "POST" and login["url"] == "/api/v2/users/login?type=API"
    assert login["headers"]["authorization"] == "true"
    assert json.loads(login["body"]) == {"apiKey": "the-api-key"}
    assert failed["headers"]["authorization"] == replay["headers"]["authorization"] == "the-api-key"
    # the login token is never used in API-key mode: the instance header wins over the common one
    assert only("afterLogin")["headers"]["authorization"] == "the-api-key"


# ---- reading --------------------------------------------------------------------------------
def test_find(sdk_env):
    r = drive(*sdk_env, "find")
    names = r["names"]
    alphas = names[:3]
    assert r["like"] == {"total": 3, "count": 3, "names": sorted(alphas, reverse=True)}
    assert r["likeAnywhere"]["total"] == 4 and r["elsewhere"] in r["likeAnywhere"]["ids"]
    assert r["byProject"] == {"total": 4, "names": sorted(names), "hasNextPage": False,
                              "nextUrl": None}
    assert r["orGroup"] == {"total": 2, "names": sorted([names[0], names[3]])}
    assert r["byIds"] == {"total": 2, "ids": sorted([r["boxes"][1], r["elsewhere"]])}
    assert r["page2"] == {"total": 4, "count": 2, "start": 2, "limit": 2,
                          "names": sorted(names)[2:], "hasNextPage": False, "nextUrl": None}
    selected = r["selected"]
    assert {"id", "_id", "kind", "name"} <= set(selected) and "boxType" not in selected
    project, box_type = r["populated"]["project"], r["populated"]["boxType"]
    assert isinstance(project, dict) and project["id"] == project["_id"] == r["project"]
    assert isinstance(box_type, dict) and box_type["code"] == "CTO"
    assert r["populatedString"]["project"]["id"] == r["project"]
    assert r["findOne"] == {"id": r["boxes"][2], "name": names[2]}
    assert r["findOneNone"] is None
    assert r["existsFalse"] == 4


def test_find_all_follows_next_url(sdk_env):
    r = drive(*sdk_env, "findAll")
    assert r["count"] == 30
    assert len(set(r["ids"])) == 30 and set(r["ids"]) == set(r["created"])
    # ceil(30 / 7) pages, each advanced by `start` (the SDK drops `page` from nextUrl)
    assert [p["params"].get("start") for p in r["requests"]] == [None, "7", "14", "21", "28"]
    assert all(str(p["params"]["limit"]) == "7" and "page" not in p["params"]
               for p in r["requests"])
    assert len(r["sortedNames"]) == 30 and r["sortedNames"] == sorted(r["sortedNames"], reverse=True)
    assert r["selectedCount"] == 30
    assert "name" in r["selectedKeys"] and "allowedTypes" not in r["selectedKeys"]
    assert sorted(b["id"] for b in r["boxes"]) == sorted(r["boxIds"])
    assert {b["boxTypeCode"] for b in r["boxes"]} == {"CTO"}   # populate re-sent on every page


def test_find_by_id(sdk_env):
    r = drive(*sdk_env, "findById")
    assert_document(r["found"], "Box")
    assert r["found"]["id"] == r["box"]["id"] and r["found"]["name"] == r["box"]["name"]
    assert r["withSelect"]["name"] == r["box"]["name"] and "boxType" not in r["withSelect"]
    assert r["withPopulate"]["project"]["id"] == r["box"]["project"]
    assert r["missing"] is None and r["missingProject"] is None
    # a malformed id is a 400, which the SDK throws instead of returning null
    assert r["malformed"]["ok"] is False and r["malformed"]["status"] == 400
    assert r["malformed"]["data"]["code"] == "INVALID_OBJECT_ID"


def test_catalogue_reads(sdk_env):
    r = drive(*sdk_env, "catalogue")
    assert {lvl["name"] for lvl in r["systemConfig"]["hierarchyLevels"]["boxes"]} >= {"CTO"}
    assert r["users"]["total"] >= 1
    assert {"CTO", "CEO"} <= set(r["boxTypes"])               # findAll with batchSize 1
    assert len(r["boxTypes"]) == len(set(r["boxTypes"]))
    assert r["serviceSplitterTypes"] and all(t["isDrop"] for t in r["serviceSplitterTypes"])
    assert "01/08 A C" in {t["code"] for t in r["serviceSplitterTypes"]}
    assert r["pendencyTypes"]


def test_demo_tenant_reads(live_server):
    """The session's default tenant (network "demo", seed 0): catalogue reads, and `findAll`
    over every populated collection returns exactly `total` distinct elements."""
    r = drive(*live_server, "catalogue")
    assert r["users"]["total"] >= 1 and "01/08 A C" in {t["code"] for t in r["serviceSplitterTypes"]}
    walk = drive(*live_server, "walk")
    for name in ("boxes", "splitters", "properties", "ftthClients", "pons"):
        assert walk[name]["total"] > 0, name
        assert walk[name]["count"] == walk[name]["unique"] == walk[name]["total"], (name, walk[name])
    sample = walk["sampleProperty"]
    assert sample["client"]["_id"] == sample["client"]["id"] and sample["box"]["kind"] == "Box"
    assert sample["connections"] and sample["connections"][0]["port"] >= 1


def test_unknown_key_is_rejected(live_server):
    base_url, _ = live_server
    r = drive(base_url, "unused", "badKey")
    assert r["result"]["ok"] is False and r["result"]["status"] == 401
    assert isinstance(r["result"]["data"]["message"], str)
    assert [q["method"] for q in r["requests"][:2]] == ["get", "post"]
    assert r["requests"][1]["url"] == "/api/v2/users/login?type=API"


# ---- CRUD -----------------------------------------------------------------------------------
def test_projects_crud(sdk_env):
    r = drive(*sdk_env, "projects")
    assert_crud(r, "Project")
    assert_listing(r["listing"])
    assert r["created"]["lat"] == 0 and r["created"]["lng"] == 0 and r["created"]["parents"] == []
    updated = r["updated"]
    assert updated["name"].endswith("renamed") and updated["identifier"].startswith("ID-")
    assert updated["defaultPonPotency"] == 4


def test_tags_crud(sdk_env):
    r = drive(*sdk_env, "tags")
    assert_crud(r, "Tag")
    assert_listing(r["listing"])
    assert sorted(r["created"]["allowedTypes"]) == ["box", "client"]
    assert r["updated"]["allowedTypes"] == ["box"] and r["updated"]["name"].endswith("renamed")


def test_boxes_crud(sdk_env):
    r = drive(*sdk_env, "boxes")
    assert_crud(r, "Box")
    assert_listing(r["listing"])
    created = r["created"]
    assert created["project"] == r["project"] and created["boxType"] == r["boxType"]
    assert created["coords"] == COORDS and (created["lng"], created["lat"]) == tuple(COORDS)
    assert created["implanted"] is True and created["draft"] is False
    updated = r["updated"]
    assert updated["name"].endswith("renamed") and updated["implanted"] is False
    assert updated["observation"] == "atualizada pelo SDK"
    assert updated["coords"] == [-52.4615, -23.0715] and updated["lat"] == -23.0715


def test_splitters_crud(sdk_env):
    r = drive(*sdk_env, "splitters")
    assert_crud(r, "Splitter")
    assert_listing(r["listing"])
    created = r["created"]
    assert created["parent"] == r["box"] and created["project"] == r["project"]
    assert created["isDrop"] is True and created["implanted"] is True
    assert created["ratio"]["input"] == 1 and created["ratio"]["output"] == 8
    assert created["connectables"]["output"] == [None] * 8
    assert len(created["ports"]) == 8 and not any(p["blocked"] for p in created["ports"])
    assert r["updated"]["name"].endswith("renamed")
    assert r["updated"]["observation"] == "atualizado pelo SDK"
    assert r["inBoxAfterDelete"] == 0


def test_prospects_crud(sdk_env):
    r = drive(*sdk_env, "prospects")
    assert_crud(r, "Prospect")
    assert_listing(r["listing"])
    created = r["created"]
    assert created["tags"] == [] and created["coords"] == COORDS and created["viable"] is False
    assert "lat" not in created and "lng" not in created       # prospects have no lat/lng
    assert r["updated"]["viable"] is True and r["updated"]["observation"] == "contatado"
    assert r["updated"]["phone"] == created["phone"]           # untouched by the partial update


def test_pendencies_crud(sdk_env):
    r = drive(*sdk_env, "pendencies")
    assert_crud(r, "Pendency")
    assert_listing(r["listing"])
    created = r["created"]
    assert created["owner"] == r["owner"] and created["pendencyType"] == r["pendencyType"]
    assert created["project"] == r["project"] and created["solved"] is False
    assert created["tags"] == [] and created["responsibles"] == []
    assert (created["lng"], created["lat"]) == tuple(COORDS)
    assert r["updated"]["solved"] is True and r["updated"]["description"] == "resolvida"
    assert r["updated"]["name"] == created["name"]


def test_pons_crud(sdk_env):
    r = drive(*sdk_env, "pons")
    assert_crud(r, "PON")
    assert_listing(r["listing"])
    assert_document(r["pop"], "Pop")
    olt, slot, pon = r["olt"], r["slot"], r["created"]
    assert_document(olt, "OLT")
    assert olt["port"] == 22 and olt["label"] == "" and olt["implanted"] is True
    assert_document(slot, "Slot")
    assert slot["olt"] == olt["id"]
    assert r["oltByName"]["id"] == olt["id"] and slot["id"] in r["oltByName"]["connectables"]
    assert pon["slot"] == slot["id"] and pon["potency"] == 0   # the SDK injects potency: 0
    assert pon["id"] in r["slotFetched"]["connectables"]
    assert r["updated"]["potency"] == 5.5 and r["updated"]["name"].endswith("renamed")
    assert r["bySlot"] == {"total": 1, "ids": [pon["id"]]}
    assert r["oltAfterUpdate"]["label"] == "rack 1" and r["oltAfterUpdate"]["port"] == 2222


# ---- properties and clients: ports ----------------------------------------------------------
def test_properties_crud_reserves_and_frees_a_port(sdk_env):
    r = drive(*sdk_env, "properties")
    created = r["created"]
    assert_document(created, "Property")
    assert r["splitterBefore"]["output"] == [None] * 8
    assert HEX24.match(created["client"])                    # nested client created, returned as id
    (connection,) = created["connections"]
    assert connection["port"] == 1 and connection["id"] == r["splitter"]
    assert connection["kind"] == "Splitter" and HEX24.match(connection["fiber"])
    assert HEX24.match(created["drop"]) and created["box"] == r["box"]
    # the port now holds the drop fiber (not the client id)
    output = r["splitterAfterCreate"]["output"]
    assert output[0] == connection["fiber"] and output[1:] == [None] * 7
    assert r["fetched"]["id"] == created["id"]
    client = r["populated"]["client"]
    assert client["_id"] == client["id"] == created["client"] and client["code"] == r["code"]
    assert r["populated"]["box"]["id"] == r["box"]
    assert_document(r["client"], "FTTHClient")
    assert r["client"]["code"] == r["code"] and r["client"]["implanted"] is False
    assert r["client"]["status"] == 0
    updated = r["updated"]
    assert updated["address"].endswith("casa 2") and updated["observation"] == "atualizado"
    assert updated["potencyRead"] == -21.5
    assert updated["connections"][0]["port"] == 1             # an update without instructions keeps the port
    assert r["batch"] == ""          # 204: batchUpdate goes through post(), which returns axios' empty data
    assert r["afterBatch"]["potencyRead"] == -19.25
    assert r["byBox"] == {"total": 1, "ids": [created["id"]]}
    (by_code,) = r["byClientCode"]                            # bare array, client populated
    assert by_code["id"] == created["id"] and by_code["client"]["_id"] == created["client"]
    assert r["afterDelete"] is None and r["clientAfterDelete"] is None
    assert r["splitterAfterDelete"]["output"] == [None] * 8
    # seven more reservations through the listing: ports 1..7 taken, the decoy (no box) on none
    assert_listing(r["listing"])
    assert [v is not None for v in r["splitterAfterListing"]["output"]] == [True] * 7 + [False]


def test_port_occupancy_seen_through_plain_http(sdk_env):
    base_url, key = sdk_env
    r = drive(base_url, key, "reserve")
    prop = r["property"]
    assert prop["connections"][0]["port"] == 1
    status, splitter = get_json(base_url, key, f"splitters/{r['splitter']}")
    assert status == 200
    assert splitter["connectables"]["output"][0] == prop["connections"][0]["fiber"]
    assert splitter["connectables"]["output"][0] is not None

    deleted = drive(base_url, key, "delete", "property", prop["id"])
    assert deleted == {"deleted": prop["id"], "afterDelete": None}
    status, splitter = get_json(base_url, key, f"splitters/{r['splitter']}")
    assert status == 200 and splitter["connectables"]["output"][0] is None
    status, body = get_json(base_url, key, f"properties/{prop['id']}")
    assert status == 404 and isinstance(body["message"], str)


def test_ftth_clients_update_and_delete(sdk_env):
    r = drive(*sdk_env, "ftthClients")
    created = r["created"]
    assert_document(created, "FTTHClient")
    assert created["id"] == r["clientId"] and created["code"] == r["code"]
    assert created["implanted"] is False
    assert r["updateResult"] is None
    updated = r["updated"]
    assert updated["implanted"] is True and updated["status"] == 1 and updated["onu"] == r["onu"]
    assert r["bySerial"] == {"total": 1, "ids": [r["clientId"]]}
    assert r["byCode"] == {"total": 1, "ids": [r["clientId"]]}
    assert r["batch"] == ""          # 204, empty body
    assert r["afterBatch"]["status"] == 0 and r["afterBatch"]["certified"] is True
    assert r["afterBatch"]["implanted"] is True
    assert r["deleteResult"] is None and r["afterDelete"] is None
    # deleting the client removes the property it occupies and frees the port
    assert r["propertyAfterDelete"] is None
    assert r["splitterAfterDelete"]["output"] == [None] * 8
    assert_listing(r["listing"])


def test_next_url_is_relative_and_keeps_the_query(sdk_env):
    """What `findAll` parses: a nextUrl under /api/v2 whose `start` advances."""
    base_url, key = sdk_env
    drive(base_url, key, "findAll")
    status, page = get_json(base_url, key, "tags", limit=7)
    assert status == 200 and page["hasNextPage"] is True
    url = urlsplit(page["nextUrl"])
    assert url.path == "/api/v2/tags" and not url.netloc
    query = dict(parse_qsl(url.query))
    assert query["start"] == "7" and query["limit"] == "7"


def test_port_rules(sdk_env):
    r = drive(*sdk_env, "portRules")
    assert r["onPort3"]["connections"][0]["port"] == 3
    assert (r["occupied"]["status"], r["occupied"]["data"]["code"]) == (422, "PORT_OCCUPIED")
    assert (r["outOfRange"]["status"], r["outOfRange"]["data"]["code"]) == (422, "PORT_OUT_OF_RANGE")
    assert (r["duplicateCode"]["status"], r["duplicateCode"]["data"]["code"]) == \
        (422, "DUPLICATE_CLIENT_CODE")
    fiber = r["onPort3"]["connections"][0]["fiber"]
    assert r["afterCreate"] == [None, None, fiber] + [None] * 5
    # PATCH {connector, port} moves the connection: new port taken, old one freed
    (moved,) = r["moved"]["connections"]
    assert moved["port"] == 5 and r["afterMove"][4] == moved["fiber"]
    assert [i for i, v in enumerate(r["afterMove"]) if v] == [4]
    # PATCH {connector: null} disconnects; the client stays on the property
    assert r["disconnected"]["connections"] == [] and r["disconnected"]["drop"] is None
    assert r["disconnected"]["client"] == r["onPort3"]["client"]
    assert r["afterDisconnect"] == [None] * 8
    assert r["fill"] == list(range(1, 9))                    # auto_connect: lowest free port first
    assert (r["full"]["status"], r["full"]["data"]["code"]) == (422, "BOX_FULL")
    assert r["forced"] == {"ok": True, "connections": []}    # force: created, left unconnected
    assert r["clientsInTenant"] == 10                         # refused creates leave no client behind


def test_concurrent_reservations_never_share_a_port(sdk_env):
    r = drive(*sdk_env, "concurrentReservations", "12")
    assert sorted(p["port"] for p in r["ok"]) == list(range(1, 9))
    assert r["failed"] == [{"status": 422, "code": "BOX_FULL"}] * 4
    assert sorted(r["output"]) == sorted(p["fiber"] for p in r["ok"])
    assert r["properties"] == 8
