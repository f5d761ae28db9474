"""The production WSGI server behind ``ozsim serve``: granian, inside the ozsim process.

One process, many threads: every tenant's world lives in this process's memory, so the
server must not fork workers (granian's own CLI always runs a master process plus worker
processes that each load the app). ``ozsim serve`` therefore runs granian's thread-based
server, ``MTServer``, in its own process: granian's Rust runtime accepts connections and
parses HTTP on its own threads and hands each request to one of ``threads`` Python threads
that run the Flask app. granian ships ``MTServer`` for free-threaded Python builds and refuses
it when the GIL is on (``_check_gil``); with the GIL it works the same way its worker
processes do — there too the Python callbacks run on granian's blocking threads. Lifting that
check (and serving through ``AbstractServer.serve``) are the private parts of granian used
here: ``_guard`` checks at import that the installed granian is the pinned release line and
still has them, and says what to do otherwise (the live-server tests,
tests/scenarios/test_live.py and tests/api/test_serve.py, start a real ``ozsim serve``).

Why granian, with the measurements: README "Choosing the server" and benchmarks/README.md.
"""
from __future__ import annotations

import gc
import socket
import sys
from importlib.metadata import version

from granian.constants import Interfaces
from granian.log import LogLevels
from granian.server.common import AbstractServer
from granian.server.mt import MTServer

SUPPORTED = "2.8."          # the granian releases whose private members are overridden below


def _guard() -> None:
    """Refuse to start on a granian whose private members this module overrides have moved:
    better a clear message now than a server that silently forks or refuses the GIL build."""
    found = version("granian")
    missing = [name for owner, name in ((MTServer, "_check_gil"), (AbstractServer, "serve"))
               if not callable(getattr(owner, name, None))]
    if not found.startswith(SUPPORTED) or missing:
        raise RuntimeError(
            f"ozsim serve runs granian's thread-based server in its own process by overriding "
            f"MTServer._check_gil and calling AbstractServer.serve; it supports granian "
            f"{SUPPORTED}x, and granian {found} is installed"
            + (f" (missing: {', '.join(missing)})" if missing else "")
            + ". Install the pinned version (pip install -r requirements.lock, or "
              "'granian>=2.8,<2.9'), or update simulator/server.py for this granian.")


_guard()


class InProcessServer(MTServer):
    """granian's thread-based server, allowed on a GIL build, without its warning about the
    free-threaded build (which this is not)."""

    def _check_gil(self) -> None:
        pass

    def serve(self, spawn_target=None, target_loader=None, wrap_loader=True):
        AbstractServer.serve(self, spawn_target, target_loader, wrap_loader)


def listen_address(host: str, port: int) -> str:
    """The numeric address to bind for ``host`` (granian takes IP addresses only), after
    making sure no other server listens on ``host:port``: granian binds with SO_REUSEPORT (so
    that its workers can share a port), so a second ``ozsim serve`` on the same port would
    otherwise start and silently take part of the connections, with worlds of its own.
    Called before the world is built, so a busy port fails at once."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SystemExit(f"ozsim serve: cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    if port:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is fine
            try:
                probe.bind(address)
            except OSError as exc:
                raise SystemExit(f"ozsim serve: cannot listen on {host}:{port}: {exc.strerror}") \
                    from None
    return address[0]


# How long a thread waiting for the GIL lets the running one go on before asking for it
# (CPython's default: 5 ms). With several request threads busy, a request that has to wait is
# made to wait in steps of this: 1 ms cuts the slowest requests' time (p99 under wrk: about
# 2.3 → 1.8 × Prism's) for 3–7 % more CPU per request (benchmarks/README.md).
SWITCH_INTERVAL = 0.001


def run(app, address: str, port: int, threads: int) -> None:
    """Serve ``app`` on ``address:port`` (see ``listen_address``) until SIGINT/SIGTERM, with
    ``threads`` Python threads running requests.

    Several threads let a slow request (a big tenant's first build, an injected delay) share
    the interpreter with the others, which one thread cannot: it serves requests one after
    the other, in arrival order. Under a steady load of small requests one thread is the
    fastest (no contention for the GIL), and more threads than there are busy connections
    is the safe side: with fewer, a thread that finishes a request takes the GIL straight
    back for the next one while another waits, and some requests wait hundreds of
    milliseconds (benchmarks/README.md, "Request threads")."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    gc.freeze()     # what exists now (app, contract validators, worlds) lives as long as the
    # server: collections while serving skip it (on `mid`, 3.3 → 1.5 µs of them per request)
    server = InProcessServer(target="ozsim", address=address, port=port,
                             interface=Interfaces.WSGI, workers=1, blocking_threads=threads,
                             log_level=LogLevels.warning, log_access=False)
    server.serve(target_loader=lambda: app, wrap_loader=False)
