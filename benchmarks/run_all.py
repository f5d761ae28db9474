"""Every benchmark with sensible defaults, then one summary table.

    .venv/bin/python benchmarks/run_all.py              # mid: generation, feasibility, HTTP, servers
    .venv/bin/python benchmarks/run_all.py --large      # + generation and feasibility on large
    .venv/bin/python benchmarks/run_all.py --quick      # small network, 5 s wrk runs (a smoke run)

Each benchmark runs as its own process (``--json``), so memory figures are per run.
"""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)        # benchmarks._harness and tests.support, whatever the directory

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402

HERE = os.path.join(ROOT, "benchmarks")


def run(script: str, *args: str) -> dict:
    cmd = [sys.executable, os.path.join(HERE, script), *args, "--json"]
    print(f"$ {' '.join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd)}",
          flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    lines = proc.stdout.strip().splitlines()
    for line in lines:
        if not line.startswith("{"):
            print("  " + line, flush=True)
    data = [json.loads(line) for line in lines if line.startswith("{")]
    if proc.returncode not in (0, 1) or not data:
        raise SystemExit(f"{script} failed with {proc.returncode}")
    return data[-1] if len(data) == 1 else {"runs": data}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also generate and query large")
    parser.add_argument("--quick", action="store_true", help="small network, short runs")
    parser.add_argument("-d", "--duration", type=int, default=None, help="seconds per wrk run")
    args = parser.parse_args(argv)
    size = "small" if args.quick else "mid"
    duration = str(args.duration or (5 if args.quick else 15))
    sizes = [size] + (["large"] if args.large else [])
    rows = []
    generated = run("generate.py", *sizes)
    for r in generated.get("runs", [generated]):
        rows.append((f"generate {r['size']}", f"{r['seconds']:.1f} s ({r['cpu_seconds']:.1f} s CPU)",
                     f"peak RSS {r['peak_rss_mib']:,} MiB, {r['documents']:,} documents"))
    for s in sizes:
        f = run("feasibility.py", s, "-n", "1000" if args.quick else "3000")
        for mode in ("radius", "pole"):
            r = f[mode]
            rows.append((f"feasibility {mode} {s}", f"p50 {r['p50']:.2f} ms / p99 {r['p99']:.2f} ms",
                         f"{r['viable']:.0%} viable, {r['boxes']:.1f} boxes per answer"))
    h = run("http_bench.py", size, "-d", duration)
    o = h["ozsim"]
    rows.append((f"HTTP radius ozsim {size}", f"{o['rps']:.0f} req/s",
                 f"p50 {o['p50_ms']:.1f} ms / p99 {o['p99_ms']:.1f} ms"))
    if "prism" in h:
        p = h["prism"]
        rows.append(("HTTP radius Prism (canned)", f"{p['rps']:.0f} req/s",
                     f"p50 {p['p50_ms']:.1f} ms / p99 {p['p99_ms']:.1f} ms; ozsim/Prism "
                     f"{h['ozsim ratio']:.2f}×, p99 {h['ozsim p99 ratio']:.2f}×"))
    if "reservations" in h:
        r = h["reservations"]
        rows.append((f"HTTP reservations {size}", f"{r['reservations_per_s']:.0f} /s",
                     "no port sold twice" if not r["problems"] else "PROBLEMS: " +
                     "; ".join(r["problems"][:3])))
    s = run("servers.py", size, "-d", duration)
    for name, r in s["best"].items():
        rows.append((f"server {name} {size}", f"{r['rps']:.0f} req/s",
                     f"p50 {r['p50_ms']:.1f} ms / p99 {r['p99_ms']:.1f} ms"
                     + ("  ← fastest" if name == s["fastest"] else "")))
    load = os.getloadavg()
    print(f"\nsummary ({datetime.date.today()}, {os.cpu_count()} CPUs, load average "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f})")
    width = max(len(r[0]) for r in rows)
    for name, figure, detail in rows:
        print(f"  {name:<{width}}  {figure:<34} {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
