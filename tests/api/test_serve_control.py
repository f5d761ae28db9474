"""``ozsim serve`` (granian) and the control plane: a connection reset through a real socket,
commit-then-fail, the admin token, and the control plane disabled beyond loopback."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
import requests

from .test_serve import OZSIM, ROOT, free_port

pytestmark = pytest.mark.xdist_group("serve")


def start(*args: str, env: dict | None = None):
    port = free_port()
    proc = subprocess.Popen([str(OZSIM), "serve", "--network", "empty", "--port", str(port),
                             "--threads", "4", *args], cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, proc.stdout.read()
        try:
            requests.get(base + "/", timeout=2)
            return proc, base
        except requests.ConnectionError:
            assert time.monotonic() < deadline
            time.sleep(0.1)


def stop(proc) -> str:
    os.killpg(proc.pid, signal.SIGTERM)
    out, _ = proc.communicate(timeout=15)
    return out


@pytest.fixture(scope="module")
def guarded():
    proc, base = start("--admin-token", "t0ken", "--api-key", "serve-key")
    yield base
    stop(proc)


def test_a_reset_under_granian_answers_nothing(guarded):
    key = {"Authorization": "serve-key"}
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{guarded}/api/v2/projects", headers={**key, "X-Ozsim-Fault": "reset"},
                     timeout=10)
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{guarded}/api/v2/projects", json={"name": "landed"}, timeout=10,
                      headers={**key, "X-Ozsim-Fault": "commit-then-fail,reset"})
    rows = requests.get(f"{guarded}/api/v2/projects", headers=key, timeout=10).json()["rows"]
    assert [p["name"] for p in rows] == ["landed"]        # and the server goes on serving


def test_the_admin_token_is_required_on_the_control_plane(guarded):
    key = {"Authorization": "serve-key"}
    assert requests.get(f"{guarded}/__ozsim/clock", headers=key, timeout=10).status_code == 401

    def resets() -> int:
        answer = requests.get(f"{guarded}/__ozsim/requests", params={"status": "none"},
                              headers={**key, "X-Ozsim-Admin": "t0ken"}, timeout=10)
        assert answer.status_code == 200
        return answer.json()["total"]

    before = resets()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{guarded}/api/v2/boxes", headers={**key, "X-Ozsim-Fault": "reset"},
                     timeout=10)
    assert resets() == before + 1


def test_beyond_loopback_without_a_token_the_control_plane_is_off():
    proc, base = start(env={"OZSIM_HOST": "0.0.0.0"})
    try:
        refused = requests.post(f"{base}/__ozsim/tenants", json={}, timeout=10)
        assert refused.status_code == 403 and refused.json()["code"] == "CONTROL_PLANE_DISABLED"
        assert "--admin-token" in refused.json()["message"]
    finally:
        banner = stop(proc)
    assert "control plane: DISABLED" in banner and "OZSIM_ADMIN_TOKEN" in banner
