"""INT6's rules about power: what counts as a reading, and the check before an activation.

What a reading is — a finite, non-zero number, or a string spelling one; not a text such as
"LOS", nor 0 — is OZmap's rule for its pull as well: ``ftth.readings.reading``.

``check(power, calculated, settings)``: an activation is authorised when the ONU has a
reading, OZmap has a calculated power for the client (or the ``allowUncalculated`` setting
lets it through without one), and the reading is within ``powerLimit`` dB of it: by default
only a reading *worse* than calculated − limit is refused (OZmap's Integrator's Guide: "if
the read power is 2 dB worse than the calculated power"); with ``symmetric`` any difference
beyond the limit is (the literal "the difference is greater than the limit").
"""
from __future__ import annotations

from dataclasses import dataclass

from ...core.errors import Invalid
from ...ftth.readings import reading
from .fields import check_object

DEFAULT_SETTINGS = {"powerLimit": 2.0, "symmetric": False, "allowUncalculated": False}
MAX_LIMIT = 100.0
EPSILON = 1e-9          # readings have two decimals: -23.5 vs -21.5 − 2 is not a refusal


@dataclass(frozen=True)
class Verdict:
    authorized: bool
    code: str | None = None          # why not: NO_SIGNAL, NO_CALCULATED_POWER, POWER_DIFFERENCE
    reason: str | None = None        # ... in words, with the numbers
    difference: float | None = None  # read − calculated (dB), when both exist


def check(power, calculated: float | None, settings: dict) -> Verdict:
    """May the ONU reading ``power`` be activated where OZmap calculates ``calculated``?"""
    read = reading(power)
    if read is None:
        return Verdict(False, "NO_SIGNAL", f"the ONU has no signal (power {power!r})")
    if calculated is None:
        if settings["allowUncalculated"]:
            return Verdict(True)
        return Verdict(False, "NO_CALCULATED_POWER",
                       "OZmap has no calculated power for this client: its port is not lit "
                       "from a PON")
    difference = read - calculated
    limit = settings["powerLimit"]
    worse = difference < -limit - EPSILON
    beyond = worse or (settings["symmetric"] and difference > limit + EPSILON)
    shown = round(difference, 2)
    if not beyond:
        return Verdict(True, difference=shown)
    relation = "worse" if difference < 0 else "better"
    mode = "|read − calculated| > limit" if settings["symmetric"] else "read < calculated − limit"
    return Verdict(False, "POWER_DIFFERENCE",
                   f"read power {read:g} dBm is {abs(shown):g} dB {relation} than the calculated "
                   f"{calculated:g} dBm, beyond the limit of {limit:g} dB ({mode})", shown)


def check_settings(patch) -> dict:
    """The changes of a ``PATCH /int6/settings``, checked."""
    check_object(patch, DEFAULT_SETTINGS, holds="the settings are")
    limit = patch.get("powerLimit", 0)
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) \
            or not 0 <= limit <= MAX_LIMIT:
        raise Invalid(f"'powerLimit' must be a number of dB between 0 and {MAX_LIMIT:g}",
                      "INVALID_FIELD", "powerLimit")
    for flag in ("symmetric", "allowUncalculated"):
        if not isinstance(patch.get(flag, False), bool):
            raise Invalid(f"'{flag}' must be true or false", "INVALID_FIELD", flag)
    return dict(patch)
