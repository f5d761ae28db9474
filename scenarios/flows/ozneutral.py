"""OZneutral: an operator offers ports of its OZmap projects, partners sell service on them.

``OZneutralClient`` speaks the marketplace's API (``/ozneutral``, TM Forum conventions) over
the same HTTP session as the OZmap client: it signs in with a password grant (or its OAuth
client), refreshes an expired token once, and turns every TM Forum error
``{code, reason, message, status}`` into an ``OZneutralError`` (an ``OZmapError``, so
scenarios match ``raises: {status, code}`` alike).

The flows are what each party does, one call each: sign up; hand over the OZmap integration
(the flow creates the integration user in OZmap first); choose sale projects; ask for,
accept or reject a partnership; then the sale — locate the customer's address, qualify it,
reserve a port of a qualified box, confirm the order, activate — and its other service
orders (cancel, modify the port), the field inspection, order details and the service
inventory. ``sell`` runs a whole sale.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any, Sequence

import requests

from ..client import NotFound, OZmapClient, OZmapError
from .common import FlowError

BASE = "/ozneutral"
TMF = f"{BASE}/tmf-api"


class OZneutralError(OZmapError):
    """A TM Forum error answer of OZneutral (``status``, ``code``, ``reason``, ``message``)."""

    def __init__(self, status: int, code: str | None, reason: str | None, message: str,
                 method: str = "", url: str = ""):
        super().__init__(status, message, code, None, None, method, url)
        self.reason = reason


@dataclass
class OZneutralClient:
    """``OZneutralClient(base_url, session, email=…, password=…)`` — or ``client_id`` and
    ``client_secret`` — for a party's calls; without credentials, only the sign-ups."""

    base_url: str
    session: requests.Session = field(default_factory=requests.Session)
    email: str | None = None
    password: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    timeout: float = 120.0
    tokens: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def beside(cls, api: OZmapClient, **credentials: Any) -> "OZneutralClient":
        """The OZneutral of the server ``api`` talks to, over the same session."""
        return cls(api.base_url, api.session, timeout=api.timeout or 120.0, **credentials)

    def _send(self, method: str, path: str, body: Any = None, query: Any = None,
              token: bool = True, form: bool = False) -> requests.Response:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {self.token()}"
        kwargs: dict[str, Any] = {"data": body} if form else {"json": body}
        return self.session.request(method, self.base_url + path, params=query, headers=headers,
                                    timeout=self.timeout, **kwargs)

    def call(self, method: str, path: str, body: Any = None, query: Any = None,
             token: bool = True, form: bool = False) -> Any:
        """The JSON answer; an expired token is refreshed once."""
        response = self._send(method, path, body, query, token, form)
        if response.status_code == 401 and token:
            self.tokens = self._renewed()
            response = self._send(method, path, body, query, token, form)
        if response.status_code >= 400:
            raise self.error(response)
        return response.json() if response.content.strip() else None

    @staticmethod
    def error(response: requests.Response) -> OZneutralError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        return OZneutralError(response.status_code, body.get("code"), body.get("reason"),
                              str(body.get("message") or response.text[:200]),
                              response.request.method or "", response.url)

    # -- tokens ------------------------------------------------------------------------------
    def grant(self, body: dict[str, Any], form: bool = False) -> dict[str, Any]:
        return self.call("POST", f"{BASE}/oauth/token", body, token=False, form=form)

    def token(self) -> str:
        if not self.tokens:
            self.tokens = self._first_grant()
        return str(self.tokens["access_token"])

    def _first_grant(self) -> dict[str, Any]:
        if self.email and self.password:
            return self.grant({"grant_type": "password", "username": self.email,
                               "password": self.password})
        if self.client_id and self.client_secret:
            return self.grant({"grant_type": "client_credentials", "client_id": self.client_id,
                               "client_secret": self.client_secret}, form=True)
        raise FlowError("NO_CREDENTIALS", "this OZneutral client has no credentials")

    def _renewed(self) -> dict[str, Any]:
        try:
            return self.grant({"grant_type": "refresh_token",
                               "refresh_token": self.tokens["refresh_token"]})
        except (OZneutralError, KeyError):
            return self._first_grant()


def _as(api: OZmapClient, email: str, password: str) -> OZneutralClient:
    return OZneutralClient.beside(api, email=email, password=password)


# ---- parties -----------------------------------------------------------------------------------
@dataclass
class Party:
    id: str
    kind: str
    name: str
    email: str
    client_id: str
    client_secret: str


def _sign_up(api: OZmapClient, kind: str, body: dict[str, Any]) -> Party:
    made = OZneutralClient.beside(api).call("POST", f"{BASE}/{kind}s", body, token=False)
    return Party(made["_id"], kind, made["idCompany"]["name"], body["email"], made["clientId"],
                 made["clientSecret"])


def sign_up_operator(api: OZmapClient, name: str, email: str, password: str,
                     site: str | None = None, port_price: float = 50.0) -> Party:
    """An operator (a company with an OZmap network) joins the marketplace."""
    return _sign_up(api, "operator", {"name": name, "email": email, "password": password,
                                      "site": site or f"https://{email.split('@')[-1]}",
                                      "portDefaultPrice": port_price})


def sign_up_partner(api: OZmapClient, name: str, email: str, password: str,
                    site: str | None = None) -> Party:
    """A partner (an ISP selling on operators' networks) joins the marketplace."""
    return _sign_up(api, "partner", {"name": name, "email": email, "password": password,
                                     "site": site or f"https://{email.split('@')[-1]}"})


def _role(api: OZmapClient) -> str:
    """A role for a new OZmap user: the first of the tenant's, else one made for it. An OZmap
    without roles (``/roles`` unknown) takes any ObjectId."""
    try:
        rows = api.find("roles", limit=1).rows
        return str(rows[0]["id"]) if rows else str(api.create("roles", {"name": "Integração"})["id"])
    except NotFound:
        return "5" * 24


@dataclass
class Integration:
    operator: str
    login: str
    password: str
    api_key: str
    user: str
    projects: list[str]
    job: str


def integrate(api: OZmapClient, email: str, password: str, operator: str,
              projects: Sequence[str] | None = None, login: str | None = None) -> Integration:
    """What an operator hands over to OZneutral: it creates, in its OZmap (``api``), the
    integration user — API module, these projects (all of ``api``'s when None), an API key —
    then sends its login, password and key to OZneutral."""
    if projects is None:
        projects = [str(p["id"]) for p in api.find_all("projects", select="id")]
    role = _role(api)
    login = login or f"ozneutral.{secrets.token_hex(4)}"
    user_password, key = secrets.token_urlsafe(12), f"ozn-{secrets.token_hex(16)}"
    user = api.create("users", {
        "username": login, "name": "Integração OZneutral", "email": f"{login}@example.com",
        "password": user_password, "resources": ["API"], "role": role, "apiKey": key,
        "projects": [{"project": p, "role": role, "fromGroup": False} for p in projects],
        "projectGroups": []})
    answer = _as(api, email, password).call("PUT", f"{BASE}/operators/{operator}/integration",
                                            {"login": login, "password": user_password,
                                             "apiKey": key})
    return Integration(operator, login, user_password, key, str(user["id"]),
                       [p["id"] for p in answer["projects"]], f"ozneutral-poll-{operator}")


def sale_projects(api: OZmapClient, email: str, password: str, operator: str,
                  projects: Sequence[str] | None = None,
                  viability_tags: Sequence[str] = ()) -> list[str]:
    """The operator chooses what it sells (None: every project of the integration user)."""
    answer = _as(api, email, password).call(
        "PUT", f"{BASE}/operators/{operator}/sale-projects",
        {"projects": None if projects is None else list(projects),
         "viabilityTags": list(viability_tags)})
    return [p["id"] for p in answer["projects"]]


@dataclass
class Partnership:
    id: str
    status: str
    partner: str
    operator: str
    projects: list[str]
    ozmap_login: str | None = None
    ozmap_password: str | None = None


def _partnership(answer: dict[str, Any]) -> Partnership:
    user = answer.get("ozmapUser") or {}
    return Partnership(answer["_id"], answer["status"], answer["idPartner"]["_id"],
                       answer["idOperator"]["_id"], list(answer["projects"]),
                       user.get("username"), user.get("password"))


def request_partnership(api: OZmapClient, email: str, password: str, operator: str
                        ) -> Partnership:
    """A partner asks an operator for a partnership."""
    return _partnership(_as(api, email, password).call("POST", f"{BASE}/partnerships",
                                                       {"operator": operator}))


def accept_partnership(api: OZmapClient, email: str, password: str, partnership: str,
                       projects: Sequence[str]) -> Partnership:
    """The operator accepts, choosing the projects the partner may sell in: the partner's
    OZmap user is made with exactly those."""
    return _partnership(_as(api, email, password).call(
        "POST", f"{BASE}/partnerships/{partnership}/accept", {"projects": list(projects)}))


def reject_partnership(api: OZmapClient, email: str, password: str, partnership: str
                       ) -> Partnership:
    return _partnership(_as(api, email, password).call(
        "POST", f"{BASE}/partnerships/{partnership}/reject"))


# ---- the sale ----------------------------------------------------------------------------------
@dataclass
class Address:
    id: str
    name: str
    postcode: str
    lat: float
    lng: float
    place: dict[str, Any]               # the first operator's {externalId, externalSystem}
    places: list[dict[str, Any]]


def locate(api: OZmapClient, email: str, password: str, lat: float | None = None,
           lng: float | None = None, street: str | None = None, number: str | None = None,
           postcode: str | None = None) -> Address:
    """TMF673: the customer's address, by coordinates or by street, number and CEP."""
    body = ({"lat": f"{lat:.7f}", "lng": f"{lng:.7f}"} if lat is not None and lng is not None
            else {"name": street, "streetNr": number, "postcode": postcode})
    answer = _as(api, email, password).call(
        "POST", f"{TMF}/geographicAddressManagement/v4/geographicAddress", body)
    point = answer["geographicLocation"]["geometry"][0]
    return Address(str(answer["id"]), answer["name"], answer["postcode"], point["y"], point["x"],
                   answer["externalSystems"][0], answer["externalSystems"])


@dataclass
class Box:
    id: str
    name: str
    project: str
    qualified: bool
    available_ports: int
    distance: float
    reasons: list[str]


@dataclass
class Qualification:
    code: str
    qualified: bool
    reasons: list[str]
    boxes: list[Box]
    best: str | None                    # the nearest qualified box
    system: str


def qualify(api: OZmapClient, email: str, password: str, place: dict[str, Any]) -> Qualification:
    """TMF645: which boxes may serve the place; a new codeOrder."""
    answer = _as(api, email, password).call(
        "POST", f"{TMF}/serviceQualificationManagement/v4/checkServiceQualification",
        {"serviceQualificationItem": [{"service": {"place": place}}]})
    item = answer["serviceQualificationItem"][0]
    boxes = []
    for entity in item["service"]["relatedEntity"]:
        values = {c["name"]: c["value"] for c in entity["characteristic"]}
        spec = entity["resourceSpecification"]
        boxes.append(Box(spec["id"], spec["name"], spec["project"],
                         entity["qualificationResult"] == "qualified",
                         int(values["availablePorts"]), float(values["distance"]),
                         [r["code"] for r in entity["eligibilityUnavailabilityReason"]]))
    best = next((b.id for b in boxes if b.qualified), None)
    return Qualification(item["codeOrder"], item["qualificationResult"] == "qualified",
                         [r["code"] for r in item["eligibilityUnavailabilityReason"]], boxes, best,
                         str(place["externalSystem"]))


def order_codes(api: OZmapClient, email: str, password: str, place: dict[str, Any],
                count: int) -> list[str]:
    """``count`` qualifications of one place (as many customers at one address): their codes."""
    return [qualify(api, email, password, place).code for _ in range(count)]


@dataclass
class Reservation:
    id: str
    code: str
    resource: str                       # port.idExternal, the service's id
    port_name: str
    box: str
    splitter: str
    system: str


def _reservation(code: str, answer: dict[str, Any]) -> Reservation:
    item = answer["reservationItem"][0]
    port = item["appliedCapacityAmount"]["resource"][0]
    pool = item["resourceCapacity"]["resourcePool"]
    return Reservation(item["id"], code, port["id"], port["name"], str(pool["externalId"]),
                       port["resourceSpecification"]["id"], pool["externalSystem"])


def reserve(api: OZmapClient, email: str, password: str, code: str, box: str, system: str,
            customer: str = "Cliente OZneutral", document: str | None = None) -> Reservation:
    """TMF685: reserve a port of a qualified box — an OZmap client, not implanted."""
    party = [{"name": "name", "value": customer}]
    if document:
        party.append({"name": "document", "value": document})
    answer = _as(api, email, password).call(
        "POST", f"{TMF}/resourcePoolManagement/v4/reservation",
        {"relatedParty": {"role": "customer", "property": party},
         "reservationItem": [{"resourceCapacity": {"place": {"externalId": box,
                                                             "externalSystem": system}},
                              "appliedCapacityAmount": {"characteristic": [
                                  {"name": "codeOrder", "valueType": "string", "value": code}]}}]})
    return _reservation(code, answer)


def cancel_reservation(api: OZmapClient, email: str, password: str, reservation: str) -> str:
    """TMF685 PATCH: cancel a reservation; its OZmap client is removed at once."""
    answer = _as(api, email, password).call(
        "PATCH", f"{TMF}/resourcePoolManagement/v4/reservation/{reservation}",
        {"relatedParty": {"role": "seller", "property": []},
         "reservationItem": {"reservationState": "CANCELLED"}})
    return str(answer["reservationItem"]["reservationState"])


def confirm(api: OZmapClient, email: str, password: str, code: str, reservation: str,
            client_id: str = "CRM-1", address: str | None = None) -> str:
    """Confirm the order of reservation ``code`` with its OZmap ids; the confirmed order's id."""
    client = _as(api, email, password)
    answer = client.call("GET", f"{TMF}/resourcePoolManagement/v4/reservation/{reservation}")
    held = _reservation(code, answer)
    port = answer["reservationItem"][0]["appliedCapacityAmount"]["resource"][0]
    location = port["resourceLocation"]["address"]
    point = location["geographicLocation"]["geometry"][0]
    return str(client.call("POST", f"{BASE}/orders/confirm", {
        "port": {"idExternal": held.resource, "nameExternal": held.port_name},
        "address": address or location["name"], "idClient": client_id, "codeOrder": code,
        "idsExternals": {"gis": {"idClientExternal": client_id}, "idBox": held.box,
                         "idSplitter": held.splitter,
                         "boxCoordinates": {"lat": point["y"], "lng": point["x"]}}})["_id"])


@dataclass
class ServiceOrder:
    id: str
    action: str
    state: str
    message: str | None
    change_reason: str | None = None


def _order(api: OZmapClient, email: str, password: str, code: str, service: str, action: str,
           characteristics: Sequence[dict[str, str]] = (),
           resource: Sequence[dict[str, Any]] | None = None) -> ServiceOrder:
    body_service: dict[str, Any] = {"id": service, "category": "FTTH",
                                    "serviceCharacteristic": list(characteristics)}
    if resource is not None:
        body_service["resource"] = list(resource)
    answer = _as(api, email, password).call("POST", f"{TMF}/serviceOrdering/v4/serviceOrder", {
        "externalId": code, "category": "FTTH",
        "orderDate": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
        "requesterCallback": "https://parceiro.example/ozneutral", "relatedParty": [],
        "orderItem": [{"id": "1", "action": action, "serviceSpecification": [{"id": "FTTH"}],
                       "service": [body_service]}]})
    return _service_order(answer)


def _service_order(answer: dict[str, Any]) -> ServiceOrder:
    item = answer["orderItem"][0]
    return ServiceOrder(answer["id"], item["action"], answer["state"], item["statusMessage"],
                        item["service"]["changeReason"])


def activate(api: OZmapClient, email: str, password: str, code: str, service: str
             ) -> ServiceOrder:
    """TMF641 add: the installation is done; the OZmap client becomes implanted."""
    return _order(api, email, password, code, service, "add")


def cancel(api: OZmapClient, email: str, password: str, code: str, service: str
           ) -> ServiceOrder:
    """TMF641 delete: a reservation leaves OZmap at once; an active client turns not
    implanted and keeps its port until the field inspection is accepted."""
    return _order(api, email, password, code, service, "delete")


def rename(api: OZmapClient, email: str, password: str, code: str, service: str, name: str
           ) -> ServiceOrder:
    """TMF641 modify: the customer's name."""
    return _order(api, email, password, code, service, "modify",
                  [{"name": "clientName", "value": name}])


def change_port(api: OZmapClient, email: str, password: str, code: str, service: str,
                reason: str, box: str | None = None, splitter: str | None = None,
                port: int | None = None) -> ServiceOrder:
    """TMF641 modifyPort: another port — of ``box``, ``splitter``/``port``, or the next free
    one of the same box — with a reason."""
    target = [{"name": k, "value": str(v)} for k, v in
              (("box", box), ("splitter", splitter), ("port", port)) if v is not None]
    return _order(api, email, password, code, service, "modifyPort",
                  [{"name": "changeReason", "value": reason}],
                  [{"name": "port", "resource": {"property": target}}] if target else None)


def inspect(api: OZmapClient, email: str, password: str, order: str, accepted: bool = True
            ) -> ServiceOrder:
    """The operator's field inspection after an active client's cancellation."""
    return _service_order(_as(api, email, password).call(
        "POST", f"{TMF}/serviceOrdering/v4/serviceOrder/{order}/inspection",
        {"accepted": accepted}))


def details(api: OZmapClient, email: str, password: str, order: str) -> dict[str, Any]:
    """What the installer needs: box, property, drop length, poles."""
    return dict(_as(api, email, password).call("GET", f"{BASE}/orders/{order}/details"))


@dataclass
class Service:
    id: str
    code: str
    state: str
    enabled: bool
    box: str
    splitter: str
    port: int


def services(api: OZmapClient, email: str, password: str, state: str | None = None
             ) -> list[Service]:
    """TMF638: the party's services."""
    answer = _as(api, email, password).call("GET", f"{TMF}/serviceInventory/v4/service",
                                            query={"state": state} if state else None)
    out = []
    for s in answer:
        support = s["supportingResource"][0]
        values = {c["name"]: c["value"] for c in support["characteristic"]}
        out.append(Service(s["id"], s["name"], s["state"], s["isServiceEnabled"],
                           support["resource"][0]["id"], values["splitter"], int(values["port"])))
    return out


@dataclass
class Sale:
    code: str
    address: str
    box: str
    reservation: str
    service: str
    order: str
    state: str


def sell(api: OZmapClient, email: str, password: str, lat: float, lng: float,
         customer: str = "Cliente OZneutral") -> Sale:
    """A whole sale: locate, qualify, reserve the nearest qualified box, confirm, activate."""
    address = locate(api, email, password, lat, lng)
    qualification = qualify(api, email, password, address.place)
    if qualification.best is None:
        raise FlowError("NOT_VIABLE", f"no qualified box for {address.name}: "
                        f"{', '.join(qualification.reasons)}")
    held = reserve(api, email, password, qualification.code, qualification.best,
                   qualification.system, customer)
    order = confirm(api, email, password, qualification.code, held.id)
    done = activate(api, email, password, qualification.code, held.resource)
    return Sale(qualification.code, address.name, held.box, held.id, held.resource, order,
                done.state)


__all__ = ["OZneutralClient", "OZneutralError", "sign_up_operator", "sign_up_partner",
           "integrate", "sale_projects", "request_partnership", "accept_partnership",
           "reject_partnership", "locate", "qualify", "order_codes", "reserve",
           "cancel_reservation", "confirm", "activate", "cancel", "rename", "change_port",
           "inspect", "details", "services", "sell", "Party", "Integration", "Partnership",
           "Address", "Qualification", "Box", "Reservation", "ServiceOrder", "Service", "Sale"]
