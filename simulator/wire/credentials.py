"""The API key a request carries: ``Authorization: <key>`` or ``Authorization: Bearer <key>``."""
from __future__ import annotations


def api_key(headers) -> str:
    """The key in ``Authorization`` (raw or after ``Bearer``); "" when there is none."""
    key = headers.get("Authorization", "").strip()
    if key[:7].lower() == "bearer ":
        key = key[7:].strip()
    return key
