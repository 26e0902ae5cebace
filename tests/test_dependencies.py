"""Every third-party package the code imports is declared in pyproject.toml (issue 14: scipy was not)."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _declared() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    requirements = project["dependencies"] + [r for extra in project.get("optional-dependencies", {}).values() for r in extra]
    names = set()
    for requirement in requirements:  # "dask[distributed]" brings the distributed package too
        match = re.match(r"([A-Za-z0-9_.-]+)(?:\[([^\]]*)\])?", requirement)
        names |= {_normal(match.group(1))} | {_normal(e.strip()) for e in (match.group(2) or "").split(",") if e.strip()}
    return names


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_modules() -> set[str]:
    names = set()
    for path in [REPO / "cli.py", *sorted((REPO / "nlp").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("nlp", "cli", "__future__")}


@pytest.mark.parametrize("module", sorted(_imported_modules()))
def test_imported_package_is_declared(module):
    distributions = packages_distributions().get(module, [module])
    assert {_normal(d) for d in distributions} & _declared(), f"{module} is imported but not in pyproject.toml"
