"""Every response a scenario sees is checked against the contract.

``InProcessTarget`` builds its app with ``ozsim.app.create_app`` at ``open()`` time, so the
app of every in-process scenario (the library tests, the CLI run in-process) gets
``ContractCheck`` in front of it. Remote targets used in this process (``RemoteTarget`` against
the ``ozsim serve`` subprocess of test_live.py) build their sessions with ``requests.Session``:
those check each response on the client side. Either way a violation fails the test that saw
it (tests/conftest.py). ``ozsim scenario run`` in a subprocess is out of reach: the same
scenarios run checked in-process (test_library.py).
"""
from __future__ import annotations

import pytest

from .. import contract_check


@pytest.fixture(autouse=True)
def _scenario_responses_checked(monkeypatch):
    import requests

    import ozsim.scenarios.runner
    import ozsim.app

    create_app = ozsim.app.create_app

    def checked_create_app(*args, **kwargs):
        return contract_check.install(create_app(*args, **kwargs))

    monkeypatch.setattr(ozsim.app, "create_app", checked_create_app)
    # only the runner's sessions: `requests.Session` as the runner module sees it
    monkeypatch.setattr(ozsim.scenarios.runner, "requests", _RequestsWithCheckingSession(requests))


class _RequestsWithCheckingSession:
    """The ``requests`` module, except that ``Session`` checks every response."""

    def __init__(self, module):
        self._module = module
        self.Session = contract_check.checking_session()

    def __getattr__(self, name):
        return getattr(self._module, name)
