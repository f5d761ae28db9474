"""INT6's power check (``ozsim.integrations.int6.power``) before an activation, in both
modes, and its settings."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ozsim.core.errors import Invalid
from ozsim.integrations.int6.power import DEFAULT_SETTINGS, check, check_settings

FINITE = st.floats(allow_nan=False, allow_infinity=False)

DEFAULT = dict(DEFAULT_SETTINGS)
SYMMETRIC = {**DEFAULT, "symmetric": True}


@pytest.mark.parametrize("read, calculated, settings, authorized, code", [
    (-23.5, -21.5, DEFAULT, True, None),               # exactly 2 dB worse: within the limit
    (-23.51, -21.5, DEFAULT, False, "POWER_DIFFERENCE"),
    (-25.0, -21.5, DEFAULT, False, "POWER_DIFFERENCE"),
    (-15.0, -21.5, DEFAULT, True, None),               # better than calculated: never refused...
    (-15.0, -21.5, SYMMETRIC, False, "POWER_DIFFERENCE"),   # ... unless symmetric
    (-19.5, -21.5, SYMMETRIC, True, None),             # 2 dB better: within
    (-23.45, -21.45, SYMMETRIC, True, None),           # float noise at the boundary
    ("-22", -21.5, DEFAULT, True, None),
    ("LOS", -21.5, DEFAULT, False, "NO_SIGNAL"),
    (0, -21.5, SYMMETRIC, False, "NO_SIGNAL"),
    (-21.5, None, DEFAULT, False, "NO_CALCULATED_POWER"),
    (-21.5, None, {**DEFAULT, "allowUncalculated": True}, True, None),
    ("offline", None, {**DEFAULT, "allowUncalculated": True}, False, "NO_SIGNAL"),
    (-30.0, -21.5, {**DEFAULT, "powerLimit": 10}, True, None),
])
def test_the_power_check(read, calculated, settings, authorized, code):
    verdict = check(read, calculated, settings)
    assert (verdict.authorized, verdict.code) == (authorized, code)
    assert (verdict.reason is None) == authorized
    if code == "POWER_DIFFERENCE":
        assert f"{abs(verdict.difference):g} dB" in verdict.reason


@given(read=FINITE.filter(lambda v: v != 0 and abs(v) < 1e6),
       calculated=st.floats(-60, 10), limit=st.floats(0, 100), symmetric=st.booleans())
def test_the_check_refuses_exactly_beyond_the_limit(read, calculated, limit, symmetric):
    verdict = check(read, calculated, {**DEFAULT, "powerLimit": limit, "symmetric": symmetric})
    difference = read - calculated
    beyond = difference < -limit - 1e-9 or (symmetric and difference > limit + 1e-9)
    assert verdict.authorized is not beyond
    assert verdict.difference == round(difference, 2)


def test_settings_are_checked():
    assert check_settings({"powerLimit": 3, "symmetric": True}) == {"powerLimit": 3, "symmetric": True}
    for bad, field in (({"powerLimit": -1}, "powerLimit"), ({"powerLimit": True}, "powerLimit"),
                       ({"powerLimit": 101}, "powerLimit"), ({"symmetric": "yes"}, "symmetric"),
                       ({"limit": 2}, "limit")):
        with pytest.raises(Invalid) as caught:
            check_settings(bad)
        assert caught.value.field == field


def test_nan_never_slips_through_as_a_difference():
    assert not check(math.nan, -21.5, DEFAULT).authorized
