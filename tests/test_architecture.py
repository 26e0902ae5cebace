"""The layers of the package: every module imports only from its own layer or the layers below,
and no two modules import each other in a circle (function-level imports count too)."""

import ast
import importlib
from pathlib import Path

import pytest

from conftest import REPO

# Lowest first.  A module may import from its own layer and any layer before it.
LAYERS = [
    ("core", ["nlp", "nlp.errors", "nlp.doc"]),
    ("io, text", ["nlp.io", "nlp.text"]),
    ("settings and analysis stages", ["nlp.settings", "nlp.keywords", "nlp.classify", "nlp.dedup", "nlp.entities"]),
    ("pipeline", ["nlp.pipeline"]),
    ("report", ["nlp.report"]),
    ("jobs", ["nlp.jobs"]),
    ("serving", ["nlp.serve"]),
]


def layer_of(module: str) -> int:
    best, found = -1, None
    for number, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), number
    if found is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS")
    return found


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted((REPO / "nlp").rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.split(".")[0] == "nlp":
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "nlp")
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative import; the package uses absolute imports")
    return found


def graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports.  ``from nlp.x import sub`` of a submodule imports
    that submodule (the package's face is run too, but it only gathers names from below)."""
    known = modules()
    edges = {}
    for name, path in known.items():
        found = {m for m in imports_of(path) if m in known and m != name}
        edges[name] = {m for m in found if not any(other.startswith(m + ".") for other in found)}
    return edges


@pytest.mark.parametrize("module", sorted(modules()))
def test_every_module_imports(module):
    importlib.import_module(module)


def test_imports_only_go_down_the_layers():
    upward = [f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})"
              for a, targets in graph().items() for b in sorted(targets) if layer_of(b) > layer_of(a)]
    assert upward == []


def test_no_import_cycle():
    edges = graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(edges[node]):
            if nxt == "nlp" or node == "nlp":  # the package face holds only the version
                continue
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_function_level_imports_are_seen(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from nlp.jobs.annotate import run\n    import nlp.pipeline\n", "utf-8")
    assert {"nlp.jobs.annotate", "nlp.pipeline"} <= imports_of(module)
    assert layer_of("nlp.jobs.annotate") > layer_of("nlp.report.tally") > layer_of("nlp.pipeline") > layer_of("nlp.io.output")
