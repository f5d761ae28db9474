"""INT6 over HTTP: its API (``/int6``), its control routes, the integration with OZmap in both
directions and the ``int6-pull`` job on the clock. Every response is checked against
``contracts/int6.yaml`` (and OZmap's against ``ozmap.yaml``) by the session app."""
from __future__ import annotations


import pytest

from ozsim.scenarios.client import OZmapClient
from ozsim.scenarios.flows import fixture
from ozsim.wire.local import IN_PROCESS_URL, wsgi_session

from ..support import free_port
from .int6_support import Int6Tenant


@pytest.fixture
def t(app, simulator):
    return Int6Tenant(app, simulator)


# ---- who may call INT6 ------------------------------------------------------------------------
def test_int6_answers_its_integration_credentials_only(t, app, simulator):
    assert t.int6("GET", "settings").status_code == 401            # not configured yet
    config = t.configure()
    assert config["token"] == "****" + t.token[-4:] and config["ozmapApiKey"].startswith("****")
    assert (config["enabled"], config["url"], config["job"], config["watermark"]) == \
        (True, None, "int6-pull", None)
    assert t.int6("GET", "settings").get_json() == {"powerLimit": 2.0, "symmetric": False,
                                                    "allowUncalculated": False}
    for auth in ((t.email, "wrong"), ("other@isp.example", t.token)):
        refused = t.int6("GET", "settings", auth=auth)
        assert refused.status_code == 401 and refused.get_json()["code"] == "INVALID_CREDENTIALS"
        assert refused.headers["WWW-Authenticate"] == 'Basic realm="INT6"'
    assert t.http.get("/int6/settings", headers={"Authorization": t.key}).status_code == 401
    # each tenant has its own INT6: same e-mail, another token, another tenant
    other = Int6Tenant(app, simulator, network="empty")
    other.email = t.email
    other.configure()
    t.onu("A1", power=-20)
    assert [r["gpon_client_id"] for r in t.int6("GET", "onus").get_json()["rows"]] == ["A1"]
    assert other.int6("GET", "onus").get_json()["rows"] == []
    # the very same pair cannot serve two tenants
    clash = other.control("PUT", "integrations/int6", {"email": t.email, "token": t.token})
    assert clash.status_code == 422 and clash.get_json()["code"] == "INT6_CREDENTIALS_IN_USE"


def test_the_ip_allowlist(t):
    t.configure(allowlist=["10.0.0.0/8", "2001:db8::1"])
    refused = t.int6("GET", "settings")                       # the test client is 127.0.0.1
    assert refused.status_code == 403 and refused.get_json()["code"] == "IP_NOT_ALLOWED"
    assert t.int6("GET", "settings", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert t.configure(allowlist=["127.0.0.1"])["allowlist"] == ["127.0.0.1/32"]
    assert t.int6("GET", "settings").status_code == 200
    t.configure(allowlist=[])
    assert t.int6("GET", "settings").status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"token": "x"}, "email"), ({"email": "a@b.c"}, "token"),
    ({"email": "not-an-email", "token": "x"}, "email"),
    ({"email": "a@b.c", "token": "x", "url": "ftp://int6"}, "url"),
    ({"email": "a@b.c", "token": "x", "url": "http://["}, "url"),
    ({"email": "a@b.c", "token": "x", "url": "http://int6:port"}, "url"),
    ({"email": "a@b.c", "token": "x", "ozmapUrl": ""}, "ozmapUrl"),
    ({"email": "a@b.c", "token": "x", "allowlist": ["not-an-ip"]}, "allowlist[0]"),
    ({"email": "a@b.c", "token": "x", "allowlist": "127.0.0.1"}, "allowlist"),
    ({"email": "a@b.c", "token": "x", "enabled": "yes"}, "enabled"),
    ({"email": "a@b.c", "token": "x", "interval": 60}, "interval"),
])
def test_a_bad_integration_is_refused_and_changes_nothing(t, body, field):
    refused = t.control("PUT", "integrations/int6", body)
    assert refused.status_code == 400 and refused.get_json()["field"] == field
    assert field in refused.get_json()["message"]
    missing = t.control("GET", "integrations/int6")
    assert missing.status_code == 404 and missing.get_json()["code"] == "INTEGRATION_NOT_CONFIGURED"
    assert "int6-pull" not in t.world.jobs


def test_integration_urls_accept_a_bare_host(t):
    assert t.configure(url="int6.provedor.com.br/", ozmapUrl="http://127.0.0.1:9994")["url"] == \
        "https://int6.provedor.com.br"
    assert t.control("GET", "integrations/int6").get_json()["ozmapUrl"] == "http://127.0.0.1:9994"


# ---- ONU records ------------------------------------------------------------------------------
def test_onu_records_through_the_control_plane(t):
    t.configure()
    created = t.control("PUT", "int6/onus/100|7", {"power": -21.4, "serial_number": "ZTEG1"})
    assert created.status_code == 201
    record = t.int6("GET", "onus/100%7C7").get_json()
    assert record == {**created.get_json(), "gpon_client_id": "100|7"}
    assert record["user_PPPoE"] == "" and record["provisioning"] is None
    replaced = t.control("PUT", "int6/onus/100|7", {"power": "LOS"})
    assert replaced.status_code == 200 and replaced.get_json()["serial_number"] == ""
    patched = t.control("PATCH", "int6/onus/100|7", {"mac_address": "AA:BB"}).get_json()
    assert (patched["power"], patched["mac_address"]) == ("LOS", "AA:BB")
    assert t.control("DELETE", "int6/onus/100|7").status_code == 204
    for method in ("DELETE", "PATCH"):
        gone = t.control(method, "int6/onus/100|7", {} if method == "PATCH" else None)
        assert gone.status_code == 404 and gone.get_json()["code"] == "ONU_NOT_FOUND"
    assert t.int6("GET", "onus/100|7").status_code == 404


@pytest.mark.parametrize("body, field", [
    ({}, "power"), ({"power": True}, "power"), ({"power": None}, "power"),
    ({"power": -20, "serial_number": 12}, "serial_number"), ({"power": -20, "rx": 1}, "rx"),
    ({"power": -20, "provisioning": {"splitter": "x", "port": 1, "lat": 0, "lng": 0}},
     "provisioning.splitter"),
])
def test_a_bad_record_is_refused_and_changes_nothing(t, body, field):
    t.onu("7", power=-20)
    refused = t.control("PUT", "int6/onus/7", body)
    assert refused.status_code == 400 and refused.get_json()["field"] == field
    t.configure()
    assert t.int6("GET", "onus/7").get_json()["power"] == -20


def test_listing_pages_by_change(t):
    t.configure()
    for code in ("c", "a", "b"):
        t.onu(code, power=-20)
    t.control("PATCH", "int6/onus/c", {"power": -19})
    page = t.int6("GET", "onus", query={"limit": 2}).get_json()
    assert [r["gpon_client_id"] for r in page["rows"]] == ["a", "b"]
    assert (page["total"], page["count"], page["start"], page["limit"], page["hasNextPage"]) == \
        (3, 2, 0, 2, True)
    last = page["rows"][-1]
    rest = t.int6("GET", "onus", query={"updatedSince": last["updatedAt"],
                                        "after": last["gpon_client_id"]}).get_json()
    assert [r["gpon_client_id"] for r in rest["rows"]] == ["c"] and not rest["hasNextPage"]
    since = t.int6("GET", "onus", query={"updatedSince": last["updatedAt"]}).get_json()
    assert [r["gpon_client_id"] for r in since["rows"]] == ["b", "c"]        # inclusive
    assert t.int6("GET", "onus", query={"gpon_client_id": "a"}).get_json()["total"] == 1
    for query, field in (({"updatedSince": "yesterday"}, "updatedSince"), ({"limit": 0}, "limit"),
                         ({"limit": 10001}, "limit"), ({"start": -1}, "start"),
                         ({"after": "a"}, "after")):
        refused = t.int6("GET", "onus", query=query)
        assert refused.status_code == 400 and field in refused.get_json()["message"]


def test_settings(t):
    t.configure()
    assert t.int6("PATCH", "settings", {"powerLimit": 3.5, "symmetric": True}).get_json() == \
        {"powerLimit": 3.5, "symmetric": True, "allowUncalculated": False}
    for body in ({"powerLimit": -1}, {"symmetric": 1}, {"limit": 2}, [1]):
        assert t.int6("PATCH", "settings", body).status_code == 400
    assert t.int6("GET", "settings").get_json()["powerLimit"] == 3.5


# ---- INT6 calls OZmap -----------------------------------------------------------------------
def test_nearby_splitters_come_from_ozmap(t):
    t.configure()
    box = next(iter(t.world.docs["boxes"].values()))
    lng, lat = box["coords"]
    near = t.int6("GET", "splitters/nearby", query={"lat": lat, "lng": lng}).get_json()
    assert near["radius"] == 150 and near["splitters"]
    distances = [s["distance"] for s in near["splitters"]]
    assert distances == sorted(distances)
    for item in near["splitters"]:
        splitter = t.ozmap("GET", f"splitters/{item['id']}").get_json()
        assert splitter["isDrop"] is True and splitter["parent"] == item["box"]["id"]
        outputs = splitter["connectables"]["output"]
        assert item["availablePorts"] and all(outputs[p - 1] is None for p in item["availablePorts"])
    empty = t.int6("GET", "splitters/nearby", query={"lat": 0, "lng": 0, "radius": 10}).get_json()
    assert empty["splitters"] == [] and empty["radius"] == 10
    refused = t.int6("GET", "splitters/nearby", query={"lat": 91, "lng": 0})
    assert refused.status_code == 400 and "lat" in refused.get_json()["message"]


def lit_port(t) -> fixture.LitPort:
    api = OZmapClient(IN_PROCESS_URL, t.key, session=wsgi_session(t.http.application))
    box = next(iter(t.world.docs["boxes"].values()))
    return fixture.find_lit_port(api, box["coords"][1], box["coords"][0], 3000)


def provision(t, code: str, port: fixture.LitPort, **body):
    return t.int6("POST", "provisioning", {"gpon_client_id": code, "splitter": port.splitter,
                                           "port": port.port, "lat": port.lat, "lng": port.lng,
                                           **body})


def test_provisioning_creates_the_client_checks_the_power_then_implants(t):
    t.configure()
    port = lit_port(t)
    t.onu("NEW-1", power=-60)
    refused = provision(t, "NEW-1", port)
    assert refused.status_code == 200
    answer = refused.get_json()
    calculated = answer["powerCalculated"]
    assert (answer["authorized"], answer["code"], answer["clientCreated"]) == \
        (False, "POWER_DIFFERENCE", True)
    assert answer["difference"] == round(-60 - calculated, 2) and f"{abs(answer['difference']):g} dB" \
        in answer["reason"]
    assert answer["olt"]["id"] and answer["pon"]["id"] and answer["powerRead"] == -60
    client, prop = t.customer("NEW-1")
    assert client["implanted"] is False and prop["connections"][0]["port"] == port.port
    assert t.int6("GET", "onus/NEW-1").get_json()["provisioning"] is None
    # within 2 dB worse: authorised, the same client (not created twice), implanted
    t.onu("NEW-1", power=round(calculated - 1.9, 2))
    done = provision(t, "NEW-1", port).get_json()
    assert (done["authorized"], done["clientCreated"], done["client"]) == \
        (True, False, answer["client"])
    assert t.customer("NEW-1")[0]["implanted"] is True
    assert t.int6("GET", "onus/NEW-1").get_json()["provisioning"] == {
        "splitter": port.splitter, "port": port.port, "lat": port.lat, "lng": port.lng}


def test_the_power_check_in_both_modes(t):
    t.configure()
    port = lit_port(t)
    t.onu("P-1", power=-60)
    calculated = provision(t, "P-1", port).get_json()["powerCalculated"]
    t.onu("P-1", power=round(calculated + 3, 2))                  # 3 dB better than calculated
    assert provision(t, "P-1", port).get_json()["authorized"] is True
    t.int6("PATCH", "settings", {"symmetric": True})
    better = provision(t, "P-1", port).get_json()
    assert (better["authorized"], better["code"], better["difference"]) == \
        (False, "POWER_DIFFERENCE", 3)
    t.int6("PATCH", "settings", {"powerLimit": 3})
    assert provision(t, "P-1", port).get_json()["authorized"] is True
    for power in ("LOS", 0, "offline"):
        t.onu("P-1", power=power)
        no_signal = provision(t, "P-1", port).get_json()
        assert (no_signal["authorized"], no_signal["code"], no_signal["powerRead"]) == \
            (False, "NO_SIGNAL", None)


def test_a_port_without_calculated_power(t, app, simulator):
    empty = Int6Tenant(app, simulator, network="empty")
    empty.configure()
    api = OZmapClient(IN_PROCESS_URL, empty.key, session=wsgi_session(app))
    net = fixture.network(api, -27.43, -48.40, name="unlit", clear_m=0)
    empty.onu("U-1", power=-20)
    body = {"gpon_client_id": "U-1", "splitter": net.boxes[0].splitter, "port": 1,
            "lat": net.lat, "lng": net.lng}
    refused = empty.int6("POST", "provisioning", body).get_json()
    assert (refused["authorized"], refused["code"], refused["powerCalculated"]) == \
        (False, "NO_CALCULATED_POWER", None)
    assert refused["olt"] is None
    empty.int6("PATCH", "settings", {"allowUncalculated": True})
    assert empty.int6("POST", "provisioning", body).get_json()["authorized"] is True
    assert empty.customer("U-1")[0]["implanted"] is True


def test_provisioning_moves_an_existing_client(t):
    t.configure()
    client = t.clients(implanted=True)[0]
    _, before = t.customer(client["code"])
    port = lit_port(t)
    t.onu(client["code"], power=-60)                              # refused, but moved
    answer = provision(t, client["code"], port).get_json()
    assert (answer["clientCreated"], answer["property"], answer["authorized"]) == \
        (False, before["id"], False)
    client_after, prop = t.customer(client["code"])
    assert prop["connections"][0]["id"] == port.splitter and prop["connections"][0]["port"] == port.port
    assert prop["coords"] == [port.lng, port.lat]
    assert client_after["implanted"] is True                      # never back to not implanted


def test_what_ozmap_refuses_is_refused_and_changes_nothing(t):
    t.configure()
    port = lit_port(t)
    t.onu("O-1", power=-20)
    t.onu("O-2", power=-20)
    provision(t, "O-1", port)
    before = len(t.world.docs["properties"])
    occupied = provision(t, "O-2", port)
    assert occupied.status_code == 422 and occupied.get_json()["code"] == "PORT_OCCUPIED"
    assert len(t.world.docs["properties"]) == before
    assert t.ozmap("GET", "properties/client/O-2").get_json() == []
    unknown = provision(t, "NOBODY", port)
    assert unknown.status_code == 404 and unknown.get_json()["code"] == "ONU_NOT_FOUND"
    bad = provision(t, "O-2", port, extra=1)
    assert bad.status_code == 400 and "extra" in bad.get_json()["message"]


def test_ozmap_unreachable_or_refusing_the_key_is_a_502(t):
    port = lit_port(t)
    t.onu("K-1", power=-20)
    t.configure(ozmapApiKey="not-a-key")
    refused = provision(t, "K-1", port)
    assert refused.status_code == 502 and refused.get_json()["code"] == "OZMAP_UNAUTHORIZED"
    t.configure(ozmapUrl=f"http://127.0.0.1:{free_port()}")
    down = t.int6("GET", "splitters/nearby", query={"lat": port.lat, "lng": port.lng})
    assert down.status_code == 502 and down.get_json()["code"] == "OZMAP_UNAVAILABLE"
    assert t.ozmap("GET", "properties/client/K-1").get_json() == []


# ---- OZmap pulls INT6 -------------------------------------------------------------------------
def test_the_pull_applies_the_rules(t):
    t.configure()
    reserved = t.clients(implanted=False)[:2]
    active = t.clients(implanted=True)[:2]
    t.onu(reserved[0]["code"], power=-21.37, serial_number="ZTEGAAAA0001", user_PPPoE="ana.r",
          mac_address="AA:BB:CC:00:00:01")
    t.onu(reserved[1]["code"], power="-19.5")                     # a number in a string
    t.onu(active[0]["code"], power="LOS", serial_number="HWTC00000002")
    t.onu(active[1]["code"], power=0)
    t.onu("NOT-IN-OZMAP", power=-20)
    entry = t.pull()
    assert entry["ok"] and entry["trigger"] == "manual"
    assert {k: entry["changed"][k] for k in ("records", "clients", "unknown")} == \
        {"records": 5, "clients": 4, "unknown": 1}
    client, prop = t.customer(reserved[0]["code"])
    assert (client["status"], client["implanted"], prop["potencyRead"]) == (0, True, -21.37)
    assert client["onu"] == {"serial_number": "ZTEGAAAA0001", "user_PPPoE": "ana.r",
                             "mac_address": "AA:BB:CC:00:00:01"}
    client, prop = t.customer(reserved[1]["code"])
    assert (client["status"], client["implanted"], prop["potencyRead"]) == (0, True, -19.5)
    for code in (active[0]["code"], active[1]["code"]):
        client, prop = t.customer(code)
        assert (client["status"], client["implanted"], prop["potencyRead"]) == (1, True, None)
    assert t.customer(active[0]["code"])[0]["onu"]["serial_number"] == "HWTC00000002"
    # the same records again: nothing changes, not even a timestamp
    stamps = {c["code"]: (t.customer(c["code"])[0]["updatedAt"], t.customer(c["code"])[1]["updatedAt"])
              for c in reserved + active}
    for code in [c["code"] for c in reserved + active]:
        t.control("PATCH", f"int6/onus/{code}", {})               # touched in INT6, same data
    again = t.pull()["changed"]
    assert again["records"] == 4 and again["clients"] == 4
    assert (again["status"], again["implanted"], again["onu"], again["potencyRead"]) == \
        ({"OK": 0, "ERROR": 0}, 0, 0, 0)
    assert stamps == {c["code"]: (t.customer(c["code"])[0]["updatedAt"],
                                  t.customer(c["code"])[1]["updatedAt"]) for c in reserved + active}


def test_the_clock_drives_the_pull(t):
    t.configure()
    code = t.clients(implanted=True)[0]["code"]
    t.onu(code, power=-20.5)
    assert t.control("POST", "clock", {"advance": 599}).status_code == 200
    (job,) = [j for j in t.control("GET", "jobs").get_json()["jobs"] if j["name"] == "int6-pull"]
    assert (job["runs"], job["every"], job["state"]) == (0, 600, {"url": None, "watermark": None})
    t.control("POST", "clock", {"advance": 1})
    t.onu(code, power="LOS")
    t.control("POST", "clock", {"advance": 1800})
    (job,) = [j for j in t.control("GET", "jobs").get_json()["jobs"] if j["name"] == "int6-pull"]
    assert job["runs"] == 4 and job["failures"] == 0
    assert [e["changed"]["status"] for e in job["log"]][::-1] == [
        {"OK": 0, "ERROR": 0}, {"OK": 0, "ERROR": 1}, {"OK": 0, "ERROR": 0}, {"OK": 0, "ERROR": 0}]
    assert job["state"]["watermark"] == {"updatedAt": t.int6("GET", f"onus/{code}").get_json()[
        "updatedAt"], "gpon_client_id": code}
    assert t.customer(code)[0]["status"] == 1
    t.configure(enabled=False)
    assert "int6-pull" not in [j["name"] for j in t.control("GET", "jobs").get_json()["jobs"]]
    assert t.control("POST", "jobs/int6-pull/run").status_code == 404


def test_a_reset_drops_the_tenants_int6(t):
    t.configure()
    t.onu("R-1", power=-20)
    assert t.control("POST", "reset").status_code == 204
    assert t.control("GET", "integrations/int6").status_code == 404
    assert t.int6("GET", "onus").status_code == 401
    assert t.control("GET", "jobs").get_json()["jobs"] == []
