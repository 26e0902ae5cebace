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
    first_error: str | None = None  # "source: message" of the first error record
    untitled: int = 0  # articles whose title is blank

    def add(self, item: Doc | Failure) -> None:
        if isinstance(item, Failure):
            self.errors += 1
            if self.first_error is None:
                self.first_error = f"{item.source}: {item.message}"
            return
        self.articles += 1
        if not item.title.strip():
            self.untitled += 1
        self.languages[item.language or "other"] += 1
        self.categories[(item.category.label if item.category else None) or "(none)"] += 1
        self.keywords.update(k.word for k in item.keywords[:3])

    def lines(self) -> list[str]:
        def top(counter: Counter[str], n: int) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]) or "-"

        shared = Counter({word: n for word, n in self.keywords.items() if n > 1})
        first = f" (every input failed; the first: {self.first_error})" if self.errors and not self.articles else ""
        lines = [
            f"{self.articles} article{'s' if self.articles != 1 else ''} annotated, {self.errors} failed{first}",
            f"languages: {top(self.languages, 6)}",
            f"categories: {top(self.categories, 12)}",
        ]
        if self.untitled:
            lines.append(f"untitled: {self.untitled} article{'s have' if self.untitled != 1 else ' has'} a blank title")
        return lines + ([f"keywords shared by several articles: {top(shared, 10)}"] if shared else [])


def summarize(items: Iterable[Doc | Failure]) -> Summary:
    summary = Summary()
    for item in items:
        summary.add(item)
    return summary
