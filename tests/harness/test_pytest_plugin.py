"""The pytest plugin as an integrator uses it: a project of their own — with its own
``scenarios`` package, a name ours would once have taken in site-packages — whose tests use
``ozmap_sim``, run by pytest in a subprocess with ``-n 2`` (pytester): first against the
plugin's in-process server, then against an external one (``OZSIM_URL``)."""
from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.xdist_group("plugin")

SAMPLE = {
    "pyproject.toml": """
        [tool.pytest.ini_options]
        pythonpath = ["."]
        """,
    "scenarios/__init__.py": """
        OWNER = "the integrator"
        """,
    "scenarios/sales.py": """
        def reserve(client, code, box):
            return client.create("properties", {"box": box, "auto_connect": True,
                                                 "client": {"code": code, "implanted": False}})
        """,
    "tests/test_integration.py": """
        import pytest

        import scenarios
        from scenarios.sales import reserve
        from ozsim.scenarios.client import OZmapError


        def test_our_own_scenarios_package_is_the_one_imported():
            assert scenarios.OWNER == "the integrator"


        def test_a_reservation_takes_one_port(ozmap_sim):
            net = ozmap_sim.network(boxes=1, splitter_ports=8)
            box = net.boxes[0].id
            reserve(ozmap_sim.client, "C-1", box)
            assert ozmap_sim.free_ports(box) == 7
            ozmap_sim.assert_requested("POST", "/api/v2/properties", count=1, status=201)
            ozmap_sim.assert_invariants()


        @pytest.mark.parametrize("n", range(4))
        def test_every_test_has_a_tenant_of_its_own(ozmap_sim, n):
            ozmap_sim.client.create("projects", {"name": "mine"})
            assert ozmap_sim.count("projects") == 1


        @pytest.mark.ozmap_sim(network="demo", seed=1)
        def test_a_marker_picks_the_network(ozmap_sim):
            assert ozmap_sim.count("boxes") > 10


        def test_commit_then_fail_and_reset(ozmap_sim):
            ozmap_sim.fault("POST", "/api/v2/projects", commitThenFail=True, times=1)
            with pytest.raises(OZmapError) as info:
                ozmap_sim.client.create("projects", {"name": "landed"})
            assert info.value.status == 504 and info.value.ambiguous
            assert ozmap_sim.count("projects") == 1
            ozmap_sim.reset()
            assert ozmap_sim.count("projects") == 0


        def test_a_dropped_connection_is_retried_for_reads(ozmap_sim):
            project = ozmap_sim.client.create("projects", {"name": "p"})
            ozmap_sim.fault("GET", "/api/v2/projects/*", reset=True, times=1)
            assert ozmap_sim.client.get("projects", project["id"])["name"] == "p"
            assert [e["status"] for e in ozmap_sim.requests(method="GET")] == [None, 200]


        def test_clock_and_snapshots(ozmap_sim):
            ozmap_sim.control.freeze()
            before = ozmap_sim.control.clock()["now"]
            assert ozmap_sim.advance(3600) > before
            saved = ozmap_sim.snapshot()
            ozmap_sim.client.create("projects", {"name": "later"})
            ozmap_sim.restore(saved)
            assert ozmap_sim.count("projects") == 0 and ozmap_sim.snapshot() == saved
        """,
}


def write_sample(pytester) -> None:
    for name, text in SAMPLE.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())


def test_an_integrator_project_runs_in_parallel_on_the_in_process_server(pytester, monkeypatch):
    monkeypatch.delenv("OZSIM_URL", raising=False)
    write_sample(pytester)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider", timeout=300)
    result.assert_outcomes(passed=10)


def test_the_same_project_runs_against_an_external_server(pytester, monkeypatch, live_server):
    monkeypatch.setenv("OZSIM_URL", live_server[0])
    write_sample(pytester)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider", timeout=300)
    result.assert_outcomes(passed=10)


def test_the_readme_example_runs_as_written(pytester, monkeypatch):
    """README, "Use it in your CI": the plugin's copy-paste example, verbatim."""
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The pytest plugin", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.delenv("OZSIM_URL", raising=False)
    pytester.makepyfile(test_readme=example)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=300)
    result.assert_outcomes(passed=3)
