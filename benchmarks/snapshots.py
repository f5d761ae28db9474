"""Snapshots of a big world: load time, memory, save peak, and the first answer of a server
started from one.

    .venv/bin/python benchmarks/snapshots.py large.snapshot            # an existing snapshot
    .venv/bin/python benchmarks/snapshots.py --size large              # build one first (≈ 1 min)
    .venv/bin/python benchmarks/snapshots.py large.snapshot --rounds 5 --skip-save

Each measurement runs in a fresh process:

1. **load** — ``snapshot.load``: wall time, CPU time of the process (every thread) and of the
   main thread alone (the machine's other load disturbs it least), RSS once loaded (what the
   world costs) and the peak RSS while loading;
2. **save** — the loaded world saved again: time, file size, peak RSS above the loaded
   world's RSS (target: at most 1 GiB), and whether the bytes equal the file it was loaded
   from (a re-snapshot is byte for byte the same);
3. **first answer** — ``ozsim serve --state FILE`` from its start to its first 200 on
   ``GET /api/v2/boxes?limit=1`` (target: under 10 s for ``large``), ``--rounds`` times
   (median), with the server's peak RSS.

Snapshots of any version this simulator reads can be given (a version 2 file converts once:
the save step writes the current version, which the server rounds then load).
``--before COMMIT`` measures another commit's code the same way (it must read FILE).
"""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)        # benchmarks._harness and tests.support, whatever the directory

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from benchmarks._harness import (Measured, demo_key, free_port, installed,  # noqa: E402
                                 ozsim_serve, seeded)


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def _peak_mib() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def _reset_peak() -> None:
    """Start the peak RSS (VmHWM) over from the current RSS (Linux: clear_refs 5)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def worker(path: str, out: str | None) -> dict:
    from ozsim.core import snapshot
    from ozsim.ftth.domain import FtthWorld
    started, cpu, thread = time.perf_counter(), time.process_time(), time.thread_time()
    world = snapshot.load(path, FtthWorld)
    result = {"load_s": time.perf_counter() - started, "load_cpu_s": time.process_time() - cpu,
              "load_main_thread_s": time.thread_time() - thread, "loaded_rss_mib": _rss_mib(),
              "load_peak_mib": _peak_mib(),
              "documents": sum(len(docs) for docs in world.docs.values())}
    if out:
        _reset_peak()
        base = _rss_mib()
        started = time.perf_counter()
        snapshot.save(world, out)
        result.update(save_s=time.perf_counter() - started, save_peak_mib=_peak_mib(),
                      save_above_mib=_peak_mib() - base, size_mb=os.path.getsize(out) / 1e6)
    return result


def first_answer(path: str, code: str | None) -> dict:
    port = free_port()
    key = demo_key()
    cmd = ozsim_serve(port, state=path) + ["--api-key", key]
    if code:                # the same command, run from another commit's code
        cmd = [sys.executable, "-c", "from ozsim.cli import main; raise SystemExit(main())",
               *cmd[1:]]
    server = Measured(cmd, port, "/api/v2/boxes?limit=1", headers={"Authorization": key},
                      timeout=600, env={"PYTHONPATH": code} if code else None)
    with server:
        with open(f"/proc/{server.proc.pid}/status") as status:
            peak = next(int(line.split()[1]) for line in status
                        if line.startswith("VmHWM:")) / 1024
        return {"first_answer_s": server.started_in, "server_peak_mib": peak,
                "server_rss_mib": server.rss_mib(), "load": os.getloadavg()[0]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", nargs="?", help="a snapshot file (else --size builds one)")
    parser.add_argument("--size", default="large", help="network to build when no file is given")
    parser.add_argument("--rounds", type=int, default=3, help="server starts (median)")
    parser.add_argument("--skip-save", action="store_true")
    parser.add_argument("--before", metavar="COMMIT",
                        help="measure the code of COMMIT instead (FILE must be a version it reads)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1] if len(args.worker) > 1 else None)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = args.snapshot or seeded(args.size, tmp)
        code = installed(args.before, os.path.join(tmp, "code")) if args.before else None
        out = None if args.skip_save else os.path.join(tmp, "resaved.snapshot")
        done = subprocess.run([sys.executable, __file__, "--worker", path] + ([out] if out else []),
                              check=True, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": code} if code else None)
        result = json.loads(done.stdout.splitlines()[-1])
        print(f"{os.path.basename(path)}: {result['documents']:,} documents, "
              f"{os.path.getsize(path) / 1e6:.1f} MB (load average {os.getloadavg()[0]:.1f})")
        print(f"  load   {result['load_s']:5.1f} s wall, {result['load_cpu_s']:.1f} s CPU "
              f"({result['load_main_thread_s']:.1f} s on the main thread); "
              f"loaded world {result['loaded_rss_mib']:,.0f} MiB, peak {result['load_peak_mib']:,.0f} MiB")
        if out:
            same = open(out, "rb").read() == open(path, "rb").read()
            result["resave_identical"] = same
            print(f"  save   {result['save_s']:5.1f} s, {result['size_mb']:.1f} MB, peak "
                  f"{result['save_peak_mib']:,.0f} MiB = loaded world + "
                  f"{result['save_above_mib']:,.0f} MiB; bytes "
                  f"{'identical to' if same else 'differ from'} the loaded file")
            path = out                                  # the current version serves the rounds
        starts = []
        for n in range(args.rounds):
            starts.append(first_answer(path, code))
            s = starts[-1]
            print(f"  serve  {n + 1}: first /api/v2 answer after {s['first_answer_s']:.1f} s; "
                  f"server peak RSS {s['server_peak_mib']:,.0f} MiB, then "
                  f"{s['server_rss_mib']:,.0f} MiB; load {s['load']:.1f}", flush=True)
        if starts:
            result["first_answer_s"] = statistics.median(s["first_answer_s"] for s in starts)
            result["starts"] = starts
            print(f"  serve  median first answer {result['first_answer_s']:.1f} s over "
                  f"{len(starts)} start(s)")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
