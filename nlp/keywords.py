"""Keywords over already-segmented tokens: an IDF table, TF-IDF and TextRank.

Every function takes the tokens the segmenter produced once per article; nothing here
segments text again.  Scores are rounded to 6 decimals and ties broken by the word, so the same
input gives the same output bytes.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

from .errors import ConfigError
from .segment import Token, is_content

ROUND = 6


@dataclass(frozen=True)
class Keyword:
    word: str
    score: float

    def to_dict(self) -> dict[str, object]:
        return {"word": self.word, "score": self.score}


@dataclass(frozen=True)
class Segmented:
    """An article's tokens: the title's and the body's, each segmented once."""

    title: tuple[Token, ...]
    body: tuple[Token, ...]

    @property
    def n_tokens(self) -> int:
        return len(self.title) + len(self.body)


class IdfTable:
    """Inverse document frequencies in jieba's ``word idf`` format, with a median fallback."""

    def __init__(self, idf: dict[str, float]) -> None:
        if not idf:
            raise ConfigError("an IDF table needs at least one word")
        self.idf = idf
        self.default = statistics.median(idf.values())

    def __getitem__(self, word: str) -> float:
        return self.idf.get(word, self.default)

    def __len__(self) -> int:
        return len(self.idf)

    @classmethod
    def jieba_default(cls) -> "IdfTable":
        """The table bundled with jieba (built by jieba's authors from a large corpus)."""
        text = resources.files("jieba.analyse").joinpath("idf.txt").read_text("utf-8")
        return cls(_parse(text.split("\n"), "jieba idf.txt"))

    @classmethod
    def load(cls, path: Path) -> "IdfTable":
        try:
            text = Path(path).read_text("utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path}: cannot read IDF file: {error}") from None
        return cls(_parse(text.split("\n"), str(path)))

    @classmethod
    def build(
        cls, documents: Iterable[Iterable[str]], *, min_df: int = 2, base: "IdfTable | None" = None
    ) -> "IdfTable":
        """Smoothed IDF ``ln((1 + N) / (1 + df)) + 1`` over word sets of ``documents``.

        Words seen in fewer than ``min_df`` documents are left out; words of ``base`` (jieba's
        table, usually) that the corpus lacks keep the base value.
        """
        df: Counter[str] = Counter()
        n_docs = 0
        for words in documents:
            n_docs += 1
            df.update(set(words))
        idf = dict(base.idf) if base is not None else {}
        for word, count in df.items():
            if count >= min_df:
                idf[word] = round(math.log((1 + n_docs) / (1 + count)) + 1.0, ROUND)
        if not idf:
            raise ConfigError(f"no word occurs in at least {min_df} of the {n_docs} documents")
        return cls(idf)

    def save(self, path: Path) -> None:
        lines = [f"{word} {value:.6f}\n" for word, value in sorted(self.idf.items())]
        Path(path).write_text("".join(lines), encoding="utf-8")


def candidates(tokens: Sequence[Token], pos: frozenset[str], stopwords: frozenset[str]) -> list[str]:
    """Words that may be keywords: content tokens of an allowed part of speech, 2+ characters."""
    return [t.word for t in tokens if t.pos in pos and len(t.word) >= 2 and is_content(t, stopwords)]


def tfidf(
    doc: Segmented,
    idf: IdfTable,
    *,
    top_k: int,
    pos: frozenset[str],
    stopwords: frozenset[str],
    title_weight: float = 3.0,
) -> list[Keyword]:
    """Term frequency (title occurrences count ``title_weight`` times) x IDF, top ``top_k``."""
    counts: defaultdict[str, float] = defaultdict(float)
    for word in candidates(doc.title, pos, stopwords):
        counts[word] += title_weight
    for word in candidates(doc.body, pos, stopwords):
        counts[word] += 1.0
    total = sum(counts.values())
    if not total:
        return []
    scores = {word: count / total * idf[word] for word, count in counts.items()}
    return _top(scores, top_k)


def textrank(
    doc: Segmented,
    *,
    top_k: int,
    pos: frozenset[str],
    stopwords: frozenset[str],
    window: int = 5,
    damping: float = 0.85,
    iterations: int = 30,
) -> list[Keyword]:
    """PageRank over the co-occurrence graph of candidates within ``window`` (title and body kept apart)."""
    graph: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for part in (doc.title, doc.body):
        words = candidates(part, pos, stopwords)
        for i, word in enumerate(words):
            graph[word]  # noqa: B018 - a lone candidate is still a node
            for other in words[i + 1 : i + window]:
                if other != word:
                    graph[word][other] += 1
                    graph[other][word] += 1
    if not graph:
        return []
    nodes = sorted(graph)
    out_weight = {node: sum(graph[node].values()) for node in nodes}
    rank = {node: 1.0 / len(nodes) for node in nodes}
    for _ in range(iterations):
        rank = {
            node: (1 - damping) + damping * sum(
                weight / out_weight[other] * rank[other] for other, weight in sorted(graph[node].items())
            )
            for node in nodes
        }
    top = max(rank.values())
    return _top({node: value / top for node, value in rank.items()}, top_k)


def _top(scores: dict[str, float], top_k: int) -> list[Keyword]:
    ranked = sorted(((round(score, ROUND), word) for word, score in scores.items()), key=lambda p: (-p[0], p[1]))
    return [Keyword(word, score) for score, word in ranked[:top_k]]


def _parse(lines: Iterable[str], name: str) -> dict[str, float]:
    table: dict[str, float] = {}
    for number, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            word, value = parts[0], float(parts[1])
        except (IndexError, ValueError):
            raise ConfigError(f"{name}:{number}: expected 'word idf', got {line.strip()!r}") from None
        table[word] = value
    return table
