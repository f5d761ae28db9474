"""ozmap-simulator's pytest plugin (entry point ``pytest11``: installed with the package,
active in every pytest run of that environment).

* ``ozmap_server`` (session): the simulator the tests talk to. By default one in-process
  server per test process — the app ``ozsim serve`` runs, on 127.0.0.1 and a free port, in a
  background thread; with ``--ozsim-url URL`` (or ``OZSIM_URL``) an external one (``ozsim serve``,
  the Docker image), whose admin token, if it has one, comes from ``--ozsim-admin-token`` (or
  ``OZSIM_ADMIN_TOKEN``). Under ``pytest -n auto`` every worker has its own session, and every
  test its own tenant, so tests never see each other's state.
* ``ozmap_sim``: a fresh tenant for one test, deleted afterwards — ``.url``, ``.api_key``,
  ``.client`` (the reference integration's typed client), ``.control``, ``.reset()``,
  ``.advance(seconds)``, ``.snapshot()``/``.restore()``, ``.seed(network, seed)``, helpers that
  build a network through the API (``.network(...)``) and assert on state
  (``.assert_invariants()``, ``.free_ports(box)``, ``.assert_requested(...)``), fault rules
  (``.fault(...)``) and a rate limit (``.rate_limit(...)``). Its network is chosen with
  ``@pytest.mark.ozmap_sim(network="demo", seed=1)`` (default: ``empty``, the catalogue of types
  and the API user).
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

import pytest

from .scenarios.client import ControlPlane, Document, Filter, OZmapClient


def pytest_addoption(parser) -> None:
    group = parser.getgroup("ozsim", "ozmap-simulator")
    group.addoption("--ozsim-url", default=None, metavar="URL",
                    help="test against the simulator at URL instead of an in-process one "
                         "(OZSIM_URL)")
    group.addoption("--ozsim-admin-token", default=None, metavar="TOKEN",
                    help="the admin token of the simulator at --ozsim-url (OZSIM_ADMIN_TOKEN)")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "ozmap_sim(network='empty', seed=0): the network of the "
                                       "test's ozmap_sim tenant")


@dataclass
class OzsimServer:
    """A simulator reachable at ``url``; ``simulator`` is the in-process one (else None)."""

    url: str
    admin_token: str | None = None
    simulator: Any = None

    def client(self, api_key: str | None = None, **options) -> OZmapClient:
        """The reference integration's client for ``api_key``; short retry waits for tests."""
        options.setdefault("retry_wait", 0.1)
        return OZmapClient(self.url, api_key, admin_token=self.admin_token, **options)

    def new_tenant(self, network: str = "empty", seed: int = 0) -> str:
        return self.client().control.create_tenant(network, seed)

    def delete_tenant(self, api_key: str) -> None:
        self.client().control.delete_tenant(api_key)


@pytest.fixture(scope="session")
def ozmap_server(request) -> Iterator[OzsimServer]:
    config = request.config
    url = config.getoption("ozsim_url") or os.environ.get("OZSIM_URL")
    token = config.getoption("ozsim_admin_token") or os.environ.get("OZSIM_ADMIN_TOKEN")
    if url:
        yield OzsimServer(url.rstrip("/"), token or None)
        return
    from .app import SERVE_LIMITS, Simulator, create_app
    simulator = Simulator(network="empty", **SERVE_LIMITS)
    with _serving(create_app(simulator)) as base:
        yield OzsimServer(base, None, simulator)


class _serving:
    """The app on 127.0.0.1:<free port>, in a thread: werkzeug's threaded WSGI server (granian,
    what ``ozsim serve`` runs, serves only from a process's main thread)."""

    def __init__(self, app):
        from werkzeug.serving import WSGIRequestHandler, make_server

        class Quiet(WSGIRequestHandler):
            def log_request(self, *args, **kwargs) -> None:
                pass

        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)

    def __enter__(self) -> str:
        self.thread = threading.Thread(target=self.server.serve_forever, name="ozsim-server",
                                       daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_port}"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@dataclass
class OzmapSim:
    """One test's tenant: its key, a client, the control plane, and helpers."""

    server: OzsimServer
    api_key: str
    client: OZmapClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = self.server.client(self.api_key)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def control(self) -> ControlPlane:
        return self.client.control

    # -- state -----------------------------------------------------------------------------
    def reset(self) -> None:
        """A clean slate: the world rebuilt from its network and seed, no journal, no faults."""
        self.control.reset()

    def seed(self, network: str = "demo", seed: int = 0) -> dict[str, Any]:
        """Replace the world with a generated network; answers what it holds."""
        return self.control.seed(network, seed)

    def advance(self, seconds: float) -> str:
        """Move the tenant's clock forward; answers the new time."""
        return self.control.advance(seconds)["now"]

    def snapshot(self) -> bytes:
        return self.control.snapshot()

    def restore(self, snapshot: bytes) -> None:
        self.control.restore(snapshot)

    # -- seeding elements through the API ------------------------------------------------------
    def network(self, lat: float = -27.5954, lng: float = -48.5480, **options):
        """A project with CTOs (one service splitter each) built through the API:
        ``ozsim.scenarios.flows.fixture.network`` (``boxes``, ``splitter_ports``, ...)."""
        from .scenarios.flows import fixture
        options.setdefault("clear_m", 0)          # a fresh tenant: nothing is in the way
        return fixture.network(self.client, lat, lng, **options)

    # -- asserting on state ---------------------------------------------------------------------
    def free_ports(self, box: str) -> int:
        """Free ports of the service splitters in a box or building."""
        from .scenarios.flows.common import box_free_ports
        return box_free_ports(self.client, box)

    def count(self, resource: str, filter: Filter | None = None) -> int:
        return self.client.count(resource, filter)

    def assert_invariants(self) -> None:
        report = self.control.invariants()
        assert report.get("ok"), f"the world broke a rule: {report.get('message')}"

    def requests(self, **filters) -> list[Document]:
        """The tenant's journal (``method``, ``path`` pattern, ``status``, ``since``,
        ``until``, ``limit``)."""
        return self.control.requests(**filters)

    def assert_requested(self, method: str, path: str, count: int | None = None,
                         status: int | str | None = None) -> list[Document]:
        """The journal holds requests ``method path`` (``path``: a pattern) — exactly
        ``count`` of them when given, at least one otherwise; answers them."""
        found = self.requests(method=method, path=path, status=status)
        expected = f"{count}" if count is not None else "at least one"
        assert (len(found) == count) if count is not None else found, \
            f"expected {expected} {method} {path} request(s), the journal has {len(found)}"
        return found

    # -- faults -----------------------------------------------------------------------------
    def fault(self, method: str | None = None, path: str | None = None,
              **rule) -> Document:
        """A fault rule (``status``, ``reset``, ``empty``, ``commitThenFail``, ``latency``,
        ``probability``, ``times``, ``retryAfter``) on requests matching method and path."""
        match = {k: v for k, v in (("method", method), ("path", path)) if v}
        return self.control.add_fault({"match": match, **rule} if match else rule)

    def rate_limit(self, requests: int | None = None, per: float | None = None) -> Mapping:
        return self.control.rate_limit(requests, per)


@pytest.fixture
def ozmap_sim(ozmap_server, request) -> Iterator[OzmapSim]:
    marker = request.node.get_closest_marker("ozmap_sim")
    options = dict(marker.kwargs) if marker else {}
    key = ozmap_server.new_tenant(options.get("network", "empty"), options.get("seed", 0))
    try:
        yield OzmapSim(ozmap_server, key)
    finally:
        ozmap_server.delete_tenant(key)
