"""OZloc in a real browser, inside an iframe of a host page: the reservation (or the refusal)
comes back by postMessage, and the port is then taken through /api/v2."""
from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.xdist_group("browser")

HOST = """<!doctype html><html><body><h1>ERP</h1>
<iframe id="ozloc" src="{src}" style="width:1200px;height:760px"></iframe>
<script>
window.messages = [];
window.addEventListener("message", (e) => window.messages.push(e.data));
</script></body></html>"""


def embed(page, site, **params):
    """The host page with OZloc in an iframe; returns the iframe's frame locator."""
    src = f"{site.base}/ozloc?{urlencode({'authorization': site.key, **params})}"
    page.set_content(HOST.format(src=src.replace("&", "&amp;")))
    return page.frame_locator("#ozloc")


def message(page):
    page.wait_for_function("window.messages.length > 0")
    return page.evaluate("window.messages[0]")


def counts(site) -> tuple[int, int]:
    return (site.get("/api/v2/properties", limit=1)["total"],
            site.get("/api/v2/ftth-clients", limit=1)["total"])


def test_reserve_a_port_from_an_address_and_receive_it_by_postmessage(page, site):
    # an address without coordinates: resolved offline against the tenant's addresses
    address = site.get("/api/v2/properties", limit=1)["rows"][0]["address"]
    frame = embed(page, site, address=address, cod_cli="ERP-4242", client_name="Maria da Silva",
                  integration_code="erp-test")
    box = frame.locator("[data-testid=ozloc-box]").first
    box_id = box.get_attribute("data-box-id")
    box.click()
    port = frame.locator("[data-testid=ozloc-port]").first
    chosen = int(port.get_attribute("data-port"))
    port.click()
    frame.locator("[data-testid=ozloc-reserve]").click()
    sent = message(page)
    assert list(sent) == ["type", "box", "splitter", "port", "property", "client"]
    assert sent["type"] == "ozloc:reservation" and sent["box"] == box_id and sent["port"] == chosen
    prop = site.get(f"/api/v2/properties/{sent['property']}", populate="client")
    assert prop["box"] == box_id and prop["address"] == address
    assert prop["connections"][0]["id"] == sent["splitter"]
    assert prop["connections"][0]["port"] == chosen
    assert prop["client"]["id"] == sent["client"] and prop["client"]["code"] == "ERP-4242"
    assert prop["client"]["implanted"] is False and prop["client"]["name"] == "Maria da Silva"
    splitter = site.get(f"/api/v2/splitters/{sent['splitter']}")
    assert splitter["connectables"]["output"][chosen - 1] is not None      # the port is taken
    offered = site.get("/map/feasibility", lat=prop["coords"][1], lng=prop["coords"][0])
    ports = {(s["id"], p) for b in offered["boxes"] for s in b["splitters"] for p in s["availablePorts"]}
    assert (sent["splitter"], chosen) not in ports


def test_a_port_taken_meanwhile_is_refused_and_nothing_is_half_reserved(page, site):
    frame = embed(page, site, lat=-27.5954, lng=-48.5480, cod_cli="ERP-7")
    frame.locator("[data-testid=ozloc-box]").first.click()
    port = frame.locator("[data-testid=ozloc-port]").first
    taken = {"connector": port.get_attribute("data-splitter"),
             "port": int(port.get_attribute("data-port"))}
    port.click()
    other = site.http.post(f"{site.base}/api/v2/properties", timeout=30, json={
        **taken, "client": {"code": "CHATBOT-1", "implanted": False}})    # somebody else, first
    assert other.status_code == 201, other.text
    before = counts(site)
    frame.locator("[data-testid=ozloc-reserve]").click()
    sent = message(page)
    assert sent["type"] == "ozloc:error" and sent["code"] == "PORT_OCCUPIED"
    assert list(sent) == ["type", "code", "message"] and "occupied" in sent["message"]
    assert frame.locator("[data-testid=ozloc-status]").inner_text().endswith("(PORT_OCCUPIED)")
    assert counts(site) == before
    assert site.get("/api/v2/ftth-clients", filter=json.dumps(
        [{"property": "code", "operator": "=", "value": "ERP-7"}]))["total"] == 0


@pytest.mark.parametrize("params, code", [
    ({"lat": -27.70, "lng": -48.70, "cod_cli": "X"}, "NO_FEASIBILITY"),         # far from the network
    ({"address": "Rua que não existe, 1", "cod_cli": "X"}, "ADDRESS_NOT_FOUND"),
    ({"lat": -27.5954, "lng": -48.5480, "authorization": "not-a-key"}, "INVALID_API_KEY"),
])
def test_refusals_are_shown_and_posted(page, site, params, code):
    frame = embed(page, site, **params)
    sent = message(page)
    assert sent == {"type": "ozloc:error", "code": code, "message": sent["message"]}
    assert frame.locator(f"[data-testid=ozloc-status][data-code={code}]").is_visible()
