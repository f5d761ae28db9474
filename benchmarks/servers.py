"""Which WSGI server serves ozsim fastest? waitress vs gunicorn (gthread) vs granian (WSGI).

    .venv/bin/python benchmarks/servers.py                 # mid, 15 s of wrk per server
    .venv/bin/python benchmarks/servers.py small -d 10 --rounds 2

Every server runs the same world in ONE process (the worlds live in memory: no forking
workers), with 8 request threads:

* waitress — ``ozsim serve --threads 8`` (what the simulator ships with);
* gunicorn — ``gunicorn -k gthread -w 1 --threads 8 --preload benchmarks.wsgi_app:app``;
* granian  — ``granian --interface wsgi --workers 1 --blocking-threads 8 benchmarks.wsgi_app:app``.

The network is built once and saved as a snapshot that each server loads (``--state`` /
``OZSIM_STATE``), so all three serve identical data. wrk drives
``/api/v2/ftth-viability/radius`` at random points (2 threads, 8 connections), like
benchmarks/http.py. With ``--rounds N`` the servers take turns N times and the best round of
each is reported (the machine's other load varies). Prints requests/s, p50 and p99.
"""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [ROOT] + [p for p in sys.path
                        if os.path.abspath(p or os.curdir) != os.path.join(ROOT, "benchmarks")]

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

from benchmarks._harness import (VENV_BIN, Server, demo_key, free_port, ozsim_cmd,  # noqa: E402
                                 project_areas, require_wrk)
from benchmarks.http import radius_run  # noqa: E402

THREADS = 8


def commands(port: int, state: str) -> dict:
    return {
        "waitress": (ozsim_cmd(port, state=state, threads=THREADS), {}),
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
    parser.add_argument("--only", nargs="*", choices=("waitress", "gunicorn", "granian"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    require_wrk()
    key = demo_key()
    with tempfile.TemporaryDirectory() as tmp:
        state = args.state
        if state is None:
            state = os.path.join(tmp, f"{args.size}.snapshot")
            subprocess.run([os.path.join(VENV_BIN, "ozsim"), "seed", "--size", args.size,
                            "--out", state], check=True, stdout=subprocess.DEVNULL)
        names = args.only or ["waitress", "gunicorn", "granian"]
        best: dict[str, dict] = {}
        areas = None
        for round_ in range(args.rounds):
            for name in names:
                port = free_port()
                cmd, env = commands(port, state)[name]
                with Server(name, cmd, port, env=env, cwd=ROOT) as server:
                    if areas is None:
                        areas = project_areas(server.base, key)
                    result = radius_run(server.base, key, areas, args.duration)
                    result["rss_mib"] = server.rss_mib()
                print(f"round {round_ + 1} {name:<9} {result['rps']:>8.1f} req/s  p50 "
                      f"{result['p50_ms']:>7.2f} ms  p99 {result['p99_ms']:>7.2f} ms  "
                      f"non-2xx {result['errors_status']}  socket errors "
                      f"{result['errors_connect'] + result['errors_read'] + result['errors_write']}"
                      f"/{result['errors_timeout']} timeouts  RSS {result['rss_mib']:,.0f} MiB",
                      flush=True)
                if name not in best or result["rps"] > best[name]["rps"]:
                    best[name] = result
    print(f"\n{'server':<9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name in names:
        r = best[name]
        print(f"{name:<9} {r['rps']:>9.1f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}")
    fastest = max(best, key=lambda n: best[n]["rps"])
    print(f"fastest: {fastest}")
    if args.json:
        print(json.dumps({"best": best, "fastest": fastest}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
