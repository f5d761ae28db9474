"""The marketplace's own rules, through /ozneutral: sign-up, the three grants and tokens on the
simulated clock, the operator's integration, sale projects and partnerships."""
from __future__ import annotations

import uuid

import pytest

from .conftest import PASSWORD, SIM, ozmap_user, sign_up


def test_sign_up_answers_the_party_with_its_client_once(http):
    made = http.call("POST", "/ozneutral/operators", {
        "name": "Fibra Norte", "site": "https://fibranorte.example", "email": "Dono@FibraNorte.example",
        "password": PASSWORD, "portDefaultPrice": 39.9, "phone": "+55 48 3333-0000"}, status=201)
    assert made["status"] == "active" and made["portDefaultPrice"] == 39.9
    assert made["oznUrl"] == "https://fibranorte.example"
    assert made["idCompany"]["name"] == "Fibra Norte" and made["idCompany"]["country"] == "Brasil"
    assert made["clientId"] and made["clientSecret"]
    token = http.call("POST", "/ozneutral/oauth/token", {
        "grant_type": "password", "username": "dono@fibranorte.example", "password": PASSWORD},
        status=200)["access_token"]
    listed = http.call("GET", "/ozneutral/operators", token=token, status=200)
    mine = next(o for o in listed if o["_id"] == made["_id"])
    assert "clientSecret" not in mine and "clientId" not in mine
    # the e-mail is the user's identity: taken once, whatever its case
    again = http.call("POST", "/ozneutral/partners", {"name": "Outra", "site": "x",
                                                      "email": "DONO@fibranorte.example",
                                                      "password": PASSWORD})
    assert again[0] == 409 and again[1]["code"] == "EMAIL_TAKEN"


@pytest.mark.parametrize("body, field", [
    ({"site": "x", "email": "a@b.example", "password": PASSWORD, "portDefaultPrice": 1}, "name"),
    ({"name": "X", "site": "x", "email": "nope", "password": PASSWORD, "portDefaultPrice": 1},
     "email"),
    ({"name": "X", "site": "x", "email": "a@b.example", "password": PASSWORD,
      "portDefaultPrice": -1}, "portDefaultPrice"),
    ({"name": "X", "site": "x", "email": "a@b.example", "password": PASSWORD}, "portDefaultPrice"),
    ({"name": "X", "site": "x", "email": "a@b.example", "password": PASSWORD,
      "portDefaultPrice": 1, "extra": True}, "extra"),
])
def test_a_bad_sign_up_is_400_naming_the_field(http, body, field):
    status, error = http.call("POST", "/ozneutral/operators", body)
    assert status == 400 and set(error) == {"code", "reason", "message", "status"}
    assert error["status"] == "400" and error["reason"] == "Bad Request" and field in error["message"]
    listed = http.call("GET", "/ozneutral/operators",
                       token=sign_up(http, "partner", "P", f"p-{uuid.uuid4().hex}@x.example").token,
                         status=200)
    assert all(o["idCompany"]["name"] != "X" for o in listed)


def test_the_three_grants(market):
    http, partner = market.http, market.partner
    form = http.call("POST", "/ozneutral/oauth/token", {
        "grant_type": "client_credentials", "client_id": partner.client_id,
        "client_secret": partner.client_secret}, form=True, status=200)
    assert set(form) == {"access_token", "expires_in", "refresh_expires_in", "refresh_token"}
    assert form["expires_in"] == 3600 and form["refresh_expires_in"] == 86400
    assert http.call("GET", "/ozneutral/partnerships", token=form["access_token"], status=200)
    renewed = http.call("POST", "/ozneutral/oauth/token", {
        "grant_type": "refresh_token", "refresh_token": form["refresh_token"]}, status=200)
    assert renewed["access_token"] != form["access_token"]
    reused = http.call("POST", "/ozneutral/oauth/token", {      # a refresh token is used once
        "grant_type": "refresh_token", "refresh_token": form["refresh_token"]})
    assert reused[0] == 401 and reused[1]["code"] == "INVALID_TOKEN"
    for body, code in (({"grant_type": "password", "username": partner.email, "password": "x"},
                        "INVALID_GRANT"),
                       ({"grant_type": "client_credentials", "client_id": partner.client_id,
                         "client_secret": "x"}, "INVALID_CLIENT")):
        status, error = http.call("POST", "/ozneutral/oauth/token", body)
        assert status == 401 and error["code"] == code
    status, error = http.call("POST", "/ozneutral/oauth/token", {"grant_type": "implicit"})
    assert status == 400
    for token in (None, "nonsense"):
        status, error = http.call("GET", "/ozneutral/partnerships", token=token)
        assert status == 401 and error["code"] in ("MISSING_TOKEN", "INVALID_TOKEN")


def test_tokens_expire_on_the_clock_of_the_partys_ozmap_tenant(market):
    http, operator, partner = market.http, market.operator, market.partner
    market.world.clock.freeze()                       # so that machine speed does not count
    grants = {p.email: http.call("POST", "/ozneutral/oauth/token", {
        "grant_type": "password", "username": p.email, "password": PASSWORD}, status=200)
        for p in (operator, partner)}
    market.world.jobs.advance(3599)
    for grant in grants.values():
        http.call("GET", "/ozneutral/partnerships", token=grant["access_token"], status=200)
    market.world.jobs.advance(2)
    for grant in grants.values():
        status, error = http.call("GET", "/ozneutral/partnerships", token=grant["access_token"])
        assert status == 401 and error["code"] == "TOKEN_EXPIRED"
        renewed = http.call("POST", "/ozneutral/oauth/token", {
            "grant_type": "refresh_token", "refresh_token": grant["refresh_token"]}, status=200)
        http.call("GET", "/ozneutral/partnerships", token=renewed["access_token"], status=200)
    # another tenant's clock does not age them
    other = SIM.tenants.world(SIM.tenants.tenant_of(SIM.add_tenant()))
    other.jobs.advance(10 ** 6)
    http.call("GET", "/ozneutral/partnerships", token=renewed["access_token"], status=200)


def test_the_integration_is_checked_against_ozmap(market):
    http, operator, key = market.http, market.operator, market.key
    url = f"/ozneutral/operators/{operator.id}/integration"
    good = {"login": market.user["username"], "password": PASSWORD,
            "apiKey": f"{key}-{market.user['username']}"}
    answer = http.call("GET", url, token=operator.token, status=200)
    assert answer["url"] is None and answer["user"]["username"] == good["login"]
    assert {p["id"] for p in answer["projects"]} == {market.a.project, market.b.project}
    field_user = ozmap_user(http, key, "tecnico-campo", [market.a.project], resources=["Mobile"])
    for body, code in (({**good, "password": "errada"}, "INTEGRATION_LOGIN_REFUSED"),
                       ({**good, "apiKey": "chave-que-ninguem-tem"}, "INTEGRATION_KEY_REFUSED"),
                       ({**good, "apiKey": key}, "INTEGRATION_KEY_MISMATCH"),
                       ({"login": "tecnico-campo", "password": PASSWORD,
                         "apiKey": f"{key}-{field_user['username']}"}, "INTEGRATION_KEY_REFUSED")):
        status, error = http.call("PUT", url, body, token=operator.token)
        assert status == 422 and error["code"] == code, error
    assert http.call("GET", url, token=operator.token, status=200)["login"] == good["login"]
    status, error = http.call("PUT", url, {**good, "url": "ftp://x"}, token=operator.token)
    assert status == 400 and "url" in error["message"]
    # only the operator itself
    status, error = http.call("PUT", url, good, token=market.partner.token)
    assert status == 403 and error["code"] == "NOT_YOUR_OPERATOR"
    other = sign_up(http, "operator", "Sem integração", f"none-{market.uid}@x.example")
    status, error = http.call("GET", f"/ozneutral/operators/{other.id}/sale-projects",
                              token=other.token)
    assert status == 422 and error["code"] == "INTEGRATION_REQUIRED"
    jobs = {j["name"] for j in market.world.jobs.describe()}
    assert f"ozneutral-poll-{operator.id}" in jobs


def test_sale_projects_are_intersected_with_the_integration_users(market):
    http, operator = market.http, market.operator
    url = f"/ozneutral/operators/{operator.id}/sale-projects"
    both = {market.a.project, market.b.project}
    assert {p["id"] for p in http.call("GET", url, token=operator.token, status=200)["projects"]} \
        == both
    chosen = http.call("PUT", url, {"projects": [market.a.project]}, token=operator.token,
                       status=200)
    assert [p["id"] for p in chosen["projects"]] == [market.a.project]
    status, error = http.call("PUT", url, {"projects": [market.a.project, "0" * 24]},
                              token=operator.token)
    assert status == 422 and error["code"] == "PROJECT_NOT_AVAILABLE" and "projects[1]" in error["message"]
    status, error = http.call("PUT", url, {"projects": None, "viabilityTags": ["0" * 24]},
                              token=operator.token)
    assert status == 422 and error["code"] == "TAG_NOT_FOUND"
    assert [p["id"] for p in http.call("GET", url, token=operator.token, status=200)["projects"]] \
        == [market.a.project]                                    # refused writes changed nothing
    http.call("PUT", url, {"projects": None}, token=operator.token, status=200)
    # the integration user loses project B in OZmap: it is no longer for sale
    market.world.update("users", market.user["id"], {
        "projects": [{"project": market.a.project, "role": next(iter(market.world.docs["roles"])),
                      "fromGroup": False}]})
    assert [p["id"] for p in http.call("GET", url, token=operator.token, status=200)["projects"]] \
        == [market.a.project]


def test_partnerships(market):
    http, operator, partner = market.http, market.operator, market.partner
    accepted = market.partnership
    assert accepted["status"] == "active" and accepted["projects"] == [market.a.project]
    made = market.world.docs["users"][accepted["ozmapUser"]["id"]]
    assert made["username"] == partner.email and made["resources"] == ["API"]
    assert [p["project"] for p in made["projects"]] == [market.a.project]
    assert made["creatorData"]["username"] == market.user["username"]  # made by the integration
    status, error = http.call("POST", "/ozneutral/partnerships", {"operator": operator.id},
                              token=partner.token)
    assert status == 409 and error["code"] == "PARTNERSHIP_EXISTS"
    status, error = http.call("POST", "/ozneutral/partnerships", {"operator": operator.id},
                              token=operator.token)
    assert status == 403 and error["code"] == "PARTNER_ONLY"
    status, error = http.call("POST", "/ozneutral/partnerships", {"operator": "nobody"},
                              token=partner.token)
    assert status == 404 and error["code"] == "OPERATOR_NOT_FOUND"

    other = sign_up(http, "partner", "Segundo", f"second-{market.uid}@x.example")
    asked = http.call("POST", "/ozneutral/partnerships", {"operator": operator.id},
                      token=other.token, status=201)
    url = f"/ozneutral/partnerships/{asked['_id']}"
    users = len(market.world.docs["users"])
    for body, token, status_code, code in (
            ({"projects": [market.a.project]}, other.token, 403, "OPERATOR_ONLY"),
            ({"projects": ["0" * 24]}, operator.token, 422, "PROJECT_NOT_FOR_SALE"),
            ({"projects": []}, operator.token, 400, "INVALID_FIELD")):
        status, error = http.call("POST", f"{url}/accept", body, token=token)
        assert (status, error["code"]) == (status_code, code), error
    assert len(market.world.docs["users"]) == users                   # nothing made in OZmap
    assert http.call("GET", url, token=other.token, status=200)["status"] == "pending"
    rejected = http.call("POST", f"{url}/reject", token=operator.token, status=200)
    assert rejected["status"] == "rejected" and rejected["ozmapUser"] is None
    status, error = http.call("POST", f"{url}/accept", {"projects": [market.a.project]},
                              token=operator.token)
    assert status == 409 and error["code"] == "PARTNERSHIP_NOT_PENDING"
    # a party sees only its own partnerships
    assert http.call("GET", f"/ozneutral/partnerships/{asked['_id']}", token=partner.token)[0] == 404
    assert {p["_id"] for p in http.call("GET", "/ozneutral/partnerships", token=other.token,
                                        status=200)} == {asked["_id"]}


def test_a_reset_forgets_every_party_and_cancels_the_poll_jobs(market):
    http, operator = market.http, market.operator
    jobs = lambda: [j["name"] for j in http.call("GET", "/__ozsim/jobs", key=market.key,  # noqa: E731
                                                   status=200)["jobs"]]
    assert f"ozneutral-poll-{operator.id}" in jobs()
    assert http.call("POST", "/__ozsim/ozneutral/reset") == (204, None)
    assert f"ozneutral-poll-{operator.id}" not in jobs()
    status, _ = http.call("GET", "/ozneutral/operators", token=operator.token)
    assert status == 401                                   # its token is gone with it
    status, _ = http.call("POST", "/ozneutral/oauth/token", {
        "grant_type": "password", "username": operator.email, "password": PASSWORD})
    assert status == 401                                   # and so is its user
    again = sign_up(http, "operator", "De novo", operator.email)      # the e-mail is free again
    listed = http.call("GET", "/ozneutral/operators", token=again.token, status=200)
    assert [p["_id"] for p in listed] == [again.id]


def test_a_method_the_path_does_not_take_is_405_with_allow(http):
    answer = http.client.delete("/ozneutral/oauth/token")
    assert answer.status_code == 405 and answer.get_json()["code"] == "METHOD_NOT_ALLOWED"
    assert answer.headers["Allow"] == "POST"
