"""The rules of OZmap's pull from INT6 (``ozsim.integrations.int6.pull``): what one record asks
of its client and property, applied once, and nothing more when applied again; and how a
cycle pages through INT6 and refuses what is not a page of records."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ozsim.core.query import MISSING
from ozsim.integrations.int6.pull import fetch, plan
from ozsim.integrations.remote import RemoteError

ONU = {"serial_number": "ZTEG1", "user_PPPoE": "ana.silva", "mac_address": "AA:BB:CC:00:00:01"}
EMPTY_ONU = {"serial_number": "", "user_PPPoE": "", "mac_address": ""}


def client(**fields):
    return {"id": "c" * 24, "code": "100", "status": 0, "implanted": False, "onu": EMPTY_ONU,
            **fields}


@pytest.mark.parametrize("power, before, after_client, potency", [
    # a reading: OK, implanted, potencyRead
    (-21.4, {"status": 1, "implanted": False}, {"status": 0, "implanted": True}, -21.4),
    ("-19.5", {"status": 0, "implanted": False}, {"implanted": True}, -19.5),
    (3, {"status": 0, "implanted": True}, {}, 3.0),
    # no reading: ERROR, potencyRead null, never back to not implanted
    ("LOS", {"status": 0, "implanted": True}, {"status": 1}, None),
    (0, {"status": 0, "implanted": False}, {"status": 1}, None),
    ("offline", {"status": 1, "implanted": True}, {}, None),
])
def test_the_rules(power, before, after_client, potency):
    wanted = plan({"gpon_client_id": "100", "power": power, **ONU}, client(**before),
                  {"id": "p" * 24, "potencyRead": -30.0})
    assert wanted.client == after_client
    assert wanted.potency == potency
    assert wanted.onu == ONU


def test_only_what_differs_is_written():
    record = {"gpon_client_id": "100", "power": -21.4, **ONU}
    same = plan(record, client(status=0, implanted=True, onu=dict(ONU)),
                {"id": "p" * 24, "potencyRead": -21.4})
    assert (same.client, same.onu, same.potency) == ({}, None, MISSING)
    no_property = plan(record, client(), None)
    assert no_property.potency is MISSING and no_property.client


def test_onu_fields_int6_does_not_send_are_left_alone():
    wanted = plan({"gpon_client_id": "100", "power": -20, "serial_number": "NEW"},
                  client(onu=dict(ONU)), None)
    assert wanted.onu == {**ONU, "serial_number": "NEW"}


POWERS = (st.floats(allow_nan=False, allow_infinity=False) | st.integers(-50, 50)
          | st.sampled_from(["LOS", "offline", "0", "-21.4", " 7 ", "", "nan"]))
TEXTS = st.text(max_size=6)


@given(power=POWERS, status=st.sampled_from([0, 1]), implanted=st.booleans(),
       onu=st.fixed_dictionaries({k: TEXTS for k in ONU}),
       sent=st.dictionaries(st.sampled_from(sorted(ONU)), TEXTS),
       potency=st.none() | st.floats(-40, 5))
def test_a_record_applied_twice_changes_nothing_the_second_time(power, status, implanted, onu,
                                                                sent, potency):
    record = {"gpon_client_id": "100", "power": power, **sent}
    current = client(status=status, implanted=implanted, onu=onu)
    prop = {"id": "p" * 24, "potencyRead": potency}
    wanted = plan(record, current, prop)
    after = {**current, **wanted.client, "onu": wanted.onu or current["onu"]}
    prop_after = {**prop, **({} if wanted.potency is MISSING else {"potencyRead": wanted.potency})}
    again = plan(record, after, prop_after)
    assert (again.client, again.onu, again.potency) == ({}, None, MISSING)
    assert after["implanted"] >= implanted                    # never back to not implanted
    assert after["status"] == (1 if prop_after["potencyRead"] is None else 0)
    assert all(after["onu"][k] == v for k, v in sent.items())


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
