"""The library against a live ``ozsim serve`` (a subprocess on a free port, demo network):
``ozsim scenario run --target … --junit …`` creates a fresh tenant per scenario through the
control plane; the exit status and the JUnit report are checked."""
from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ozsim.scenarios.runner import discover

from .. import contract_check
from ..support import ROOT, Server, free_port, ozsim

pytestmark = pytest.mark.xdist_group("scenarios-live")

DATA = Path(__file__).with_name("data")


@pytest.fixture(scope="module")
def live_url():
    port = free_port()
    with Server(ozsim("serve", "--port", str(port), "--network", "demo"), port,
                timeout=180) as server:
        yield server.base


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(ozsim("scenario", "run", *args), cwd=ROOT, capture_output=True,
                          text=True, timeout=900)


def test_the_library_against_a_live_server(live_url, tmp_path):
    junit = tmp_path / "live.xml"
    done = run_cli("--target", live_url, "--junit", str(junit))
    assert done.returncode == 0, done.stdout + done.stderr
    root = ET.parse(junit).getroot()
    suites = root.findall("testsuite")
    assert len(suites) == len(discover())
    assert root.get("failures") == "0" and root.get("errors") == "0"
    assert int(root.get("tests")) > 100
    targets = {s.find("properties/property[@name='target']").get("value") for s in suites}
    assert all("fresh tenant" in t for t in targets)
    assert "passed" in done.stdout and "0 failed" in done.stdout


def test_a_failing_scenario_against_a_live_server(live_url, tmp_path):
    junit = tmp_path / "failing.xml"
    done = run_cli(str(DATA / "deliberately_failing.yaml"), "--target", live_url,
                   "--junit", str(junit))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "port: expected 2, got 1" in done.stdout
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "1"


def test_portable_scenarios_on_a_shared_tenant_without_control_plane(live_url):
    """What a real OZmap sandbox looks like to the runner: one shared tenant that already
    holds a network (the server's demo tenant), no control plane (no fresh tenants, no clock,
    no invariants). Portable scenarios build their own fixture and still pass — twice in a
    row on the same tenant, thanks to ${run.uid}; the others are skipped."""
    from ozsim.ftth.domain import DEMO_API_KEY

    from ozsim.scenarios.runner import RemoteTarget, run_files

    checked = contract_check.VIOLATIONS.checked
    for _ in range(2):
        target = RemoteTarget(live_url, DEMO_API_KEY)
        target._control = False                  # behave as if /__ozsim did not exist
        results = run_files(discover(), target)
        ran = [r for r in results if not r.skipped]
        skipped = [r for r in results if r.skipped]
        assert all(r.ok for r in results), [
            (r.scenario.name, [s.failure_text() for s in r.steps if not s.ok]) for r in ran]
        assert len(ran) >= 10
        assert {r.scenario.name for r in skipped} == \
            {r.scenario.name for r in results if not r.scenario.portable}
        assert all("given key" in r.target for r in ran)
    # the runner's sessions checked every response on the client side (tests/scenarios/conftest.py)
    assert contract_check.VIOLATIONS.checked - checked >= 2 * len(ran)
