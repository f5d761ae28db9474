"""A tiny progress bar for long builds: drawn on stderr, and only when stderr is a terminal.

    with Progress("generating", total=5) as bar:
        bar.stage("poles")        # names the current step
        bar.advance()             # one unit done
        bar.update(done=3)        # or set the position directly

Redraws are throttled (at most ~10 per second), so calling ``advance`` in a hot loop is cheap.
When stderr is not a TTY (CI logs, pipes, tests) nothing is ever written.
"""
from __future__ import annotations

import os
import sys
import time

_WIDTH = 28


class Progress:
    def __init__(self, label: str = "", total: float = 1.0, stream=None, enabled: bool | None = None,
                 interval: float = 0.1):
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"
        self.enabled = enabled
        self.label = label
        self.total = max(float(total), 1e-9)
        self.done = 0.0
        self.step = ""
        self.interval = interval
        self._started = time.monotonic()
        self._drawn_at = 0.0
        self._width = 0

    # -- context manager ---------------------------------------------------------------
    def __enter__(self) -> "Progress":
        self._draw(force=True)
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- updates -----------------------------------------------------------------------
    def stage(self, name: str) -> None:
        self.step = name
        self._draw(force=True)

    def advance(self, amount: float = 1.0) -> None:
        self.done += amount
        self._draw()

    def update(self, done: float | None = None, total: float | None = None) -> None:
        if total is not None:
            self.total = max(float(total), 1e-9)
        if done is not None:
            self.done = float(done)
        self._draw()

    def close(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
        self.enabled = False

    # -- drawing -----------------------------------------------------------------------
    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._drawn_at < self.interval:
            return
        self._drawn_at = now
        fraction = min(max(self.done / self.total, 0.0), 1.0)
        filled = int(fraction * _WIDTH)
        bar = "█" * filled + "░" * (_WIDTH - filled)
        text = (f"{self.label} {bar} {fraction * 100:5.1f}%  {now - self._started:6.1f}s"
                f"  {self.step}")
        pad = max(self._width - len(text), 0)
        self._width = max(self._width, len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()


class NullProgress(Progress):
    """A progress bar that never draws (the default for library calls)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, enabled=False, **{k: v for k, v in kwargs.items()
                                                  if k != "enabled"})
