"""The schemathesis CLI against a live ``ozsim serve``: every check (``--checks all``) in
every phase (examples, coverage, fuzzing, stateful), in the default mode (unknown fields
dropped) and under ``--strict`` (refused) — each mode against the contract its server serves.

    python -m tests.contract.live                      # both modes, in full: make schemathesis
    python -m tests.contract.live --strict             # one mode
    python -m tests.contract.live --bounded            # what `make test` runs (a few minutes
                                                       # of the full run's ~10 per mode)
    python -m tests.contract.live -- --include-path-regex boxes   # more schemathesis options

A ``422`` is a domain rule no schema can express (a missing reference, a duplicate
``external_id``): ``schemathesis.toml`` accepts it as an answer to valid data, and the
response check holds it to the contract's ``Error`` schema, whose ``code`` names the rule.
Anything else is a failure, and the exit status is schemathesis's (0: none).
"""
from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

CONFIG = Path(__file__).with_name("schemathesis.toml")
BIN = Path(sys.executable).parent
KEY = "ozsim-schemathesis"
SEED = "1"
# bounded: every operation through examples, fuzzing and stateful, a few cases each; the
# coverage phase (its deterministic sweep of every keyword of every schema) only in full
BOUNDED = ["--phases", "examples,fuzzing,stateful", "--max-examples", "3"]
FULL = ["--phases", "examples,coverage,fuzzing,stateful"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(strict: bool, log):
    """``ozsim serve`` on the demo network on a free port, until the block ends."""
    port = _free_port()
    command = [str(BIN / "ozsim"), "serve", "--port", str(port), "--network", "demo",
               "--api-key", KEY, "--threads", "4"] + (["--strict"] if strict else [])
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v2/openapi.yaml", timeout=5):
                    break
            except (urllib.error.URLError, OSError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"ozsim serve did not start: {' '.join(command)}") \
                        from None
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# One schemathesis worker by default: with several, hypothesis describes strategies with
# ``ast.parse`` in concurrent threads, which CPython 3.11 can fail with "SystemError: AST
# constructor recursion depth mismatch" (python/cpython#106905) — a failed run that is no
# finding. ``--workers N`` still runs more.
WORKERS = 1


def run(strict: bool, bounded: bool, extra: list[str] = (), workers: int = WORKERS,
        out=None, server_log: Path | None = None) -> int:
    """schemathesis's exit status for one mode; its report goes to ``out`` (default: ours),
    the server's output (tracebacks of 500s) to ``server_log`` (default: nowhere)."""
    with (open(server_log, "wb") if server_log else tempfile.TemporaryFile()) as log, \
            serving(strict, log) as base, tempfile.TemporaryDirectory() as scratch:
        command = [str(BIN / "schemathesis"), "--config-file", str(CONFIG), "--no-color", "run",
                   f"{base}/api/v2/openapi.yaml", "--checks", "all", "-H", f"Authorization: {KEY}",
                   "--seed", SEED, "--workers", str(workers), *(BOUNDED if bounded else FULL),
                   *extra]
        return subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False,
                              cwd=scratch).returncode     # its cache (.schemathesis/) goes too


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.contract.live",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--strict", action="store_true", help="only the --strict server")
    parser.add_argument("--lenient", action="store_true", help="only the default server")
    parser.add_argument("--bounded", action="store_true", help="the bounded run of make test")
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--server-log", metavar="FILE", type=Path,
                        help="keep the server's output there (.strict appended for --strict)")
    parser.add_argument("extra", nargs="*", help="schemathesis run options (after --)")
    args = parser.parse_args(argv)
    modes = [False, True]
    if args.strict != args.lenient:
        modes = [args.strict]
    status = 0
    for strict in modes:
        print(f"== schemathesis against ozsim serve{' --strict' if strict else ''}", flush=True)
        log = args.server_log and args.server_log.with_name(
            args.server_log.name + (".strict" if strict else ""))
        status = run(strict, args.bounded, args.extra, args.workers, server_log=log) or status
    return status


if __name__ == "__main__":
    sys.exit(main())
