"""``ozsim serve`` as a process: granian inside the ozsim process, configured by the OZSIM_*
variables, the banner with the key, one process, a busy port refused before the world is
built, a clean exit on SIGTERM."""
from __future__ import annotations

import signal
import subprocess
import time

import pytest
import requests

from ..support import ROOT, Server, free_port, ozsim

pytestmark = pytest.mark.xdist_group("serve")      # in order, on one worker: SIGTERM is last


def children(pid: int) -> list[str]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return out.split()


@pytest.fixture(scope="module")
def served():
    port = free_port()
    env = {"OZSIM_PORT": str(port), "OZSIM_NETWORK": "demo", "OZSIM_SEED": "3",
           "OZSIM_API_KEY": "ozsim-serve-test-key", "OZSIM_HOST": "localhost"}
    with Server(ozsim("serve", "--threads", "4"), port, env=env, timeout=120) as server:
        yield server


def test_env_options_banner_and_answers(served):
    base, port = served.base, served.port
    banner = served.output()
    assert "serving the 'demo' network (seed 3)" in banner
    assert "API key: ozsim-serve-test-key" in banner
    assert f"curl -H 'Authorization: ozsim-serve-test-key' 'http://localhost:{port}/api/v2/" \
           "ftth-viability/radius?lat=-27.5954&lng=-48.5480&radius=150'" in banner
    assert requests.get(base + "/", timeout=5).json()["seed"] == 3
    radius = requests.get(base + "/api/v2/ftth-viability/radius",
                          params={"lat": -27.5954, "lng": -48.5480, "radius": 150},
                          headers={"Authorization": "ozsim-serve-test-key"}, timeout=5)
    assert radius.status_code == 200 and radius.headers["Content-Type"] == "application/json"
    assert radius.json()["boxes"]
    bad = requests.get(base + "/api/v2/ftth-viability/radius", params={"lat": "x", "lng": 1},
                       headers={"Authorization": "ozsim-serve-test-key"}, timeout=5)
    assert bad.status_code == 400 and bad.json()["field"] == "lat"
    assert requests.get(base + "/api/v2/boxes", timeout=5).json()["code"] == "MISSING_API_KEY"
    assert children(served.proc.pid) == []   # one process: no forked workers


def test_a_busy_port_is_refused_before_the_network_is_built(served):
    port = served.port
    started = time.monotonic()
    second = subprocess.run(ozsim("serve", "--port", str(port), "--network", "large"),
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
    assert "serving" not in second.stdout
    assert time.monotonic() - started < 30        # `large` takes a minute to build


def test_sigterm_stops_it(served):
    assert served.stop(signal.SIGTERM) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(served.base + "/", timeout=2)
