"""Module sizes and function lengths of the package (lines of code, comments and blank lines
excluded from neither), for the structure notes: `python benchmarks/code_size.py [--root DIR]`."""

from __future__ import annotations

import argparse
import ast
import statistics
from pathlib import Path


def measure(root: Path) -> dict[str, float]:
    files = sorted(p for p in (root / "nlp").rglob("*.py"))
    sizes = [len(p.read_text("utf-8").splitlines()) for p in files]
    lengths = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lengths.append(node.end_lineno - node.lineno + 1)
    cli = root / "cli.py"
    return {
        "modules": len(files),
        "package lines": sum(sizes),
        "largest module (lines)": max(sizes),
        "median module (lines)": statistics.median(sizes),
        "functions": len(lengths),
        "median function (lines)": statistics.median(lengths),
        "90th percentile function (lines)": sorted(lengths)[int(0.9 * (len(lengths) - 1))],
        "longest function (lines)": max(lengths),
        "functions over 40 lines": sum(n > 40 for n in lengths),
        "cli.py lines": len(cli.read_text("utf-8").splitlines()) if cli.exists() else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    for name, value in measure(args.root).items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
