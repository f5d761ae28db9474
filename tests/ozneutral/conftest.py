"""OZneutral through HTTP, in-process: one app (every response checked against its contract),
and per test a fresh OZmap tenant holding a small network (``project_network``) whose boxes
carry addresses, an operator integrated with it, and a partner in an active partnership."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from ozsim.app import Simulator, create_app

from .. import contract_check
from ..unit.fixtures import north, project_network, reserve

SIM = Simulator(network="empty")
APP = contract_check.install(create_app(SIM))
PASSWORD = "s3nha-forte"
ROLE = "5" * 24                      # roles are not modelled: any ObjectId
TMF = "/ozneutral/tmf-api"


class Http:
    """JSON calls to the app; ``status`` asserts the answer's status."""

    def __init__(self):
        self.client = APP.test_client()

    def call(self, method: str, path: str, body=None, token: str | None = None,
             status: int | None = None, key: str | None = None, form: bool = False):
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if key:
            headers["Authorization"] = key
        sent = {"data": body} if form else {"json": body}
        answer = self.client.open(path, method=method, headers=headers, **sent)
        body = answer.get_json(silent=True)
        if status is not None:
            assert answer.status_code == status, (method, path, answer.status_code, body)
        return body if status is not None else (answer.status_code, body)


@dataclass
class Party:
    id: str
    email: str
    token: str
    client_id: str
    client_secret: str


def sign_up(http: Http, kind: str, name: str, email: str) -> Party:
    body = {"name": name, "site": f"https://{email.split('@')[1]}", "email": email,
            "password": PASSWORD}
    if kind == "operator":
        body["portDefaultPrice"] = 49.9
    made = http.call("POST", f"/ozneutral/{kind}s", body, status=201)
    token = http.call("POST", "/ozneutral/oauth/token", {
        "grant_type": "password", "username": email, "password": PASSWORD}, status=200)
    return Party(made["_id"], email, token["access_token"], made["clientId"], made["clientSecret"])


def outsider(http: Http) -> Party:
    """A partner with no business with anything of the test."""
    return sign_up(http, "partner", "Estranho", f"x-{uuid.uuid4().hex}@x.example")


def ozmap_user(http: Http, key: str, login: str, projects, resources=("API",)) -> dict:
    return http.call("POST", "/api/v2/users", {
        "username": login, "name": login, "email": f"{login}@example.com", "password": PASSWORD,
        "resources": list(resources), "role": ROLE, "apiKey": f"{key}-{login}",
        "projects": [{"project": p, "role": ROLE, "fromGroup": False} for p in projects],
        "projectGroups": []}, key=key, status=201)


def with_addresses(net, street: str) -> None:
    """Every CTO of the network gets an address on ``street``."""
    for i, box in enumerate(net.ctos):
        net.world.update("boxes", box["id"], {
            "address": f"{street}, {100 + 10 * i} - Centro, Florianópolis - SC"})


@pytest.fixture
def http():
    return Http()


@pytest.fixture
def market(http, request):
    """An OZmap tenant with a network (project A) and a second project (B), an operator
    integrated with both, and a partner whose active partnership covers A only."""
    uid = request.node.name[:20].replace("[", "-").replace("]", "").lower() + str(id(request))[-6:]
    key = SIM.add_tenant()
    world = SIM.tenants.world(SIM.tenants.tenant_of(key))
    a = project_network(world, "Projeto A", north(0))
    b = project_network(world, "Projeto B", north(8000))
    with_addresses(a, "Rua Bocaiúva")
    with_addresses(b, "Avenida Beira-Mar Norte")
    operator = sign_up(http, "operator", f"Operadora {uid}", f"op-{uid}@fibra.example")
    user = ozmap_user(http, key, f"integ-{uid}", [a.project, b.project])
    http.call("PUT", f"/ozneutral/operators/{operator.id}/integration", {
        "login": user["username"], "password": PASSWORD, "apiKey": f"{key}-{user['username']}"},
        token=operator.token, status=200)
    partner = sign_up(http, "partner", f"Parceiro {uid}", f"pa-{uid}@parceiro.example")
    asked = http.call("POST", "/ozneutral/partnerships", {"operator": operator.id},
                      token=partner.token, status=201)
    accepted = http.call("POST", f"/ozneutral/partnerships/{asked['_id']}/accept",
                         {"projects": [a.project]}, token=operator.token, status=200)
    return SimpleNamespace(http=http, key=key, world=world, a=a, b=b, operator=operator,
                           partner=partner, user=user, partnership=accepted, uid=uid,
                           system=f"OZmap:{operator.id}")


# ---- the steps of a sale, for the tests' arrangements -------------------------------------------
def locate(m, box: dict, token: str, metres: float = 15.0) -> dict:
    lng, lat = north(metres, 0, box["coords"])
    return m.http.call("POST", f"{TMF}/geographicAddressManagement/v4/geographicAddress",
                       {"lat": f"{lat:.7f}", "lng": f"{lng:.7f}"}, token=token, status=200)


def qualify(m, place: dict, token: str) -> dict:
    return m.http.call("POST", f"{TMF}/serviceQualificationManagement/v4/checkServiceQualification",
                       {"serviceQualificationItem": [{"service": {"place": place}}]}, token=token,
                       status=201)["serviceQualificationItem"][0]


def reservation_body(box_id: str, system: str, code: str, customer: str = "Maria") -> dict:
    return {"relatedParty": {"role": "customer", "property": [{"name": "name", "value": customer}]},
            "reservationItem": [{"resourceCapacity": {"place": {"externalId": box_id,
                                                                "externalSystem": system}},
                                 "appliedCapacityAmount": {"characteristic": [
                                     {"name": "codeOrder", "valueType": "string", "value": code}]}}]}


def reserve_at(m, box: dict, token: str | None = None) -> SimpleNamespace:
    """Locate next to ``box``, qualify, reserve it: (code, reservation item, port resource)."""
    token = token or m.partner.token
    address = locate(m, box, token)
    item = qualify(m, address["externalSystems"][0], token)
    made = m.http.call("POST", f"{TMF}/resourcePoolManagement/v4/reservation",
                       reservation_body(box["id"], m.system, item["codeOrder"]), token=token,
                       status=201)["reservationItem"][0]
    return SimpleNamespace(code=item["codeOrder"], item=made, address=address,
                           port=made["appliedCapacityAmount"]["resource"][0])


def confirm_body(sale) -> dict:
    return {"port": {"idExternal": sale.port["id"], "nameExternal": sale.port["name"]},
            "address": sale.address["name"], "idClient": "CRM-9", "codeOrder": sale.code,
            "idsExternals": {"gis": {"idClientExternal": "GIS-9"},
                             "idBox": sale.item["resourceCapacity"]["resourcePool"]["externalId"],
                             "idSplitter": sale.port["resourceSpecification"]["id"],
                             "boxCoordinates": {"lat": -27.6, "lng": -48.55}}}


def order_body(sale, action: str, characteristics=(), resource=None) -> dict:
    service = {"id": sale.port["id"], "category": "FTTH",
               "serviceCharacteristic": list(characteristics)}
    if resource is not None:
        service["resource"] = resource
    return {"externalId": sale.code, "category": "FTTH", "orderDate": "2025-06-02T12:00:00Z",
            "requesterCallback": "https://parceiro.example/cb", "relatedParty": [],
            "orderItem": [{"id": "1", "action": action, "serviceSpecification": [{"id": "FTTH"}],
                           "service": [service]}]}


def order(m, sale, action: str, status: int = 201, token: str | None = None, **extra):
    return m.http.call("POST", f"{TMF}/serviceOrdering/v4/serviceOrder",
                       order_body(sale, action, **extra), token=token or m.partner.token,
                       status=status)


def client_of(m, code: str) -> dict | None:
    """The OZmap client with this code, straight from the world."""
    ids = m.world.ids_where("ftth-clients", "code", code)
    return m.world.docs["ftth-clients"][min(ids)] if ids else None


__all__ = ["SIM", "APP", "Http", "Party", "sign_up", "outsider", "ozmap_user", "market", "locate", "qualify",
           "reservation_body", "reserve_at", "confirm_body", "order_body", "order", "client_of",
           "reserve", "TMF", "PASSWORD"]
