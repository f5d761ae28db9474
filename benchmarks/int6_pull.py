"""OZmap's INT6 pull at ISP scale: a full cycle, an incremental one, and OZmap's latency meanwhile.

    .venv/bin/python benchmarks/int6_pull.py                 # large: ~3 GB, a minute to build
    .venv/bin/python benchmarks/int6_pull.py mid --changed 0.01 --load-threads 2

1. Starts a server process like ``ozsim serve --network SIZE`` (granian in the ozsim process,
   8 Python threads) whose default tenant has its INT6 integration configured (INT6 and OZmap
   both this server, as by default) and an INT6 record for **every placed client with a
   code**, loaded in bulk at start-up: a fresh reading for each (the property's read power
   ± a gauss of 0.8 dB, or −20 dBm ± 0.8 when it has none; "LOS" for 4 %), the client's own
   ONU data — except for reserved clients, whose ONUs come up with new data (so the full pull
   implants them and writes their ONU data one PATCH each).
2. Measures OZmap's latency without a pull: ``--load-threads`` client threads (closed loop)
   ``GET /api/v2/properties/client/<random code>`` for ``--baseline`` seconds.
3. Full pull: ``POST /__ozsim/jobs/int6-pull/run`` while the same load runs; prints the wall
   time, the job's own time and what it changed, and the load's latency percentiles during it.
4. Incremental pull: rewrites ``--changed`` (1 %) of the records through the control plane
   (a new reading each), then the same as 3.
5. A pull with nothing new.

Nothing here is asserted; it prints figures (``--json``: one JSON line at the end too).
"""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)        # benchmarks._harness and tests.support, whatever the directory

import argparse  # noqa: E402
import base64  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

import requests  # noqa: E402

from benchmarks._harness import Measured, free_port  # noqa: E402

EMAIL, TOKEN = "int6@benchmark.example", "benchmark-token"
BASIC = "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()


# ---- the server process -----------------------------------------------------------------------
def int6_records(world, seed: int = 7) -> list[dict]:
    """An INT6 record for every placed client with a code (see the module's docstring)."""
    rng = random.Random(seed)
    placed = {p["client"]: p for p in world.docs["properties"].values() if p.get("client")}
    records = []
    for client in world.docs["ftth-clients"].values():
        prop = placed.get(client["id"])
        if not client.get("code") or prop is None:
            continue
        if rng.random() < 0.04:
            power = "LOS"
        else:
            base = prop["potencyRead"] if prop.get("potencyRead") is not None else -20.0
            power = round(base + rng.gauss(0, 0.8), 2) or -0.01
        onu = dict(client.get("onu") or {})
        if not client["implanted"]:
            mac = rng.getrandbits(24)
            onu = {"serial_number": f"ZTEG{rng.getrandbits(32):08X}",
                   "user_PPPoE": f"novo.{client['code']}",
                   "mac_address": f"E0:37:68:{mac >> 16:02X}:{(mac >> 8) & 255:02X}:{mac & 255:02X}"}
        records.append({"gpon_client_id": client["code"], "power": power,
                        **{k: onu.get(k, "") for k in ("serial_number", "user_PPPoE", "mac_address")}})
    return records


def serve(size: str, port: int, seed: int) -> None:
    from ozsim.app import Simulator, create_app
    from ozsim.integrations.int6 import integration
    from ozsim.server import listen_address, run
    started = time.perf_counter()
    simulator = Simulator(network=size, seed=seed)
    world = simulator.tenants.world("default")
    built = time.perf_counter() - started
    app = create_app(simulator)
    configured = app.test_client().put("/__ozsim/integrations/int6", json={
        "email": EMAIL, "token": TOKEN}, headers={"Authorization": simulator.default_key})
    assert configured.status_code == 200, configured.get_json()
    started = time.perf_counter()
    count = integration.of(world).records.load(int6_records(world))
    print(f"built '{size}' in {built:.1f} s; {count} INT6 records loaded in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    run(app, listen_address("127.0.0.1", port), port, threads=8)


# ---- the measuring side -----------------------------------------------------------------------
class Load:
    """Closed-loop client threads asking OZmap for random customers; latencies with times."""

    def __init__(self, base: str, key: str, codes: list[str], threads: int):
        self.base, self.key, self.codes, self.threads = base, key, codes, threads
        self.samples: list[tuple[float, float]] = []     # (start, seconds)
        self.errors = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def _worker(self, seed: int) -> None:
        rng, session = random.Random(seed), requests.Session()
        while not self._stop.is_set():
            code = rng.choice(self.codes)
            started = time.perf_counter()
            try:
                ok = session.get(f"{self.base}/api/v2/properties/client/{code}",
                                 headers={"Authorization": self.key}, timeout=120).status_code == 200
            except requests.RequestException:
                ok = False
            with self._lock:
                self.samples.append((started, time.perf_counter() - started))
                self.errors += not ok

    def __enter__(self) -> "Load":
        self._threads = [threading.Thread(target=self._worker, args=(i,), daemon=True)
                         for i in range(self.threads)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=130)

    def window(self, start: float, end: float) -> dict:
        ms = sorted(s * 1000 for t, s in self.samples if start <= t < end)
        if not ms:
            return {"requests": 0}
        return {"requests": len(ms), "per_s": round(len(ms) / (end - start), 1),
                "p50_ms": round(statistics.median(ms), 1),
                "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 1),
                "max_ms": round(ms[-1], 1)}


def pull(base: str, key: str, load: Load) -> dict:
    started = time.perf_counter()
    entry = requests.post(f"{base}/__ozsim/jobs/int6-pull/run", headers={"Authorization": key},
                          timeout=900).json()
    ended = time.perf_counter()
    return {"wall_s": round(ended - started, 2), "job_s": round(entry["ms"] / 1000, 2),
            "ok": entry["ok"], "error": entry["error"], "changed": entry["changed"],
            "ozmap_during": load.window(started, ended)}


def records_of(base: str) -> list[dict]:
    rows, params = [], {"limit": 10_000}
    while True:
        page = requests.get(f"{base}/int6/onus", params=params, headers={"Authorization": BASIC},
                            timeout=300).json()
        rows += page["rows"]
        if not page["hasNextPage"]:
            return rows
        params = {"limit": 10_000, "updatedSince": rows[-1]["updatedAt"],
                  "after": rows[-1]["gpon_client_id"]}


def change(base: str, key: str, records: list[dict], share: float, seed: int = 11) -> int:
    rng = random.Random(seed)
    chosen = rng.sample(records, max(1, int(len(records) * share)))

    def put(record):
        power = record["power"] - 1.5 if isinstance(record["power"], float) else -21.0
        body = {k: record[k] for k in ("serial_number", "user_PPPoE", "mac_address")}
        response = requests.put(f"{base}/__ozsim/int6/onus/{record['gpon_client_id']}",
                                json={**body, "power": round(power, 2)},
                                headers={"Authorization": key}, timeout=120)
        assert response.status_code == 200, response.text

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(put, chosen))
    return len(chosen)


def show(title: str, result: dict) -> None:
    during = result["ozmap_during"]
    changed = result["changed"] or {}
    print(f"{title}: wall {result['wall_s']} s, job {result['job_s']} s, ok={result['ok']}"
          + (f" ({result['error']})" if result["error"] else ""))
    print(f"  changed: records {changed.get('records')}, clients {changed.get('clients')}, "
          f"status {changed.get('status')}, implanted {changed.get('implanted')}, "
          f"onu {changed.get('onu')}, potencyRead {changed.get('potencyRead')}")
    print(f"  OZmap meanwhile: {during}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", default="large")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--changed", type=float, default=0.01, help="share rewritten (0.01)")
    parser.add_argument("--load-threads", type=int, default=2)
    parser.add_argument("--baseline", type=float, default=10.0, help="seconds of load alone")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.size, args.port, args.seed)
        return 0
    from ozsim.ftth.domain import DEMO_API_KEY as key
    port = free_port()
    cmd = [sys.executable, os.path.abspath(__file__), args.size, "--serve", "--port", str(port),
           "--seed", str(args.seed)]
    with Measured(cmd, port, timeout=1800, name=f"ozsim {args.size} + INT6") as server:
        base = server.base
        print(server.output().strip().splitlines()[-1], f"(ready in {server.started_in:.0f} s)")
        records = records_of(base)
        codes = [r["gpon_client_id"] for r in records]
        print(f"{len(records)} INT6 records; OZmap load: {args.load_threads} threads asking "
              f"GET /api/v2/properties/client/<random code>", flush=True)
        results = {"size": args.size, "records": len(records)}
        with Load(base, key, codes, args.load_threads) as load:
            time.sleep(2)
            started = time.perf_counter()
            time.sleep(args.baseline)
            results["baseline"] = load.window(started, time.perf_counter())
            print(f"OZmap alone: {results['baseline']}", flush=True)
            results["full"] = pull(base, key, load)
            show("full pull", results["full"])
            results["changed_records"] = change(base, key, records, args.changed)
            results["incremental"] = pull(base, key, load)
            show(f"incremental pull ({results['changed_records']} records rewritten)",
                 results["incremental"])
            results["nothing_new"] = pull(base, key, load)
            show("pull with nothing new", results["nothing_new"])
        results["server_rss_mib"] = round(server.rss_mib() or 0)
        print(f"server RSS {results['server_rss_mib']} MiB")
        if args.json:
            print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
