"""A short human summary of an annotation run (also ``python -m nlp.summary OUT.jsonl``)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable


@dataclass
class Summary:
    articles: int = 0
    errors: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    keywords: Counter[str] = field(default_factory=Counter)

    def add(self, record: dict[str, Any]) -> None:
        if "error" in record:
            self.errors += 1
            return
        self.articles += 1
        self.languages[record.get("language") or "other"] += 1
        category = record.get("category") or {}
        self.categories[category.get("label") or "(none)"] += 1
        self.keywords.update(k["word"] for k in record.get("keywords", [])[:5])

    def lines(self) -> list[str]:
        def top(counter: Counter[str], n: int) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]) or "-"

        return [
            f"{self.articles} articles annotated, {self.errors} failed",
            f"languages: {top(self.languages, 6)}",
            f"categories: {top(self.categories, 12)}",
            f"top keywords: {top(self.keywords, 10)}",
        ]


def summarize(records: Iterable[dict[str, Any]]) -> Summary:
    summary = Summary()
    for record in records:
        summary.add(record)
    return summary


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    with path.open(encoding="utf-8") as handle:
        summary = summarize(json.loads(line) for line in handle if line.strip())
    print(f"wrote {summary.articles + summary.errors} records to {path}")
    for line in summary.lines():
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
