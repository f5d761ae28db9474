"""What OZneutral answers, and what its clients send, parse with the official schemas: the zod
schemas of ``@ozmap/ozn-sdk`` (0.0.1-VLD-3, installed by ``make sdk`` in tests/sdk), run in Node
by ``tests/sdk/ozn-schemas.mjs`` over every exchange of a whole sale and both cancellations."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import TMF, confirm_body, order_body, qualify, reservation_body

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
INSTALLED = (ROOT / "tests" / "sdk" / "node_modules" / "@ozmap" / "ozn-sdk" / "package.json").is_file()

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="`node` is not on PATH: the SDK tests need Node.js 18+"),
    pytest.mark.skipif(not INSTALLED, reason="tests/sdk/node_modules is missing: run `make sdk`"),
]


def validate(documents: list[tuple[str, object]]) -> list[dict]:
    proc = subprocess.run(["node", "tests/sdk/ozn-schemas.mjs"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120,
                          input=json.dumps([{"schema": s, "value": v} for s, v in documents]))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_every_exchange_of_a_sale_parses_with_the_sdk_schemas(market):
    m, seen = market, []

    def call(method, path, body, schema_in, schema_out, token=None, status=200):
        if schema_in:
            seen.append((schema_in, body))
        answer = m.http.call(method, path, body, token=token or m.partner.token, status=status)
        if schema_out:
            seen.append((schema_out, answer))
        return answer

    grant = {"grant_type": "password", "username": m.partner.email, "password": "s3nha-forte"}
    seen.append(("Auth.tokenInputSchema", grant))
    token = m.http.call("POST", "/ozneutral/oauth/token", grant, status=200)
    seen.append(("Auth.tokenOutputSchema", token))
    refresh = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    seen.append(("Auth.tokenInputSchema", refresh))
    seen.append(("Auth.tokenInputSchema", {"grant_type": "client_credentials",
                                           "client_id": m.partner.client_id,
                                           "client_secret": m.partner.client_secret}))
    seen.append(("Auth.tokenOutputSchema",
                 m.http.call("POST", "/ozneutral/oauth/token", refresh, status=200)))

    lng, lat = m.a.ctos[0]["coords"]
    address = call("POST", f"{TMF}/geographicAddressManagement/v4/geographicAddress",
                   {"lat": f"{lat:.7f}", "lng": f"{lng:.7f}"}, "geographicAddressInputSchema",
                   "geographicAddressOutputSchema")
    sales = []
    for _ in range(2):
        body = {"serviceQualificationItem": [{"service": {"place": address["externalSystems"][0]}}]}
        item = call("POST", f"{TMF}/serviceQualificationManagement/v4/checkServiceQualification",
                    body, "serviceQualificationByIdInputSchema", "serviceQualificationOutputSchema",
                    status=201)["serviceQualificationItem"][0]
        made = call("POST", f"{TMF}/resourcePoolManagement/v4/reservation",
                    reservation_body(m.a.ctos[0]["id"], m.system, item["codeOrder"]),
                    "resourcePoolManagementInputSchema", "ResourcePoolManagementOutputSchema",
                    status=201)["reservationItem"][0]
        sales.append(type("Sale", (), {"code": item["codeOrder"], "item": made, "address": address,
                                       "port": made["appliedCapacityAmount"]["resource"][0]}))
    active, held = sales
    call("GET", f"{TMF}/resourcePoolManagement/v4/reservation/{active.item['id']}", None, None,
         "ResourcePoolManagementOutputSchema")
    confirmed = call("POST", "/ozneutral/orders/confirm", confirm_body(active),
                     "ConfirmOrderInputSchema", "ConfirmOrderOutputSchema", status=201)
    for action, extra in (("add", {}), ("modifyPort", {"characteristics": [
            {"name": "changeReason", "value": "signalIssue"}]})):
        call("POST", f"{TMF}/serviceOrdering/v4/serviceOrder", order_body(active, action, **extra),
             "ServiceOrderInputSchema", "ServiceOrderOutputSchema", status=201)
    call("GET", f"/ozneutral/orders/{confirmed['_id']}/details", None, None,
         "OrderDetailsOutputSchema")
    call("GET", f"{TMF}/serviceInventory/v4/service", None, None, "ServiceInventoryOutputSchema")
    cancellation = call("POST", f"{TMF}/serviceOrdering/v4/serviceOrder",
                        order_body(active, "delete"), "ServiceOrderInputSchema",
                        "ServiceOrderOutputSchema", status=201)
    call("POST", f"{TMF}/serviceOrdering/v4/serviceOrder/{cancellation['id']}/inspection",
         {"accepted": True}, None, "ServiceOrderOutputSchema", token=m.operator.token)
    seen.append(("CancelReservationSchema", {"relatedParty": {"role": "seller", "property": []},
                                             "reservationItem": {"reservationState": "CANCELLED"}}))
    m.http.call("PATCH", f"{TMF}/resourcePoolManagement/v4/reservation/{held.item['id']}",
                seen[-1][1], token=m.partner.token, status=200)
    call("GET", f"{TMF}/serviceInventory/v4/service", None, None, "ServiceInventoryOutputSchema")
    unqualified = qualify(m, address["externalSystems"][0], m.partner.token)
    seen.append(("serviceQualificationOutputSchema",
                 {"provideUnavailabilityReason": True, "serviceQualificationItem": [unqualified]}))

    results = validate(seen)
    failures = [(r["schema"], r["issues"][:3]) for r in results if not r["ok"]]
    assert not failures, failures
    assert len(results) >= 20


def test_the_sdk_schemas_do_refuse_what_breaks_them():
    """The validator is not a rubber stamp."""
    results = validate([("Auth.tokenOutputSchema", {"access_token": "a", "expires_in": "3600",
                                                    "refresh_expires_in": 1, "refresh_token": "r"}),
                        ("ResourcePoolManagementOutputSchema", {"reservationItem": [{
                            "id": "1", "reservationState": "CANCELLED"}]})])
    assert [r["ok"] for r in results] == [False, False]
