"""The map dashboard on a big network: time to first paint in a real browser, and what each
pan costs (payload and server time) at every zoom.

    .venv/bin/python benchmarks/map.py                 # mid (≈ 6 800 boxes, 60 k clients)
    .venv/bin/python benchmarks/map.py small --pans 20

Starts ``ozsim serve --network SIZE``, then:

* **first paint** — Debian's chromium (Playwright, ``/usr/bin/chromium``) opens the dashboard
  with the key in the fragment; times from navigation to the first paint of the page and to
  the network drawn (``body[data-state=ready]``: overview, fitted viewport, layers drawn),
  ``--loads`` times, on a fresh browser context each;
* **pans** — for zoom levels 12 to 18, ``--pans`` viewports of a 1280 × 860 map, each half a
  screen away from the previous one, starting at random points of the projects' areas:
  ``/map/layers`` bytes (JSON, and gzip'd as a browser receives them) and wall time per
  pan (p50 / p90 / max), and whether the clients were clustered;
* **browser pans** — the same dashboard dragged by half a screen ``--drags`` times at zoom
  16: time from the mouse release to the redrawn map (Leaflet's inertia included), and the
  page's own split of it (``data-fetch-ms``: request and parse; ``data-draw-ms``: drawing).
"""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)        # benchmarks._harness and tests.support, whatever the directory

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402

from benchmarks._harness import Measured, demo_key, free_port, ozsim_serve  # noqa: E402

WIDTH, HEIGHT = 1280, 860
MAP_WIDTH = WIDTH - 360                     # the side panel takes 360 px
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def viewport(lng: float, lat: float, zoom: int) -> tuple:
    """The bbox a MAP_WIDTH × HEIGHT web-Mercator map shows around (lng, lat) at ``zoom``."""
    deg_per_px = 360.0 / (256 * 2 ** zoom)
    half_w = MAP_WIDTH / 2 * deg_per_px
    half_h = HEIGHT / 2 * deg_per_px * math.cos(math.radians(lat))
    return (lng - half_w, lat - half_h, lng + half_w, lat + half_h)


def fetch(base: str, key: str, path: str, params: dict) -> tuple[bytes, int, float]:
    """(JSON body, bytes on the wire — gzip'd as a browser receives it —, seconds)."""
    request = urllib.request.Request(f"{base}{path}?{urllib.parse.urlencode(params)}",
                                     headers={"Authorization": key, "Accept-Encoding": "gzip"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        wire = response.read()
        packed = response.headers.get("Content-Encoding") == "gzip"
    seconds = time.perf_counter() - started
    return (gzip.decompress(wire) if packed else wire), len(wire), seconds


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def pans(base: str, key: str, areas: list, count: int, rng: random.Random) -> list[dict]:
    rows = []
    for zoom in range(12, 19):
        sizes, wires, times, clustered = [], [], [], 0
        w, s, e, n = rng.choice(areas)
        lng, lat = rng.uniform(w, e), rng.uniform(s, n)
        heading = rng.uniform(0, 2 * math.pi)
        for _ in range(count):
            x0, y0, x1, y1 = viewport(lng, lat, zoom)
            body, wire, seconds = fetch(base, key, "/map/layers", {
                "bbox": f"{x0:.6f},{y0:.6f},{x1:.6f},{y1:.6f}", "zoom": zoom})
            view = json.loads(body)
            sizes.append(len(body))
            wires.append(wire)
            times.append(seconds)
            clustered += view["clients"]["clustered"]
            lng += math.cos(heading) * (x1 - x0) / 2           # half a screen further
            lat += math.sin(heading) * (y1 - y0) / 2
            if not (w <= lng <= e and s <= lat <= n):           # turn back into the network
                heading += math.pi
        rows.append({"zoom": zoom, "kb_p50": pct(sizes, .5) / 1024, "kb_max": max(sizes) / 1024,
                     "wire_p50": pct(wires, .5) / 1024, "wire_max": max(wires) / 1024,
                     "ms_p50": pct(times, .5) * 1000, "ms_p90": pct(times, .9) * 1000,
                     "ms_max": max(times) * 1000, "clustered": clustered / count})
    return rows


def browser(base: str, key: str, loads: int, drags: int) -> dict:
    from playwright.sync_api import sync_playwright
    out = {"first_paint_ms": [], "drawn_ms": [], "drag_ms": [], "fetch_ms": [], "draw_ms": []}
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        try:
            for _ in range(loads):
                context = chromium.new_context(viewport={"width": WIDTH, "height": HEIGHT})
                page = context.new_page()
                page.set_default_timeout(300_000)
                page.goto(f"{base}/#key={key}")
                page.wait_for_selector("body[data-state=ready]")
                drawn = page.evaluate("performance.now()")
                paint = page.evaluate("(performance.getEntriesByName('first-contentful-paint')[0]"
                                      " || {}).startTime || null")
                out["drawn_ms"].append(drawn)
                out["first_paint_ms"].append(paint)
                context.close()
            context = chromium.new_context(viewport={"width": WIDTH, "height": HEIGHT})
            page = context.new_page()
            page.set_default_timeout(300_000)
            page.goto(f"{base}/?lat=-27.5954&lng=-48.5480&zoom=16#key={key}")
            page.wait_for_selector("body[data-state=ready]")
            box = page.locator("#map").bounding_box()
            cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            for k in range(drags):
                dx = (MAP_WIDTH / 2) * (1 if k % 2 == 0 else -1)
                draws = int(page.locator("#map").get_attribute("data-draws"))
                page.mouse.move(cx, cy)
                page.mouse.down()
                page.mouse.move(cx - dx, cy, steps=5)
                started = page.evaluate("performance.now()")
                page.mouse.up()
                page.wait_for_function(f"+document.getElementById('map').dataset.draws > {draws}"
                                       " && document.body.dataset.state === 'ready'")
                out["drag_ms"].append(page.evaluate("performance.now()") - started)
                out["fetch_ms"].append(int(page.locator("#map").get_attribute("data-fetch-ms")))
                out["draw_ms"].append(int(page.locator("#map").get_attribute("data-draw-ms")))
            context.close()
        finally:
            chromium.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", nargs="?", default="mid")
    parser.add_argument("--pans", type=int, default=30)
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--drags", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    key, port = demo_key(), free_port()
    print(f"building and serving the {args.size} network…", flush=True)
    with Measured(ozsim_serve(port, network=args.size, threads=4), port,
                headers={"Authorization": key}, name="ozsim") as server:
        print(f"served in {server.started_in:.1f} s; load average {os.getloadavg()[0]:.1f}")
        overview_body, _, overview_s = fetch(server.base, key, "/map/overview", {})
        overview = json.loads(overview_body)
        print(f"counts {overview['counts']}; /map/overview {len(overview_body) / 1024:.1f} kB "
              f"in {overview_s * 1000:.0f} ms")
        areas = [_bounds(p["area"]) for p in overview["projects"] if p["area"]]
        rows = pans(server.base, key, areas, args.pans, random.Random(args.seed))
        print("\nzoom  clustered  JSON p50 / max (kB)   gzip'd p50 / max (kB)   "
              "request p50 / p90 / max (ms)")
        for r in rows:
            print(f"{r['zoom']:>4}  {r['clustered']:>8.0%}  {r['kb_p50']:>8.1f} / {r['kb_max']:<8.1f}"
                  f"  {r['wire_p50']:>8.1f} / {r['wire_max']:<8.1f}"
                  f"   {r['ms_p50']:>7.1f} / {r['ms_p90']:.1f} / {r['ms_max']:.1f}")
        b = browser(server.base, key, args.loads, args.drags)
        print(f"\nfirst contentful paint (ms): {', '.join(f'{v:.0f}' for v in b['first_paint_ms'] if v)}")
        print(f"network drawn after navigation (ms): {', '.join(f'{v:.0f}' for v in b['drawn_ms'])}"
              f" (median {statistics.median(b['drawn_ms']):.0f})")
        print(f"pan by half a screen at zoom 16, release → redrawn (ms): "
              f"{', '.join(f'{v:.0f}' for v in b['drag_ms'])} (median {statistics.median(b['drag_ms']):.0f}; "
              f"includes Leaflet's inertia after the release)")
        print(f"  of which /map/layers request + parse (ms): {', '.join(map(str, b['fetch_ms']))}; "
              f"drawing (ms): {', '.join(map(str, b['draw_ms']))}")
        print(f"server RSS {server.rss_mib():.0f} MiB; load average {os.getloadavg()[0]:.1f}")


def _bounds(area: dict) -> tuple:
    ring = area["coordinates"][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


if __name__ == "__main__":
    main()
