"""How OZmap's pull (``ozsim.integrations.int6.pull``) pages through INT6 by key, and refuses
what is not a page of records."""
from __future__ import annotations

import pytest

from ozsim.integrations.int6.pull import fetch
from ozsim.integrations.remote import RemoteError

class FakeInt6:
    """An INT6 answering pages of ``rows`` by key, or a given answer."""
    base_url = "http://int6.test"

    def __init__(self, rows, answer=None):
        self.rows, self.answer, self.calls = rows, answer, []

    def call(self, method, path, params=None, body=None):
        self.calls.append(dict(params))
        if self.answer is not None:
            return self.answer
        key = (params.get("updatedSince", ""), params.get("after", ""))
        rest = [r for r in self.rows if (r["updatedAt"], r["gpon_client_id"]) > key]
        page = rest[:params["limit"]]
        return {"rows": page, "hasNextPage": len(rest) > len(page)}


def test_fetch_pages_by_key(monkeypatch):
    monkeypatch.setattr("ozsim.integrations.int6.pull.PAGE", 2)
    rows = [{"gpon_client_id": c, "updatedAt": t, "power": -20}
            for c, t in (("a", "T1"), ("b", "T1"), ("c", "T1"), ("a2", "T2"), ("d", "T3"))]
    int6 = FakeInt6(rows)
    assert fetch(int6, None) == rows
    assert int6.calls[1] == {"limit": 2, "updatedSince": "T1", "after": "b"}
    assert fetch(FakeInt6(rows), {"updatedAt": "T1", "gpon_client_id": "c"}) == rows[3:]


@pytest.mark.parametrize("answer", [
    [], {"rows": None}, {"rows": [{"power": 1}]}, {"rows": [{"gpon_client_id": 5, "updatedAt": "T"}]},
    {"rows": ["x"]}])
def test_what_is_not_a_page_of_records_fails_the_fetch(answer):
    with pytest.raises(RemoteError) as caught:
        fetch(FakeInt6([], answer), None)
    assert caught.value.code == "MALFORMED_RESPONSE"


def test_a_page_that_does_not_advance_fails_the_fetch():
    stuck = {"rows": [{"gpon_client_id": "a", "updatedAt": "T1"}], "hasNextPage": True}
    with pytest.raises(RemoteError, match="does not advance"):
        fetch(FakeInt6([], stuck), None)
