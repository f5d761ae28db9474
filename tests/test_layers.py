"""Imports run one way: adapters → domain → core, and never in a circle.

Every module of ``simulator/`` (``ozsim``) and ``scenarios/`` (``ozsim.scenarios``) is parsed
with ``ast`` — imports inside functions included — and every import of another ``ozsim``
module is checked against ``LAYERS``: a module may import modules of its own package and of
lower layers only. The graph of module imports must have no cycle.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {"ozsim": ROOT / "simulator", "ozsim.scenarios": ROOT / "scenarios"}

# lowest first. A package (or top-level module) of ``ozsim`` not listed here fails the test:
# place it deliberately.
LAYERS = [
    ("core",),                                   # generic: documents, query, clock, world
    ("ftth",),                                   # the FTTH domain
    ("generator", "wire"),                       # networks to build; what adapters share
    ("traffic",),                                # every API's journal, rate limit, faults
    ("integrations",),                           # jobs that call other systems over HTTP
    ("ozmap", "control", "web", "int6", "ozneutral"),   # HTTP adapters (never each other)
    ("app", "server"),                           # composition: the app, its server
    ("scenarios",),                              # the reference integration
    ("drift",),                                  # contracts vs servers vs recorded traffic
    ("cli", "pytest_plugin"),                    # entry points
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def modules() -> dict[str, Path]:
    """{dotted module name: file} of every module."""
    found = {}
    for base, folder in SOURCES.items():
        for path in sorted(folder.rglob("*.py")):
            if "node_modules" in path.parts:
                continue
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([base, *parts])] = path
    return found


def imports(name: str, path: Path, known: dict) -> set[str]:
    """The ``ozsim`` modules ``name`` imports, anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            # `from pkg import sub` imports the submodule when there is one
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:          # a name inside a module
                target = target.rpartition(".")[0]
            if target.startswith("ozsim") and target != name:
                out.add(target)
    return out


def layer_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def test_every_package_has_a_layer():
    unplaced = sorted({layer_of(m) for m in modules()} - set(RANK) - {""})
    assert not unplaced, f"place these in tests/test_layers.py LAYERS: {unplaced}"


def test_imports_go_down_the_layers_only():
    wrong = []
    for module, targets in graph().items():
        here = layer_of(module)
        for target in targets:
            there = layer_of(target)
            if here and there and there != here and RANK[there] >= RANK[here]:
                wrong.append(f"{module} imports {target} ({here} → {there})")
    assert not wrong, "imports against the layer order:\n  " + "\n  ".join(sorted(wrong))


def test_no_import_cycles():
    edges = graph()
    state: dict[str, int] = {}          # 1: on the current path, 2: done
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n  " + "\n  ".join(" → ".join(c) for c in cycles)


def test_the_checker_sees_local_and_relative_imports(tmp_path):
    known = {"ozsim.ftth.a": None, "ozsim.ftth": None, "ozsim.core.world": None,
             "ozsim.generator": None}
    source = tmp_path / "a.py"
    source.write_text("from ..core.world import World\n"
                      "def f():\n    from .. import generator\n")
    assert imports("ozsim.ftth.a", source, known) == {"ozsim.core.world", "ozsim.generator"}
