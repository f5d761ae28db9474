"""``ozsim contract check`` against live servers (the simulator, and one that drifted from the
contract), and ``ozsim contract diff`` on recorded traffic (JSON lines and HAR)."""
from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET

import pytest
from waitress import create_server, wasyncore

from ozsim.app import Simulator, create_app
from ozsim.cli import main

pytestmark = pytest.mark.xdist_group("contract-cli")

SOME = "/api/v2/system-configs"        # -k: one operation without parameters ...
KEYED = "GET /api/v2/pop-types"        # ... and a list and its get by id


def drifted(app):
    """The app as a server that moved: ``system-configs`` renames a field, ``pop-types`` is
    gone (404 with the error envelope, as an unknown route)."""
    def wsgi(environ, start_response):
        path = environ["PATH_INFO"]
        if path.startswith("/api/v2/pop-types"):
            body = b'{"message": "no route", "code": "ROUTE_NOT_FOUND"}'
            start_response("404 NOT FOUND", [("Content-Type", "application/json")])
            return [body]
        captured = {}

        def keep(status, headers, exc_info=None):
            captured.update(status=status, headers=[(k, v) for k, v in headers
                                                    if k.lower() != "content-length"])
        body = b"".join(app(environ, keep))
        if path == SOME:
            body = body.replace(b'"hierarchyLevels"', b'"levels"')
        start_response(captured["status"], captured["headers"])
        return [body]
    return wsgi


@pytest.fixture(scope="module")
def servers():
    """(the simulator's URL, the drifted server's URL, the API key)."""
    sim = Simulator(network="demo")
    app = create_app(sim)
    running = [create_server(a, host="127.0.0.1", port=0, threads=4) for a in (app, drifted(app))]
    threads = [threading.Thread(target=s.run, daemon=True) for s in running]
    for t in threads:
        t.start()
    yield (*(f"http://127.0.0.1:{s.effective_port}" for s in running), sim.default_key)
    for s in running:
        s.close()
        wasyncore.close_all(s._map)
        s.task_dispatcher.shutdown(timeout=5)


def check(target, key, *more):
    return main(["contract", "check", "--target", target, "--api-key", key, "--examples", "2",
                 *more])


def test_the_simulator_conforms_to_its_contract(servers, capsys, tmp_path):
    sim, _, key = servers
    junit = tmp_path / "contract.xml"
    assert check(sim, key, "-k", "pop-types", "--junit", str(junit)) == 0
    out = capsys.readouterr().out
    for op in ("POST /api/v2/pop-types", "GET /api/v2/pop-types/{id}", "DELETE /api/v2/pop-types/{id}"):
        assert f"conforms     {op}\n" in out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("tests") == "5" and suite.get("failures") == "0"


def test_a_server_that_moved_differs_with_the_field_or_misses_the_route(servers, capsys, tmp_path):
    sim, moved, key = servers
    junit = tmp_path / "drift.xml"
    assert check(moved, key, "--readonly", "-k", "GET /api/v2/", "--examples", "1",
                 "--junit", str(junit)) == 1
    out = capsys.readouterr().out
    assert f"differs      GET {SOME}\n" in out
    assert "'hierarchyLevels' is a required property" in out or \
        '"hierarchyLevels" is a required property' in out
    assert "missing      GET /api/v2/pop-types\n" in out          # a list route is gone
    assert "conforms     GET /api/v2/boxes\n" in out
    assert "POST" not in out and "DELETE" not in out                # --readonly
    failures = {case.get("name"): case.find("failure").get("type")
                for case in ET.parse(junit).getroot().iter("testcase")
                if case.find("failure") is not None}
    assert failures[f"GET {SOME}"] == "differs" and failures["GET /api/v2/pop-types"] == "missing"


def test_an_unknown_contract_is_a_usage_error(servers, capsys):
    sim, _, key = servers
    assert check(sim, key, "--contract", "nope.yaml") == 2
    assert "no contract 'nope.yaml'" in capsys.readouterr().err


# ---- diff --------------------------------------------------------------------------------------
def recording(key: str) -> list[dict]:
    """Real traffic, as a simulator answered it (then changed where the test says so)."""
    http = create_app(Simulator(network="empty", seed=0)).test_client()
    auth = {"Authorization": key}
    lines = []

    def exchange(method, path, body=None):
        response = http.open(path, method=method, json=body, headers=auth)
        lines.append({"request": {"method": method, "url": f"https://sandbox.ozmap.com.br:9994{path}",
                                  "headers": {"Authorization": "real-key"}, "body": body},
                      "response": {"status": response.status_code, "body": response.get_json()}})
        return response.get_json()

    created = exchange("POST", "/api/v2/projects", {"name": "Recorded"})
    exchange("GET", f"/api/v2/projects/{created['id']}")
    exchange("GET", "/api/v2/system-configs")
    exchange("GET", f"/api/v2/projects/{created['id']}")
    exchange("GET", "/api/v2/system-configs")
    exchange("GET", "/api/v2/boxess")
    lines[2]["response"]["body"]["levels"] = lines[2]["response"]["body"].pop("hierarchyLevels")
    lines[3]["response"] = {"status": 404, "body": {"message": "gone", "code": "NOT_FOUND"}}
    return lines


def test_diff_tells_which_one_moved(servers, capsys, tmp_path):
    sim, moved, key = servers
    recorded = tmp_path / "traffic.jsonl"
    recorded.write_text("\n".join(json.dumps(line) for line in recording(key)) + "\n")
    assert main(["contract", "diff", str(recorded)]) == 1
    out = capsys.readouterr().out
    verdicts = [line.split()[:2] for line in out.splitlines() if line.split()[1:2] and
                line.split()[1].startswith("#")]
    assert verdicts == [["agree", "#1"], ["agree", "#2"], ["real-vs-contract", "#3"],
                        ["real-vs-sim", "#4"], ["agree", "#5"], ["agree", "#6"]], out
    assert "'hierarchyLevels' is a required property" in out      # the field
    assert "status: real 404, simulator 200" in out
    assert main(["contract", "diff", str(recorded), "--target", moved, "--api-key", key]) == 1
    out = capsys.readouterr().out
    assert "both-vs-contract  #3" in out and "sim-vs-contract   #5" in out, out


def test_diff_reads_har(capsys, tmp_path):
    har = {"log": {"version": "1.2", "entries": [{
        "request": {"method": "GET", "url": "https://x.ozmap.com.br:9994/api/v2/system-configs",
                    "headers": [], "queryString": []},
        "response": {"status": 200, "content": {"mimeType": "application/json", "text": json.dumps(
            {"id": "000000000000000000000001", "hierarchyLevels": {"boxes": "three"}})}}}]}}
    path = tmp_path / "traffic.har"
    path.write_text(json.dumps(har))
    assert main(["contract", "diff", str(path)]) == 1
    out = capsys.readouterr().out
    assert "real-vs-contract  #1 GET /api/v2/system-configs" in out
    assert "hierarchyLevels/boxes" in out


def test_an_unreadable_recording_is_a_usage_error(capsys, tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"request": {"method": "GET"}}\n')
    assert main(["contract", "diff", str(path)]) == 2
    assert "broken.jsonl:1: not an exchange" in capsys.readouterr().err
