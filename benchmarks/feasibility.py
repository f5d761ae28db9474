"""In-process feasibility latency: ``feasibility.radius`` (150 m) and ``feasibility.pole``.

    .venv/bin/python benchmarks/feasibility.py mid              # 3000 random points per mode
    .venv/bin/python benchmarks/feasibility.py large -n 5000
    .venv/bin/python benchmarks/feasibility.py mid --state mid.snapshot   # load instead of build

Points are drawn uniformly inside the projects' service areas (the cities' street grids), so
most land within reach of several boxes, some in gaps. Prints p50/p90/p99/max in ms and the
share of viable answers. The feasibility item cache (``world.ports.cache``) is cleared before
each mode so that the figures include cold boxes.
"""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)        # benchmarks._harness and tests.support, whatever the directory

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402



def area_points(world, n: int, seed: int = 7) -> list[tuple[float, float]]:
    """(lat, lng) pairs uniformly inside the projects' ``area`` bounding boxes, by box size."""
    rng = random.Random(seed)
    boxes = []
    for project in world.docs["projects"].values():
        ring = ((project.get("area") or {}).get("coordinates") or [[]])[0]
        if ring:
            lngs, lats = [p[0] for p in ring], [p[1] for p in ring]
            boxes.append((min(lngs), min(lats), max(lngs), max(lats)))
    weights = [(e - w) * (n_ - s) for w, s, e, n_ in boxes]
    out = []
    for _ in range(n):
        w, s, e, north = rng.choices(boxes, weights)[0]
        out.append((rng.uniform(s, north), rng.uniform(w, e)))
    return out


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)

    def at(q):
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": at(0.50), "p90": at(0.90), "p99": at(0.99), "max": ordered[-1],
            "mean": statistics.fmean(ordered)}


def measure(world, points, mode: str, radius: float = 150.0) -> dict:
    from ozsim.ftth import feasibility
    world.ports.cache.clear()
    call = (lambda lat, lng: feasibility.radius(world, lat, lng, radius)) if mode == "radius" \
        else (lambda lat, lng: feasibility.pole(world, lat, lng))
    timings, viable, boxes = [], 0, 0
    for lat, lng in points:
        started = time.perf_counter()
        result = call(lat, lng)
        timings.append((time.perf_counter() - started) * 1000)
        viable += result["viable"]
        boxes += len(result["boxes"])
    stats = percentiles(timings)
    stats.update(viable=viable / len(points), boxes=boxes / len(points), n=len(points))
    return stats


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", default="mid")
    parser.add_argument("-n", type=int, default=3000, help="queries per mode (default 3000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--state", help="load this snapshot instead of building the size")
    parser.add_argument("--json", action="store_true", help="print the results as JSON last")
    args = parser.parse_args(argv)
    from ozsim import generator
    from ozsim.core import snapshot
    from ozsim.ftth.domain import FtthWorld
    started = time.perf_counter()
    world = snapshot.load(args.state, FtthWorld) if args.state else generator.build_world(args.size,
                                                                               seed=args.seed)
    print(f"{args.state or args.size}: {len(world.docs['boxes']):,} boxes, "
          f"{len(world.docs['poles']):,} poles, {len(world.docs['properties']):,} properties "
          f"(ready in {time.perf_counter() - started:.1f} s)", flush=True)
    points = area_points(world, args.n)
    print(f"{'mode':<7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7} "
          f"{'viable':>7} {'boxes/q':>7}")
    results = {}
    for mode in ("radius", "pole"):
        r = results[mode] = measure(world, points, mode)
        print(f"{mode:<7} {r['p50']:>7.3f} {r['p90']:>7.3f} {r['p99']:>7.3f} {r['max']:>7.2f} "
              f"{r['viable']:>7.0%} {r['boxes']:>7.1f}", flush=True)
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
