"""Replay scenario files (``scenarios/library/*.yaml``, format in ``FORMAT.md``).

A scenario runs against a **target**:

* ``InProcessTarget`` — a fresh ``Simulator(network, seed)`` per scenario, served through a
  ``requests`` adapter over the WSGI app, so the typed client runs exactly as it does remotely;
* ``RemoteTarget(url, api_key)`` — any URL. When it has the simulator's control plane, each
  scenario gets a fresh tenant (``POST /__ozsim/tenants``); otherwise (a real OZmap) the given
  key is used, scenarios that need the control plane or a generated network are skipped, and
  the fixture steps build what the scenario needs.

Every step prints one line (✓/✗, name, ms); a failed expectation prints a per-key diff.
``run_files`` returns the results; ``write_junit`` writes them as JUnit XML.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence, TextIO

import requests
import yaml

from .client import OZmapClient, OZmapError
from .flows import FLOWS, FlowError
from .flows import field as field_flows
from .flows.common import box_free_ports, customer_from, free_ports
from .matching import MISSING, Mismatch, match, short

LIBRARY = Path(__file__).with_name("library")
STEP_KINDS = ("flow", "request", "advance", "assert", "parallel", "create", "set", "sleep")
NO_CONTROL_WAIT = 1.2   # seconds waited instead of a clock advance on a target without control


class ScenarioError(Exception):
    """The scenario file itself is wrong (unknown flow, bad reference, malformed step)."""


# ---- loading ---------------------------------------------------------------------------------
@dataclass
class Scenario:
    path: Path
    name: str
    description: str
    network: dict[str, Any]
    requires: list[str]
    portable: bool
    fixture: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    vars: dict[str, Any]

    @property
    def size(self) -> str:
        return str(self.network.get("size", "empty"))

    @property
    def seed(self) -> int:
        return int(self.network.get("seed", 0))


def _check_step(step: Any, where: str) -> None:
    if not isinstance(step, Mapping):
        raise ScenarioError(f"{where}: a step must be a mapping, got {short(step)}")
    kinds = [k for k in STEP_KINDS if k in step]
    if len(kinds) > 1 and not (kinds == ["assert"] or (len(kinds) == 2 and "assert" in kinds)):
        raise ScenarioError(f"{where}: one of {', '.join(STEP_KINDS)} per step, got {kinds}")
    if not kinds:
        raise ScenarioError(f"{where}: no action; use one of {', '.join(STEP_KINDS)}")
    if "flow" in step and step["flow"] not in FLOWS:
        raise ScenarioError(f"{where}: unknown flow {step['flow']!r}")
    for branch in step.get("parallel") or []:
        _check_step(branch, where + " (parallel branch)")


class _StrictLoader(yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader that refuses duplicate keys (YAML would silently keep the last one)."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False
             ) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return dict(loader.construct_mapping(node, deep=deep))


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, Mapping) or "name" not in doc or "steps" not in doc:
        raise ScenarioError(f"{path}: a scenario needs 'name' and 'steps'")
    network = dict(doc.get("network") or {"size": "empty", "seed": 0})
    fixture = list(doc.get("fixture") or [])
    steps = list(doc.get("steps") or [])
    for i, step in enumerate(fixture):
        _check_step(step, f"{path.name}: fixture[{i}]")
    for i, step in enumerate(steps):
        _check_step(step, f"{path.name}: steps[{i}]")
    size = str(network.get("size", "empty"))
    return Scenario(path=path, name=str(doc["name"]),
                    description=str(doc.get("description") or "").strip(), network=network,
                    requires=list(doc.get("requires") or []),
                    portable=bool(doc.get("portable", size == "empty")), fixture=fixture,
                    steps=steps, vars=dict(doc.get("vars") or {}))


def discover(paths: Sequence[str | Path] = ()) -> list[Path]:
    """Scenario files: the given files and directories (``*.yaml``), or the library."""
    found: list[Path] = []
    for raw in paths or [LIBRARY]:
        p = Path(raw)
        if p.is_dir():
            found += sorted(list(p.glob("*.yaml")) + list(p.glob("*.yml")))
        elif p.exists():
            found.append(p)
        else:
            raise ScenarioError(f"no such scenario file or directory: {p}")
    return found


# ---- targets ---------------------------------------------------------------------------------
@dataclass
class Session:
    """What a scenario runs with: a client factory (one client per integrator/thread)."""

    base_url: str
    api_key: str
    make_session: Callable[[], requests.Session]
    control: bool
    label: str
    filter_in: str = "query"
    close: Callable[[], None] = lambda: None
    server_errors: Callable[[], list[str]] = lambda: []   # drained after a failed step
    admin_token: str | None = None

    def client(self) -> OZmapClient:
        return OZmapClient(self.base_url, self.api_key, session=self.make_session(),
                           retry_wait=0.5, filter_in=self.filter_in,  # type: ignore[arg-type]
                           admin_token=self.admin_token)


class Target(Protocol):
    label: str

    def open(self, scenario: Scenario) -> Session: ...


class Skip(Exception):
    pass


class InProcessTarget:
    """A fresh simulator per scenario, in this process."""

    label = "in-process"

    def __init__(self, filter_in: str = "query"):
        self.filter_in = filter_in

    def open(self, scenario: Scenario) -> Session:
        from ..app import Simulator, create_app
        from ..wire.local import IN_PROCESS_URL, wsgi_session
        simulator = Simulator(network=scenario.size, seed=scenario.seed)
        app = create_app(simulator)
        captured = _ServerErrors()
        app.logger.handlers[:] = [captured]
        app.logger.propagate = False
        return Session(IN_PROCESS_URL, simulator.default_key, lambda: wsgi_session(app), True,
                       f"in-process, network {scenario.size} seed {scenario.seed}",
                       self.filter_in, server_errors=captured.drain)


_TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _own(filename: str) -> str | None:
    """A source file of this project, named from its top folder (``simulator/ftth/wiring.py``);
    None for anybody else's."""
    path = os.path.abspath(filename)
    return os.path.relpath(path, _TOP) if path.startswith(_TOP + os.sep) else None


class _ServerErrors(logging.Handler):
    """Keeps the in-process app's unhandled exceptions (500s) for the failing step's report,
    instead of printing tracebacks in the middle of the step lines."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            import traceback
            exc = record.exc_info[1]
            frames = traceback.extract_tb(record.exc_info[2])
            where = next((f"{_own(f.filename)}:{f.lineno}"
                          for f in reversed(frames) if _own(f.filename)), "")
            text = f"{text}: {type(exc).__name__}: {exc} ({where})"
        self.records.append(text)

    def drain(self) -> list[str]:
        out, self.records = self.records, []
        return out


class RemoteTarget:
    """Any URL: a running simulator (a fresh tenant per scenario, deleted afterwards; its
    admin token when it has one) or a real OZmap (given key)."""

    def __init__(self, url: str, api_key: str | None = None, filter_in: str = "query",
                 admin_token: str | None = None):
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.filter_in = filter_in
        self.admin_token = admin_token
        self.label = self.url
        self._control: bool | None = None

    def has_control(self) -> bool:
        if self._control is None:
            probe = OZmapClient(self.url, self.api_key, retry_wait=0.2, timeout=30,
                                admin_token=self.admin_token)
            self._control = probe.control.available()
        return self._control

    def open(self, scenario: Scenario) -> Session:
        if self.has_control():
            admin = OZmapClient(self.url, None, timeout=120, admin_token=self.admin_token)
            key = admin.control.create_tenant(scenario.size, scenario.seed)

            def forget() -> None:              # tenants are capped: give this one back
                try:
                    admin.control.delete_tenant(key)
                except OZmapError:
                    pass
            return Session(self.url, key, requests.Session, True,
                           f"{self.url}, fresh tenant, network {scenario.size} "
                           f"seed {scenario.seed}", self.filter_in, close=forget,
                           admin_token=self.admin_token)
        if not self.api_key:
            raise Skip("the target has no control plane: pass --api-key")
        if "control" in scenario.requires:
            raise Skip("needs the simulator's control plane")
        if not scenario.portable:
            raise Skip(f"needs a generated '{scenario.size}' network (simulator only)")
        return Session(self.url, self.api_key, requests.Session, False,
                       f"{self.url}, given key (no control plane)", self.filter_in)


# ---- results ---------------------------------------------------------------------------------
@dataclass
class StepResult:
    phase: str               # "fixture" | "steps"
    index: int
    name: str
    ok: bool
    ms: float
    skipped: bool = False
    message: str = ""
    mismatches: list[Mismatch] = field(default_factory=list)
    note: str = ""

    @property
    def label(self) -> str:
        prefix = "fixture" if self.phase == "fixture" else f"{self.index + 1:>2}"
        return f"{prefix} {self.name}"

    def failure_text(self) -> str:
        lines = [self.message] if self.message else []
        lines += [m.render() for m in self.mismatches]
        return "\n".join(lines)


@dataclass
class ScenarioResult:
    scenario: Scenario
    target: str
    steps: list[StepResult] = field(default_factory=list)
    ms: float = 0.0
    skipped: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.skipped or (not self.error and all(s.ok for s in self.steps))


# ---- variables -------------------------------------------------------------------------------
REF = re.compile(r"\$\{([^}]+)\}")


def plain(value: Any) -> Any:
    """Dataclasses (flow results) → dicts, recursively; tuples → lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _pluck(rows: Sequence[Mapping[str, Any]], key: str = "id") -> list[Any]:
    return [row.get(key) for row in rows]


_FUNCTIONS: dict[str, Callable[..., Any]] = {"round": round, "abs": abs, "min": min, "max": max,
                                             "len": len, "int": int, "float": float,
                                             "sum": sum, "pluck": _pluck}


def evaluate(expression: str, lookup: Callable[[str], Any]) -> Any:
    """``${= res.port + 1}``: arithmetic (+ - * / // %, comparisons, round/abs/min/max/len)
    over saved values; dotted names and ``[n]`` indexes are references."""
    import ast
    import operator as op
    binary = {ast.Add: op.add, ast.Sub: op.sub, ast.Mult: op.mul, ast.Div: op.truediv,
              ast.FloorDiv: op.floordiv, ast.Mod: op.mod}
    compare = {ast.Eq: op.eq, ast.NotEq: op.ne, ast.Lt: op.lt, ast.LtE: op.le, ast.Gt: op.gt,
               ast.GtE: op.ge}

    def path(node: ast.AST) -> str:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            return f"{path(node.value)}.{node.attr}"
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            return f"{path(node.value)}.{node.slice.value!s}"
        raise ScenarioError(f"${{= {expression}}}: not a reference: {ast.dump(node)}")

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in binary:
            return binary[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = ev(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Compare) and len(node.ops) == 1 \
                and type(node.ops[0]) in compare:
            return compare[type(node.ops[0])](ev(node.left), ev(node.comparators[0]))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in _FUNCTIONS and not node.keywords:
            return _FUNCTIONS[node.func.id](*[ev(a) for a in node.args])
        if isinstance(node, (ast.List, ast.Tuple)):
            return [ev(e) for e in node.elts]
        return lookup(path(node))

    source = re.sub(r"[A-Za-z_]\w*(?:\.\w+)+",
                    lambda m: re.sub(r"\.(\d+)", r"[\1]", m.group(0)), expression.strip())
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ScenarioError(f"${{= {expression}}}: {exc.msg}") from exc
    try:
        return ev(tree.body)
    except TypeError as exc:
        raise ScenarioError(f"${{= {expression}}}: {exc}") from exc


class Vars:
    def __init__(self, initial: Mapping[str, Any]):
        self.values: dict[str, Any] = dict(initial)

    def lookup(self, ref: str) -> Any:
        if ref.strip().startswith("="):
            return evaluate(ref.strip()[1:], self.lookup)
        parts = ref.strip().split(".")
        if parts[0] == "env":
            name = ".".join(parts[1:])
            if name not in os.environ:
                raise ScenarioError(f"${{{ref}}}: environment variable {name} is not set")
            return os.environ[name]
        if parts[0] not in self.values:
            raise ScenarioError(f"${{{ref}}}: nothing saved as {parts[0]!r} "
                                f"(known: {', '.join(sorted(self.values))})")
        value = self.values[parts[0]]
        for i, part in enumerate(parts[1:], 1):
            if isinstance(value, Mapping) and part in value:
                value = value[part]
            elif isinstance(value, list) and re.fullmatch(r"-?\d+", part) \
                    and -len(value) <= int(part) < len(value):
                value = value[int(part)]
            elif part == "length" and isinstance(value, (list, Mapping, str)):
                value = len(value)
            else:
                where = ".".join(parts[:i])
                keys = sorted(value) if isinstance(value, Mapping) else type(value).__name__
                raise ScenarioError(f"${{{ref}}}: {where} has no {part!r} ({short(keys)})")
        return value

    def resolve(self, value: Any) -> Any:
        if isinstance(value, str):
            whole = REF.fullmatch(value.strip())
            if whole:
                return self.lookup(whole.group(1))
            return REF.sub(lambda m: str(self.lookup(m.group(1))), value)
        if isinstance(value, Mapping):
            return {self.resolve(k): self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value


# ---- step execution --------------------------------------------------------------------------
class StepFailed(Exception):
    def __init__(self, message: str, mismatches: Sequence[Mismatch] = ()):
        super().__init__(message)
        self.message = message
        self.mismatches = list(mismatches)


def _error_dict(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, OZmapError):
        return {"status": exc.status, "code": exc.code, "message": exc.message,
                "field": exc.field, "reason": None}
    if isinstance(exc, FlowError):
        return {"status": None, "code": None, "message": exc.message, "field": None,
                "reason": exc.reason, **plain(exc.details)}
    return {"status": None, "code": None, "message": str(exc), "field": None,
            "reason": type(exc).__name__}


@dataclass
class Context:
    session: Session
    api: OZmapClient
    vars: Vars
    notes: list[str] = field(default_factory=list)


def _json_param(value: Any) -> str:
    import json
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"),
                                                            ensure_ascii=False)


def do_request(api: OZmapClient, spec: Mapping[str, Any]) -> dict[str, Any]:
    """A raw request (no error raising): ``{status, body, headers}``."""
    import json
    method = str(spec.get("method", "GET")).upper()
    query = {k: _json_param(v) if isinstance(v, (list, dict)) else v
             for k, v in (spec.get("query") or {}).items()}
    headers = api.headers(with_body=False)
    auth = spec.get("auth", "key")
    if auth in (None, "none", False):
        headers.pop("Authorization", None)
    elif auth != "key":
        headers["Authorization"] = str(auth)
    data: bytes | None = None
    if "raw" in spec:
        data = str(spec["raw"]).encode()
        headers["Content-Type"] = "application/json"
    elif "body" in spec:
        data = json.dumps(spec["body"], ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    headers.update({str(k): str(v) for k, v in (spec.get("headers") or {}).items()})
    response = api.session.request(method, api.url(str(spec["path"])), params=query, data=data,
                                   headers=headers, timeout=api.timeout)
    try:
        body: Any = response.json() if response.content.strip() else None
    except ValueError:
        body = response.text
    return {"status": response.status_code, "body": body, "headers": dict(response.headers)}


def run_flow(api: OZmapClient, name: str, args: Mapping[str, Any]) -> Any:
    fn = FLOWS[name]
    if not isinstance(args, Mapping) or not all(isinstance(k, str) for k in args):
        raise ScenarioError(f"{name}: 'with' must map argument names to values, got "
                            f"{short(args)} (a comma in an unquoted flow-style value?)")
    try:
        return plain(fn(api, **dict(args)))
    except TypeError as exc:
        if "argument" in str(exc) and name.split(".")[-1] in str(exc):
            raise ScenarioError(f"{name}: {exc}") from exc
        raise


def _expect_error(spec: Mapping[str, Any], error: dict[str, Any]) -> list[Mismatch]:
    return match(dict(spec), error, "error")


def _action(ctx: Context, step: Mapping[str, Any], api: OZmapClient) -> Any:
    """Run the action of a step; return its value (saved under ``save``)."""
    v = ctx.vars
    if "flow" in step:
        return run_flow(api, step["flow"], v.resolve(step.get("with") or {}))
    if "create" in step:
        return api.create(str(v.resolve(step["create"])), v.resolve(step.get("with") or {}))
    if "request" in step:
        return do_request(api, v.resolve(step["request"]))
    if "set" in step:
        return v.resolve(step["set"])
    if "sleep" in step:
        time.sleep(float(v.resolve(step["sleep"])))
        return None
    if "advance" in step:
        seconds = float(v.resolve(step["advance"]))
        if ctx.session.control:
            return api.control.advance(seconds)
        time.sleep(NO_CONTROL_WAIT)
        ctx.notes.append(f"no control plane: waited {NO_CONTROL_WAIT} s instead of "
                         f"advancing {seconds:g} s")
        return None
    if "parallel" in step:
        return _parallel(ctx, step["parallel"])
    return None


def _parallel(ctx: Context, branches: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Run the branches at the same time, each with its own client (its own connection)."""
    clients = [ctx.session.client() for _ in branches]
    barrier = threading.Barrier(len(branches))
    outcomes: list[dict[str, Any]] = [{} for _ in branches]

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = {"ok": True, "value": _action(ctx, branches[i], clients[i]),
                           "error": None}
        except (OZmapError, FlowError) as exc:
            outcomes[i] = {"ok": False, "value": None, "error": _error_dict(exc)}
        except Exception as exc:   # noqa: BLE001 - reported as the branch's error
            outcomes[i] = {"ok": False, "value": None, "error": _error_dict(exc)}

    threads = [threading.Thread(target=run, args=(i,), name=f"scenario-branch-{i}")
               for i in range(len(branches))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, out in enumerate(outcomes):
        req = out.get("value")
        if out["ok"] and isinstance(req, dict) and "status" in req and "request" in branches[i]:
            out["ok"] = req["status"] < 400
    return {"results": outcomes, "succeeded": sum(1 for o in outcomes if o["ok"]),
            "failed": sum(1 for o in outcomes if not o["ok"]),
            "values": [o["value"] for o in outcomes if o["ok"]],
            "errors": [o["error"] or o["value"] for o in outcomes if not o["ok"]]}


def run_step(ctx: Context, step: Mapping[str, Any]) -> None:
    """Run one step; raise ``StepFailed`` with the mismatches when an expectation fails."""
    if "requires" in step and "control" in (step.get("requires") or []) \
            and not ctx.session.control:
        raise Skip("needs the control plane")
    value: Any = None
    raises = step.get("raises")
    kinds = [k for k in STEP_KINDS if k in step and k != "assert"]
    if kinds:
        try:
            value = _action(ctx, step, ctx.api)
        except (OZmapError, FlowError) as exc:
            error = _error_dict(exc)
            if raises is None:
                raise StepFailed(f"{type(exc).__name__}: {exc}") from exc
            problems = _expect_error(ctx.vars.resolve(raises), error)
            if problems:
                raise StepFailed("the step failed differently than expected", problems) from exc
            value = {"error": error}
        else:
            if raises is not None:
                raise StepFailed(f"expected an error {short(raises)}, but the step succeeded "
                                 f"with {short(value)}")
        if "request" in step:
            expect = ctx.vars.resolve(step.get("expect") or {})
            if "status" not in expect and value["status"] >= 400:
                raise StepFailed(f"HTTP {value['status']}: {short(value['body'])}")
            problems = match(expect, value)
            if problems:
                raise StepFailed(f"the answer does not match (HTTP {value['status']})", problems)
        elif "expect" in step:
            problems = match(ctx.vars.resolve(step["expect"]), value)
            if problems:
                raise StepFailed("the result does not match", problems)
        if step.get("save"):
            ctx.vars.values[str(step["save"])] = value
    if "assert" in step:
        items = step["assert"]
        items = items if isinstance(items, list) else [items]
        problems = []
        for item in items:
            problems += check(ctx, ctx.vars.resolve(item))
        if problems:
            raise StepFailed("state assertion failed", problems)


# ---- state assertions (through the API) ------------------------------------------------------
def _exists(spec: Mapping[str, Any], found: bool, path: str) -> list[Mismatch]:
    if "exists" in spec and bool(spec["exists"]) != found:
        return [Mismatch(f"{path}.exists", bool(spec["exists"]), found)]
    return []


def check(ctx: Context, item: Any) -> list[Mismatch]:
    """Evaluate one assertion; see FORMAT.md for the list."""
    api = ctx.api
    if not isinstance(item, Mapping) or len(item) != 1:
        raise ScenarioError(f"an assertion is a one-key mapping, got {short(item)}")
    (kind, spec), = item.items()
    spec = dict(spec) if isinstance(spec, Mapping) else spec
    if kind == "box_free_ports":
        actual = box_free_ports(api, str(spec["box"]))
        return match(spec["equals"], actual, f"box_free_ports[{spec['box']}]")
    if kind == "port":
        splitter = api.get("splitters", str(spec["splitter"]))
        path = f"port[{spec['splitter']}:{spec['port']}]"
        if splitter is None:
            return [Mismatch(path, "a splitter", None, "splitter not found")]
        n = int(spec["port"])
        ports = splitter.get("ports") or []
        outputs = (splitter.get("connectables") or {}).get("output") or []
        view = {"free": n in free_ports(splitter),
                "blocked": bool(ports[n - 1].get("blocked")) if n - 1 < len(ports) else False,
                "fiber": outputs[n - 1] if n - 1 < len(outputs) else None}
        expected = {k: v for k, v in spec.items() if k in ("free", "blocked", "fiber")}
        return match(expected, view, path)
    if kind == "client":
        code = str(spec.pop("code"))
        rows = api.properties_by_client_code(code)
        path = f"client[{code}]"
        out = _exists(spec, bool(rows), path)
        spec.pop("exists", None)
        if "count" in spec:
            out += match(spec.pop("count"), len(rows), f"{path}.count")
        if rows and spec:
            out += match(spec, plain(customer_from(rows[0])), path)
        elif not rows and spec and not out:
            out.append(Mismatch(path, spec, None, "no such customer"))
        return out
    if kind in ("element", "property"):
        resource = "properties" if kind == "property" else str(spec.pop("resource"))
        element = str(spec.pop("id"))
        doc = api.get(resource, element, populate=spec.pop("populate", None))
        path = f"{resource}[{element}]"
        out = _exists(spec, doc is not None, path)
        spec.pop("exists", None)
        fields = spec.pop("fields", spec)
        if doc is not None and fields:
            out += match(fields, doc, path)
        elif doc is None and fields and not out:
            out.append(Mismatch(path, fields, None, "not found"))
        return out
    if kind == "count":
        total = api.find(str(spec["resource"]), spec.get("filter"), limit=1).total
        return match(spec["equals"], total, f"count[{spec['resource']}]")
    if kind == "that":
        # {that: {value: ${x.y}, equals|matches: …}}
        wanted = spec.get("equals", spec.get("matches"))
        return match(wanted, spec.get("value", MISSING), str(spec.get("label", "that")))
    if kind == "invariants":
        if not ctx.session.control:
            ctx.notes.append("invariants not checked: no control plane")
            return []
        answer = api.control.invariants()
        return match({"ok": True}, answer, "invariants") + (
            [Mismatch("invariants.message", None, answer.get("message"))]
            if not answer.get("ok") else [])
    if kind == "feasible":
        result = api.feasibility_radius(float(spec["lat"]), float(spec["lng"]),
                                        spec.get("radius"))
        viable_ids = [b["id"] for b in result.get("viableBoxes") or []]
        path = f"feasible[{spec['lat']},{spec['lng']}]"
        out = match(spec["viable"], result.get("viable"), path + ".viable") \
            if "viable" in spec else []
        if "box" in spec and spec["box"] not in viable_ids:
            out.append(Mismatch(path + ".viableBoxes", {"$contains": spec["box"]}, viable_ids))
        if "not_box" in spec and spec["not_box"] in viable_ids:
            out.append(Mismatch(path + ".viableBoxes", {"$not": spec["not_box"]}, viable_ids))
        return out
    if kind == "replica":
        state = plain(field_flows.replica_state(str(spec.pop("path")),
                                                spec.pop("resources",
                                                         field_flows.DEFAULT_RESOURCES)))
        out = []
        for resource, ids in (spec.pop("contains", None) or {}).items():
            missing = [i for i in ids if i not in state["ids"].get(resource, [])]
            if missing:
                out.append(Mismatch(f"replica.{resource}", {"$contains": missing},
                                    f"{len(state['ids'].get(resource, []))} ids without them"))
        for resource, ids in (spec.pop("absent", None) or {}).items():
            present = [i for i in ids if i in state["ids"].get(resource, [])]
            if present:
                out.append(Mismatch(f"replica.{resource}", {"absent": present}, "present"))
        row = spec.pop("row", None)
        if row:
            doc = field_flows.replica_element(state["replica"], str(row["resource"]),
                                              str(row["id"]))
            out += match(row.get("fields", {}), doc if doc is not None else MISSING,
                         f"replica.{row['resource']}[{row['id']}]")
        return out + match(spec, state, "replica")
    raise ScenarioError(f"unknown assertion {kind!r}")


# ---- running ---------------------------------------------------------------------------------
def _step_name(step: Mapping[str, Any]) -> str:
    if step.get("name"):
        return str(step["name"])
    for kind in STEP_KINDS:
        if kind in step:
            detail = step[kind]
            if kind == "request" and isinstance(detail, Mapping):
                detail = f"{detail.get('method', 'GET')} {detail.get('path')}"
            elif kind == "assert":
                detail = ", ".join(next(iter(i)) for i in (detail if isinstance(detail, list)
                                                          else [detail]))
            elif kind == "parallel":
                detail = f"{len(detail)} branches"
            return f"{kind} {detail}"
    return "step"


class Reporter:
    def __init__(self, out: TextIO | None = sys.stdout, verbose: bool = True):
        self.out = out
        self.verbose = verbose

    def line(self, text: str = "") -> None:
        if self.out is not None:
            print(text, file=self.out, flush=True)

    def start(self, scenario: Scenario, target: str) -> None:
        self.line(f"▶ {scenario.name}  ({scenario.path.name}; {target})")

    def step(self, result: StepResult) -> None:
        mark = "-" if result.skipped else ("✓" if result.ok else "✗")
        note = f"  [{result.note}]" if result.note else ""
        self.line(f"  {mark} {result.label:<68} {result.ms:7.1f} ms{note}")
        if not result.ok:
            for text in result.failure_text().splitlines():
                self.line(f"      {text}")

    def end(self, result: ScenarioResult) -> None:
        if result.skipped:
            self.line(f"- {result.scenario.name} skipped: {result.error}")
        elif result.ok:
            self.line(f"✓ {result.scenario.name} passed ({len(result.steps)} steps, "
                      f"{result.ms:.0f} ms)")
        else:
            failed = sum(1 for s in result.steps if not s.ok)
            why = result.error or f"{failed} step(s) failed"
            self.line(f"✗ {result.scenario.name} FAILED: {why} ({result.ms:.0f} ms)")
        self.line()


def run_scenario(scenario: Scenario, target: Target, reporter: Reporter | None = None
                 ) -> ScenarioResult:
    reporter = reporter or Reporter(None)
    result = ScenarioResult(scenario=scenario, target=target.label)
    started = time.perf_counter()
    try:
        session = target.open(scenario)
    except Skip as exc:
        result.skipped, result.error = True, str(exc)
        reporter.end(result)
        return result
    except Exception as exc:   # noqa: BLE001 - a target that cannot open is a failure
        result.error = f"cannot open the target: {type(exc).__name__}: {exc}"
        result.ms = (time.perf_counter() - started) * 1000
        reporter.end(result)
        return result
    result.target = session.label
    reporter.start(scenario, session.label)
    tmp = tempfile.mkdtemp(prefix="ozsim-scenario-")
    uid = secrets.token_hex(4)
    ctx = Context(session=session, api=session.client(),
                  vars=Vars({"run": {"uid": uid, "tmp": tmp, "target": session.label,
                                     "control": session.control},
                             "scenario": {"name": scenario.name, "file": scenario.path.name}}))
    try:
        ctx.vars.values.update(ctx.vars.resolve(scenario.vars))
        failed = False
        for phase, steps in (("fixture", scenario.fixture), ("steps", scenario.steps)):
            for index, step in enumerate(steps):
                name = _step_name(step)
                try:
                    name = str(ctx.vars.resolve(name))
                except ScenarioError:
                    pass
                if failed:
                    sr = StepResult(phase, index, name, ok=True, ms=0.0, skipped=True,
                                    note="not run: an earlier step failed")
                    result.steps.append(sr)
                    reporter.step(sr)
                    continue
                ctx.notes = []
                t0 = time.perf_counter()
                try:
                    run_step(ctx, step)
                    sr = StepResult(phase, index, name, ok=True, ms=0.0)
                except Skip as exc:
                    sr = StepResult(phase, index, name, ok=True, ms=0.0, skipped=True,
                                    note=str(exc))
                except StepFailed as exc:
                    sr = StepResult(phase, index, name, ok=False, ms=0.0, message=exc.message,
                                    mismatches=exc.mismatches)
                except ScenarioError as exc:
                    sr = StepResult(phase, index, name, ok=False, ms=0.0,
                                    message=f"scenario error: {exc}")
                except Exception as exc:   # noqa: BLE001 - any crash fails the step
                    sr = StepResult(phase, index, name, ok=False, ms=0.0,
                                    message=f"{type(exc).__name__}: {exc}")
                sr.ms = (time.perf_counter() - t0) * 1000
                errors = session.server_errors()
                if errors and not sr.ok:
                    sr.message += "".join(f"\nserver error: {e}" for e in errors[-3:])
                if ctx.notes and not sr.note:
                    sr.note = "; ".join(ctx.notes)
                result.steps.append(sr)
                reporter.step(sr)
                failed = failed or not sr.ok
    except ScenarioError as exc:
        result.error = f"scenario error: {exc}"
    finally:
        session.close()
        shutil.rmtree(tmp, ignore_errors=True)
    result.ms = (time.perf_counter() - started) * 1000
    reporter.end(result)
    return result


def run_files(paths: Iterable[str | Path], target: Target, reporter: Reporter | None = None,
              name_filter: str | None = None) -> list[ScenarioResult]:
    results = []
    for path in paths:
        scenario = load(path)
        if name_filter and name_filter not in scenario.name and name_filter not in path.__str__():
            continue
        results.append(run_scenario(scenario, target, reporter))
    return results


def summary(results: Sequence[ScenarioResult], seconds: float) -> str:
    passed = sum(1 for r in results if r.ok and not r.skipped)
    failed = sum(1 for r in results if not r.ok)
    skipped = sum(1 for r in results if r.skipped)
    steps = sum(len(r.steps) for r in results)
    lines = [f"{len(results)} scenarios ({steps} steps): {passed} passed, {failed} failed, "
             f"{skipped} skipped in {seconds:.2f} s"]
    for r in results:
        if not r.ok:
            bad = next((s for s in r.steps if not s.ok), None)
            lines.append(f"  ✗ {r.scenario.name} ({r.scenario.path.name})"
                         + (f": step {bad.label.strip()}" if bad else f": {r.error}"))
    return "\n".join(lines)


def write_junit(results: Sequence[ScenarioResult], path: str | Path) -> None:
    """JUnit XML: one ``<testsuite>`` per scenario, one ``<testcase>`` per step."""
    root = ET.Element("testsuites", name="ozsim-scenarios")
    totals: dict[str, float] = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0,
                                "time": 0.0}
    for r in results:
        suite = ET.SubElement(root, "testsuite", name=r.scenario.name,
                              file=str(r.scenario.path))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="target", value=r.target)
        ET.SubElement(props, "property", name="network",
                      value=f"{r.scenario.size} seed {r.scenario.seed}")
        if r.skipped or r.error and not r.steps:
            case = ET.SubElement(suite, "testcase", classname=r.scenario.name,
                                 name="(scenario)", time=f"{r.ms / 1000:.3f}")
            counts["tests"] += 1
            if r.skipped:
                ET.SubElement(case, "skipped", message=r.error)
                counts["skipped"] += 1
            else:
                ET.SubElement(case, "error", message=r.error).text = r.error
                counts["errors"] += 1
        for s in r.steps:
            case = ET.SubElement(suite, "testcase", classname=r.scenario.name,
                                 name=s.label.strip(), time=f"{s.ms / 1000:.3f}")
            counts["tests"] += 1
            if s.skipped:
                ET.SubElement(case, "skipped", message=s.note)
                counts["skipped"] += 1
            elif not s.ok:
                failure = ET.SubElement(case, "failure",
                                        message=(s.message or "assertion failed")[:500])
                failure.text = s.failure_text()
                counts["failures"] += 1
        if r.error and r.steps:
            ET.SubElement(suite, "system-err").text = r.error
            counts["errors"] += 1
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        suite.set("time", f"{r.ms / 1000:.3f}")
        totals["time"] += r.ms / 1000
    for key, total in totals.items():
        root.set(key, f"{total:.3f}" if key == "time" else str(int(total)))
    ET.indent(root)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


__all__ = ["Scenario", "load", "discover", "InProcessTarget", "RemoteTarget", "Session",
           "run_scenario", "run_files", "ScenarioResult", "StepResult", "Reporter", "summary",
           "write_junit", "ScenarioError", "LIBRARY", "check", "Vars", "plain"]
