"""Fault rules: what to do to a request instead of (or on top of) answering it.

A ``Fault`` says what happens: a delay, an answer of its own (a status, an empty body, a
connection reset), or — commit-then-fail — the request runs and its answer is replaced. A
``Rule`` says when: method, path pattern, probability (drawn from the tenant's own RNG),
how many times. ``Rules`` holds a tenant's rules in the order they are tried. The same
faults come per request through the ``X-Ozsim-Fault`` header (``from_header``).
"""
from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass

from ..core.errors import Invalid, NotFound
from ..wire.local import FAULT as HEADER
MAX_LATENCY_MS = 60_000


@dataclass(frozen=True)
class Fault:
    latency: float = 0.0                 # ms, always
    jitter: float = 0.0                  # ms, up to, drawn uniformly
    status: int | None = None
    retry_after: int | None = None
    reset: bool = False
    empty: bool = False
    commit: bool = False                 # commit-then-fail: run the request, then fail

    def __post_init__(self):
        if not (self.answers or self.latency or self.jitter):
            raise Invalid("a fault must do something: latency, status, empty, reset or "
                          "commit-then-fail", "EMPTY_FAULT", "body")
        if self.reset and (self.status is not None or self.empty or self.retry_after is not None):
            raise Invalid("a reset answers nothing: 'status', 'empty' and 'retryAfter' cannot go "
                          "with it", "CONFLICTING_FAULT", "reset")
        for name, value in (("latency", self.latency), ("random", self.jitter)):
            if not 0 <= value <= MAX_LATENCY_MS:
                raise Invalid(f"'{name}' must be between 0 and {MAX_LATENCY_MS} ms, got {value}",
                              "INVALID_FIELD", name)
        if self.status is not None and not 200 <= self.status <= 599:
            raise Invalid(f"'status' must be between 200 and 599, got {self.status}",
                          "INVALID_FIELD", "status")

    @property
    def answers(self) -> bool:
        """True when the fault replaces the simulator's answer (latency alone does not)."""
        return self.commit or self.reset or self.empty or self.status is not None

    def answer_status(self) -> int:
        """The status of the fault's own answer (not for a reset)."""
        return self.status if self.status is not None else 504 if self.commit else 200

    def delay(self, rng: random.Random) -> float:
        """Seconds to wait first."""
        extra = rng.uniform(0, self.jitter) if self.jitter else 0.0
        return (self.latency + extra) / 1000

    def label(self) -> str:
        """How the journal and the ``X-Ozsim-Fault`` answer header name it."""
        parts = ["commit-then-fail"] if self.commit else []
        parts += ["reset"] if self.reset else []
        parts += [f"status={self.status}"] if self.status is not None else []
        parts += ["empty"] if self.empty else []
        parts += [f"latency={self.latency:g}"] if self.latency else []
        parts += [f"random={self.jitter:g}"] if self.jitter else []
        parts += [f"retry-after={self.retry_after}"] if self.retry_after is not None else []
        return ",".join(parts)

    def to_json(self) -> dict:
        out: dict = {}
        if self.latency or self.jitter:
            out["latency"] = {"fixed": self.latency, "random": self.jitter}
        for key, value in (("status", self.status), ("retryAfter", self.retry_after)):
            if value is not None:
                out[key] = value
        for key, value in (("reset", self.reset), ("empty", self.empty),
                           ("commitThenFail", self.commit)):
            if value:
                out[key] = True
        return out


def fault_from(body: dict) -> Fault:
    """The fault of a rule's JSON (already checked against the contract's ``FaultRule``)."""
    latency = body.get("latency") or {}
    return Fault(latency=latency.get("fixed", 0), jitter=latency.get("random", 0),
                 status=body.get("status"), retry_after=body.get("retryAfter"),
                 reset=body.get("reset", False), empty=body.get("empty", False),
                 commit=body.get("commitThenFail", False))


def from_header(value: str) -> Fault:
    """The fault of an ``X-Ozsim-Fault`` header: comma-separated ``commit-then-fail``,
    ``reset``, ``empty``, ``status=503``, ``latency=250``, ``random=100``, ``retry-after=5``."""
    flags = {"commit-then-fail": "commit", "reset": "reset", "empty": "empty"}
    numbers = {"status": "status", "latency": "latency", "random": "jitter",
               "retry-after": "retry_after"}
    args: dict = {}
    for token in filter(None, (t.strip().lower() for t in value.split(","))):
        name, _, raw = token.partition("=")
        if name in flags and not raw:
            args[flags[name]] = True
        elif name in numbers and raw:
            try:
                args[numbers[name]] = float(raw) if name in ("latency", "random") else int(raw)
            except ValueError:
                raise Invalid(f"{HEADER}: '{name}' needs a number, got {raw!r}", "INVALID_FAULT",
                              HEADER) from None
        else:
            raise Invalid(f"{HEADER}: unknown fault {token!r}; use commit-then-fail, reset, "
                          "empty, status=<code>, latency=<ms>, random=<ms>, retry-after=<s>",
                          "INVALID_FAULT", HEADER)
    try:
        return Fault(**args)
    except Invalid as exc:
        raise Invalid(f"{HEADER}: {exc.message}", exc.code, HEADER) from None


@dataclass
class Rule:
    id: str
    fault: Fault
    method: str | None = None
    path: str | None = None              # a pattern: * any characters, ? one
    probability: float = 1.0
    times: int | None = None
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return ((self.method is None or self.method == method)
                and (self.path is None or fnmatch.fnmatchcase(path, self.path))
                and (self.times is None or self.fired < self.times))

    def to_json(self) -> dict:
        match = {k: v for k, v in (("method", self.method), ("path", self.path)) if v is not None}
        out = {"id": self.id, "match": match, "probability": self.probability,
               **self.fault.to_json(), "fired": self.fired}
        if self.times is not None:
            out["times"] = self.times
        return out


class Rules:
    """A tenant's fault rules, tried in order; draws come from the tenant's own RNG."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._rules: list[Rule] = []
        self._next = 0
        self._lock = threading.Lock()

    def add(self, body: dict) -> Rule:
        fault = fault_from(body)
        match = body.get("match") or {}
        with self._lock:
            self._next += 1
            rule = Rule(f"f{self._next}", fault, (match.get("method") or "").upper() or None,
                        match.get("path"), body.get("probability", 1), body.get("times"))
            self._rules.append(rule)
            return rule

    def remove(self, rule_id: str) -> None:
        with self._lock:
            kept = [r for r in self._rules if r.id != rule_id]
            if len(kept) == len(self._rules):
                raise NotFound(f"no fault rule {rule_id}", "NOT_FOUND", "id")
            self._rules = kept

    def clear(self) -> None:
        with self._lock:
            self._rules = []

    def all(self) -> list[Rule]:
        with self._lock:
            return list(self._rules)

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault of the first matching rule whose probability is drawn (a rule that
        always fires draws nothing, so adding one does not shift the others' draws)."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path) and (
                        rule.probability >= 1 or self.rng.random() < rule.probability):
                    rule.fired += 1
                    return rule.fault
        return None
