"""A short human summary of an annotation run, printed to stderr by ``nlp annotate``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from nlp.doc import Doc, Failure


@dataclass
class Summary:
    articles: int = 0
    errors: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    keywords: Counter[str] = field(default_factory=Counter)

    def add(self, item: Doc | Failure) -> None:
        if isinstance(item, Failure):
            self.errors += 1
            return
        self.articles += 1
        self.languages[item.language or "other"] += 1
        self.categories[(item.category.label if item.category else None) or "(none)"] += 1
        self.keywords.update(k.word for k in item.keywords[:3])

    def lines(self) -> list[str]:
        def top(counter: Counter[str], n: int) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]) or "-"

        shared = Counter({word: n for word, n in self.keywords.items() if n > 1})
        lines = [
            f"{self.articles} articles annotated, {self.errors} failed",
            f"languages: {top(self.languages, 6)}",
            f"categories: {top(self.categories, 12)}",
        ]
        return lines + ([f"keywords shared by several articles: {top(shared, 10)}"] if shared else [])


def summarize(items: Iterable[Doc | Failure]) -> Summary:
    summary = Summary()
    for item in items:
        summary.add(item)
    return summary
