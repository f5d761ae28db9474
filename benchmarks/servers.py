"""Which WSGI server serves ozsim fastest? waitress vs gunicorn (gthread) vs granian (WSGI).

    .venv/bin/python benchmarks/servers.py                 # mid, 15 s of wrk per server
    .venv/bin/python benchmarks/servers.py small -d 10 --rounds 2
    .venv/bin/python benchmarks/servers.py mid --only ozsim waitress

Every server runs the same app and world with 8 request threads:

* ozsim    — ``ozsim serve --threads 8``: what the simulator ships with, granian's Rust HTTP
             stack running in the ozsim process itself (simulator/server.py);
* waitress — ``waitress-serve --threads 8 benchmarks.wsgi_app:app`` (what ozsim serve used
             before, same settings);
* gunicorn — ``gunicorn -k gthread -w 1 --threads 8 --preload benchmarks.wsgi_app:app``
             (a master process plus one worker: ``--preload`` leaves a copy of the world in the
             master);
* granian  — ``granian --interface wsgi --workers 1 --blocking-threads 8
             benchmarks.wsgi_app:app`` (granian's own CLI: a master process plus one worker
             process that loads the app).

The network is built once and saved as a snapshot that each server loads (``--state`` /
``OZSIM_STATE``), so all serve identical data. wrk drives ``/api/v2/ftth-viability/radius``
at random points (2 threads, 8 connections), like benchmarks/http_bench.py. With ``--rounds N`` the
servers take turns N times (the machine's other load varies); the table at the end gives every
round, the median and the best of each. RSS counts the server's whole process group.
"""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)        # benchmarks._harness and tests.support, whatever the directory

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402

from benchmarks._harness import (Measured, demo_key, free_port, ozsim, ozsim_serve,  # noqa: E402
                                 project_areas, require_wrk, seeded)
from benchmarks.http_bench import radius_run  # noqa: E402

VENV_BIN = os.path.dirname(ozsim()[0])

THREADS = 8
NAMES = ("ozsim", "waitress", "gunicorn", "granian")


def commands(port: int, state: str) -> dict:
    return {
        "ozsim": (ozsim_serve(port, state=state, threads=THREADS), {}),
        "waitress": ([os.path.join(VENV_BIN, "waitress-serve"), "--host", "127.0.0.1",
                      "--port", str(port), "--threads", str(THREADS), "--ident",
                      "ozmap-simulator", "--channel-timeout", "240", "--connection-limit", "1000",
                      "--asyncore-use-poll", "benchmarks.wsgi_app:app"], {"OZSIM_STATE": state}),
        "gunicorn": ([os.path.join(VENV_BIN, "gunicorn"), "-k", "gthread", "-w", "1",
                      "--threads", str(THREADS), "--preload", "--timeout", "600",
                      "--log-level", "warning", "-b", f"127.0.0.1:{port}",
                      "benchmarks.wsgi_app:app"], {"OZSIM_STATE": state}),
        "granian": ([os.path.join(VENV_BIN, "granian"), "--interface", "wsgi", "--workers", "1",
                     "--blocking-threads", str(THREADS), "--no-access-log", "--log-level",
                     "warning", "--host", "127.0.0.1", "--port", str(port),
                     "benchmarks.wsgi_app:app"], {"OZSIM_STATE": state}),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", default="mid")
    parser.add_argument("-d", "--duration", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--state", help="use this snapshot instead of building SIZE")
    parser.add_argument("--only", nargs="*", choices=NAMES)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    require_wrk()
    key = demo_key()
    with tempfile.TemporaryDirectory() as tmp:
        state = args.state or seeded(args.size, tmp)
        names = args.only or list(NAMES)
        best: dict[str, dict] = {}
        rounds: dict[str, list[float]] = {name: [] for name in names}
        cpu: dict[str, list[float]] = {name: [] for name in names}
        areas = None
        for round_ in range(args.rounds):
            for name in names:
                port = free_port()
                cmd, env = commands(port, state)[name]
                with Measured(cmd, port, env=env, cwd=ROOT, name=name) as server:
                    if areas is None:
                        areas = project_areas(server.base, key)
                    result = radius_run(server.base, key, areas, args.duration, server=server)
                    result["rss_mib"] = server.rss_mib()
                    result["processes"] = len(server.pids())
                print(f"round {round_ + 1} {name:<9} {result['rps']:>8.1f} req/s  p50 "
                      f"{result['p50_ms']:>7.2f} ms  p99 {result['p99_ms']:>7.2f} ms  "
                      f"non-2xx {result['errors_status']}  socket errors "
                      f"{result['errors_connect'] + result['errors_read'] + result['errors_write']}"
                      f"/{result['errors_timeout']} timeouts  CPU "
                      f"{result['cpu_us_per_request']:.0f} µs/req  RSS {result['rss_mib']:,.0f} MiB"
                      f" in {result['processes']} process(es)  load {result['load']:.1f}",
                      flush=True)
                rounds[name].append(result["rps"])
                cpu[name].append(result["cpu_us_per_request"])
                if name not in best or result["rps"] > best[name]["rps"]:
                    best[name] = result
    load = os.getloadavg()
    print(f"\n{'server':<9} {'median':>8} {'best':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU µs':>7}"
          f" {'RSS MiB':>8}  req/s per round   (best round's p50/p99; median CPU per request;"
          f" load average now {load[0]:.1f} {load[1]:.1f} {load[2]:.1f})")
    for name in names:
        r = best[name]
        print(f"{name:<9} {statistics.median(rounds[name]):>8.0f} {r['rps']:>8.0f} "
              f"{r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f} {statistics.median(cpu[name]):>7.0f} "
              f"{r['rss_mib']:>8,.0f}  " + ", ".join(f"{x:.0f}" for x in rounds[name]))
    fastest = max(best, key=lambda n: statistics.median(rounds[n]))
    print(f"fastest (median): {fastest}")
    if args.json:
        print(json.dumps({"best": best, "rounds": rounds, "cpu_us_per_request": cpu,
                          "fastest": fastest}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
