"""The dashboard in a real browser: the network drawn, feasibility by clicking, an optical path."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.xdist_group("browser")


def open_dashboard(page, site, query: str = ""):
    page.goto(f"{site.base}/{query}#key={site.key}")
    page.wait_for_selector("body[data-state=ready]")


def test_the_network_is_drawn_and_counts_match_the_api(page, site):
    open_dashboard(page, site)
    assert "key=" not in page.url                     # the key left the address bar at once
    boxes = site.get("/api/v2/boxes", limit=1)["total"]
    clients = site.get("/api/v2/properties", limit=1, filter=json.dumps(
        [{"property": "client", "operator": "exists", "value": True}]))["total"]
    drawn = page.locator("[data-testid=map]")
    assert int(drawn.get_attribute("data-boxes-drawn")) == boxes > 0
    assert int(drawn.get_attribute("data-clients-drawn")) == clients > 0
    assert page.locator("[data-testid=summary]").inner_text().startswith(f"{boxes} boxes")
    # the key stays in the tab: a reload needs no fragment
    page.reload()
    page.wait_for_selector("body[data-state=ready]")
    assert int(drawn.get_attribute("data-boxes-drawn")) == boxes


def test_a_click_runs_feasibility_where_it_lands(page, site):
    # the README's example point of the demo network always finds free ports
    open_dashboard(page, site, "?lat=-27.5954&lng=-48.5480&zoom=17")
    assert page.locator("[data-testid=map]").get_attribute("data-clustered") == "false"
    box = page.locator("[data-testid=map]").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 40)
    page.wait_for_selector("[data-testid=details][data-state=done]")
    found = page.locator("[data-testid=feasibility]")
    lat, lng = found.get_attribute("data-lat"), found.get_attribute("data-lng")
    expected = site.get("/api/v2/ftth-viability/radius", lat=lat, lng=lng)
    shown = page.locator("[data-testid=viable-box]").evaluate_all(
        "rows => rows.map(r => r.dataset.boxId)")
    by_pole = site.get("/api/v2/ftth-viability/pole", lat=lat, lng=lng)
    assert int(found.get_attribute("data-viable-boxes")) == len(expected["viableBoxes"]) > 0
    assert shown == [b["id"] for b in expected["viableBoxes"] + by_pole["viableBoxes"]]


def test_a_client_opens_its_optical_path(page, site):
    rows = site.get("/api/v2/properties", limit=50, filter=json.dumps(
        [{"property": "potencyRead", "operator": "exists", "value": True}]))["rows"]
    prop = next(p for p in rows if p.get("potencyCalculated") is not None and p.get("coords"))
    lng, lat = prop["coords"]
    open_dashboard(page, site, f"?lat={lat}&lng={lng}&zoom=20")
    box = page.locator("[data-testid=map]").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    path = page.locator("[data-testid=optical-path]")
    path.wait_for()
    assert float(path.get_attribute("data-potency-calculated")) == prop["potencyCalculated"]
    assert float(path.get_attribute("data-potency-read")) == prop["potencyRead"]
    assert int(path.get_attribute("data-steps")) >= 4            # PON … splitter, drop
