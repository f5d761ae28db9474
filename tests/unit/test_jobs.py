"""Jobs on a world's clock (``ozsim.core.jobs``): advancing the clock runs exactly the cycles
that fall due, each at its own instant; a failed cycle is recorded and retried next time."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ozsim.core.clock import Clock, parse_iso
from ozsim.core.errors import NotFound
from ozsim.core.jobs import Job, Jobs

START = dt.datetime(2025, 6, 2, 12, 0, tzinfo=dt.timezone.utc)


def jobs_with(*specs):
    """Jobs on a frozen clock; each spec (name, every) records the instants it ran at."""
    clock = Clock(START)
    jobs, seen = Jobs(clock), {}
    for name, every in specs:
        seen[name] = []
        jobs.schedule(Job(name, every, lambda n=name: seen[n].append(clock.now()) or {"n": 1}))
    return clock, jobs, seen


def test_advancing_600_s_runs_a_10_minute_job_once_and_1800_s_three_times():
    clock, jobs, seen = jobs_with(("pull", 600))
    assert [e["ok"] for e in jobs.advance(600)] == [True]
    assert len(jobs.advance(1800)) == 3 and len(seen["pull"]) == 4
    # each cycle ran at the instant it fell due (the clock frozen there), then the clock ended
    # at the target
    assert [round((t - START).total_seconds()) for t in seen["pull"]] == [600, 1200, 1800, 2400]
    assert round((clock.now() - START).total_seconds()) == 2400
    assert jobs.advance(599) == [] and len(seen["pull"]) == 4


def test_jobs_run_in_time_order_and_run_now_leaves_the_schedule_alone():
    clock, jobs, seen = jobs_with(("pull", 600), ("poll", 300))
    # 300 poll · 600 poll, pull (same instant: by name) · 900 poll
    assert [e["job"] for e in jobs.advance(900)] == ["poll", "poll", "pull", "poll"]
    entry = jobs.run("pull")
    assert entry["trigger"] == "manual" and entry["ok"] and len(seen["pull"]) == 2
    assert [e["job"] for e in jobs.advance(300)] == ["poll", "pull"]   # pull still due at 1200
    with pytest.raises(NotFound):
        jobs.run("nope")


def test_a_failed_cycle_is_recorded_and_the_next_cycle_retries():
    clock = Clock(START)
    jobs, calls = Jobs(clock), []

    def cycle():
        calls.append(1)
        if len(calls) <= 2:
            raise ConnectionError("INT6 unreachable")
        return {"updated": 3}

    jobs.schedule(Job("pull", 600, cycle))
    entries = jobs.advance(1800)
    assert [(e["ok"], e["error"], e["changed"]) for e in entries] == [
        (False, "ConnectionError: INT6 unreachable", None),
        (False, "ConnectionError: INT6 unreachable", None), (True, None, {"updated": 3})]
    (described,) = jobs.describe()
    assert (described["runs"], described["failures"]) == (3, 2)
    assert described["log"][0]["ok"] and parse_iso(described["nextRun"]) == START + \
        dt.timedelta(seconds=2400)


@settings(max_examples=60, deadline=None)
@given(every=st.integers(1, 900), steps=st.lists(st.integers(0, 2000), min_size=1, max_size=6))
def test_the_number_of_runs_is_the_periods_elapsed_however_time_is_advanced(every, steps):
    _, jobs, seen = jobs_with(("job", every))
    for step in steps:
        jobs.advance(step)
    assert len(seen["job"]) == sum(steps) // every


def test_describe_answers_while_a_cycle_runs_and_shows_the_jobs_state():
    import threading
    clock = Clock(START)
    jobs, entered, release = Jobs(clock), threading.Event(), threading.Event()

    def cycle():
        entered.set()
        release.wait(30)
        return {"done": 1}

    jobs.schedule(Job("pull", 600, cycle, state=lambda: {"watermark": "W"}))
    runner = threading.Thread(target=jobs.run, args=("pull",))
    runner.start()
    try:
        assert entered.wait(30)
        (described,) = jobs.describe()            # not blocked by the running cycle
        assert (described["runs"], described["state"]) == (0, {"watermark": "W"})
    finally:
        release.set()
        runner.join(30)
    assert jobs.describe()[0]["runs"] == 1
