"""The runner's own logic against a tiny fake OZmap (no simulator): references and
expressions, expectations and their diffs, expected errors, parallel branches, skipping
after a failure, the clock fallback, JUnit XML."""
from __future__ import annotations

import itertools
import textwrap
import threading
import xml.etree.ElementTree as ET

import pytest
from flask import Flask, jsonify, request

from ozsim.scenarios.runner import (Reporter, ScenarioError, Session, Vars, load, run_scenario,
                              summary, write_junit)
from ozsim.wire.local import IN_PROCESS_URL, wsgi_session


def fake_ozmap() -> Flask:
    app = Flask("fake-ozmap")
    ids = itertools.count(1)
    lock = threading.Lock()
    state = {"free": 1}

    @app.get("/api/v2/boxes/<box>")
    def box(box):
        if box == "missing":
            return jsonify(message="Box not found", code="NOT_FOUND"), 404
        return jsonify(id=box, name="CTO 1", implanted=True, project="p1", tags=[])

    @app.post("/api/v2/prospects")
    def prospect():
        body = request.get_json()
        return jsonify(id=f"{next(ids):024x}", **body), 201

    @app.post("/api/v2/properties")
    def reserve():
        with lock:
            if state["free"] <= 0:
                return jsonify(message="box full", code="BOX_FULL"), 422
            state["free"] -= 1
        return jsonify(id=f"{next(ids):024x}", client="c" * 24, box=request.get_json()["box"],
                       connections=[{"id": "s" * 24, "port": 1}], drop=None), 201

    return app


class FakeTarget:
    label = "fake"

    def __init__(self):
        self.app = fake_ozmap()

    def open(self, scenario):
        return Session(IN_PROCESS_URL, "KEY", lambda: wsgi_session(self.app), False, "fake")


def write(tmp_path, text: str, name: str = "s.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run(tmp_path, text: str):
    lines: list[str] = []

    class Out:
        def write(self, s):
            lines.append(s)

        def flush(self):
            pass

    result = run_scenario(load(write(tmp_path, text)), FakeTarget(), Reporter(Out()))
    return result, "".join(lines)


def test_vars_references_interpolation_and_expressions():
    v = Vars({"net": {"boxes": [{"id": "b1", "free": 8}]}, "code": "C1"})
    assert v.resolve("${net.boxes.0.id}") == "b1"
    assert v.resolve({"k-${code}": ["${net.boxes.0.free}", "x${code}"]}) == {"k-C1": [8, "xC1"]}
    assert v.resolve("${= net.boxes.0.free - 1}") == 7
    assert v.resolve("${= round(-21.456 + 2, 1)}") == -19.5
    assert v.resolve("${net.boxes.length}") == 1
    with pytest.raises(ScenarioError, match="nothing saved as 'nope'"):
        v.resolve("${nope.x}")
    with pytest.raises(ScenarioError, match="has no 'name'"):
        v.resolve("${net.boxes.0.name}")


def test_a_passing_scenario(tmp_path):
    result, out = run(tmp_path, """
        name: ok
        vars: {box: b1}
        steps:
          - name: read a box
            request: {method: GET, path: "/boxes/${box}"}
            save: got
            expect: {status: 200, body: {id: b1, implanted: true}}
          - flow: sales.create_prospect
            with: {name: Ana, lat: -27.5, lng: -48.5, code: "L-${run.uid}"}
            save: p
            expect: {viable: false, lat: -27.5, code: {$type: string}}
          - assert:
              - that: {value: "${got.body.name}", equals: CTO 1}
              - that: {value: "${= p.lat * 2}", equals: -55.0}
    """)
    assert result.ok, out
    assert len(result.steps) == 3 and all(s.ok for s in result.steps)
    assert "✓ ok passed" in out


def test_a_failing_expectation_prints_a_per_key_diff_and_skips_the_rest(tmp_path):
    result, out = run(tmp_path, """
        name: broken
        steps:
          - name: wrong expectations
            request: {method: GET, path: /boxes/b1}
            expect: {status: 200, body: {name: CTO 9, implanted: false, project: p1}}
          - name: never runs
            request: {method: GET, path: /boxes/b1}
    """)
    assert not result.ok
    first, second = result.steps
    assert not first.ok and [m.path for m in first.mismatches] == ["body.name", "body.implanted"]
    assert 'body.name: expected "CTO 9", got "CTO 1"' in out
    assert "body.implanted: expected false, got true" in out
    assert second.skipped and "earlier step failed" in second.note
    assert "✗ broken FAILED" in out


def test_an_error_status_without_expectation_fails_the_step(tmp_path):
    result, out = run(tmp_path, """
        name: not-found
        steps:
          - request: {method: GET, path: /boxes/missing}
    """)
    assert not result.ok and "HTTP 404" in result.steps[0].message


def test_expected_errors(tmp_path):
    result, out = run(tmp_path, """
        name: raises
        steps:
          - name: the first reservation works
            flow: erp.reserve_port
            with: {code: A, box: b1}
            expect: {port: 1, box: b1}
          - name: the box is full
            flow: erp.reserve_port
            with: {code: B, box: b1}
            raises: {status: 422, code: BOX_FULL}
            save: refused
          - assert: [{that: {value: "${refused.error.code}", equals: BOX_FULL}}]
    """)
    assert result.ok, out
    result, out = run(tmp_path, """
        name: raises-wrong
        steps:
          - flow: erp.reserve_port
            with: {code: A, box: b1}
            raises: {status: 422}
    """)
    assert not result.ok and "expected an error" in result.steps[0].message


def test_parallel_branches_each_with_its_own_client(tmp_path):
    result, out = run(tmp_path, """
        name: race
        steps:
          - parallel:
              - {flow: erp.reserve_port, with: {code: A, box: b1}}
              - {flow: sales.reserve_port, with: {code: B, box: b1}}
              - {flow: monitoring.create_customer, with: {code: C, box: b1}}
            expect: {succeeded: 1, failed: 2, errors: [{status: 422}, {status: 422}]}
    """)
    assert result.ok, out


def test_clock_advance_without_control_plane_waits_and_says_so(tmp_path, monkeypatch):
    import ozsim.scenarios.runner as runner
    monkeypatch.setattr(runner, "NO_CONTROL_WAIT", 0.01)
    result, out = run(tmp_path, """
        name: clock
        steps:
          - advance: 600
          - assert: [{invariants: true}]
    """)
    assert result.ok
    assert "no control plane" in result.steps[0].note
    assert "invariants not checked" in result.steps[1].note


def test_scenario_errors_are_reported(tmp_path):
    with pytest.raises(ScenarioError, match="unknown flow"):
        load(write(tmp_path, "name: x\nsteps:\n  - flow: erp.nope\n"))
    with pytest.raises(ScenarioError, match="no action"):
        load(write(tmp_path, "name: x\nsteps:\n  - name: only a name\n"))
    with pytest.raises(ScenarioError, match="duplicate key"):
        load(write(tmp_path, "name: x\nsteps:\n  - {set: 1, save: a, save: b}\n"))
    result, out = run(tmp_path, """
        name: bad-ref
        steps:
          - assert: [{that: {value: "${nothing.here}", equals: 1}}]
    """)
    assert not result.ok and "scenario error" in result.steps[0].message


def test_junit_xml(tmp_path):
    ok, _ = run(tmp_path, """
        name: good
        steps:
          - {set: 1, save: one}
          - assert: [{that: {value: "${one}", equals: 1}}]
    """)
    bad, _ = run(tmp_path, """
        name: bad
        steps:
          - {set: 2, save: two}
          - assert: [{that: {value: "${two}", equals: 3, label: the answer}}]
          - {set: 3}
    """)
    path = tmp_path / "out" / "junit.xml"
    write_junit([ok, bad], path)
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("5", "1", "1")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    failure = suites["bad"].find("testcase/failure")
    assert failure is not None and "the answer: expected 3, got 2" in failure.text
    assert suites["good"].get("failures") == "0"
    text = summary([ok, bad], 1.0)
    assert "2 scenarios (5 steps): 1 passed, 1 failed" in text and "✗ bad" in text
