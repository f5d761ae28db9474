"""24 reservations of the last free port, over real sockets, from 24 threads at once, against the
live server: exactly one wins; the others are 422 and leave nothing behind in OZmap or in
OZneutral's own books."""
from __future__ import annotations

import threading
import uuid

import pytest
import requests

from ..unit.fixtures import north, project_network, reserve
from .conftest import PASSWORD, ROLE, TMF, reservation_body

pytestmark = pytest.mark.xdist_group("live")
ATTEMPTS = 24


def test_24_partners_threads_race_for_the_last_port(live_server, simulator):
    base, _ = live_server
    http = requests.Session()

    def call(method, path, body=None, token=None, key=None, status=200):
        headers = {"Authorization": key or f"Bearer {token}"} if key or token else {}
        answer = http.request(method, base + path, json=body, headers=headers, timeout=60)
        assert answer.status_code == status, (path, answer.status_code, answer.text[:300])
        return answer.json() if answer.content else None

    key = simulator.add_tenant()
    world = simulator.tenants.world(simulator.tenants.tenant_of(key))
    net = project_network(world, "Corrida", north(0), ctos=1)
    box = net.ctos[0]
    world.update("boxes", box["id"], {"address": "Rua Esteves Júnior, 50 - Centro, Florianópolis - SC"})
    for _ in range(7):                                   # one port of eight left
        reserve(world, box, None)
    uid = uuid.uuid4().hex[:8]

    def party(kind, email):
        body = {"name": f"{kind} {uid}", "site": "https://x.example", "email": email,
                "password": PASSWORD, **({"portDefaultPrice": 50} if kind == "operator" else {})}
        made = call("POST", f"/ozneutral/{kind}s", body, status=201)
        token = call("POST", "/ozneutral/oauth/token", {
            "grant_type": "password", "username": email, "password": PASSWORD})["access_token"]
        return made["_id"], token

    operator, op_token = party("operator", f"op-{uid}@race.example")
    call("POST", "/api/v2/users", {
        "username": f"integ-{uid}", "name": "Integração", "email": f"integ-{uid}@race.example",
        "password": PASSWORD, "resources": ["API"], "role": ROLE, "apiKey": f"integ-{uid}",
        "projects": [{"project": net.project, "role": ROLE, "fromGroup": False}],
        "projectGroups": []}, key=key, status=201)
    call("PUT", f"/ozneutral/operators/{operator}/integration", {
        "login": f"integ-{uid}", "password": PASSWORD, "apiKey": f"integ-{uid}"}, token=op_token)
    partners = [party("partner", f"p{i}-{uid}@race.example") for i in range(2)]
    lng, lat = north(10, 0, box["coords"])
    codes = []
    for _, token in partners:
        asked = call("POST", "/ozneutral/partnerships", {"operator": operator}, token=token,
                     status=201)
        call("POST", f"/ozneutral/partnerships/{asked['_id']}/accept", {"projects": [net.project]},
             token=op_token)
        place = call("POST", f"{TMF}/geographicAddressManagement/v4/geographicAddress",
                     {"lat": f"{lat:.7f}", "lng": f"{lng:.7f}"}, token=token)["externalSystems"][0]
        for _ in range(ATTEMPTS // 2):
            item = call("POST", f"{TMF}/serviceQualificationManagement/v4/checkServiceQualification",
                        {"serviceQualificationItem": [{"service": {"place": place}}]}, token=token,
                        status=201)["serviceQualificationItem"][0]
            codes.append((token, item["codeOrder"], place["externalSystem"]))

    barrier = threading.Barrier(ATTEMPTS)
    answers: list = [None] * ATTEMPTS

    def attempt(i):
        token, code, system = codes[i]
        with requests.Session() as own:                  # one connection per contender
            barrier.wait()
            answer = own.post(f"{base}{TMF}/resourcePoolManagement/v4/reservation",
                              json=reservation_body(box["id"], system, code),
                              headers={"Authorization": f"Bearer {token}"}, timeout=120)
            answers[i] = (answer.status_code, answer.json())

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [422] * (ATTEMPTS - 1), answers
    assert {body["code"] for status, body in answers if status == 422} == {"BOX_FULL"}
    assert world.ports.available.get(box["id"], 0) == 0
    sold = [c for _, c, _ in codes if world.ids_where("ftth-clients", "code", c)]
    assert len(sold) == 1
    services = [call("GET", f"{TMF}/serviceInventory/v4/service", token=token)
                for _, token in partners]
    assert [s["name"] for found in services for s in found] == sold
    world.check_invariants()
