"""The ``ozsim`` command line: serve the simulator, build networks, replay scenarios."""
from __future__ import annotations

import argparse
import os
import sys

from . import generator
from .app import Simulator, create_app, options_from_env
from .scenarios.cli import register as register_scenarios


def _serve(args) -> int:
    raw_port = args.port if args.port is not None else os.environ.get("OZSIM_PORT") or 9994
    try:
        options = options_from_env(api_key=args.api_key, network=args.network, seed=args.seed,
                                   state=args.state)
        if not str(raw_port).isdecimal() or not 0 <= int(raw_port) <= 65535:
            raise ValueError(f"the port (--port / OZSIM_PORT) must be 0..65535, got {raw_port!r}")
    except ValueError as exc:
        raise SystemExit(f"ozsim serve: {exc}") from None
    port = int(raw_port)
    host = args.host or os.environ.get("OZSIM_HOST", "127.0.0.1")
    from .server import listen_address, run
    address = listen_address(host, port)        # a busy port fails before the network is built
    simulator = Simulator(**options, strict=not args.lenient)
    simulator.tenants.world("default")          # build the network before accepting requests
    app = create_app(simulator)
    _banner(simulator, host, port)
    run(app, address, port, threads=args.threads)
    return 0


def _banner(simulator: Simulator, host: str, port: int) -> None:
    world = simulator.tenants.world("default")
    base = f"http://{host}:{port}"
    counts = ", ".join(f"{len(world.docs[r])} {r}" for r in ("boxes", "splitters", "properties",
                                                              "ftth-clients", "poles"))
    key = simulator.default_key
    print(f"ozmap-simulator serving the '{simulator.network}' network (seed {simulator.seed}) "
          f"on {base}\n  {counts}\n  API key: {key}\n"
          f"  contract: {base}/api/v2/openapi.yaml   docs: {base}/docs\n"
          f"Try:\n"
          f"  curl -H 'Authorization: {key}' '{base}/api/v2/boxes?limit=2'\n"
          f"  curl -H 'Authorization: {key}' "
          f"'{base}/api/v2/ftth-viability/radius?lat=-27.5954&lng=-48.5480&radius=150'\n"
          f"  curl -H 'Authorization: {key}' -G '{base}/api/v2/properties' "
          f"--data-urlencode 'filter=[{{\"property\":\"potencyRead\",\"operator\":\"exists\","
          f"\"value\":true}}]' --data-urlencode limit=3", flush=True)


def _seed(args) -> int:
    """Build a network, print what it holds and what it cost, optionally write a snapshot."""
    import resource
    import time

    from .core.progress import Progress
    from .ftth.domain import DEMO_API_KEY

    started = time.perf_counter()
    with Progress(f"ozsim seed {args.size}") as bar:
        world = generator.build_world(args.size, seed=args.seed,
                                      api_key=args.api_key or DEMO_API_KEY, progress=bar)
    built = time.perf_counter() - started
    rows = [(route, len(docs)) for route, docs in world.docs.items() if docs]
    width = max(len(route) for route, _ in rows)
    print(f"network '{args.size}' (seed {args.seed}), tenant '{world.tenant}':")
    for route, count in rows:
        print(f"  {route:<{width}}  {count:>10,}")
    print(f"  {'total':<{width}}  {sum(c for _, c in rows):>10,}")
    print(f"built in {built:.1f} s", flush=True)
    if args.out:
        from .core import snapshot
        started = time.perf_counter()
        snapshot.save(world, args.out)
        size = os.path.getsize(args.out)
        print(f"snapshot written to {args.out} ({size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - started:.1f} s; serve it with: "
              f"ozsim serve --state {args.out}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss      # KiB on Linux
    print(f"peak RSS {peak / 1024:.0f} MiB")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="ozsim", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the simulator's HTTP server")
    serve.add_argument("--host", help="bind address (OZSIM_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (OZSIM_PORT, default 9994)")
    serve.add_argument("--seed", type=int, help="RNG seed of the network (OZSIM_SEED, default 0)")
    serve.add_argument("--network", help="network size to build (OZSIM_NETWORK, default demo)")
    serve.add_argument("--api-key", help="API key of the default tenant (OZSIM_API_KEY)")
    serve.add_argument("--state", help="load the default tenant's world from a snapshot file")
    serve.add_argument("--threads", type=int, default=1,
                       help="Python threads that run requests (default 1: requests are served "
                            "in arrival order; more let a slow request share the interpreter)")
    serve.add_argument("--lenient", action="store_true",
                       help="drop unknown request fields instead of refusing them")
    serve.set_defaults(func=_serve)
    register_scenarios(sub)

    seed = sub.add_parser("seed", help="build a network, report it, optionally snapshot it")
    seed.add_argument("--size", default="demo", choices=generator.SIZES, help="network size (default demo)")
    seed.add_argument("--seed", type=int, default=0, help="RNG seed (default 0)")
    seed.add_argument("--out", help="write a snapshot that `ozsim serve --state FILE` loads")
    seed.add_argument("--api-key", help="API key stored with the world's API user")
    seed.set_defaults(func=_seed)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
