"""The typed client: nextUrl following like the SDK, retries, error mapping, query encoding."""
from __future__ import annotations

import json

import pytest
import requests
from urllib3.exceptions import ProtocolError

from ozsim.scenarios.client import (BadRequest, Forbidden, NotFound, OZmapClient,
                              OZmapConnectionError, OZmapError, Page, RuleViolation,
                              Unauthorized)

from .fakes import BASE, ScriptedAdapter, session_with

ROWS = [{"id": f"{i:024x}", "name": f"CTO {i}"} for i in range(7)]


def client_for(adapter: ScriptedAdapter, **kw) -> OZmapClient:
    sleeps: list[float] = []
    c = OZmapClient(BASE, "KEY", session=session_with(adapter), retry_wait=0,
                    sleep=sleeps.append, **kw)
    c.sleeps = sleeps  # type: ignore[attr-defined]
    return c


def paging_server(next_style: str = "start"):
    """A list route over ROWS that pages like the simulator (start + page in nextUrl)."""
    def answer(rec):
        limit = int(rec.query.get("limit", 25))
        if "start" in rec.query:
            start = int(rec.query["start"])
        else:
            start = (int(rec.query.get("page", 1)) - 1) * limit
        rows = ROWS[start:start + limit]
        has_next = start + len(rows) < len(ROWS)
        nxt = None
        if has_next:
            params = {"start": start + len(rows), "limit": limit,
                      "page": (start + len(rows)) // limit + 1}
            if next_style == "page-only":
                params.pop("start")
            if "filter" in rec.query:
                params["filter"] = rec.query["filter"]
            nxt = "/api/v2/boxes?" + "&".join(f"{k}={v}" for k, v in params.items())
        return 200, {"total": len(ROWS), "count": len(rows), "start": start, "limit": limit,
                     "rows": rows, "hasNextPage": has_next, "nextUrl": nxt}
    return answer


def test_find_returns_a_typed_page_and_encodes_filter_as_json_in_the_query():
    adapter = ScriptedAdapter(paging_server())
    api = client_for(adapter)
    flt = [{"property": "name", "operator": "like", "value": "CTO"}]
    page = api.find("boxes", flt, sort=[{"property": "name", "direction": -1}], limit=3,
                    page=2, select=["name", "coords"], populate="project")
    assert isinstance(page, Page)
    assert (page.total, page.count, page.start, page.limit) == (7, 3, 3, 3)
    assert page.has_next_page and page.next_url.startswith("/api/v2/boxes?start=6")
    sent = adapter.calls[0]
    assert sent.method == "GET" and sent.path == "/api/v2/boxes"
    assert json.loads(sent.query["filter"]) == flt
    assert json.loads(sent.query["sort"]) == [{"property": "name", "direction": -1}]
    assert sent.query["select"] == "name coords" and sent.query["populate"] == "project"
    assert sent.headers["Authorization"] == "KEY" and sent.body is None


def test_find_all_follows_next_url_like_the_sdk():
    adapter = ScriptedAdapter(paging_server())
    api = client_for(adapter, filter_in="body")
    flt = [{"property": "name", "operator": "like", "value": "CTO"}]
    got = list(api.find_all("boxes", flt, select="name", batch_size=3))
    assert [r["id"] for r in got] == [r["id"] for r in ROWS]
    assert len(adapter.calls) == 3
    first, second, third = adapter.calls
    assert "page" not in first.query and first.query["limit"] == "3"
    # later requests keep nextUrl's query, drop `page`, force limit, re-send select and body
    assert second.query["start"] == "3" and "page" not in second.query
    assert third.query["start"] == "6" and third.query["limit"] == "3"
    assert second.query["select"] == "name"
    assert first.body == second.body == third.body == {"filter": flt}


def test_find_all_with_filter_in_query_keeps_it_on_every_page():
    adapter = ScriptedAdapter(paging_server())
    api = client_for(adapter)
    flt = [{"property": "name", "operator": "like", "value": "CTO"}]
    assert len(list(api.find_all("boxes", flt, batch_size=2))) == 7
    assert all(json.loads(c.query["filter"]) == flt for c in adapter.calls)
    assert len(adapter.calls) == 4


def test_find_all_detects_a_next_url_that_only_advances_through_page():
    """The SDK trap (docs/api-conventions.md, "Paging and nextUrl"): dropping `page` refetches
    page 1 forever — detected, not looped."""
    adapter = ScriptedAdapter(paging_server("page-only"))
    api = client_for(adapter)
    with pytest.raises(OZmapError) as info:
        list(api.find_all("boxes", batch_size=3))
    assert info.value.code == "PAGING_LOOP"


def test_get_returns_none_on_404_but_raises_other_errors():
    adapter = ScriptedAdapter([(404, {"message": "Box not found", "code": "NOT_FOUND"}),
                               (400, {"message": "bad id", "code": "INVALID_OBJECT_ID",
                                      "field": "id"})])
    api = client_for(adapter)
    assert api.get("boxes", "0" * 24) is None
    with pytest.raises(BadRequest) as info:
        api.get("boxes", "nope")
    assert (info.value.status, info.value.code, info.value.field) == (400, "INVALID_OBJECT_ID", "id")


@pytest.mark.parametrize("status,cls", [(400, BadRequest), (401, Unauthorized), (403, Forbidden),
                                        (404, NotFound), (422, RuleViolation), (500, OZmapError)])
def test_errors_become_typed_exceptions(status, cls):
    adapter = ScriptedAdapter([(status, {"message": f"m{status}", "code": f"C{status}"})])
    api = client_for(adapter)
    with pytest.raises(cls) as info:
        api.create("properties", {"box": "x"})
    err = info.value
    assert isinstance(err, OZmapError)
    assert (err.status, err.message, err.code) == (status, f"m{status}", f"C{status}")
    assert err.method == "POST" and err.url.endswith("/api/v2/properties")


def test_non_json_error_body_keeps_the_text():
    adapter = ScriptedAdapter([(502, None), (502, None)])
    api = client_for(adapter)
    with pytest.raises(OZmapError) as info:
        api.call("GET", "/boxes")
    assert info.value.status == 502 and not info.value.ambiguous
    assert len(adapter.calls) == 2                      # a GET is retried once after a 502


def reset_error() -> requests.ConnectionError:
    return requests.ConnectionError(ProtocolError("Connection aborted.",
                                                  ConnectionResetError(104, "reset by peer")))


def test_a_connection_reset_is_retried_once_after_the_wait():
    adapter = ScriptedAdapter([reset_error(), (200, {"id": "1"})])
    api = client_for(adapter)
    api.retry_wait = 0.25
    assert api.get("prospects", "1") == {"id": "1"}
    assert len(adapter.calls) == 2 and api.sleeps == [0.25]


def test_a_second_reset_is_raised():
    adapter = ScriptedAdapter([reset_error(), reset_error(), (200, {})])
    api = client_for(adapter)
    with pytest.raises(OZmapConnectionError) as info:
        api.get("prospects", "1")
    assert len(adapter.calls) == 2 and info.value.code == "RESET" and not info.value.ambiguous


def test_timeouts_are_retried_up_to_twice():
    adapter = ScriptedAdapter([requests.ReadTimeout("slow"), requests.ConnectTimeout("slow"),
                               (200, {"total": 0, "count": 0, "rows": []})])
    api = client_for(adapter)
    assert api.find("boxes").total == 0
    assert len(adapter.calls) == 3 and api.sleeps == [0, 0]
    adapter = ScriptedAdapter([requests.ReadTimeout("slow")] * 3)
    api = client_for(adapter)
    with pytest.raises(OZmapConnectionError) as info:
        api.find("boxes")
    assert info.value.code == "TIMEOUT" and len(adapter.calls) == 3


def test_a_refused_connection_fails_at_once():
    refused = requests.ConnectionError(ConnectionRefusedError(111, "refused"))
    adapter = ScriptedAdapter([refused, (200, {})])
    api = client_for(adapter)
    with pytest.raises(OZmapConnectionError):
        api.call("GET", "/boxes")
    assert len(adapter.calls) == 1 and api.sleeps == []


def test_login_with_password_keeps_the_token_and_relogs_once_on_401():
    adapter = ScriptedAdapter([(200, {"authorization": "TOKEN-1"}),
                               (401, {"message": "expired"}),
                               (200, {"authorization": "TOKEN-2"}),
                               (200, {"id": "u"})])
    api = client_for(adapter)
    api.api_key = None
    assert api.login("integrador", "secret") == "TOKEN-1"
    assert adapter.calls[0].body == {"login": "integrador", "password": "secret"}
    assert adapter.calls[0].query == {"type": "API"}
    assert api.authenticated() == {"id": "u"}
    assert [c.headers.get("Authorization") for c in adapter.calls[1:]] == \
        ["TOKEN-1", "TOKEN-1", "TOKEN-2"]


def test_login_with_api_key_and_a_bad_key_stays_rejected():
    adapter = ScriptedAdapter([(401, {"message": "invalid credentials"})])
    api = client_for(adapter)
    with pytest.raises(Unauthorized):
        api.login(api_key="bad")
    assert adapter.calls[0].body == {"apiKey": "bad"}


def test_special_routes_and_url_encoding_of_codes():
    adapter = ScriptedAdapter(lambda rec: (200, [] if rec.path.endswith("123%7C123")
                                           else {"path": rec.path, "query": rec.query}))
    api = client_for(adapter)
    assert api.properties_by_client_code("123|123") == []
    assert api.feasibility_radius(-27.5, -48.5, 150)["query"] == \
        {"lat": "-27.5", "lng": "-48.5", "radius": "150.0"}
    assert api.feasibility_condominiums(-27.5, -48.5)["path"] == \
        "/api/v2/ftth-viability/condominiums"
    assert api.olt_pop("A/B")["path"] == "/api/v2/properties/client/A%2FB/olt-pop"


def test_writes_send_json_bodies_and_batch_update_shape():
    adapter = ScriptedAdapter([(204, None), (204, None), (204, None)])
    api = client_for(adapter)
    api.update("ftth-clients", "c1", {"implanted": True})
    api.delete("properties", "p1")
    api.batch_update("properties", [{"property": "id", "operator": "in", "value": ["p1"]}],
                     {"potencyRead": -20.0})
    patch, delete, batch = adapter.calls
    assert (patch.method, patch.path, patch.body) == ("PATCH", "/api/v2/ftth-clients/c1",
                                                      {"implanted": True})
    assert patch.headers["Content-Type"] == "application/json"
    assert (delete.method, delete.body) == ("DELETE", None)
    assert "Content-Type" not in delete.headers
    assert batch.path == "/api/v2/properties/batch-update"
    assert batch.body == {"filter": [{"property": "id", "operator": "in", "value": ["p1"]}],
                          "update": {"potencyRead": -20.0}}


# ---- retries that cannot apply a write twice ---------------------------------------------------
def test_a_post_that_got_no_answer_is_not_sent_again_blindly():
    for failure in (reset_error(), requests.ReadTimeout("slow"), (504, None), (201, None)):
        adapter = ScriptedAdapter([failure, (201, {"id": "2"})])
        api = client_for(adapter)
        with pytest.raises(OZmapError) as info:
            api.create("prospects", {"name": "x"})
        assert info.value.ambiguous, failure
        assert len(adapter.calls) == 1, failure


def test_create_looks_for_what_it_would_have_made_before_sending_again():
    adapter = ScriptedAdapter([(504, {"message": "timeout", "code": "X"})])
    api = client_for(adapter)
    api.retry_wait = 0.5
    assert api.create("properties", {"x": 1}, existing=lambda: {"id": "found"}) == {"id": "found"}
    assert len(adapter.calls) == 1 and api.sleeps == [0.5]
    adapter = ScriptedAdapter([reset_error(), (201, {"id": "new"})])
    api = client_for(adapter)
    assert api.create("properties", {"x": 1}, existing=lambda: None) == {"id": "new"}
    assert [c.method for c in adapter.calls] == ["POST", "POST"]


def test_a_refused_post_or_a_business_error_is_not_ambiguous():
    adapter = ScriptedAdapter([(422, {"message": "port taken", "code": "PORT_OCCUPIED"})])
    looked = []
    with pytest.raises(RuleViolation) as info:
        client_for(adapter).create("properties", {}, existing=lambda: looked.append(1))
    assert not info.value.ambiguous and looked == []


def test_idempotent_requests_are_retried_after_no_answer():
    adapter = ScriptedAdapter([(503, None), (200, None), (200, {"id": "1"})])
    api = client_for(adapter)
    with pytest.raises(OZmapError) as info:           # one retry only: then the empty answer
        api.get("boxes", "1")
    assert info.value.code == "EMPTY_ANSWER" and len(adapter.calls) == 2
    adapter = ScriptedAdapter([reset_error(), (204, None)])
    client_for(adapter).batch_update("properties", [], {"observation": "x"})   # a POST that sets
    assert len(adapter.calls) == 2


def test_a_delete_retried_into_a_404_is_done():
    adapter = ScriptedAdapter([reset_error(), (404, {"message": "gone", "code": "NOT_FOUND"})])
    client_for(adapter).delete("boxes", "1")
    adapter = ScriptedAdapter([(404, {"message": "gone", "code": "NOT_FOUND"})])
    with pytest.raises(NotFound):
        client_for(adapter).delete("boxes", "1")


def test_a_429_waits_retry_after_then_tries_again():
    def limited(n):
        def answer(rec):
            return (429, {"message": "slow down", "code": "RATE_LIMITED"}) if n.pop() else \
                (200, {"id": "1"})
        return answer
    adapter = ScriptedAdapter(limited([False, True]))
    adapter_response = adapter.send
    def with_header(request, **kw):
        response = adapter_response(request, **kw)
        if response.status_code == 429:
            response.headers["Retry-After"] = "30"
        return response
    adapter.send = with_header
    api = client_for(adapter)
    assert api.get("boxes", "1") == {"id": "1"}
    assert api.sleeps == [30.0] and len(adapter.calls) == 2


def test_the_admin_token_goes_to_the_control_plane_only():
    adapter = ScriptedAdapter([(200, {"now": "x", "frozen": True}), (200, {"id": "1"})])
    api = client_for(adapter, admin_token="s3cret")
    api.control.clock()
    api.get("boxes", "1")
    assert adapter.calls[0].headers.get("X-Ozsim-Admin") == "s3cret"
    assert "X-Ozsim-Admin" not in adapter.calls[1].headers


@pytest.mark.parametrize("answer, available", [
    ((200, {"tenants": []}), True),
    ((401, {"message": "token", "code": "ADMIN_TOKEN_REQUIRED"}), True),
    ((403, {"message": "off", "code": "CONTROL_PLANE_DISABLED"}), False),
    ((404, {"message": "no route", "code": "NOT_FOUND"}), False),
])
def test_the_control_plane_is_available_when_it_answers(answer, available):
    adapter = ScriptedAdapter([answer])
    assert client_for(adapter).control.available() is available
    assert adapter.calls[0].path == "/__ozsim/tenants"
