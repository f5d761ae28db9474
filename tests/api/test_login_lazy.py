"""A login by user name and password never builds a tenant's world: tenants are created
lazily, and a login must not start the (possibly multi-minute) network builds of all of them."""
from __future__ import annotations

from ozsim.app import Simulator, create_app
from ozsim.ftth.domain import DEMO_LOGIN


def test_a_login_builds_no_lazy_tenant():
    simulator = Simulator(network="empty")
    client = create_app(simulator).test_client()
    made = client.post("/__ozsim/tenants", json={"network": "small", "seed": 3})
    assert made.status_code == 201
    lazy = simulator.tenants.tenant_of(made.get_json()["apiKey"])
    built = []
    simulator.tenants._factory = lambda tenant, build=simulator.build_world: \
        built.append(tenant) or build(tenant)
    answer = client.post("/api/v2/users/login", json=DEMO_LOGIN)
    assert answer.status_code == 200 and answer.get_json()["authorization"]
    assert lazy not in built and lazy not in simulator.tenants.built()
    wrong = client.post("/api/v2/users/login", json={**DEMO_LOGIN, "password": "nope"})
    assert wrong.status_code == 401 and lazy not in built
