"""What happens to every request of a simulated API on its way through the server: the
tenant's rate limit, its fault rules, and its request journal.

The app registers each API it serves as an ``Api`` — a path prefix, its contract, and how to
tell the calling key and tenant of the request being served (None when the API has no
tenants behind its callers: then only the header applies) — and ``install`` puts two
app-level hooks in front of every blueprint: ``before_request`` (rate limit, then a fault from the
``X-Ozsim-Fault`` header or the tenant's rules: wait, answer instead, or let the request run
and fail it afterwards) and ``after_request`` (commit-then-fail, then the journal entry).
Injected errors go through the app's error handlers, so each API answers them in its own
envelope. The control plane (``/__ozsim``) and the rest of the site are never touched.

State lives per tenant in a ``Lane`` (journal, fault rules with their own seeded RNG — never
the world's —, token buckets per key), kept by ``Traffic`` until the tenant is reset or
deleted.
"""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Callable

from flask import Flask, Response, current_app, g, request

from ..core.errors import DomainError, TooManyRequests
from ..wire.contract import Contract
from .faults import HEADER, Fault, Rules, from_header
from .journal import Journal
from .ratelimit import TokenBucket
from .reset import ConnectionReset

JOURNAL_BODY = 16 * 1024          # request bodies up to this size are kept in the journal
WARNING = "X-Ozsim-Warning"


@dataclass(frozen=True)
class Api:
    """A simulated API the traffic hooks apply to."""
    prefix: str                                           # e.g. "/api/v2"
    contract: Contract
    caller: Callable[[], tuple[str, str] | None]   # (API key, tenant) of the request served


class Lane:
    """One tenant's traffic state."""

    def __init__(self, seed: int):
        self.journal = Journal()
        self.rules = Rules(random.Random(f"ozsim-faults:{seed}"))
        self.buckets: dict[str, TokenBucket] = {}


class Traffic:
    """The lanes of every tenant. ``world_of(tenant)`` gives the tenant's current world (its
    clock times the journal and the buckets); ``seed_of(tenant)`` seeds its fault RNG."""

    def __init__(self, world_of: Callable[[str], object], seed_of: Callable[[str], int]):
        self.world_of, self.seed_of = world_of, seed_of
        self._lanes: dict[str, Lane] = {}
        self._lock = threading.Lock()
        self.rng = random.Random("ozsim-faults")      # the draws of requests of nobody's

    def of(self, tenant: str) -> Lane:
        lane = self._lanes.get(tenant)
        if lane is None:
            with self._lock:
                lane = self._lanes.setdefault(tenant, Lane(self.seed_of(tenant)))
        return lane

    def forget(self, tenant: str) -> None:
        with self._lock:
            self._lanes.pop(tenant, None)

    def now(self, tenant: str):
        return self.world_of(tenant).clock.instant()

    def set_rate_limit(self, tenant: str, key: str, requests: int | None = None,
                       per: float | None = None) -> dict:
        """Give ``key`` a bucket of ``requests`` per ``per`` simulated seconds; none removes it."""
        buckets = self.of(tenant).buckets
        if requests is None:
            buckets.pop(key, None)
        else:
            buckets[key] = TokenBucket(requests, per, self.now(tenant))
        return self.rate_limit(tenant, key)

    def rate_limit(self, tenant: str, key: str) -> dict:
        bucket = self.of(tenant).buckets.get(key)
        return bucket.state(self.now(tenant)) if bucket else {}


class Injected(DomainError):
    """An answer a fault puts in place of the simulator's."""
    default_code = "FAULT_INJECTED"

    def __init__(self, status: int, label: str):
        super().__init__(f"injected fault ({label}): this is not the simulator's answer")
        self.status = status


@dataclass
class _Exchange:
    api: Api
    lane: Lane | None                  # None: a request of nobody's (no journal, no rules)
    started: float
    key: str | None = None
    at: object = None                  # the instant it arrived, on the tenant's clock
    fault: Fault | None = None
    label: str | None = None
    retry_after: int | None = None


def install(app: Flask, traffic: Traffic, apis: list[Api], header_faults: bool = True) -> None:
    """Put the traffic hooks in front of every request to one of ``apis``. ``header_faults``:
    whether ``X-Ozsim-Fault`` is honoured (not when the control plane is disabled). The header
    applies to any request of those APIs; the rate limit, the rules and the journal to the
    requests of a tenant. (Both hooks run on every request: they read the request object once,
    not through Flask's proxy each time.)"""
    prefixes = [(api.prefix + "/", api) for api in apis]

    @app.before_request
    def admit():
        req = request._get_current_object()
        api = next((a for prefix, a in prefixes if req.path.startswith(prefix)), None)
        if api is None:
            return None
        caller = api.caller()
        raw = req.headers.get(HEADER) if header_faults else None
        if caller is None and not raw:
            return None
        ex = g.ozsim_exchange = _Exchange(api, None, time.perf_counter())
        if caller is not None:
            ex.key, tenant = caller
            ex.lane = traffic.of(tenant)
            ex.at = traffic.now(tenant)
            bucket = ex.lane.buckets.get(ex.key)
            wait = bucket.take(ex.at) if bucket else 0
            if wait:
                ex.label, ex.retry_after = "rate-limit", wait
                raise TooManyRequests(f"rate limit of this key reached: {bucket.requests} "
                                      f"requests per {bucket.per:g} s; retry in {wait} s", wait)
        rng = ex.lane.rules.rng if ex.lane else traffic.rng
        fault = from_header(raw) if raw else ex.lane.rules.pick(req.method, req.path)
        if fault is None:
            return None
        ex.fault, ex.label = fault, fault.label()
        delay = fault.delay(rng)
        if delay:
            time.sleep(delay)
        return _answer(fault, ex.label) if fault.answers and not fault.commit else None

    @app.after_request
    def record(response: Response) -> Response:
        ex = g.pop("ozsim_exchange", None)
        if ex is None:
            return response
        applied = None
        if ex.fault is not None and ex.fault.commit:
            applied, response = response.status_code, _answer(ex.fault, ex.label)
        if ex.label:
            response.headers[HEADER] = ex.label
        if ex.retry_after:
            response.headers["Retry-After"] = str(ex.retry_after)
        if ex.lane is not None:
            ex.lane.journal.record(_entry(ex, request._get_current_object(), response, applied),
                                   ex.api.contract)
        return response


def _answer(fault: Fault, label: str) -> Response:
    """The fault's own answer: no answer at all (reset), an error in the API's envelope, or a
    status without a body."""
    if fault.reset:
        return ConnectionReset(label)
    status = fault.answer_status()
    if status >= 400 and not fault.empty:
        response = current_app.make_response(current_app.handle_user_exception(
            Injected(status, label)))
    else:
        response = Response(status=status)
    if fault.retry_after is not None:
        response.headers["Retry-After"] = str(fault.retry_after)
    return response


def _entry(ex: _Exchange, req, response: Response, applied: int | None) -> dict:
    """The raw journal entry of the request (``Journal`` completes it when it is read)."""
    size = req.content_length
    body = None if not size else req.get_data(cache=True) if size <= JOURNAL_BODY else \
        f"<{size} bytes, not kept>"
    return {"at": ex.at, "method": req.method, "path": req.path,
            "query": req.query_string.decode("latin-1"), "body": body,
            "status": None if isinstance(response, ConnectionReset) else response.status_code,
            "appliedStatus": applied, "ms": round((time.perf_counter() - ex.started) * 1000, 3),
            "fault": ex.label, "warnings": response.headers.getlist(WARNING)}


__all__ = ["Api", "Lane", "Traffic", "Injected", "install", "HEADER", "ConnectionReset"]
