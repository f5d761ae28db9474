"""What each layer adds to a request's CPU in ``ozsim serve``: the server, Flask, the simulator.

    .venv/bin/python benchmarks/server_floor.py                 # mid, 1 request thread, 8 s runs
    .venv/bin/python benchmarks/server_floor.py -d 10 --rounds 3 --threads 1 8

Three apps served the way ``ozsim serve`` serves (``ozsim.server.run``: granian in the
process, N Python request threads), each driven by wrk like ``http_bench.py`` (the radius
route at random points, 2 threads, 8 connections), in turns:

* ``wsgi``  — a bare WSGI function answering every request with a canned 5.7 KB JSON body:
              granian, the kernel's sockets and the WSGI call;
* ``flask`` — a one-route Flask app answering the same canned body;
* ``ozsim`` — the simulator's app on the ``mid`` network: authentication, contract routing
              and validation, the feasibility query, JSON.

The differences of their CPU time per request (from /proc) say what Flask and what the
simulator's own work cost once served; ``request_path.py`` splits the latter in-process.
``--apps burn`` serves instead a WSGI function that burns 150 µs of CPU per request: with
``--threads 1 2 4 8``, what the number of request threads does to the GIL's queue.
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
import time  # noqa: E402

from benchmarks._harness import (HERE, RADIUS_LUA, Measured, demo_key, free_port,  # noqa: E402
                                 lua_areas, project_areas, require_wrk, run_wrk, write_lua)

APPS = ("wsgi", "flask", "ozsim")
BURN = 150e-6           # seconds of CPU the ``burn`` app spends per request


def canned() -> bytes:
    """The JSON body Prism answers in http_bench.py: a real 7-box answer of ``mid``."""
    import yaml
    with open(os.path.join(HERE, "prism-radius.yaml"), encoding="utf-8") as spec:
        document = yaml.safe_load(spec)
    get = document["paths"]["/api/v2/ftth-viability/radius"]["get"]
    examples = get["responses"]["200"]["content"]["application/json"]["examples"]
    return json.dumps(next(iter(examples.values()))["value"], separators=(",", ":")).encode()


def serve(kind: str, port: int, threads: int, size: str) -> None:
    from ozsim.server import run
    if kind == "ozsim":
        from ozsim.app import Simulator, create_app
        simulator = Simulator(network=size)
        simulator.tenants.world("default")
        app = create_app(simulator)
    else:
        body = canned()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        if kind in ("wsgi", "burn"):
            def app(environ, start_response):
                if kind == "burn":
                    until = time.thread_time() + BURN
                    while time.thread_time() < until:
                        pass
                start_response("200 OK", headers)
                return [body]
        else:
            from flask import Flask, Response
            app = Flask("floor")

            @app.get("/api/v2/ftth-viability/<mode>")
            def viability(mode):
                return Response(body, mimetype="application/json", direct_passthrough=True)
    run(app, "127.0.0.1", port, threads)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", default="mid")
    parser.add_argument("-d", "--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, nargs="+", default=[1])
    parser.add_argument("--apps", nargs="+", choices=(*APPS, "burn"), default=list(APPS))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        kind, port, threads = args.serve
        serve(kind, int(port), int(threads), args.size)
        return 0
    require_wrk()
    key = demo_key()
    cpu: dict[str, list[float]] = {}
    with contextlib.ExitStack() as stack:
        servers = {}
        for threads in args.threads:
            for kind in args.apps:
                port = free_port()
                name = f"{kind} ({threads} thread{'s' if threads > 1 else ''})"
                servers[name] = stack.enter_context(Measured(
                    [sys.executable, os.path.abspath(__file__), args.size, "--serve", kind,
                     str(port), str(threads)], port, "/", name=name))
        ozsim = next((s for n, s in servers.items() if n.startswith("ozsim")), None)
        areas = project_areas(ozsim.base, key) if ozsim else [(-48.56, -27.61, -48.53, -27.58)]
        script = write_lua(RADIUS_LUA, key=key, areas=lua_areas(areas), seed=1)
        try:
            for n in range(args.rounds):
                for name, server in servers.items():
                    before = server.cpu_seconds()
                    result = run_wrk(server.base, script, duration=args.duration)
                    per = (server.cpu_seconds() - before) * 1e6 / max(1, result["requests"])
                    cpu.setdefault(name, []).append(per)
                    print(f"{n + 1} {name:<20} {result['rps']:>8.0f} req/s  p50 "
                          f"{result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:7.2f} ms  "
                          f"server CPU {per:4.0f} µs/request  load {os.getloadavg()[0]:.1f}",
                          flush=True)
        finally:
            os.unlink(script)
    median = {name: statistics.median(values) for name, values in cpu.items()}
    print("median server CPU per request: " + ", ".join(f"{n} {v:.0f} µs" for n, v in median.items()))
    for threads in args.threads:
        s = "s" if threads > 1 else ""
        layers = [median.get(f"{k} ({threads} thread{s})") for k in APPS]
        if None not in layers:
            wsgi, flask, app = layers
            print(f"  {threads} thread{s}: granian + sockets + WSGI call {wsgi:.0f} µs, Flask "
                  f"+{flask - wsgi:.0f} µs, the simulator's work +{app - flask:.0f} µs = "
                  f"{app:.0f} µs")
    if args.json:
        print(json.dumps({"cpu_us_per_request": median}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
