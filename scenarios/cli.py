"""``ozsim scenario run|list``: replay the scenario library (or given files) in-process or
against a URL. ``register(sub)`` adds the command to the ``ozsim`` parser; the texts of its
help are ``HELP``."""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from .client import OZmapConnectionError
from .runner import (InProcessTarget, RemoteTarget, Reporter, ScenarioError, discover,
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


EXIT_STATUS = """\
exit status:
  0  every scenario that ran passed
  1  a scenario failed, or none could run (all skipped)
  2  a scenario file is missing or invalid, or no scenario was selected
  3  the target cannot be reached"""

HELP = {
    "scenario": ("""\
Replay integration scenarios: YAML files that play what an integrator does against OZmap
(feasibility, port reservation, activation, status and power updates, cancellation, element
synchronisation) step by step, checking the network through the API after every step. The
same files run in-process, against a running "ozsim serve", or against a real OZmap
installation. The file format is described in scenarios/FORMAT.md.""",
                 """\
examples:
  ozsim scenario list
  ozsim scenario run                           # the whole library, in-process
  ozsim scenario run -k lifecycle
  ozsim scenario run --target http://127.0.0.1:9994 --junit reports/scenarios.xml
  ozsim scenario run --target https://sandbox.ozmap.com.br:9994 --api-key "$OZMAP_API_KEY"

"ozsim scenario run --help" shows the options of a run.

""" + EXIT_STATUS),
    "run": ("""\
Run scenario files: the given files and directories, or the library shipped with ozsim. Each
step prints its result and duration; a failed expectation prints a per-key diff; a summary
ends the run.

Where the scenarios run:
  no --target                  a fresh in-process simulator per scenario
  --target <ozsim serve URL>   a fresh tenant per scenario (deleted afterwards), on that
                               simulator; --admin-token when it was started with one
  --target <OZmap URL>         the tenant of --api-key; scenarios that need the simulator's
                               control plane, or a generated network, are skipped""",
            """\
examples:
  ozsim scenario run
  ozsim scenario run my-scenarios/ another.yaml -q
  ozsim scenario run --filter-in body -k reservation
  ozsim scenario run --target http://127.0.0.1:9994 --junit reports/scenarios.xml
  ozsim scenario run --target http://ozsim:9994 --admin-token "$OZSIM_ADMIN_TOKEN"
  OZMAP_API_KEY=... ozsim scenario run --target https://sandbox.ozmap.com.br:9994

""" + EXIT_STATUS),
    "list": ("""\
List scenarios, one per line: name, file, the network it starts from (and "portable" when it
can also run on a real OZmap), its number of steps, and the first sentence of its
description.""",
             """\
examples:
  ozsim scenario list
  ozsim scenario list my-scenarios/

exit status:
  0  listed
  2  a scenario file is missing or invalid"""),
}


def add_command(sub: Any, name: str, summary: str, texts: dict) -> argparse.ArgumentParser:
    """Add command ``name`` to the sub-parsers ``sub``: ``summary`` in the list of commands,
    ``texts[name]`` = (description, epilog) printed as written in its own help."""
    description, epilog = texts[name]
    return sub.add_parser(name, help=summary, description=description, epilog=epilog,
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def register(sub: Any) -> None:
    """Add the ``scenario`` command to an ``argparse`` sub-parsers object."""
    scenario = add_command(sub, "scenario", "replay integration scenarios in-process or against a "
                           "URL", HELP)
    actions = scenario.add_subparsers(dest="scenario_command", required=True, title="commands",
                                      metavar="COMMAND")

    run = add_command(actions, "run", "run scenario files (default: the whole library)", HELP)
    run.add_argument("files", nargs="*", help="scenario files or directories (default: the "
                                              "library shipped with ozsim)")
    run.add_argument("--target", metavar="URL",
                     help="base URL of a simulator or of an OZmap installation "
                          "(default: a fresh in-process simulator per scenario)")
    run.add_argument("--api-key", metavar="KEY",
                     help="API key for a target without the simulator's control plane "
                          "(OZMAP_API_KEY)")
    run.add_argument("--admin-token", metavar="TOKEN",
                     help="the admin token of a simulator target started with one "
                          "(OZSIM_ADMIN_TOKEN)")
    run.add_argument("--junit", metavar="FILE", help="write a JUnit XML report to FILE")
    run.add_argument("--filter-in", choices=("query", "body"), default="query",
                     help="send filters in the query string (default) or in the GET body")
    run.add_argument("-k", metavar="TEXT", help="only scenarios whose name or file contains TEXT")
    run.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    run.set_defaults(func=_run)

    lst = add_command(actions, "list", "list the scenarios", HELP)
    lst.add_argument("files", nargs="*", help="scenario files or directories (default: the "
                                              "library shipped with ozsim)")
    lst.set_defaults(func=_list)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ozsim")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
