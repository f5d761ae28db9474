"""The injectable clock of a world: real UTC time by default, frozen and advanced on demand."""
from __future__ import annotations

import datetime as dt
import threading

UTC = dt.timezone.utc


def iso(moment: dt.datetime) -> str:
    """OZmap's timestamp format: ISO-8601 UTC with milliseconds, e.g. 2022-12-07T16:07:23.652Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Clock:
    def __init__(self, frozen_at: dt.datetime | None = None):
        self._lock = threading.Lock()
        self._frozen = frozen_at
        self._last = None

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def now(self) -> dt.datetime:
        with self._lock:
            moment = self._frozen or dt.datetime.now(UTC)
            # strictly increasing by at least 1 ms so that `updatedAt >= T` syncs never miss a write
            if self._last is not None and moment <= self._last:
                moment = self._last + dt.timedelta(milliseconds=1)
                if self._frozen is not None:
                    self._frozen = moment
            self._last = moment
            return moment

    def instant(self) -> dt.datetime:
        """The current instant, without taking a stamp (``now`` moves a frozen clock on by a
        millisecond when asked twice, so that stamps stay unique)."""
        with self._lock:
            moment = self._frozen or dt.datetime.now(UTC)
            return max(moment, self._last) if self._last is not None else moment

    def now_iso(self) -> str:
        return iso(self.now())

    def freeze(self, at: dt.datetime | None = None) -> None:
        """Stop the clock at ``at``, or now (never before an instant it already gave)."""
        with self._lock:
            now = self._frozen or dt.datetime.now(UTC)
            self._frozen = at or max(now, self._last or now)

    def unfreeze(self) -> None:
        with self._lock:
            self._frozen = None

    def advance(self, seconds: float) -> dt.datetime:
        with self._lock:
            base = self._frozen or dt.datetime.now(UTC)
            self._frozen = base + dt.timedelta(seconds=seconds)
            return self._frozen
