"""Which routes the official SDK calls, and which of them the contract serves.

    python -m tests.sdk.coverage            # print contracts/COVERAGE.md
    python -m tests.sdk.coverage --write    # rewrite contracts/COVERAGE.md (``make coverage``)

The routes are read from the installed SDK bundle (``tests/sdk/node_modules/@ozmap/ozmap-sdk/
dist/index.js``, ``make sdk``), not from a list kept by hand: every proxy class, its base class
(``ReadableProxy`` → find/findOne/findAll/findById, ``UpdatableProxy`` → updateById,
``WritableProxy`` → create/deleteById), its ``_route`` getters, and every
``this.apiInstance.<method>({route: ...})`` call of its own methods (an override that calls
``super.<method>`` keeps the base class's calls). A route template's interpolations
(``${id}``, ``${reportId}``) become ``{id}``; ``${this._route}`` becomes the proxy's route.
The login the SDK's ``Api`` sends itself (``LOGIN_URL``) counts too.

The table lists every (method, path) once, with the SDK proxies and methods that call it, and
the contract's operation and ``x-fidelity`` — or "missing". ``tests/sdk/test_coverage.py``
fails when a route is missing or when COVERAGE.md is stale.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "tests" / "sdk" / "node_modules" / "@ozmap" / "ozmap-sdk" / "dist" / "index.js"
PACKAGE = BUNDLE.parents[1] / "package.json"
CONTRACT = ROOT / "contracts" / "ozmap.yaml"
COVERAGE = ROOT / "contracts" / "COVERAGE.md"
PREFIX = "/api/v2/"

CLASS = re.compile(r"^var (\w+) = class(?: extends (\w+))? \{$", re.M)
GETTER = re.compile(r"^  get (_\w+)\(\) \{\s*return \"([^\"]+)\";", re.M)
METHOD = re.compile(r"^  (?:async )?(\w+)\([^)]*\) \{$", re.M)
CALL = re.compile(r"this\.apiInstance\.(get|post|patch|delete)\(\{\s*(?:\.\.\.\w+,\s*)?"
                  r"route: (`[^`]*`|\"[^\"]*\"|this\.\w+)")
SUPER = re.compile(r"super\.(\w+)\(")
INSTANCE = re.compile(r"this\.(\w+) = new (\w+)\(this\.apiInstance\)")
LOGIN = re.compile(r'^var LOGIN_URL = "([^"?]+)[^"]*";$', re.M)    # Api.login, not a proxy
ALIAS = re.compile(r"^var (\w+) = (\w+);$", re.M)


@dataclass
class Proxy:
    name: str
    base: str | None
    getters: dict = field(default_factory=dict)
    methods: dict = field(default_factory=dict)     # name -> ([(method, raw route)], [super calls])


def _classes(source: str) -> dict[str, Proxy]:
    """Every class of the bundle: its base, its ``_route``-like getters, its methods' calls."""
    found = {}
    for match in CLASS.finditer(source):
        end = source.find("\n};", match.end())
        body = source[match.end():end]
        proxy = Proxy(match.group(1), match.group(2))
        proxy.getters = dict(GETTER.findall(body))
        methods = list(METHOD.finditer(body))
        for j, method in enumerate(methods):
            text = body[method.end():methods[j + 1].start() if j + 1 < len(methods) else None]
            proxy.methods[method.group(1)] = (CALL.findall(text), SUPER.findall(text))
        found[proxy.name] = proxy
    return found


ALIASES: dict[str, str] = {}


def _base(name: str | None) -> str | None:
    """The class a name stands for (``ReadableProxy_default`` → ``ReadableProxy``)."""
    return ALIASES.get(name, name)


def _path(raw: str, getters: dict) -> str:
    """The path template of a route expression, with the proxy's getters substituted."""
    if raw.startswith("this."):
        return getters[raw[5:]]
    text = raw[1:-1]
    text = re.sub(r"\$\{this\.(\w+)\}", lambda m: getters[m.group(1)], text)
    return re.sub(r"\$\{[^}]+\}", "{id}", text)


def _calls(classes: dict, name: str, method: str, getters: dict) -> set[tuple[str, str]]:
    """(HTTP method, path) of ``method`` as class ``name`` runs it (inherited when not defined)."""
    cls = classes.get(name)
    while cls is not None and method not in cls.methods:
        cls = classes.get(_base(cls.base))
    if cls is None:
        return set()
    calls, supers = cls.methods[method]
    out = {(verb.upper(), PREFIX + _path(raw, getters)) for verb, raw in calls}
    if method in supers:
        out |= _calls(classes, _base(cls.base), method, getters)
    return out


def _getters(classes: dict, name: str) -> dict:
    chain, cls = [], classes.get(name)
    while cls is not None:
        chain.append(cls.getters)
        cls = classes.get(_base(cls.base))
    merged = {}
    for getters in reversed(chain):
        merged.update(getters)
    return merged


def _methods(classes: dict, name: str) -> set[str]:
    out, cls = set(), classes.get(name)
    while cls is not None:
        out |= set(cls.methods) - {"constructor"}
        cls = classes.get(_base(cls.base))
    return out


def sdk_routes(source: str | None = None) -> dict[tuple[str, str], list[str]]:
    """{(HTTP method, /api/v2 path template): ["proxy.method", ...]} of every SDK proxy."""
    source = BUNDLE.read_text(encoding="utf-8") if source is None else source
    classes = _classes(source)
    ALIASES.update(ALIAS.findall(source))
    routes: dict[tuple[str, str], list[str]] = {}
    for attribute, alias in INSTANCE.findall(source):
        class_name = _base(alias)
        getters = _getters(classes, class_name)
        for method in sorted(_methods(classes, class_name)):
            for route in _calls(classes, class_name, method, getters):
                routes.setdefault(route, []).append(f"{attribute}.{method}")
    for path in LOGIN.findall(source):
        routes.setdefault(("POST", path), []).append("login (API key refresh)")
    return routes


def contract_operations(document: dict | None = None) -> dict[tuple[str, str], dict]:
    """{(HTTP method, path template with ``{id}`` parameters): operation} of the contract."""
    if document is None:
        document = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    out = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "patch", "delete", "put"):
                out[(method.upper(), re.sub(r"\{[^}]+\}", "{id}", path))] = operation
    return out


def missing(routes=None, operations=None) -> list[tuple[str, str]]:
    routes = sdk_routes() if routes is None else routes
    operations = contract_operations() if operations is None else operations
    return sorted(set(routes) - set(operations), key=lambda r: (r[1], r[0]))


def report(routes=None, operations=None) -> str:
    routes = sdk_routes() if routes is None else routes
    operations = contract_operations() if operations is None else operations
    version = re.search(r'"version":\s*"([^"]+)"', PACKAGE.read_text(encoding="utf-8")).group(1)
    served = [r for r in routes if r in operations]
    tags = {}
    for route in served:
        tag = operations[route].get("x-fidelity", "?")
        tags[tag] = tags.get(tag, 0) + 1
    extra = sorted(set(operations) - set(routes), key=lambda r: (r[1], r[0]))
    lines = [
        "# Coverage of the official SDK",
        "",
        "Generated by `make coverage` (`python -m tests.sdk.coverage --write`) from the installed",
        f"`@ozmap/ozmap-sdk` {version} bundle and `contracts/ozmap.yaml`; do not edit by hand.",
        "",
        f"The SDK's proxies call **{len(routes)}** routes; the simulator serves "
        f"**{len(served)}** of them"
        + (f" ({', '.join(f'{n} {t}' for t, n in sorted(tags.items()))})" if tags else "") + ".",
        "Fidelity: `confirmed` — official OZmap material or the SDK itself; `inferred` — a",
        "reasoned guess; `simulator` — a model of the simulator's own where OZmap's behaviour is",
        "not public (see `docs/decisions.md` and `docs/box-internals.md`).",
        "",
        "| method | path | SDK | operation | fidelity |",
        "|---|---|---|---|---|",
    ]
    for route in sorted(routes, key=lambda r: (r[1], "GET POST PATCH DELETE".find(r[0]))):
        operation = operations.get(route)
        callers = ", ".join(sorted(routes[route]))
        served_as = (f"`{operation['operationId']}` | {operation.get('x-fidelity', '?')}"
                     if operation else "**missing** | —")
        lines.append(f"| {route[0]} | `{route[1]}` | {callers} | {served_as} |")
    lines += ["", f"Routes the simulator serves beyond the SDK ({len(extra)}): they come from "
              "OZmap's documentation, older official clients, or the simulator itself.", "",
              "| method | path | operation | fidelity |", "|---|---|---|---|"]
    for route in extra:
        operation = operations[route]
        lines.append(f"| {route[0]} | `{route[1]}` | `{operation['operationId']}` | "
                     f"{operation.get('x-fidelity', '?')} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not BUNDLE.is_file():
        print(f"{BUNDLE} is missing: run `make sdk`", file=sys.stderr)
        return 2
    text = report()
    if "--write" in argv:
        COVERAGE.write_text(text, encoding="utf-8")
        print(f"wrote {COVERAGE.relative_to(ROOT)}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
