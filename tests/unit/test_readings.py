"""OZmap's rules for the readings an OLT manager brings (``ozsim.ftth.readings``): what
counts as a reading, what one reading asks of its client and property — applied once, and
nothing more when applied again — and ``apply`` on a world."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ozsim.core.query import MISSING
from ozsim.ftth import readings
from ozsim.ftth.readings import plan, reading

from .fixtures import reserve, tiny_world

FINITE = st.floats(allow_nan=False, allow_infinity=False)
TEXT = st.text().filter(lambda t: not _spells_a_number(t))


def _spells_a_number(text: str) -> bool:
    try:
        float(text.strip())
    except ValueError:
        return False
    return text.strip().lower() not in ("nan", "+nan", "-nan", "inf", "+inf", "-inf",
                                         "infinity", "+infinity", "-infinity")


@given(FINITE | st.integers(-10**300, 10**300))
def test_a_number_is_a_reading_unless_it_is_zero(value):
    expected = None if value == 0 else float(value)
    assert reading(value) == expected


@given(FINITE.filter(lambda v: v != 0), st.sampled_from(["{}", " {} ", "{}\n", "\t{}"]))
def test_a_string_spelling_a_finite_number_is_a_reading(value, layout):
    assert reading(layout.format(repr(value))) == value


@given(TEXT)
def test_a_text_is_no_reading(text):
    assert reading(text) is None


@pytest.mark.parametrize("value", [
    0, 0.0, -0.0, "0", "-0", "0.00", "0e5", "LOS", "offline", "", "  ", "-21,4", "1_000",
    float("nan"), float("inf"), float("-inf"), "nan", "NaN", "inf", "-Infinity", "1e999",
    10**400, True, False, None, [], {}, "- 21.4", "0x10"])
def test_no_reading(value):
    assert reading(value) is None


@pytest.mark.parametrize("value, expected", [
    (-21.4, -21.4), (-21, -21.0), ("-21.4", -21.4), (" -21.4 ", -21.4), ("+3", 3.0),
    ("-2.14e1", -21.4), (".5", 0.5), ("5.", 5.0), (1e308, 1e308), ("1e308", 1e308), (3, 3.0)])
def test_readings(value, expected):
    assert reading(value) == expected


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




def test_apply_writes_what_differs_in_chunks_and_counts_it(monkeypatch):
    monkeypatch.setattr(readings, "CHUNK", 2)                # several holds of the lock
    net = tiny_world(ctos=2)
    world = net.world
    props = [reserve(world, net.ctos[i % 2], code=f"C{i}") for i in range(5)]
    client = {p["id"]: world.docs["ftth-clients"][p["client"]] for p in props}
    world.update("ftth-clients", props[4]["client"], {"implanted": True})
    given = {"C0": {"power": -21.4, **ONU}, "C1": {"power": "-19.5"}, "C2": {"power": "LOS"},
             "C3": {"power": -21.4}, "C4": {"power": 0}, "NOBODY": {"power": -20}}
    summary = readings.apply(world, given)
    assert summary == {"clients": 5, "unknown": 1, "status": {"OK": 0, "ERROR": 2},
                       "implanted": 3, "onu": 1, "potencyRead": 3, "refused": []}
    states = [(client[p["id"]]["status"], client[p["id"]]["implanted"], p["potencyRead"])
              for p in props]
    assert states == [(0, True, -21.4), (0, True, -19.5), (1, False, None), (0, True, -21.4),
                      (1, True, None)]
    assert client[props[0]["id"]]["onu"] == ONU
    stamps = [(p["updatedAt"], client[p["id"]]["updatedAt"]) for p in props]
    assert readings.apply(world, given) == {**summary, "status": {"OK": 0, "ERROR": 0},
                                            "implanted": 0, "onu": 0, "potencyRead": 0}
    assert stamps == [(p["updatedAt"], client[p["id"]]["updatedAt"]) for p in props]
    world.check_invariants()
