"""INT6's ONU records (``ozsim.integrations.int6.records``): writes stamped by the tenant's
clock, listings by change (inclusive ``updatedSince``, oldest first), and paging by key
(``updatedSince`` + ``after``) that never skips a record, whatever is written between pages."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ozsim.core.clock import Clock
from ozsim.core.errors import Invalid, NotFound
from ozsim.integrations.int6.records import OnuRecords

START = dt.datetime(2025, 6, 2, 12, 0, tzinfo=dt.timezone.utc)


def records() -> OnuRecords:
    return OnuRecords(Clock(START))


def test_put_patch_delete():
    onus = records()
    record, created = onus.put("100", {"power": -21.4, "serial_number": "ZTEG1"})
    assert created and record == {"gpon_client_id": "100", "power": -21.4,
                                  "serial_number": "ZTEG1", "user_PPPoE": "", "mac_address": "",
                                  "provisioning": None, "updatedAt": "2025-06-02T12:00:00.000Z"}
    replaced, created = onus.put("100", {"power": "LOS"})
    assert not created and replaced["serial_number"] == "" and replaced["power"] == "LOS"
    patched = onus.patch("100", {"mac_address": "AA"})
    assert (patched["power"], patched["mac_address"]) == ("LOS", "AA")
    assert patched["updatedAt"] > replaced["updatedAt"] > record["updatedAt"]
    onus.delete("100")
    for call in (lambda: onus.get("100"), lambda: onus.patch("100", {}),
                 lambda: onus.delete("100")):
        with pytest.raises(NotFound):
            call()


@pytest.mark.parametrize("values, field", [
    ({}, "power"), ({"power": True}, "power"), ({"power": None}, "power"),
    ({"power": float("nan")}, "power"), ({"power": "x" * 129}, "power"),
    ({"power": 1, "serial_number": 5}, "serial_number"), ({"power": 1, "colour": "x"}, "colour"),
    ({"power": 1, "provisioning": {"splitter": "x", "port": 1, "lat": 0, "lng": 0}},
     "provisioning.splitter"),
    ({"power": 1, "provisioning": {"splitter": "a" * 24, "port": 0, "lat": 0, "lng": 0}},
     "provisioning.port"),
    ({"power": 1, "provisioning": {"splitter": "a" * 24, "port": 1, "lat": 91, "lng": 0}},
     "provisioning.lat"),
    ({"power": 1, "provisioning": {"port": 1}}, "provisioning"),
])
def test_bad_values_are_refused_and_change_nothing(values, field):
    onus = records()
    onus.put("1", {"power": -20})
    with pytest.raises(Invalid) as caught:
        onus.put("1", values)
    assert caught.value.field == field
    assert onus.get("1")["power"] == -20


def test_listing_is_by_change_and_updated_since_is_inclusive():
    onus = records()
    for code in ("c", "a", "b"):
        onus.put(code, {"power": -20})
    onus.patch("c", {"power": -21})
    total, rows = onus.page()
    assert total == 3 and [r["gpon_client_id"] for r in rows] == ["a", "b", "c"]
    since = rows[1]["updatedAt"]
    assert [r["gpon_client_id"] for r in onus.page(since)[1]] == ["b", "c"]
    assert onus.page(since, start=1, limit=1) == (2, [rows[2]])
    assert onus.page(gpon_client_id="a") == (1, [rows[0]])
    assert onus.page(since, gpon_client_id="a") == (0, [])
    assert onus.page("2030-01-01T00:00:00Z") == (0, [])
    assert onus.page(since, after="b") == (1, [rows[2]])
    assert onus.page(since, gpon_client_id="b", after="b") == (0, [])
    for bad in (lambda: onus.page("yesterday"), lambda: onus.page(after="a")):
        with pytest.raises(Invalid):
            bad()


def test_a_bulk_load_shares_one_instant_in_id_order():
    onus = records()
    onus.put("z", {"power": 1})
    assert onus.load([{"gpon_client_id": c, "power": -20} for c in ("b", "a", "z")]) == 3
    total, rows = onus.page()
    assert total == 3 and [r["gpon_client_id"] for r in rows] == ["a", "b", "z"]
    assert len({r["updatedAt"] for r in rows}) == 1
    assert onus.page(rows[0]["updatedAt"], after="a", limit=1) == (2, [rows[1]])


def read_by_key(onus: OnuRecords, limit: int, between) -> list[dict]:
    """A reader paging by key as OZmap's pull does, calling ``between()`` before each page."""
    rows, key = [], {}
    while True:
        between()
        _, batch = onus.page(key.get("since"), 0, limit, after=key.get("after"))
        rows += batch
        if not batch:
            return rows
        key = {"since": batch[-1]["updatedAt"], "after": batch[-1]["gpon_client_id"]}


@settings(max_examples=60, deadline=None)
@given(initial=st.integers(0, 30), bulk=st.booleans(), limit=st.integers(1, 7),
       writes=st.lists(st.tuples(st.sampled_from(["put", "delete", "load"]),
                                 st.integers(0, 40)), max_size=25))
def test_paging_by_key_never_skips_a_record(initial, bulk, limit, writes):
    onus = records()
    codes = [f"{i:03d}" for i in range(initial)]
    if bulk:
        onus.load([{"gpon_client_id": c, "power": -20} for c in codes])
    else:
        for code in codes:
            onus.put(code, {"power": -20})
    pending = list(writes)

    def between():                      # a write lands between two pages
        if pending:
            op, n = pending.pop(0)
            if op == "put":
                onus.put(f"{n:03d}", {"power": -n - 1})
            elif op == "load":          # several records at one instant
                onus.load([{"gpon_client_id": f"{k:03d}", "power": -k} for k in range(n, n + 5)])
            elif onus.page(gpon_client_id=f"{n:03d}")[0]:
                onus.delete(f"{n:03d}")

    seen = read_by_key(onus, limit, between)
    latest = {r["gpon_client_id"]: r for r in seen}
    # every record that exists at the end was read in its final state
    _, final = onus.page(limit=10_000)
    assert all(latest.get(r["gpon_client_id"]) == r for r in final)
