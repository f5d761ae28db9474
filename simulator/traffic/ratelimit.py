"""A token bucket on a tenant's simulated clock: ``requests`` per ``per`` seconds."""
from __future__ import annotations

import datetime as dt
import math
import threading


class TokenBucket:
    """Starts full (``requests`` tokens) and refills continuously at ``requests / per`` tokens
    per simulated second. A frozen clock refills only when it is advanced."""

    def __init__(self, requests: int, per: float, now: dt.datetime):
        self.requests, self.per = requests, per
        self._tokens = float(requests)
        self._last = now
        self._lock = threading.Lock()

    def _refill(self, now: dt.datetime) -> None:
        elapsed = max(0.0, (now - self._last).total_seconds())
        self._tokens = min(self.requests, self._tokens + elapsed * self.requests / self.per)
        self._last = max(self._last, now)

    def take(self, now: dt.datetime) -> int:
        """0 when a token was taken; otherwise the whole seconds until one is back."""
        with self._lock:
            self._refill(now)
            if self._tokens >= 1:
                self._tokens -= 1
                return 0
            return max(1, math.ceil((1 - self._tokens) * self.per / self.requests))

    def state(self, now: dt.datetime) -> dict:
        with self._lock:
            self._refill(now)
            return {"requests": self.requests, "per": self.per,
                    "available": round(self._tokens, 3)}
