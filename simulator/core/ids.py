"""Id minting: 24-hex ObjectIds that sort in creation order.

An id is 8 hex digits of seconds, a 6-hex counter, then 40 random bits from the world's RNG
(``World.new_id``). ``Mint`` makes exactly the same ids and timestamps for the bulk paths,
without a clock call per document.
"""
from __future__ import annotations

import datetime as dt


def object_id(seconds: int, counter: int, random_bits: int) -> str:
    return "%08x%06x%010x" % (seconds, counter, random_bits)


class Mint:
    """Ids and timestamps for the bulk path, exactly as ``World.new_id``/``clock`` make them.

    Every document consumes one millisecond of the frozen clock. ``open`` takes the world's
    current instant and id counters; ``close`` hands them back (clock frozen at the last
    stamp), so documents created through the world before and after interleave correctly.
    """

    def __init__(self, world):
        self.world = world
        self.ms = 0
        self.counter = 0
        self.seconds = 0
        self._prefix_second = None
        self._prefix = ""
        self.open()

    def open(self) -> None:
        world = self.world
        moment = world.clock.now()
        self.ms = int(round(moment.timestamp() * 1000))
        self.counter = world._id_counter
        self.seconds = world._id_seconds
        self._getrandbits = world.rng.getrandbits

    def close(self) -> None:
        world = self.world
        world._id_counter = self.counter
        world._id_seconds = self.seconds
        world.clock.freeze(dt.datetime.fromtimestamp(self.ms / 1000, dt.timezone.utc))

    def stamp(self) -> str:
        """The next instant, as the world's ISO-8601 string (one ms later than the last)."""
        self.ms += 1
        second, milli = divmod(self.ms, 1000)
        if second != self._prefix_second:
            moment = dt.datetime.fromtimestamp(second, dt.timezone.utc)
            self._prefix = moment.strftime("%Y-%m-%dT%H:%M:%S.")
            self._prefix_second = second
        return f"{self._prefix}{milli:03d}Z"

    def new_id(self) -> str:
        """``World.new_id``: 8 hex of seconds, a 6-hex counter, 40 random bits."""
        self.ms += 1
        second = (self.ms // 1000) & 0xFFFFFFFF
        if second > self.seconds:
            self.seconds = second
        self.counter += 1
        if self.counter > 0xFFFFFF:
            self.seconds, self.counter = self.seconds + 1, 0
        return object_id(self.seconds, self.counter, self._getrandbits(40))
