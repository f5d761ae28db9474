"""The shapes OZneutral answers in: the parties of ``@ozmap/ozn-sdk``'s marketplace model and
its TM Forum schemas (TMF673 addresses, TMF645 qualification, TMF685 reservations, TMF641
service orders, TMF638 services). Pure functions of the marketplace's records."""
from __future__ import annotations

import zlib

STREET_KINDS = {"rua", "avenida", "alameda", "travessa", "rodovia", "estrada", "praça", "praca",
                "servidão", "servidao", "largo", "via", "viela", "beco", "ladeira", "passagem"}
BOX_REASONS = {"draft": ("BOX_IS_DRAFT", "a caixa está em projeto (rascunho)"),
               "no-service-splitter": ("NO_SERVICE_SPLITTER", "a caixa não tem splitter de atendimento"),
               "no-free-port": ("NO_FREE_PORT", "a caixa não tem porta livre")}


def system_of(operator) -> str:
    """The ``externalSystem`` naming an operator's OZmap."""
    return f"OZmap:{operator.id}"


# ---- parties ---------------------------------------------------------------------------------
def company(c) -> dict:
    return {"_id": c.id, "name": c.name, "address": c.address, "country": c.country,
            "phone": c.phone, "logoPath": c.logo_path, "createdAt": c.created,
            "updatedAt": c.created}


def party(p, secret: str | None = None) -> dict:
    """An operator (``status``, ``portDefaultPrice``) or a partner, its company populated; a
    sign-up answer also carries the OAuth client (the secret is shown that once)."""
    out = {"_id": p.id, "idCompany": company(p.company), "oznUrl": p.site,
           "createdAt": p.created, "updatedAt": p.updated or p.created}
    if p.kind == "operator":
        out.update(status=p.status, portDefaultPrice=p.port_default_price)
    if secret is not None:
        out.update(clientId=p.client_id, clientSecret=secret)
    return out


def partnership(p) -> dict:
    return {"_id": p.id, "idPartner": party(p.partner), "idOperator": party(p.operator),
            "status": p.status, "projects": list(p.projects), "ozmapUser": p.ozmap_user,
            "createdAt": p.created, "updatedAt": p.updated}


def integration(operator, projects: list) -> dict:
    i = operator.integration
    return {"operator": operator.id, "url": i.url, "login": i.login, "user": i.user,
            "projects": projects, "status": "active", "configuredAt": i.configured,
            "syncedAt": i.synced}


def sale_projects(operator, projects: list) -> dict:
    return {"projects": projects, "viabilityTags": list(operator.viability_tags)}


# ---- TMF673 ------------------------------------------------------------------------------------
def point(name: str, coords) -> dict:
    return {"name": name, "type": "Point", "geometry": [{"x": coords[0], "y": coords[1], "z": None}]}


def address(address_id: str, item: dict, coords, operators) -> dict:
    """A GeographicAddress from a resolved address item (``ftth.addresses``) and where the
    customer is. ``cnl`` (simulator): a stable five-digit code of the city, not Anatel's."""
    words = (item.get("street") or "").split()
    kind = words[0] if words and words[0].lower() in STREET_KINDS else ""
    city, uf = item.get("city") or "", item.get("uf") or ""
    return {"id": address_id, "city": city,
            "cnl": f"{zlib.crc32(f'{city}|{uf}'.encode()) % 100000:05d}",
            "country": "Brasil", "locality": city, "district": item.get("neighbourhood") or "",
            "name": item["address"], "postcode": item.get("postcode") or "",
            "stateOrProvince": uf, "streetName": " ".join(words[1:] if kind else words),
            "streetNr": item.get("number") or "S/N", "streetType": kind, "streetTitle": "",
            "type": "GeographicAddress", "geographicLocation": point(item["address"], coords),
            "externalSystems": [{"externalId": address_id, "externalSystem": system_of(op)}
                                for op in operators]}


# ---- TMF645 ----------------------------------------------------------------------------------
def _characteristic(name: str, kind: str, value) -> dict:
    return {"name": name, "valueType": kind, "value": str(value)}


def _reasons(reason: str | None) -> list:
    if reason is None:
        return []
    code, label = BOX_REASONS.get(reason, (reason.upper().replace("-", "_"), reason))
    return [{"code": code, "label": label}]


def related_box(box: dict, project: str) -> dict:
    """One candidate box: identity, position and available ports — nothing else."""
    name = box.get("name") or box["id"]
    return {"@type": "ResourcePool",
            "qualificationResult": "qualified" if box["viable"] else "unqualified",
            "characteristic": [_characteristic("availablePorts", "integer", box["availablePorts"]),
                               _characteristic("distance", "number", box["distance"])],
            "resourceSpecification": {"id": box["id"], "cellName": None, "type": "CTO",
                                      "name": name, "feedingHeadend": "", "project": project},
            "resourceLocation": {"type": "Box", "labelType": "CTO", "name": name,
                                 "description": None, "parentLocation": project,
                                 "address": {"type": "Point",
                                             "geographicLocation": point(name, [box["lng"],
                                                                                box["lat"]])}},
            "eligibilityUnavailabilityReason": _reasons(box.get("reason"))}


def qualification_item(code: str, candidates: list, any_box: bool) -> dict:
    viable = [box for box, _ in candidates if box["viable"]]
    if viable:
        reasons = []
    elif candidates:
        reasons = [{"code": "NO_FREE_PORT", "label": "nenhuma caixa ao alcance tem porta livre"}]
    else:
        reasons = [{"code": "NO_BOX_IN_REACH", "label": "nenhuma caixa à venda ao alcance"
                    + (" (há caixas de outros projetos)" if any_box else "")}]
    return {"qualificationResult": "qualified" if viable else "unqualified", "codeOrder": code,
            "clientName": "",
            "service": {"serviceCharacteristic": [
                _characteristic("availablePorts", "integer",
                                sum(box["availablePorts"] for box in viable)),
                _characteristic("viableBoxes", "integer", len(viable))],
                "relatedEntity": [related_box(box, project) for box, project in candidates]},
            "eligibilityUnavailabilityReason": reasons}


# ---- TMF685 ----------------------------------------------------------------------------------
def _box_location(sale, description) -> dict:
    return {"type": "Box", "labelType": "CTO", "name": sale.box["name"] or sale.box["id"],
            "description": description, "parentLocation": sale.box["project"],
            "address": sale.place.address}


def port_resource(sale) -> dict:
    return {"id": sale.resource, "name": sale.port_name, "type": "PTP",
            "resourceSpecification": {"id": sale.splitter["id"], "cellName": None,
                                      "type": "splitter",
                                      "name": sale.splitter["name"] or sale.splitter["id"]},
            "resourceLocation": _box_location(sale, f"porta {sale.port}")}


def reservation(sale) -> dict:
    return {"reservationItem": [{
        "id": sale.id, "reservationState": "NEW", "reservationStateDate": sale.reserved,
        "resourceCapacity": {"resourcePool": {"externalId": sale.box["id"],
                                              "externalSystem": system_of(sale.operator)}},
        "appliedCapacityAmount": {"resource": [port_resource(sale)]}}]}


# ---- TMF641 ------------------------------------------------------------------------------------
def service_order(order) -> dict:
    body, sale = order.body, order.sale
    item = body["orderItem"][0]
    service = item["service"][0]
    specification = (item.get("serviceSpecification") or [{"id": ""}])[0]
    pairs = [{"name": p["name"], "value": p["value"]} for p in service.get("serviceCharacteristic") or ()]
    reason = next((p["value"] for p in pairs if p["name"] == "changeReason"), None)
    return {"id": order.id, "externalId": body["externalId"],
            "description": f"{order.action} {sale.code}", "category": body["category"],
            "note": order.message or "", "state": order.state, "orderDate": body["orderDate"],
            "requesterCallback": body["requesterCallback"], "relatedParty": body["relatedParty"],
            "orderItem": [{
                "id": item["id"], "action": item["action"], "requestedCompletionDate": None,
                "state": order.state, "statusMessage": order.message,
                "serviceSpecification": {"id": specification["id"]},
                "orderItemRelationship": [],
                "service": {"id": service["id"], "category": service["category"],
                            "changeReason": reason, "name": sale.code,
                            "description": sale.port_name,
                            "place": [{"id": sale.place.id, "type": "GeographicAddress"}],
                            "serviceCharacteristic": pairs, "serviceRelationship": [],
                            "relatedParty": None, "resource": service.get("resource")}}]}


# ---- TMF638 ------------------------------------------------------------------------------------
def _resource_characteristic(name: str, kind: str, value) -> dict:
    return {"id": None, **_characteristic(name, kind, value)}


def service(sale) -> dict:
    seller = sale.seller
    return {"id": sale.resource, "name": sale.code,
            "description": f"FTTH {sale.box['name'] or sale.box['id']}, {sale.port_name}",
            "serviceType": "FTTH", "state": sale.state,
            "isServiceEnabled": sale.state == "active",
            "relatedParty": [{"role": "seller", "property": [
                                 {"name": "id", "value": seller.id},
                                 {"name": "name", "value": seller.company.name}]},
                             sale.party],
            "place": [{"id": sale.place.id, "type": "GeographicAddress"}],
            "supportingResource": [{
                "id": sale.resource, "entityType": "PTP", "name": sale.port_name, "role": "port",
                "resource": [{"id": sale.box["id"], "name": sale.box["name"] or sale.box["id"],
                              "entityType": "ResourcePool",
                              "characteristic": [_resource_characteristic(
                                  "project", "string", sale.box["project"])],
                              "resourceLocation": _box_location(sale, None)}],
                "characteristic": [_resource_characteristic("splitter", "string",
                                                            sale.splitter["id"]),
                                   _resource_characteristic("port", "integer", sale.port)],
                "supportingResource": None}]}
