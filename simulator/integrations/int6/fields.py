"""How INT6 checks the objects it is sent: a JSON object, only known fields, the required ones
present — each refusal a 400 naming the field."""
from __future__ import annotations

from ...core.errors import Invalid


def check_object(body, allowed, required=(), holds: str = "") -> dict:
    """``body`` when it is an object of ``allowed`` fields with every ``required`` one;
    ``holds`` completes the message of an unknown field ("an ONU record has")."""
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object", "INVALID_BODY", "body")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise Invalid(f"unknown field '{unknown[0]}' is not allowed here; {holds} "
                      f"{', '.join(allowed)}", "UNKNOWN_FIELD", unknown[0])
    for name in required:
        if name not in body:
            raise Invalid(f"'{name}' is required", "MISSING_FIELD", name)
    return body
