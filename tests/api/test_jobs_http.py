"""The tenant's jobs through the control plane: advancing the clock runs what falls due,
``/__ozsim/jobs`` shows schedule and log, ``/__ozsim/jobs/{name}/run`` runs a job now."""
from __future__ import annotations

from ozsim.core.jobs import Job


def test_clock_and_jobs_over_http(client, simulator, tenant_key):
    headers = {"Authorization": tenant_key}
    world = simulator.tenants.world(simulator.tenants.tenant_of(tenant_key))
    runs = []
    world.jobs.schedule(Job("count", 600, lambda: runs.append(world.clock.now_iso()) or
                            {"runs": len(runs)}, "counts its runs"))
    assert client.get("/__ozsim/jobs", headers=headers).get_json()["jobs"][0]["runs"] == 0
    assert client.post("/__ozsim/clock", json={"advance": 1800}, headers=headers).status_code == 200
    assert len(runs) == 3
    ran = client.post("/__ozsim/jobs/count/run", headers=headers)
    assert ran.status_code == 200 and ran.get_json()["trigger"] == "manual" and len(runs) == 4
    (job,) = client.get("/__ozsim/jobs", headers=headers).get_json()["jobs"]
    assert (job["name"], job["every"], job["runs"], job["failures"]) == ("count", 600, 4, 0)
    assert [e["trigger"] for e in job["log"]] == ["manual", "schedule", "schedule", "schedule"]
    assert job["log"][0]["changed"] == {"runs": 4}
    missing = client.post("/__ozsim/jobs/nope/run", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["code"] == "JOB_NOT_FOUND"
