"""The ``ozsim`` command line: serve the simulator, build networks, replay scenarios."""
from __future__ import annotations

import argparse
import ipaddress
import os
import sys

from . import generator
from .app import SERVE_LIMITS, Simulator, create_app, options_from_env
from .drift.cli import register as register_contract
from .scenarios.cli import add_command, register as register_scenarios


def _serve(args) -> int:
    raw_port = args.port if args.port is not None else os.environ.get("OZSIM_PORT") or 9994
    try:
        options = options_from_env(api_key=args.api_key, network=args.network, seed=args.seed,
                                   state=args.state, strict=args.strict or None,
                                   max_tenants=args.max_tenants,
                                   max_network=args.max_network)
        if not str(raw_port).isdecimal() or not 0 <= int(raw_port) <= 65535:
            raise ValueError(f"the port (--port / OZSIM_PORT) must be 0..65535, got {raw_port!r}")
    except ValueError as exc:
        raise SystemExit(f"ozsim serve: {exc}") from None
    port = int(raw_port)
    host = args.host or os.environ.get("OZSIM_HOST", "127.0.0.1")
    admin_token = args.admin_token or os.environ.get("OZSIM_ADMIN_TOKEN") or None
    try:
        from .server import listen_address, run
    except RuntimeError as exc:                 # an unsupported granian (server._guard)
        raise SystemExit(f"ozsim serve: {exc}") from None
    address = listen_address(host, port)        # a busy port fails before the network is built
    disabled = control_disabled(address, admin_token)
    simulator = Simulator(**options)
    simulator.tenants.world("default")          # build the network before accepting requests
    app = create_app(simulator, admin_token=admin_token, control_disabled=disabled)
    _banner(simulator, host, port, admin_token, disabled)
    run(app, address, port, threads=args.threads)
    return 0


def control_disabled(address: str, admin_token: str | None) -> str | None:
    """Why the control plane must be off, or None: reachable beyond this machine (a non-loopback
    address) with nobody's token required, anyone could reset, replace or fault its tenants."""
    if admin_token or ipaddress.ip_address(address).is_loopback:
        return None
    return (f"ozsim serve listens on {address}, beyond loopback, without an admin token; "
            "restart it with --admin-token / OZSIM_ADMIN_TOKEN to enable /__ozsim")


def _banner(simulator: Simulator, host: str, port: int, admin_token: str | None = None,
            disabled: str | None = None) -> None:
    world = simulator.tenants.world("default")
    base = f"http://{host}:{port}"
    counts = ", ".join(f"{len(world.docs[r])} {r}" for r in ("boxes", "splitters", "properties",
                                                              "ftth-clients", "poles"))
    key = simulator.default_key
    control = (f"DISABLED — {disabled}" if disabled else
               f"{base}/__ozsim" + (" (admin token required in X-Ozsim-Admin)" if admin_token
                                    else ""))
    print(f"ozmap-simulator serving the '{simulator.network}' network (seed {simulator.seed}) "
          f"on {base}\n  {counts}\n  API key: {key}\n"
          f"  contract: {base}/api/v2/openapi.yaml   docs: {base}/docs\n"
          f"  OZneutral: {base}/ozneutral (contract: {base}/ozneutral/openapi.yaml)\n"
          f"  INT6: {base}/int6 (contract: {base}/int6/openapi.yaml; set it up with "
          f"PUT {base}/__ozsim/integrations/int6)\n"
          f"  control plane: {control}\n"
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


SIZES_HELP = """\
network sizes:
  empty  only the catalogue of types and the API user
  demo   about 200 clients on 50 CTOs in Florianopolis
  small  about 5 000 clients
  mid    about 50 000 clients in 4 cities
  large  about 500 000 clients in 14 cities
  top    about 1 100 000 clients in 18 cities"""

HELP = {
    "ozsim": ("""\
ozmap-simulator: an offline, stateful stand-in for the OZmap API v2, the FTTH network
inventory used by Brazilian ISPs. Serve a generated provider network over HTTP, build and
save networks, replay integration scenarios against the simulator or a real OZmap, and check
the contracts against either.""",
              """\
examples:
  ozsim serve                                  # the demo network on http://127.0.0.1:9994
  ozsim serve --network mid --port 9000        # a 50 000-client network on port 9000
  ozsim seed --size mid --out mid.snapshot     # build a network once and save it
  ozsim serve --state mid.snapshot             # serve the saved network
  ozsim scenario run                           # replay the scenario library in-process
  ozsim contract check --target http://127.0.0.1:9994 --api-key KEY --readonly

"ozsim COMMAND --help" shows the options of a command.

exit status:
  0  success
  1  the command failed (it says why)
  2  invalid command line"""),
    "serve": ("""\
Run the simulator's HTTP server until it is interrupted (Ctrl-C or SIGTERM). The default
tenant's network is built, or loaded with --state, before the first request is accepted;
then a banner prints the API key and example requests.

Served:
  /api/v2/...              the OZmap API
  /api/v2/openapi.yaml     its OpenAPI contract
  /docs                    browsable API documentation
  /int6/...                INT6, the OLT manager (its contract: /int6/openapi.yaml)
  /__ozsim/...             the control plane: tenants, reset, seed, snapshots, clock, jobs,
                           invariants, request journal, faults, rate limits, INT6's
                           integration and records (contract: /__ozsim/openapi.yaml)

The control plane is open on loopback. Listening on any other address, it needs an admin
token (--admin-token), sent as the X-Ozsim-Admin header; without one it is served disabled
and the banner says so. Tenants are capped in number and network size.

Every option can also come from the environment variable named in its help.""",
              SIZES_HELP + """

examples:
  ozsim serve
  ozsim serve --network mid --seed 7 --port 9000
  ozsim serve --host 0.0.0.0 --api-key my-ci-key --admin-token "$OZSIM_ADMIN_TOKEN"
  ozsim serve --state mid.snapshot             # written by: ozsim seed --size mid --out mid.snapshot
  OZSIM_NETWORK=small ozsim serve

exit status:
  0  stopped by Ctrl-C or SIGTERM
  1  an unusable setting, a busy port or an unsupported granian version
     (one line says which)
  2  invalid command line"""),
    "seed": ("""\
Build a network and print what it holds (documents per collection), how long the build took
and the peak memory; optionally write it to a snapshot that "ozsim serve --state FILE"
serves. The same size and seed always give the same network, ids included.""",
             SIZES_HELP + """

examples:
  ozsim seed                                   # the demo network, counted
  ozsim seed --size mid --seed 7
  ozsim seed --size large --out large.snapshot

exit status:
  0  built (and saved)
  1  the build or the snapshot failed
  2  invalid command line"""),
}


def parser() -> argparse.ArgumentParser:
    """The ``ozsim`` argument parser and its commands."""
    description, epilog = HELP["ozsim"]
    top = argparse.ArgumentParser(prog="ozsim", description=description, epilog=epilog,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command", required=True, title="commands",
                             metavar="COMMAND")

    serve = add_command(sub, "serve", "run the simulator's HTTP server", HELP)
    serve.add_argument("--host", metavar="ADDRESS",
                       help="address to listen on (OZSIM_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (OZSIM_PORT, default 9994)")
    serve.add_argument("--seed", type=int, metavar="N",
                       help="seed of the generated network (OZSIM_SEED, default 0)")
    serve.add_argument("--network", metavar="SIZE",
                       help="network to build, see below (OZSIM_NETWORK, default demo)")
    serve.add_argument("--api-key", metavar="KEY",
                       help="API key of the default tenant (OZSIM_API_KEY, default: the demo key)")
    serve.add_argument("--state", metavar="FILE",
                       help="serve the network saved in FILE by 'ozsim seed --out' instead of "
                            "building one (OZSIM_STATE)")
    serve.add_argument("--threads", type=int, default=8, metavar="N",
                       help="Python threads that run requests (default 8; 1 serves plain API "
                            "traffic fastest, but then one slow or delayed request holds up "
                            "every other)")
    serve.add_argument("--strict", action="store_true",
                       help="refuse unknown request fields with 400 (OZSIM_STRICT); by default "
                            "they are dropped, as OZmap does, and named in X-Ozsim-Warning")
    serve.add_argument("--admin-token", metavar="TOKEN",
                       help="require TOKEN in the X-Ozsim-Admin header on every control-plane "
                            "request (OZSIM_ADMIN_TOKEN); without one, listening on any address "
                            "but loopback serves the control plane disabled")
    serve.add_argument("--max-tenants", type=int, metavar="N",
                       help="most tenants at once (OZSIM_MAX_TENANTS, default "
                            f"{SERVE_LIMITS['max_tenants']})")
    serve.add_argument("--max-network", metavar="SIZE",
                       help="largest network a created or seeded tenant may have "
                            f"(OZSIM_MAX_NETWORK, default {SERVE_LIMITS['max_network']})")
    serve.set_defaults(func=_serve)

    seed = add_command(sub, "seed", "build a network, report it, optionally save a snapshot",
                       HELP)
    seed.add_argument("--size", default="demo", choices=generator.SIZES, metavar="SIZE",
                      help="network size, see below (default demo)")
    seed.add_argument("--seed", type=int, default=0, metavar="N", help="seed (default 0)")
    seed.add_argument("--out", metavar="FILE",
                      help="write a snapshot to FILE (serve it with: ozsim serve --state FILE)")
    seed.add_argument("--api-key", metavar="KEY", help="API key stored with the world's API user")
    seed.set_defaults(func=_seed)

    register_scenarios(sub)
    register_contract(sub)
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
