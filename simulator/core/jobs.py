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
    state: Callable[[], dict] | None = None        # what the job works from (shown in describe)


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
        self._book = threading.Lock()              # the schedule and the logs: never held by
        #                                            a running cycle, so describe() answers

    def schedule(self, job: Job, first: dt.datetime | None = None) -> None:
        """Add (or replace) a job; it first falls due at ``first``, else one period from now.
        A replaced job keeps its log."""
        with self._book:
            old = self._jobs.get(job.name)
            due = first or self.clock.instant() + dt.timedelta(seconds=job.every)
            self._jobs[job.name] = _Scheduled(job, due, old.log if old else deque(maxlen=LOG_SIZE),
                                              old.runs if old else 0, old.failures if old else 0)

    def cancel(self, name: str) -> None:
        with self._book:
            self._jobs.pop(name, None)

    def __contains__(self, name: str) -> bool:
        return name in self._jobs

    def run(self, name: str) -> dict:
        """Run a job now (its schedule unchanged); the log entry of the run."""
        with self._running:
            with self._book:
                scheduled = self._jobs.get(name)
                if scheduled is None:
                    raise NotFound(f"no job named {name!r}; jobs: "
                                   f"{', '.join(self._jobs) or 'none'}", "JOB_NOT_FOUND")
            return self._run(scheduled, "manual")

    def advance(self, seconds: float) -> list[dict]:
        """Move the clock ``seconds`` forward, running every job that falls due on the way, in
        time order; the log entries of those runs."""
        with self._running:
            base = self.clock.instant()
            target = base + dt.timedelta(seconds=seconds)
            entries = []
            while True:
                with self._book:
                    due = min(self._jobs.values(), key=lambda s: (s.due, s.job.name),
                              default=None)
                if due is None or due.due > target:
                    break
                self.clock.freeze(max(due.due, self.clock.instant()))
                entries.append(self._run(due, "schedule"))
                with self._book:
                    due.due += dt.timedelta(seconds=due.job.every)
            self.clock.freeze(max(target, self.clock.instant()))
            return entries

    def _run(self, scheduled: _Scheduled, trigger: str) -> dict:
        started = time.perf_counter()
        entry = {"job": scheduled.job.name, "at": self.clock.now_iso(), "trigger": trigger}
        try:
            entry.update(ok=True, changed=scheduled.job.cycle(), error=None)
        except Exception as exc:          # noqa: BLE001 - a failed cycle is recorded, not raised
            entry.update(ok=False, changed=None, error=f"{type(exc).__name__}: {exc}")
        entry["ms"] = round((time.perf_counter() - started) * 1000, 1)
        with self._book:
            scheduled.runs += 1
            scheduled.failures += not entry["ok"]
            scheduled.log.append(entry)
        return entry

    def describe(self) -> list[dict]:
        """Every job: its schedule, its state, its counts and its log (newest first). It
        answers while a cycle runs (that run is not in the log yet)."""
        with self._book:
            jobs = [(s.job, s.due, s.runs, s.failures, list(reversed(s.log)))
                    for s in self._jobs.values()]
        return [{"name": job.name, "description": job.description, "every": job.every,
                 "nextRun": iso(due), "state": job.state() if job.state else None,
                 "runs": runs, "failures": failures, "log": log}
                for job, due, runs, failures, log in jobs]
