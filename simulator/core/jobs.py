"""Jobs on a world's clock: integrations that run "every N minutes" as explicit objects.

A ``Job`` is a name, a period in simulated seconds and a function that runs one cycle and
returns what it changed (a JSON-able summary); a cycle that fails raises, and the failure is
recorded — the job itself makes sure a failed cycle leaves nothing half-applied, so the next
cycle simply retries. ``Jobs`` keeps a world's jobs, when each is next due, and a log of
every run. Time only moves when somebody moves it:

* ``advance(seconds)`` moves the clock forward, stopping at every instant a job falls due
  (the clock frozen there while the job runs, so what it writes carries that time), then
  at the target: advancing 1 800 s runs a 600 s job exactly three times;
* ``run(name)`` runs a job now, outside its schedule (which it leaves alone).

Jobs never run under the world lock: a cycle may call this very server over HTTP, whose
requests take that lock themselves. One job runs at a time per world.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from .clock import Clock, iso
from .errors import NotFound

LOG_SIZE = 100          # runs kept per job


@dataclass
class Job:
    name: str
    every: float                                   # simulated seconds between two runs
    cycle: Callable[[], dict]                      # one run: what it changed
    description: str = ""


@dataclass
class _Scheduled:
    job: Job
    due: dt.datetime
    log: deque = field(default_factory=lambda: deque(maxlen=LOG_SIZE))
    runs: int = 0
    failures: int = 0


class Jobs:
    def __init__(self, clock: Clock):
        self.clock = clock
        self._jobs: dict[str, _Scheduled] = {}
        self._running = threading.RLock()          # one job at a time; advance is atomic

    def schedule(self, job: Job, first: dt.datetime | None = None) -> None:
        """Add (or replace) a job; it first falls due at ``first``, else one period from now.
        A replaced job keeps its log."""
        with self._running:
            old = self._jobs.get(job.name)
            due = first or self.clock.instant() + dt.timedelta(seconds=job.every)
            self._jobs[job.name] = _Scheduled(job, due, old.log if old else deque(maxlen=LOG_SIZE),
                                              old.runs if old else 0, old.failures if old else 0)

    def cancel(self, name: str) -> None:
        with self._running:
            self._jobs.pop(name, None)

    def __contains__(self, name: str) -> bool:
        return name in self._jobs

    def run(self, name: str) -> dict:
        """Run a job now (its schedule unchanged); the log entry of the run."""
        with self._running:
            scheduled = self._jobs.get(name)
            if scheduled is None:
                raise NotFound(f"no job named {name!r}; jobs: {', '.join(self._jobs) or 'none'}",
                               "JOB_NOT_FOUND")
            return self._run(scheduled, "manual")

    def advance(self, seconds: float) -> list[dict]:
        """Move the clock ``seconds`` forward, running every job that falls due on the way, in
        time order; the log entries of those runs."""
        with self._running:
            base = self.clock.instant()
            target = base + dt.timedelta(seconds=seconds)
            entries = []
            while True:
                due = min(self._jobs.values(), key=lambda s: (s.due, s.job.name), default=None)
                if due is None or due.due > target:
                    break
                self.clock.freeze(max(due.due, self.clock.instant()))
                entries.append(self._run(due, "schedule"))
                due.due += dt.timedelta(seconds=due.job.every)
            self.clock.freeze(max(target, self.clock.instant()))
            return entries

    def _run(self, scheduled: _Scheduled, trigger: str) -> dict:
        started = time.perf_counter()
        entry = {"job": scheduled.job.name, "at": self.clock.now_iso(), "trigger": trigger}
        try:
            entry.update(ok=True, changed=scheduled.job.cycle(), error=None)
        except Exception as exc:          # noqa: BLE001 - a failed cycle is recorded, not raised
            scheduled.failures += 1
            entry.update(ok=False, changed=None, error=f"{type(exc).__name__}: {exc}")
        scheduled.runs += 1
        entry["ms"] = round((time.perf_counter() - started) * 1000, 1)
        scheduled.log.append(entry)
        return entry

    def describe(self) -> list[dict]:
        """Every job: its schedule, its counts and its log (newest first)."""
        with self._running:
            return [{"name": s.job.name, "description": s.job.description, "every": s.job.every,
                     "nextRun": iso(s.due), "runs": s.runs, "failures": s.failures,
                     "log": list(reversed(s.log))} for s in self._jobs.values()]
