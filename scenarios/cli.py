"""``ozsim scenario run|list`` — registered on the ``ozsim`` parser by ``register(sub)``.

    ozsim scenario list
    ozsim scenario run                                   # the library, in-process
    ozsim scenario run scenarios/library/01_*.yaml --junit reports/scenarios.xml
    ozsim scenario run --target http://127.0.0.1:9994 [--api-key KEY] [--admin-token TOKEN]
    ozsim scenario run --target https://sandbox.ozmap.com.br:9994 --api-key "$OZMAP_KEY"

Exit status: 0 when every scenario that ran passed, 1 when one failed or none could run
(all skipped), 2 when a scenario file is invalid, 3 when the target cannot be reached.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from .client import OZmapConnectionError
from .runner import (LIBRARY, InProcessTarget, RemoteTarget, Reporter, ScenarioError, discover,
                     load, run_files, summary, write_junit)


def _run(args: argparse.Namespace) -> int:
    try:
        files = discover(args.files)
        for f in files:
            load(f)                       # validate every file before running any
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    target: Any
    if args.target:
        api_key = args.api_key or os.environ.get("OZMAP_API_KEY")
        target = RemoteTarget(args.target, api_key, filter_in=args.filter_in,
                              admin_token=args.admin_token or os.environ.get("OZSIM_ADMIN_TOKEN"))
        try:
            simulator = target.has_control()
        except OZmapConnectionError as exc:
            print(f"error: cannot reach {args.target}: {exc.message}", file=sys.stderr)
            return 3
        if simulator and api_key:
            print(f"note: {args.target} is a simulator: every scenario runs in a fresh tenant of "
                  "its own; the API key is not used", file=sys.stderr)
    else:
        target = InProcessTarget(filter_in=args.filter_in)
    reporter = Reporter(None if args.quiet else sys.stdout)
    started = time.perf_counter()
    results = run_files(files, target, reporter, name_filter=args.k)
    elapsed = time.perf_counter() - started
    print(summary(results, elapsed), flush=True)
    if args.junit:
        write_junit(results, args.junit)
        print(f"JUnit XML written to {args.junit}")
    if not results:
        print("no scenario selected", file=sys.stderr)
        return 2
    if all(r.skipped for r in results):
        print("no scenario ran: every one was skipped (see above)", file=sys.stderr)
        return 1
    return 0 if all(r.ok for r in results) else 1


def _list(args: argparse.Namespace) -> int:
    try:
        files = discover(args.files)
        scenarios = [load(f) for f in files]
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    width = max((len(s.name) for s in scenarios), default=10)
    for s in scenarios:
        text = " ".join(s.description.split())
        first = text.split(". ")[0].rstrip(".")
        first = first if len(first) <= 90 else first[:89] + "…"
        where = s.size if s.portable is False else f"{s.size}, portable"
        steps = len(s.fixture) + len(s.steps)
        print(f"{s.name:<{width}}  {s.path.name:<38} [{where}; {steps} steps]  {first}")
    return 0


def register(sub: Any) -> None:
    """Add the ``scenario`` command to an ``argparse`` sub-parsers object."""
    scenario = sub.add_parser("scenario", help="replay lifecycle scenarios (the reference "
                                               "integration) in-process or against a URL",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = scenario.add_subparsers(dest="scenario_command", required=True)

    run = actions.add_parser("run", help="run scenario files (default: the whole library)")
    run.add_argument("files", nargs="*", help=f"scenario files or directories (default: "
                                              f"{LIBRARY})")
    run.add_argument("--target", help="base URL of a simulator or of an OZmap installation "
                                      "(default: a fresh in-process simulator per scenario)")
    run.add_argument("--api-key", help="API key for a target without the control plane "
                                       "(OZMAP_API_KEY)")
    run.add_argument("--admin-token", help="the admin token of a simulator target that has one "
                                           "(OZSIM_ADMIN_TOKEN)")
    run.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    run.add_argument("--filter-in", choices=("query", "body"), default="query",
                     help="send filters in the query string (default) or in the GET body")
    run.add_argument("-k", metavar="TEXT", help="only scenarios whose name or file contains TEXT")
    run.add_argument("-q", "--quiet", action="store_true", help="only the summary")
    run.set_defaults(func=_run)

    lst = actions.add_parser("list", help="list the scenarios")
    lst.add_argument("files", nargs="*", help="scenario files or directories")
    lst.set_defaults(func=_list)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ozsim")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
