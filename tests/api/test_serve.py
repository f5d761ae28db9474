"""``ozsim serve`` as a process: granian inside the ozsim process, configured by the OZSIM_*
variables, the banner with the key, one process, a busy port refused before the world is
built, a clean exit on SIGTERM."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.xdist_group("serve")      # in order, on one worker: SIGTERM is last

OZSIM = Path(sys.executable).with_name("ozsim")
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[str]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return out.split()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "OZSIM_PORT": str(port), "OZSIM_NETWORK": "demo", "OZSIM_SEED": "3",
           "OZSIM_API_KEY": "ozsim-serve-test-key", "OZSIM_HOST": "localhost"}
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(OZSIM), "serve", "--threads", "4"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if requests.get(base + "/", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield proc, base, port, log
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_env_options_banner_and_answers(served):
    proc, base, port, log = served
    banner = log.read_text()
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
    assert children(proc.pid) == []          # one process: no forked workers


def test_a_busy_port_is_refused_before_the_network_is_built(served):
    _, _, port, _ = served
    started = time.monotonic()
    second = subprocess.run([str(OZSIM), "serve", "--port", str(port), "--network", "large"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
    assert "serving" not in second.stdout
    assert time.monotonic() - started < 30        # `large` takes a minute to build


def test_sigterm_stops_it(served):
    proc, base, _, _ = served
    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(base + "/", timeout=2)
