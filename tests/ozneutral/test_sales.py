"""The sales lifecycle's rules, through /ozneutral: addresses, qualification (what a partner is
shown), reservation, confirm order, service orders, the field inspection, order details,
the service inventory — every refusal leaving OZmap and OZneutral unchanged."""
from __future__ import annotations

import pytest

from ..unit.fixtures import north
from .conftest import (TMF, client_of, confirm_body, locate, order, order_body, outsider, qualify,
                       reservation_body, reserve, reserve_at)


def _reserve(m, body, token=None):
    return m.http.call("POST", f"{TMF}/resourcePoolManagement/v4/reservation", body,
                       token=token or m.partner.token)


def test_an_address_from_a_point_or_from_street_number_and_cep(market):
    box = market.a.ctos[0]
    by_point = locate(market, box, market.partner.token)
    assert by_point["streetType"] == "Rua" and by_point["streetName"] == "Bocaiúva"
    assert (by_point["streetNr"], by_point["district"], by_point["city"],
            by_point["stateOrProvince"]) == ("100", "Centro", "Florianópolis", "SC")
    assert len(by_point["postcode"]) == 9 and len(by_point["cnl"]) == 5
    point = by_point["geographicLocation"]["geometry"][0]
    assert [point["x"], point["y"]] == pytest.approx(north(15, 0, box["coords"]))
    assert by_point["externalSystems"] == [{"externalId": by_point["id"],
                                            "externalSystem": market.system}]
    by_street = market.http.call(
        "POST", f"{TMF}/geographicAddressManagement/v4/geographicAddress",
        {"name": "R. Bocaiuva", "streetNr": "100", "postcode": by_point["postcode"]},
        token=market.partner.token, status=200)
    assert by_street["name"] == by_point["name"]
    assert by_street["geographicLocation"]["geometry"][0]["x"] == box["coords"][0]
    for body, status, code in (({"lat": "1"}, 400, "INVALID_FIELD"),
                               ({"lat": "91", "lng": "0"}, 400, "INVALID_FIELD"),
                               ({"lat": "-10.0", "lng": "-40.0"}, 404, "ADDRESS_NOT_FOUND")):
        answer = market.http.call("POST", f"{TMF}/geographicAddressManagement/v4/geographicAddress",
                                  body, token=market.partner.token)
        assert answer[0] == status and (status == 400 or answer[1]["code"] == code), answer


def test_qualification_shows_boxes_by_identity_position_and_ports_only(market):
    m = market
    place = locate(m, m.a.ctos[0], m.partner.token)["externalSystems"][0]
    item = qualify(m, place, m.partner.token)
    assert item["qualificationResult"] == "qualified" and item["codeOrder"].startswith("OZN-")
    boxes = {e["resourceSpecification"]["id"]: e for e in item["service"]["relatedEntity"]}
    assert m.a.ctos[0]["id"] in boxes and m.a.ceo["id"] in boxes   # the CEO: no service splitter
    entity = boxes[m.a.ctos[0]["id"]]
    assert {c["name"]: c["value"] for c in entity["characteristic"]}["availablePorts"] == "8"
    assert {c["name"] for c in entity["characteristic"]} == {"availablePorts", "distance"}
    assert entity["resourceSpecification"]["feedingHeadend"] == ""
    assert entity["resourceSpecification"]["project"] == m.a.project
    assert boxes[m.a.ceo["id"]]["qualificationResult"] == "unqualified"
    assert boxes[m.a.ceo["id"]]["eligibilityUnavailabilityReason"][0]["code"] == \
        "NO_SERVICE_SPLITTER"
    # a full box: NO_FREE_PORT, on the box and on the item
    for _ in range(8):
        reserve(m.world, m.a.ctos[1], None)
    far = locate(m, m.a.ctos[1], m.partner.token, metres=-60)["externalSystems"][0]
    full = qualify(m, far, m.partner.token)
    entity = next(e for e in full["service"]["relatedEntity"]
                  if e["resourceSpecification"]["id"] == m.a.ctos[1]["id"])
    assert entity["eligibilityUnavailabilityReason"] == [{"code": "NO_FREE_PORT",
                                                          "label": "a caixa não tem porta livre"}]
    # unknown places are 404
    status, error = m.http.call(
        "POST", f"{TMF}/serviceQualificationManagement/v4/checkServiceQualification",
        {"serviceQualificationItem": [{"service": {"place": {"externalId": "x",
                                                              "externalSystem": m.system}}}]},
        token=m.partner.token)
    assert status == 404 and error["code"] == "PLACE_NOT_FOUND"


def test_viability_tags_limit_sales_to_tagged_boxes(market):
    m = market
    tag = m.world.create("tags", {"name": "Venda neutra", "allowedTypes": ["box"]})
    m.world.update("boxes", m.a.ctos[2]["id"], {"tags": [tag["id"]]})
    m.http.call("PUT", f"/ozneutral/operators/{m.operator.id}/sale-projects",
                {"projects": None, "viabilityTags": [tag["id"]]}, token=m.operator.token,
                status=200)
    place = locate(m, m.a.ctos[1], m.partner.token)["externalSystems"][0]
    item = qualify(m, place, m.partner.token)
    assert [e["resourceSpecification"]["id"] for e in item["service"]["relatedEntity"]] == \
        [m.a.ctos[2]["id"]]


def test_reservation_rules(market):
    m = market
    place = locate(m, m.a.ctos[0], m.partner.token)["externalSystems"][0]
    code = qualify(m, place, m.partner.token)["codeOrder"]
    clients = len(m.world.docs["ftth-clients"])
    refusals = [
        (reservation_body(m.b.ctos[0]["id"], m.system, code), None, 422, "BOX_NOT_QUALIFIED"),
        (reservation_body(m.a.ctos[0]["id"], "OZmap:other", code), None, 422, "BOX_NOT_QUALIFIED"),
        (reservation_body(m.a.ctos[0]["id"], m.system, "OZN-NOPE"), None, 404,
         "QUALIFICATION_NOT_FOUND"),
        (reservation_body(m.a.ctos[0]["id"], m.system, code), m.operator.token, 404,
         "QUALIFICATION_NOT_FOUND"),                             # another party's qualification
        ({**reservation_body(m.a.ctos[0]["id"], m.system, code), "reservationItem": []}, None,
         400, "INVALID_FIELD"),
    ]
    body = reservation_body(m.a.ctos[0]["id"], m.system, code)
    body["reservationItem"][0]["appliedCapacityAmount"]["characteristic"] = []
    refusals.append((body, None, 400, "MISSING_FIELD"))
    for body, token, status, code_ in refusals:
        answer = _reserve(m, body, token)
        assert answer[0] == status and answer[1]["code"] == code_, answer
    assert len(m.world.docs["ftth-clients"]) == clients
    made = _reserve(m, reservation_body(m.a.ctos[0]["id"], m.system, code))
    assert made[0] == 201
    client = client_of(m, code)
    assert client["implanted"] is False and client["name"] == "Maria"
    assert client["creatorData"]["username"] == m.user["username"]
    # the box fills up after the qualification: OZmap's 422 passes through, and OZneutral
    # records nothing
    second = qualify(m, place, m.partner.token)["codeOrder"]
    for _ in range(7):
        reserve(m.world, m.a.ctos[0], None)
    answer = _reserve(m, reservation_body(m.a.ctos[0]["id"], m.system, second))
    assert answer[0] == 422 and answer[1]["code"] == "BOX_FULL", answer
    assert client_of(m, second) is None
    assert len(m.http.call("GET", f"{TMF}/serviceInventory/v4/service", token=m.partner.token,
                           status=200)) == 1


def test_confirm_order_binds_the_sale_to_its_ozmap_ids(market):
    m = market
    sale = reserve_at(m, m.a.ctos[0])
    for path, value, field in ((("port", "idExternal"), "x", "port.idExternal"),
                               (("idsExternals", "idBox"), m.b.ctos[0]["id"], "idsExternals.idBox"),
                               (("idsExternals", "idSplitter"), "y", "idsExternals.idSplitter")):
        body = confirm_body(sale)
        body[path[0]][path[1]] = value
        status, error = m.http.call("POST", "/ozneutral/orders/confirm", body,
                                    token=m.partner.token)
        assert status == 422 and error["code"] == "ORDER_MISMATCH" and field in error["message"]
    status, error = order(m, sale, "add", status=None)       # no confirmed order yet
    assert status == 422 and error["code"] == "ORDER_NOT_CONFIRMED"
    body = {**confirm_body(sale), "address": "Rua Bocaiúva, 100, apto 301 - Centro, Florianópolis - SC"}
    confirmed = m.http.call("POST", "/ozneutral/orders/confirm", body, token=m.partner.token,
                            status=201)
    prop = next(p for p in m.world.docs["properties"].values()
                if p.get("client") == client_of(m, sale.code)["id"])
    assert prop["address"] == body["address"]
    again = m.http.call("POST", "/ozneutral/orders/confirm", body, token=m.partner.token)
    assert again[0] == 409 and again[1]["code"] == "ORDER_ALREADY_CONFIRMED"
    details = m.http.call("GET", f"/ozneutral/orders/{confirmed['_id']}/details",
                          token=m.partner.token, status=200)
    assert details["box"]["lat"] == m.a.ctos[0]["coords"][1]
    assert details["drop"]["length"] == pytest.approx(15, abs=1)
    assert m.http.call("GET", f"/ozneutral/orders/{confirmed['_id']}/details",
                       token=m.operator.token, status=200) == details
    other = m.http.call("GET", f"/ozneutral/orders/{confirmed['_id']}/details",
                        token=outsider(m.http).token)
    assert other[0] == 404


def test_service_order_rules(market):
    m = market
    sale = reserve_at(m, m.a.ctos[0])
    m.http.call("POST", "/ozneutral/orders/confirm", confirm_body(sale), token=m.partner.token,
                status=201)
    wrong = {**order_body(sale, "add"), "externalId": "OZN-OTHER"}
    status, error = m.http.call("POST", f"{TMF}/serviceOrdering/v4/serviceOrder", wrong,
                                token=m.partner.token)
    assert status == 422 and error["code"] == "ORDER_MISMATCH"
    status, error = order(m, sale, "add", status=None, token=m.operator.token)
    assert status == 403 and error["code"] == "NOT_YOUR_SERVICE"
    status, error = order(m, sale, "add", status=None, token=outsider(m.http).token)
    assert status == 404
    done = order(m, sale, "add")
    assert done["state"] == "Completed" and client_of(m, sale.code)["implanted"] is True
    assert order(m, sale, "add", status=None)[1]["code"] == "INVALID_SALE_STATE"
    renamed = order(m, sale, "modify", characteristics=[{"name": "clientName", "value": "Maria S."}])
    assert renamed["state"] == "Completed" and client_of(m, sale.code)["name"] == "Maria S."
    status, error = order(m, sale, "modify", status=None,
                          characteristics=[{"name": "speed", "value": "1G"}])
    assert status == 400 and "serviceCharacteristic[0].name" in error["message"]
    status, error = order(m, sale, "modifyPort", status=None,
                          characteristics=[{"name": "changeReason", "value": "whim"}])
    assert status == 400 and "changeReason" in error["message"]
    fetched = m.http.call("GET", f"{TMF}/serviceOrdering/v4/serviceOrder/{done['id']}",
                          token=m.partner.token, status=200)
    assert fetched["orderItem"][0]["service"]["id"] == sale.port["id"]
    status, error = m.http.call("POST", f"{TMF}/serviceOrdering/v4/serviceOrder/{done['id']}/inspection",
                                {"accepted": True}, token=m.operator.token)
    assert status == 409 and error["code"] == "NO_INSPECTION_PENDING"


def test_modify_port_moves_the_client_and_keeps_the_service(market):
    m = market
    sale = reserve_at(m, m.a.ctos[0])
    first = sale.port["resourceLocation"]["description"]
    moved = order(m, sale, "modifyPort",
                  characteristics=[{"name": "changeReason", "value": "signalIssue"}])
    assert moved["orderItem"][0]["service"]["changeReason"] == "signalIssue"
    again = m.http.call("GET", f"{TMF}/resourcePoolManagement/v4/reservation/{sale.item['id']}",
                        token=m.partner.token, status=200)
    port = again["reservationItem"][0]["appliedCapacityAmount"]["resource"][0]
    assert port["id"] == sale.port["id"] and port["resourceLocation"]["description"] != first
    # to another box of the partnership's projects
    to_box = order(m, sale, "modifyPort",
                   characteristics=[{"name": "changeReason", "value": "closerCTO"}],
                   resource=[{"name": "port", "resource": {"property": [
                       {"name": "box", "value": m.a.ctos[1]["id"]}]}}])
    assert m.a.ctos[1]["name"] in to_box["note"]
    (service,) = m.http.call("GET", f"{TMF}/serviceInventory/v4/service", token=m.partner.token,
                             status=200)
    assert service["supportingResource"][0]["resource"][0]["id"] == m.a.ctos[1]["id"]
    # never into a project outside the partnership
    status, error = order(m, sale, "modifyPort", status=None,
                          characteristics=[{"name": "changeReason", "value": "fullCTO"}],
                          resource=[{"name": "port", "resource": {"property": [
                              {"name": "box", "value": m.b.ctos[0]["id"]}]}}])
    assert status == 403 and error["code"] == "PROJECT_NOT_FOR_SALE"
    assert m.world.ports.available[m.b.ctos[0]["id"]] == 8


def test_services_are_the_partys_own(market):
    m = market
    reserve_at(m, m.a.ctos[0])
    reserve_at(m, m.b.ctos[0], token=m.operator.token)          # the operator sells too
    mine = m.http.call("GET", f"{TMF}/serviceInventory/v4/service", token=m.partner.token,
                       status=200)
    assert len(mine) == 1 and mine[0]["state"] == "reserved" and not mine[0]["isServiceEnabled"]
    assert len(m.http.call("GET", f"{TMF}/serviceInventory/v4/service", token=m.operator.token,
                           status=200)) == 2
    assert m.http.call("GET", f"{TMF}/serviceInventory/v4/service?state=active",
                       token=m.partner.token, status=200) == []


def test_a_refused_integration_key_is_502(market):
    m = market
    sale = reserve_at(m, m.a.ctos[0])
    m.world.update("users", m.user["id"], {"resources": ["Mobile"]})
    status, _ = m.http.call("POST", "/ozneutral/orders/confirm", confirm_body(sale),
                            token=m.partner.token)
    assert status == 201                                   # the same address: no OZmap call
    status, error = order(m, sale, "add", status=None)
    assert status == 502 and error["code"] == "OZMAP_REFUSED" and "API_MODULE_FORBIDDEN" in \
        error["message"]
    assert client_of(m, sale.code)["implanted"] is False
    m.world.update("users", m.user["id"], {"resources": ["API"]})
    assert order(m, sale, "add")["state"] == "Completed"
