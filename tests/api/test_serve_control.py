"""``ozsim serve`` (granian) and the control plane: a connection reset through a real socket,
commit-then-fail, the admin token, and the control plane disabled beyond loopback."""
from __future__ import annotations

import signal

import pytest
import requests

from ..support import Server, free_port, ozsim

pytestmark = pytest.mark.xdist_group("serve")


def serve(*args: str, env: dict | None = None) -> Server:
    port = free_port()
    return Server(ozsim("serve", "--network", "empty", "--port", str(port), "--threads", "4",
                        *args), port, env=env, timeout=60)


@pytest.fixture(scope="module")
def guarded():
    with serve("--admin-token", "t0ken", "--api-key", "serve-key") as server:
        yield server.base


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
    with serve(env={"OZSIM_HOST": "0.0.0.0"}) as server:
        refused = requests.post(f"{server.base}/__ozsim/tenants", json={}, timeout=10)
        assert refused.status_code == 403 and refused.json()["code"] == "CONTROL_PLANE_DISABLED"
        assert "--admin-token" in refused.json()["message"]
        server.stop(signal.SIGTERM)
        banner = server.output()
    assert "control plane: DISABLED" in banner and "OZSIM_ADMIN_TOKEN" in banner
