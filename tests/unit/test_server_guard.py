"""``ozsim serve`` overrides private members of granian: on a granian where they moved, it
refuses to start with a message that says what to do."""
from __future__ import annotations

import pytest

from ozsim import server


def test_the_pinned_granian_passes_the_guard():
    server._guard()


def test_another_granian_release_is_refused_with_directions(monkeypatch):
    monkeypatch.setattr(server, "version", lambda name: "2.9.0")
    with pytest.raises(RuntimeError) as refused:
        server._guard()
    assert "granian 2.9.0 is installed" in str(refused.value)
    assert "requirements.lock" in str(refused.value)


def test_a_missing_private_member_is_named(monkeypatch):
    monkeypatch.delattr(server.MTServer, "_check_gil")
    with pytest.raises(RuntimeError, match="missing: _check_gil"):
        server._guard()
