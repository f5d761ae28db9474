"""Shared fixtures: one Simulator per test session, served in-process (Flask test client) and on a
real port (waitress in a background thread, for the Node SDK and `requests`).

* ``simulator`` — ``Simulator(network="demo", seed=0)``; its default tenant answers to ``DEMO_API_KEY``.
* ``app`` / ``client`` — the Flask app and its test client.
* ``live_server`` — ``(base_url, api_key)`` of the app listening on a free port (session-wide; mark
  tests that rely on sharing it with ``pytest.mark.xdist_group("live")``).
* ``new_tenant`` — a factory: ``new_tenant("label")`` registers a fresh API key whose isolated world
  is built lazily (the "empty" network: the catalogue of types and the API user, no projects).
* ``tenant_key`` / ``module_tenant_key`` — one fresh tenant per test / per test module.

Every /api/v2 response of ``app`` (hence of ``client`` and ``live_server``) goes through
``tests.contract_check.ContractCheck``; a test during which a response broke the contract fails
with the list of violations (request, status, problem). A violation recorded while a shared
fixture was set up is reported by the test that triggered it; one recorded while fixtures were
torn down, by that teardown.

The simulator is imported inside the fixtures so that test modules that do not use them still
collect when the application cannot be imported.
"""
from __future__ import annotations

import threading
import uuid

import pytest

from . import contract_check

pytest_plugins = ["pytester"]


def _register_tenant(simulator, label: str = "test") -> str:
    """A fresh API key mapped to a fresh tenant (its world is created on first use)."""
    suffix = uuid.uuid4().hex
    key = f"ozsim-test-{label}-{suffix}"
    simulator.tenants.register(key, f"test-{label}-{suffix[:12]}")
    return key


@pytest.fixture(scope="session")
def simulator():
    from ozsim.app import Simulator
    return Simulator(network="demo", seed=0)


@pytest.fixture(scope="session")
def api_key() -> str:
    from ozsim.ftth.domain import DEMO_API_KEY
    return DEMO_API_KEY


@pytest.fixture(scope="session")
def app(simulator):
    from ozsim.app import create_app
    application = create_app(simulator)
    application.config["TESTING"] = True
    return contract_check.install(application)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(app, api_key):
    """The real app on 127.0.0.1:<free port> (waitress, 8 threads); yields (base_url, api_key)."""
    from waitress import create_server, wasyncore
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, name="ozsim-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", api_key
    finally:
        def stop():
            server.close()
            wasyncore.close_all(server._map)   # idle keep-alive channels would keep it running
        # closed by the loop's own thread: closed from here, its select() could meet a closed
        # descriptor (EBADF in the server thread)
        server.trigger.pull_trigger(stop)
        thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=5)


@pytest.fixture
def new_tenant(simulator):
    """Factory of fresh, isolated tenants: ``key = new_tenant("label")``."""
    return lambda label="test": _register_tenant(simulator, label)


@pytest.fixture
def tenant_key(simulator, request) -> str:
    """A fresh tenant for this test."""
    return _register_tenant(simulator, request.node.name[:40].replace("[", "-").replace("]", ""))


@pytest.fixture(scope="module")
def module_tenant_key(simulator, request) -> str:
    """A fresh tenant shared by the tests of one module."""
    return _register_tenant(simulator, request.module.__name__.rsplit(".", 1)[-1])


# ---- contract violations fail the test that saw them ----------------------------------------
def _raise_violations(when: str) -> None:
    found = contract_check.VIOLATIONS.take()
    if found:
        pytest.fail(f"{len(found)} response(s) {when} broke the contract:\n  " + "\n  ".join(found),
                    pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        return (yield)
    finally:
        _raise_violations("during this test (or its fixtures' set-up)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        _raise_violations("while this test's fixtures were torn down")


def pytest_collection_modifyitems(session, config, items):
    """Every test has its own node id. ``pytest-xdist --dist loadgroup`` (``make test``) keys
    its work by node id and silently runs one of several items sharing one — as 164 of 165
    schemathesis operations once were — so a duplicate fails the collection instead."""
    seen: dict[str, int] = {}
    for item in items:
        seen[item.nodeid] = seen.get(item.nodeid, 0) + 1
    duplicates = sorted(nodeid for nodeid, n in seen.items() if n > 1)
    if duplicates:
        raise pytest.UsageError(f"tests sharing a node id (xdist would run one of each): "
                                f"{duplicates[:5]}")
