"""Where a feasibility request's CPU time goes inside the ozsim process, stage by stage.

    .venv/bin/python benchmarks/request_path.py                  # mid, 5000 requests
    .venv/bin/python benchmarks/request_path.py small -n 2000
    .venv/bin/python benchmarks/request_path.py mid --state mid.snapshot

Calls the Flask app as a WSGI function (no server, no socket) with the requests
``benchmarks/http_bench.py`` sends — ``GET /api/v2/ftth-viability/radius`` at random points
inside the projects' areas, 150 m, the Authorization header — and measures, in CPU time per
request (``time.process_time``, one thread, after a warm-up):

* the whole app call, from the WSGI environ to the last byte of the body;
* each stage of the request path, timed by wrapping the function that does it: the
  app-level hooks in front of every API (the traffic hooks: journal, faults, rate limits;
  the control plane's access check), the body read, the API key (tenant, world, access),
  routing against the contract, query validation, the feasibility query itself, the JSON
  encoding, and the response object;
* what is left: Flask and Werkzeug (request context, URL map, ``request.args``, hooks,
  response headers).

What the HTTP server adds on top (HTTP parsing, the WSGI environ, handing the request to a
Python thread) is the server's CPU per request that ``http_bench.py`` prints minus the whole
app call here.
"""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)        # benchmarks._harness and tests.support, whatever the directory

import argparse  # noqa: E402
import functools  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

from benchmarks.feasibility import area_points  # noqa: E402


def _environ(lat: float, lng: float, key: str) -> dict:
    return {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/api/v2/ftth-viability/radius",
            "QUERY_STRING": f"lat={lat:.6f}&lng={lng:.6f}&radius=150", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "9994", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
            "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
            "wsgi.input_terminated": True, "HTTP_HOST": "127.0.0.1:9994",
            "HTTP_AUTHORIZATION": key, "REMOTE_ADDR": "127.0.0.1"}


SPENT: Counter = Counter()


def _timed(stage: str, function):
    """``function``, adding its CPU time to ``SPENT[stage]`` (nested stages count in both)."""
    clock = time.process_time

    @functools.wraps(function)
    def run(*args, **kwargs):
        started = clock()
        try:
            return function(*args, **kwargs)
        finally:
            SPENT[stage] += clock() - started
    return run


def instrument(app) -> list[str]:
    """Wrap each stage's function where the request path calls it; the stages, in order."""
    from ozsim import app as app_module
    from ozsim.ozmap import api
    from ozsim.wire import contract, encoding
    hooks = "app-level hooks (traffic, access)"
    for registry in (app.before_request_funcs, app.after_request_funcs):
        registry[None] = [_timed(hooks, hook) for hook in registry.get(None, ())]
    stages = {
        hooks: None,
        "body read": (api, "json_body"),
        "API key → world": (app_module.Simulator, "resolve"),
        "routing (contract)": (contract.Router, "match"),
        "query validation": (contract.Operation, "validate_query"),
        "feasibility query": (api.FEASIBILITY, "radius"),
        "JSON encoding": (encoding, "dumps"),
        "response object": (encoding, "Response"),
    }
    for stage, target in stages.items():
        if target is None:
            continue
        owner, name = target
        if isinstance(owner, dict):
            owner[name] = _timed(stage, owner[name])
        else:
            setattr(owner, name, _timed(stage, getattr(owner, name)))
    return list(stages)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", default="mid")
    parser.add_argument("--state", help="load this snapshot instead of building SIZE")
    parser.add_argument("-n", type=int, default=5000, help="requests to time")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from ozsim.app import Simulator, create_app
    from ozsim.ftth.domain import DEMO_API_KEY
    simulator = Simulator(network=args.size, state=args.state)
    world = simulator.tenants.world("default")
    app = create_app(simulator)
    points = area_points(world, args.n)
    statuses = Counter()

    def start_response(status, headers, exc_info=None):
        statuses[status.split()[0]] += 1

    def call(lat, lng):
        result = app(_environ(lat, lng, DEMO_API_KEY), start_response)
        try:
            return b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()

    for lat, lng in points[:500]:                       # warm-up: caches, specialisation
        call(lat, lng)
    started = time.process_time()
    for lat, lng in points:
        call(lat, lng)
    whole = (time.process_time() - started) / args.n * 1e6
    stages = instrument(app)
    SPENT.clear()
    started = time.process_time()
    for lat, lng in points:
        call(lat, lng)
    timed_whole = (time.process_time() - started) / args.n * 1e6
    per = {stage: SPENT[stage] / args.n * 1e6 for stage in stages}
    rest = timed_whole - sum(per.values())
    print(f"{args.size}: {args.n} radius requests through the Flask app in-process, CPU per "
          f"request (statuses {dict(statuses)}; load average {os.getloadavg()[0]:.1f})")
    print(f"  {'whole app call':<32} {whole:>7.1f} µs")
    for stage in stages:
        print(f"  {stage:<32} {per[stage]:>7.1f} µs")
    print(f"  {'Flask, Werkzeug and the rest':<32} {rest:>7.1f} µs   "
          f"(of {timed_whole:.1f} µs with the timers)")
    if args.json:
        print(json.dumps({"size": args.size, "whole_us": whole, "stages_us": per,
                          "rest_us": rest}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
