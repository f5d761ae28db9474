"""The whole scenario library, in-process: one test per scenario file, each on a fresh
simulator. A failing scenario prints its step lines and per-key diffs."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ozsim.scenarios.cli import main as scenario_cli
from ozsim.scenarios.runner import (InProcessTarget, RemoteTarget, Reporter, discover, load,
                              run_scenario)

from .. import contract_check
from ..support import free_port

FILES = discover()
DATA = Path(__file__).with_name("data")

# Scenarios that fail because of a simulator bug (not the scenario): stem -> reason.
# Each must also be reported; strict, so a fixed simulator turns them green loudly.
XFAIL: dict[str, str] = {}


def _params():
    for path in FILES:
        marks = [pytest.mark.xfail(reason=XFAIL[path.stem], strict=True)] \
            if path.stem in XFAIL else []
        yield pytest.param(path, id=path.stem, marks=marks)


def run_in_process(path: Path, filter_in: str = "query"):
    out = io.StringIO()
    result = run_scenario(load(path), InProcessTarget(filter_in=filter_in), Reporter(out))
    return result, out.getvalue()


def test_the_library_has_the_required_scenarios():
    assert len(FILES) >= 12
    names = {load(p).name for p in FILES}
    assert {"reservation-activation-cancellation", "address-change", "race-for-the-last-port",
            "bad-requests-refused-without-damage", "element-synchronisation"} <= names


@pytest.mark.parametrize("path", list(_params()))
def test_scenario(path):
    result, output = run_in_process(path)
    assert result.ok, "\n" + output
    assert not result.skipped and result.steps


def test_lifecycle_with_filters_in_the_get_body():
    """The same scenario with filters and sorts in the JSON body of GETs, like the SDK; its
    responses go through the contract check (tests/scenarios/conftest.py)."""
    checked = contract_check.VIOLATIONS.checked
    result, output = run_in_process(FILES[0], filter_in="body")
    assert result.ok, "\n" + output
    assert contract_check.VIOLATIONS.checked - checked >= len(result.steps)


def test_a_failing_scenario_is_detected_and_reported(tmp_path, capsys):
    junit = tmp_path / "junit.xml"
    code = scenario_cli(["scenario", "run", str(DATA / "deliberately_failing.yaml"),
                         "--junit", str(junit)])
    out = capsys.readouterr().out
    assert code == 1
    assert "✗  2 wrong on purpose" in out
    assert "port: expected 2, got 1" in out
    assert "-  3 never runs" in out and "not run: an earlier step failed" in out
    assert "0 passed, 1 failed" in out
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "1" and root.get("skipped") == "1"
    failure = root.find(".//testcase[@name='2 wrong on purpose']/failure")
    assert failure is not None and "port: expected 2, got 1" in failure.text


def test_cli_list_and_invalid_files(tmp_path, capsys):
    assert scenario_cli(["scenario", "list"]) == 0
    listed = capsys.readouterr().out
    assert all(load(p).name in listed for p in FILES)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsteps:\n  - flow: erp.does_not_exist\n")
    assert scenario_cli(["scenario", "run", str(bad)]) == 2
    assert "unknown flow" in capsys.readouterr().err


def test_a_target_that_cannot_be_reached_or_runs_nothing_is_a_failure(capsys, monkeypatch):
    url = f"http://127.0.0.1:{free_port()}"          # a port nothing listens on
    assert scenario_cli(["scenario", "run", "--target", url]) == 3
    assert f"cannot reach {url}" in capsys.readouterr().err

    class RealOZmap(RemoteTarget):                   # no control plane, and no key given
        def has_control(self) -> bool:
            return False

    monkeypatch.setattr("ozsim.scenarios.cli.RemoteTarget", RealOZmap)
    assert scenario_cli(["scenario", "run", "--target", "https://ozmap.invalid"]) == 1
    assert "no scenario ran" in capsys.readouterr().err
