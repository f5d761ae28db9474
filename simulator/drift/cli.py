"""``ozsim contract check|diff``: the contracts against a server, recorded traffic against the
simulator. ``register(sub)`` adds the command to the ``ozsim`` parser; the texts of its help
are ``HELP``."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..generator import SIZES
from ..scenarios.cli import add_command
from . import write_junit


def _report(verdicts, junit: str | None, suite: str, width: int) -> int:
    for verdict in verdicts:
        print(verdict.line(width))
    counts: dict[str, int] = {}
    for verdict in verdicts:
        counts[verdict.status] = counts.get(verdict.status, 0) + 1
    print(", ".join(f"{n} {status}" for status, n in counts.items()) or "nothing to check")
    if junit:
        write_junit(suite, verdicts, junit)
        print(f"JUnit XML written to {junit}")
    return 0 if all(v.ok for v in verdicts) else 1


def _check(args: argparse.Namespace) -> int:
    try:
        import schemathesis  # noqa: F401 - only to say what is missing
    except ImportError:
        print('error: ozsim contract check needs schemathesis: pip install '
              '"ozmap-simulator[contract]"', file=sys.stderr)
        return 2
    from .check import check
    key = args.api_key or os.environ.get("OZMAP_API_KEY")
    try:
        verdicts = check(args.target.rstrip("/"), key, args.contract, args.readonly,
                         args.examples, only=args.k)
    except FileNotFoundError:
        print(f"error: no contract {args.contract!r} in this simulator", file=sys.stderr)
        return 2
    return _report(verdicts, args.junit, f"ozsim contract check {args.target}", 12)


def _diff(args: argparse.Namespace) -> int:
    from ..wire.contract import Contract
    from .diff import RecordingError, diff, load
    try:
        exchanges = load(args.file)
    except (OSError, RecordingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return _report(diff(exchanges, _sender(args), Contract("ozmap.yaml")), args.junit,
                   f"ozsim contract diff {args.file}", 17)


def _sender(args: argparse.Namespace):
    """``send(method, path, query, body, content type) -> (status, JSON or None)`` to the
    simulator: ``--target`` with ``--api-key``, else a fresh one in this process."""
    if args.target:
        import requests
        session = requests.Session()
        base, key = args.target.rstrip("/"), args.api_key or os.environ.get("OZMAP_API_KEY")

        def send(method, path, query, body, content_type) -> tuple[int, Any]:
            response = session.request(method, f"{base}{path}" + (f"?{query}" if query else ""),
                                       data=body, headers=_headers(key, content_type), timeout=60)
            return response.status_code, _parsed(response.content)
        return send
    from ..app import Simulator, create_app
    simulator = Simulator(network=args.network, seed=args.seed)
    http = create_app(simulator).test_client()

    def send(method, path, query, body, content_type) -> tuple[int, Any]:
        response = http.open(path, method=method, query_string=query, data=body,
                             headers=_headers(simulator.default_key, content_type))
        return response.status_code, _parsed(response.data)
    return send


def _headers(key: str | None, content_type: str | None) -> dict:
    headers = {"Authorization": key} if key else {}
    if content_type:
        headers["Content-Type"] = content_type
    return headers


def _parsed(raw: bytes):
    from .diff import json_or_none
    return json_or_none(raw.decode("utf-8", errors="replace"))


EXIT_STATUS = """\
exit status:
  0  everything conforms (check) or agrees (diff)
  1  something does not (each one is listed)
  2  unusable input: an unknown contract, an unreadable recording, schemathesis missing"""

HELP = {
    "contract": ("""\
Detect drift between the OpenAPI contracts, this simulator and a real OZmap. "check" runs a
contract's operations against any server; "diff" replays recorded real traffic against the
simulator and says, for each exchange, whether the real answer, the contract or the
simulator moved.""",
                 """\
examples:
  ozsim contract check --target http://127.0.0.1:9994 --api-key KEY
  ozsim contract check --target https://sandbox.ozmap.com.br:9994 --api-key KEY --readonly
  ozsim contract diff recorded.har

"ozsim contract check --help" and "ozsim contract diff --help" show their options.

""" + EXIT_STATUS),
    "check": ("""\
Run the operations of a contract (default: the OZmap API's) against a server — this
simulator or a real OZmap — with requests generated from the contract's schemas (the same
requests on every run), and hold every answer to the contract: no server error, a documented
status and content type, a body that validates. One line per operation:
  conforms   every answer kept the contract
  differs    some did not: the status, the check and the field
  missing    the server has no such route (405/501, or 404 to a path without parameters)
With --readonly only GET requests are sent, which is safe against production. Needs the
"contract" extra: pip install "ozmap-simulator[contract]".""",
              """\
examples:
  ozsim contract check --target http://127.0.0.1:9994 --api-key KEY
  ozsim contract check --target https://sandbox.ozmap.com.br:9994 --api-key KEY --readonly
  ozsim contract check --target http://127.0.0.1:9994 --api-key KEY --junit reports/contract.xml
  ozsim contract check --target http://127.0.0.1:9994 --contract control.yaml -k tenants

""" + EXIT_STATUS),
    "diff": ("""\
Replay recorded real traffic — a HAR file, or JSON lines of {"request": ..., "response":
...} — against the simulator (a fresh one in this process, or --target), in order, with ids
the real server minted mapped to the simulator's. For each exchange under /api/v2:
  agree              both answers keep the contract, same status and shape
  real-vs-contract   the real answer breaks the contract: OZmap moved, or the contract is stale
  sim-vs-contract    the simulator's answer breaks it: the simulator drifted
  both-vs-contract   neither keeps it: the contract moved
  real-vs-sim        both keep it but differ (status, fields or types)""",
             """\
examples:
  ozsim contract diff recorded.har
  ozsim contract diff traffic.jsonl --network demo --seed 1 --junit reports/diff.xml
  ozsim contract diff traffic.jsonl --target http://127.0.0.1:9994 --api-key KEY

""" + EXIT_STATUS),
}


def register(sub: Any) -> None:
    """Add the ``contract`` command to an ``argparse`` sub-parsers object."""
    contract = add_command(sub, "contract", "check the contracts against a server, or recorded "
                           "traffic against the simulator", HELP)
    actions = contract.add_subparsers(dest="contract_command", required=True, title="commands",
                                      metavar="COMMAND")

    check = add_command(actions, "check", "run a contract's operations against a server", HELP)
    check.add_argument("--target", required=True, metavar="URL",
                       help="base URL of the server (this simulator or an OZmap)")
    check.add_argument("--api-key", metavar="KEY",
                       help="the key sent in Authorization (OZMAP_API_KEY)")
    check.add_argument("--readonly", action="store_true",
                       help="send only GET requests (safe against production)")
    check.add_argument("--junit", metavar="FILE", help="write a JUnit XML report to FILE")
    check.add_argument("--contract", default="ozmap.yaml", metavar="NAME",
                       help="the contract to check (default ozmap.yaml; also control.yaml)")
    check.add_argument("--examples", type=int, default=3, metavar="N",
                       help="generated requests per operation (default 3)")
    check.add_argument("-k", metavar="TEXT", help="only operations whose label contains TEXT")
    check.set_defaults(func=_check)

    diff = add_command(actions, "diff", "replay recorded traffic against the simulator and "
                       "compare", HELP)
    diff.add_argument("file", help="a HAR file, or JSON lines of {request, response}")
    diff.add_argument("--target", metavar="URL",
                      help="a running simulator (default: a fresh one in this process)")
    diff.add_argument("--api-key", metavar="KEY", help="the key for --target (OZMAP_API_KEY)")
    diff.add_argument("--network", default="empty", choices=SIZES, metavar="SIZE",
                      help="the in-process simulator's network (default empty)")
    diff.add_argument("--seed", type=int, default=0, metavar="N", help="its seed (default 0)")
    diff.add_argument("--junit", metavar="FILE", help="write a JUnit XML report to FILE")
    diff.set_defaults(func=_diff)
