"""Generation time and peak memory of each network size, one fresh process per size.

    .venv/bin/python benchmarks/generate.py mid large          # time + peak RSS per size
    .venv/bin/python benchmarks/generate.py mid --snapshot     # + snapshot save/load figures
    .venv/bin/python benchmarks/generate.py mid --json         # machine-readable lines

Each size runs in its own subprocess, so the peak RSS (``getrusage``' ``ru_maxrss``) is that
size's alone. ``--snapshot`` also saves the world (pickle and JSON) to a temporary file and
loads it back in a second fresh process, reporting sizes, times and the loaded peak RSS.
"""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)        # benchmarks._harness and tests.support, whatever the directory

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402



def _peak_mib() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_build(size: str, seed: int, out: str | None, fmt: str) -> dict:
    from ozsim import generator
    from ozsim.core import snapshot
    base = _peak_mib()
    started, cpu = time.perf_counter(), time.process_time()
    world = generator.build_world(size, seed=seed)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    result = {"size": size, "seed": seed, "seconds": round(elapsed, 2),
              "cpu_seconds": round(cpu, 2),
              "peak_rss_mib": round(_peak_mib()), "baseline_rss_mib": round(base),
              "documents": sum(len(d) for d in world.docs.values()),
              "counts": {r: len(d) for r, d in world.docs.items() if d}}
    if out:
        started = time.perf_counter()
        snapshot.save(world, out, fmt=fmt)
        result["save_seconds"] = round(time.perf_counter() - started, 2)
        result["snapshot_mb"] = round(os.path.getsize(out) / 1e6, 1)
        result["peak_rss_after_save_mib"] = round(_peak_mib())
    return result


def worker_load(path: str) -> dict:
    from ozsim.core import snapshot
    from ozsim.ftth.domain import FtthWorld
    started = time.perf_counter()
    world = snapshot.load(path, FtthWorld)
    return {"load_seconds": round(time.perf_counter() - started, 2),
            "documents": sum(len(d) for d in world.docs.values()),
            "peak_rss_after_load_mib": round(_peak_mib())}


def run(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(size: str, seed: int = 0, with_snapshot: bool = False) -> dict:
    result = run(["--worker-build", size, str(seed)])
    if with_snapshot:
        for fmt in ("pickle", "json"):
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, f"{size}.{fmt}.gz")
                saved = run(["--worker-build", size, str(seed), path, fmt])
                loaded = run(["--worker-load", path])
                result[fmt] = {k: saved[k] for k in ("save_seconds", "snapshot_mb",
                                                     "peak_rss_after_save_mib")} | loaded
    return result


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--worker-build":
        size, seed = argv[1], int(argv[2])
        out, fmt = (argv[3], argv[4]) if len(argv) > 4 else (None, "pickle")
        print(json.dumps(worker_build(size, seed, out, fmt)))
        return 0
    if argv and argv[0] == "--worker-load":
        print(json.dumps(worker_load(argv[1])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", default=["demo", "small", "mid"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--snapshot", action="store_true", help="also time snapshot save/load")
    parser.add_argument("--json", action="store_true", help="print one JSON object per size")
    args = parser.parse_args(argv)
    print(f"{'size':<6} {'documents':>10} {'seconds':>8} {'CPU s':>7} {'peak RSS':>10}", flush=True)
    for size in args.sizes:
        result = measure(size, args.seed, args.snapshot)
        if args.json:
            print(json.dumps(result), flush=True)
            continue
        print(f"{size:<6} {result['documents']:>10,} {result['seconds']:>8.1f} "
              f"{result['cpu_seconds']:>7.1f} {result['peak_rss_mib']:>7,} MiB", flush=True)
        for fmt in ("pickle", "json"):
            if fmt in result:
                r = result[fmt]
                print(f"       snapshot {fmt:<6}: {r['snapshot_mb']:>7.1f} MB, save "
                      f"{r['save_seconds']:.1f} s, load {r['load_seconds']:.1f} s, loaded peak "
                      f"RSS {r['peak_rss_after_load_mib']:,} MiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
