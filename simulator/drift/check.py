"""``ozsim contract check``: a contract's operations against a live server, with schemathesis.

Each operation gets ``examples`` requests generated from its schemas (derandomised: the same
requests on every run), sent to ``target`` with the API key, and every answer is held to the
contract — no 5xx, a documented status, the documented content type, a body that validates.
Verdict per operation:

* ``conforms`` — every answer passed;
* ``differs``  — some answer did not: the status, the check and the field (JSON path);
* ``missing``  — the server has no such route: every answer was 405/501, or 404 to a path
  without parameters (a 404 to ``/boxes/{id}`` is a missing element, not a missing route);
* ``unreachable`` — no answer at all (the connection failed).

``readonly`` sends only GETs: safe against production. schemathesis is an optional dependency
(``pip install "ozmap-simulator[contract]"``).
"""
from __future__ import annotations

from ..wire.contract import Contract
from . import Verdict


def check(target: str, api_key: str | None, contract: str = "ozmap.yaml", readonly: bool = False,
          examples: int = 3, timeout: float = 30.0, only: str | None = None) -> list[Verdict]:
    """The verdict of every operation of ``contract`` (those whose label contains ``only``)."""
    import schemathesis

    headers = {"Authorization": api_key} if api_key else {}
    verdicts = []
    for result in schemathesis.openapi.from_dict(Contract(contract).document).get_all_operations():
        operation = result.ok()
        if (readonly and operation.method.upper() != "GET") or (only and only not in
                                                                 operation.label):
            continue
        verdicts.append(_exercise(operation, target, headers, examples, timeout))
    return verdicts


def _exercise(operation, target: str, headers: dict, examples: int, timeout: float) -> Verdict:
    """``examples`` generated requests of one operation, each answer held to the contract."""
    import requests
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                     response_schema_conformance, status_code_conformance)
    from schemathesis.core.failures import FailureGroup

    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]
    statuses: list[int] = []
    problems: dict[str, None] = {}              # ordered, without repeats
    session = requests.Session()

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    def exercise(case):
        try:
            response = case.call(base_url=target, session=session, headers=headers,
                                 timeout=timeout)
        except requests.RequestException as exc:
            problems[f"no answer: {exc.__class__.__name__}: {exc}"] = None
            return
        statuses.append(response.status_code)
        try:
            case.validate_response(response, checks=checks)
        except FailureGroup as group:
            for failure in group.exceptions:
                problems[_describe(response.status_code, failure)] = None

    with session:
        exercise()
    return _verdict(operation, statuses, list(problems))


def _describe(status: int, failure) -> str:
    first = (failure.message or failure.title).strip().splitlines()[0]
    path = getattr(failure, "instance_path", None)
    where = f" (at {'/'.join(map(str, path)) or '<root>'})" if path is not None else ""
    return f"{status}: {failure.title}: {first}{where}"


def _verdict(operation, statuses: list[int], problems: list[str]) -> Verdict:
    label = operation.label
    if not statuses:
        return Verdict(label, "unreachable", problems, ok=False)
    parameters = "{" in operation.path
    if all(s in (405, 501) or (s == 404 and not parameters) for s in statuses):
        return Verdict(label, "missing", [f"answered {sorted(set(statuses))}: the server has "
                                          "no such route"], ok=False)
    if problems:
        return Verdict(label, "differs", problems, ok=False)
    return Verdict(label, "conforms")
