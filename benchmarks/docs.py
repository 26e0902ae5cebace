"""Write a benchmark's results table into the docs, between marker comments."""

from __future__ import annotations

import re
from pathlib import Path

from common import ROOT


def write_block(name: str, markdown: str, files: tuple[Path, ...] = (ROOT / "README.md", ROOT / "docs" / "benchmarks.md")) -> None:
    """Replace ``<!-- NAME:start -->...<!-- NAME:end -->`` in each file (appending it when absent)."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    for path in files:
        text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n\nEvery table here is written by a script in `benchmarks/`; rerun it to reproduce.\n"
        pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
        text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")


def publish(name: str, table: str, *, write: bool = True) -> None:
    """Print a results table and, unless told not to, write it into the docs."""
    print(table)
    if write:
        write_block(name, table)
