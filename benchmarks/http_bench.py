"""HTTP throughput: feasibility by radius on ozsim vs Stoplight Prism, and port reservations.

    .venv/bin/python benchmarks/http_bench.py                    # mid network, 15 s per wrk run
    .venv/bin/python benchmarks/http_bench.py small -d 10
    .venv/bin/python benchmarks/http_bench.py mid -d 15 --rounds 3         # ozsim and Prism in turns
    .venv/bin/python benchmarks/http_bench.py mid --state mid.snapshot     # serve a snapshot instead
    .venv/bin/python benchmarks/http_bench.py --skip-prism --skip-reservations

1. Starts ``ozsim serve --network SIZE`` (granian in the ozsim process, 8 Python threads) on a
   free port, waits until it answers, and drives ``GET /api/v2/ftth-viability/radius`` with
   wrk (2 threads, 8 connections) from a Lua script that draws random points inside the
   projects' areas and sends the Authorization header. Prints requests/s, latency
   percentiles, the server's CPU time per request (from /proc: the machine's other load
   disturbs it far less than requests/s) and the 1-minute load average.
2. The same wrk run against Stoplight Prism (pinned in benchmarks/package.json; run
   ``npm ci`` in benchmarks/ once) serving a canned answer of the same size from
   benchmarks/prism-radius.yaml — a contract mock's speed for reference — and the ratio.
   Both servers stay up; with ``--rounds N`` wrk drives them in turns N times, so that the
   machine's changing load falls on both alike (each round's ratio, then their range).
3. Reservations, after the radius rounds: wrk POSTs ``/api/v2/properties`` with
   ``auto_connect`` into random CTOs (every CTO not in design; unique client codes per
   request; full boxes answer 422), then
   checks through the API that no port was sold twice: on every box the run touched, each
   property's (splitter, port) is unique and the splitter's ``connectables.output`` holds
   that property's drop fibre; the number of new properties matches the 201s wrk counted;
   ``/__ozsim/invariants`` must answer 200.

Needs ``wrk`` (Debian: ``apt-get update && apt-get install -y wrk``).
"""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)        # benchmarks._harness and tests.support, whatever the directory

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402

from benchmarks._harness import (HERE, PRISM, RADIUS_LUA, RESERVE_LUA, Measured,  # noqa: E402
                                 demo_key, free_port, get_json, installed, lua_areas, ozsim_serve,
                                 project_areas, require_wrk, run_wrk, write_lua)


def warm_up(base: str, key: str, areas, n: int = 200) -> None:
    """Requests first: the contract's validators compile on the first call, Prism's
    JavaScript gets compiled by V8 in its first hundreds."""
    rng = random.Random(11)
    for _ in range(n):
        w, s, e, north = rng.choice(areas)
        get_json(f"{base}/api/v2/ftth-viability/radius", key,
                 {"lat": rng.uniform(s, north), "lng": rng.uniform(w, e), "radius": 150})


def radius_run(base: str, key: str, areas, duration: int, threads: int = 2,
               connections: int = 8, seed: int = 1, server: Measured | None = None) -> dict:
    """wrk on the radius route; with ``server``, also the server's CPU time per request."""
    warm_up(base, key, areas)
    script = write_lua(RADIUS_LUA, key=key, areas=lua_areas(areas), seed=seed)
    try:
        cpu = server.cpu_seconds() if server else None
        result = run_wrk(base, script, threads, connections, duration)
        if server:
            result["cpu_us_per_request"] = ((server.cpu_seconds() - cpu) * 1e6
                                            / max(1, result["requests"]))
        result["load"] = os.getloadavg()[0]
        return result
    finally:
        os.unlink(script)


def prism_server() -> Measured | None:
    """Prism mocking prism-radius.yaml on a free port (not started yet), or None."""
    if not os.path.exists(PRISM):
        print("  Prism is not installed: run `npm ci` in benchmarks/ (skipping the comparison)")
        return None
    port = free_port()
    cmd = [PRISM, "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "warn",
           os.path.join(HERE, "prism-radius.yaml")]
    probe = "/api/v2/ftth-viability/radius?lat=-27.6&lng=-48.5&radius=150"
    return Measured(cmd, port, probe, headers={"Authorization": "x"}, cwd=HERE, timeout=120,
                    name="prism")


def _post(base: str, key: str, path: str, body: dict):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": key,
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read() or b"null")


def _all(base: str, key: str, route: str, flt: list, select: str | None = None) -> list[dict]:
    rows, start = [], 0
    while True:
        params = {"filter": json.dumps(flt), "limit": 1000, "start": start}
        if select:
            params["select"] = select
        page = get_json(f"{base}/api/v2/{route}", key, params)
        rows += page["rows"]
        if not page.get("hasNextPage"):
            return rows
        start += len(page["rows"])


def service_boxes(base: str, key: str) -> list[str]:
    """Ids of every CTO (hierarchy level 3) that is not in design: where clients are sold."""
    flt = [{"property": "hierarchyLevel", "operator": "=", "value": 3},
           {"property": "draft", "operator": "=", "value": False}]
    return sorted(b["id"] for b in _all(base, key, "boxes", flt, select="id"))


def _total(base: str, key: str, route: str) -> int:
    return get_json(f"{base}/api/v2/{route}", key, {"limit": 1})["total"]


def _settled_total(base: str, key: str, route: str) -> int:
    """The total once the server is done: wrk stops at its deadline, but the server still
    finishes the requests it had received (one per connection at most)."""
    total = _total(base, key, route)
    for _ in range(20):
        time.sleep(0.5)
        again = _total(base, key, route)
        if again == total:
            break
        total = again
    return total


def _chunks(items: list, n: int = 200):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def reservation_run(base: str, key: str, duration: int, threads: int = 2,
                    connections: int = 8) -> dict:
    boxes = service_boxes(base, key)
    before = _total(base, key, "properties")
    run = f"{int(time.time()) % 100000}"
    script = write_lua(RESERVE_LUA, key=key, boxes=", ".join(f'"{b}"' for b in boxes), seed=5,
                       run=run)
    try:
        result = run_wrk(base, script, threads, connections, duration)
    finally:
        os.unlink(script)
    new = _settled_total(base, key, "properties") - before
    problems = []
    # wrk stops counting at the deadline: up to one request per connection may still be
    # served after it, so the API can show a few more reservations than wrk saw answered
    if not result["created"] <= new <= result["created"] + connections:
        problems.append(f"wrk counted {result['created']} reservations, the API shows {new}")
    # no port sold twice: every property on the boxes the benchmark touched, against the
    # splitters' connectables, read back through the API
    mine = _all(base, key, "properties", [{"property": "address", "operator": "=",
                                           "value": f"Benchmark {run}"}])
    touched = sorted({p["box"] for p in mine})
    props = [p for chunk in _chunks(touched)
             for p in _all(base, key, "properties", [{"property": "box", "operator": "in",
                                                      "value": chunk}])]
    splitters = {s["id"]: s for chunk in _chunks(touched)
                 for s in _all(base, key, "splitters", [{"property": "parent", "operator": "in",
                                                         "value": chunk}])}
    sold = set()
    for prop in props:
        for c in prop.get("connections") or ():
            slot = (c["id"], c["port"])
            if slot in sold:
                problems.append(f"port {c['port']} of splitter {c['id']} sold twice")
            sold.add(slot)
            held = splitters[c["id"]]["connectables"]["output"][c["port"] - 1]
            if held != c["fiber"]:
                problems.append(f"splitter {c['id']} port {c['port']} holds {held}, "
                                f"property {prop['id']} says {c['fiber']}")
    if len(mine) != new:
        problems.append(f"{new} new properties, {len(mine)} carry this run's address")
    request = urllib.request.Request(base + "/__ozsim/invariants", headers={"Authorization": key})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            invariants = response.status
    except urllib.error.HTTPError as exc:
        invariants = exc.code
        problems.append(f"/__ozsim/invariants answered {exc.code}: {exc.read()[:300]!r}")
    result.update(boxes=len(boxes), touched_boxes=len(touched), checked_properties=len(props),
                  new_properties=new, problems=problems, invariants=invariants,
                  in_flight_at_stop=new - result["created"],
                  reservations_per_s=result["created"] / result["seconds"],
                  attempts_per_s=result["requests"] / result["seconds"])
    return result


def describe(name: str, r: dict) -> str:
    errors = r["errors_connect"] + r["errors_read"] + r["errors_write"] + r["errors_timeout"]
    cpu = (f"   server CPU {r['cpu_us_per_request']:>4.0f} µs/req"
           if r.get("cpu_us_per_request") is not None else "")
    return (f"{name:<22} {r['rps']:>9.1f} req/s   p50 {r['p50_ms']:>7.2f} ms   p90 "
            f"{r['p90_ms']:>7.2f} ms   p99 {r['p99_ms']:>7.2f} ms   non-2xx {r['errors_status']}"
            f"   socket errors {errors}{cpu}   load {r['load']:.1f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", default="mid")
    parser.add_argument("--state", help="serve this snapshot instead of building SIZE")
    parser.add_argument("-d", "--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=1,
                        help="radius runs, ozsim and Prism taking turns (default 1)")
    parser.add_argument("--threads", type=int, nargs="+", metavar="N",
                        help="ozsim serve --threads: one server per value, measured in turns "
                             "(default: one server with ozsim serve's own default)")
    parser.add_argument("--before", metavar="COMMIT",
                        help="also serve the code of COMMIT (its own defaults), in turns")
    parser.add_argument("--skip-prism", action="store_true")
    parser.add_argument("--skip-reservations", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the results as JSON last")
    args = parser.parse_args(argv)
    require_wrk()
    key = demo_key()
    results = {}
    label = args.state or args.size
    threads = args.threads or [None]
    names = ["ozsim" if len(threads) == 1 else f"ozsim {t} threads" for t in threads]
    runs = [(name, count, None) for name, count in zip(names, threads)]
    with contextlib.ExitStack() as stack:
        if args.before:
            where = installed(args.before, stack.enter_context(tempfile.TemporaryDirectory()))
            runs.append((f"ozsim at {args.before}", None, where))
        servers = {}
        for name, count, path in runs:
            port = free_port()
            cmd = ozsim_serve(port, args.size, args.state, count)
            if path:        # the same command, run from another installation of ozsim
                cmd = [sys.executable, "-c", "from ozsim.cli import main; raise SystemExit(main())",
                       *cmd[1:]]
            server = servers[name] = stack.enter_context(Measured(
                cmd, port, name=name, env={"PYTHONPATH": path} if path else None))
            print(f"{name} serving {label} on {server.base} (ready in {server.started_in:.1f} s,"
                  f" RSS {server.rss_mib():,.0f} MiB)", flush=True)
        first = next(iter(servers.values()))
        areas = project_areas(first.base, key)
        print(f"wrk 2 threads / 8 connections / {args.duration} s per run", flush=True)
        prism = None if args.skip_prism else prism_server()
        if prism is not None:
            stack.enter_context(prism)      # all up; wrk drives one at a time, in turns
        rounds = []
        for n in range(args.rounds):
            turn = {}
            for name, server in servers.items():
                turn[name] = radius_run(server.base, key, areas, args.duration, server=server)
                print(describe(f"{n + 1} {name}", turn[name]), flush=True)
            if prism is not None:
                turn["prism"] = radius_run(prism.base, "prism-key", areas, args.duration,
                                           server=prism)
                turn["prism"]["rss_mib"] = prism.rss_mib()
                print(describe(f"{n + 1} prism (canned)", turn["prism"]), flush=True)
                for name in servers:
                    ratio = turn[f"{name} ratio"] = turn[name]["rps"] / turn["prism"]["rps"]
                    p99 = turn[f"{name} p99 ratio"] = turn[name]["p99_ms"] / turn["prism"]["p99_ms"]
                    print(f"{f'{n + 1} {name} / prism':<26} {ratio:>5.2f}× the requests/s, "
                          f"{p99:.2f}× the p99", flush=True)
            rounds.append(turn)
        results["rounds"] = rounds
        # the round with the median ratio (or median req/s) of the first server stands for the run
        lead = names[0]
        middle = sorted(rounds, key=lambda t: t.get(f"{lead} ratio", t[lead]["rps"]))[
            (len(rounds) - 1) // 2]
        results.update({k: v for k, v in middle.items()})
        if prism is not None:
            for name in servers:
                ratios = sorted(t[f"{name} ratio"] for t in rounds)
                p99s = sorted(t[f"{name} p99 ratio"] for t in rounds)
                cpu = statistics.median(t[name]["cpu_us_per_request"] for t in rounds)
                print(f"{f'{name} / prism':<26} requests/s {ratios[0]:.2f}–{ratios[-1]:.2f}× "
                      f"(median {statistics.median(ratios):.2f}×), p99 {p99s[0]:.2f}–"
                      f"{p99s[-1]:.2f}× (median {statistics.median(p99s):.2f}×) over "
                      f"{len(rounds)} round(s); server CPU median {cpu:.0f} µs/request vs "
                      f"{statistics.median(t['prism']['cpu_us_per_request'] for t in rounds):.0f}",
                      flush=True)
        ozsim = first
        if not args.skip_reservations:
            r = results["reservations"] = reservation_run(ozsim.base, key, args.duration)
            print(f"{'ozsim reservations':<22} {r['reservations_per_s']:>9.1f} reservations/s "
                  f"({r['created']} created, {r['full']} refused: box full, {r['other']} other; "
                  f"random boxes among {r['boxes']:,} CTOs); p50 {r['p50_ms']:.2f} ms "
                  f"p99 {r['p99_ms']:.2f} ms", flush=True)
            verdict = "no port sold twice" if not r["problems"] else "; ".join(r["problems"][:5])
            print(f"{'':<22} check of {r['checked_properties']:,} properties on "
                  f"{r['touched_boxes']:,} boxes: {verdict}; /__ozsim/invariants → "
                  f"{r['invariants']}", flush=True)
    if args.json:
        print(json.dumps(results))
    problems = (results.get("reservations") or {}).get("problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
