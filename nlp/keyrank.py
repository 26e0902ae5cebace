"""The ``combined`` keyword method: phrase candidates ranked by a small logistic model whose
inputs combine TF-IDF, TextRank, position, title occurrence, length and nesting.

The weights are data (``nlp/data/keyrank.json``), fitted by ``benchmarks/train_keyranker.py`` on
the CSL dev split (author keywords of scientific abstracts).  Every input is relative to the
document (scores divided by the document's maximum), so the same weights work with jieba's IDF
table or with one built by ``nlp idf``.  The score of a keyword is the model's probability that
an editor would pick it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from typing import Sequence

import numpy as np

from .errors import ConfigError
from .phrases import Span, spans

LAST_POS = ("n", "vn", "nz", "eng", "v", "a", "nr", "ns", "nt")
FEATURES = (
    "log_tf_title", "log_tf_body", "in_title", "first_position", "idf_rel", "in_idf_table", "chars", "tokens",
    "single_token", "tfidf_rel", "tfidf_rank", "textrank_rel", "log_superstrings", "log_substrings", "has_latin",
    *(f"last_pos_{p}" for p in LAST_POS), "last_pos_other",
)
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Candidates:
    """A document's candidates (distinct texts, in first-seen order) and their feature matrix."""

    texts: tuple[str, ...]
    features: np.ndarray


def candidate_features(title_tokens, body_tokens, idf, word_rank: dict[str, float], stopwords: frozenset[str],
                       *, title_weight: float = 3.0) -> Candidates:
    """Features of every candidate of one document (see ``FEATURES``).  One pass over the spans
    collects, per distinct text: title and body counts, first body position, last part of speech,
    token count and best TextRank score of its words."""
    stats: dict[str, list] = {}  # text -> [tf_title, tf_body, first, last_pos, n_tokens, rank]
    superstrings: Counter[str] = Counter()
    substrings: Counter[str] = Counter()
    n_body = max(len(body_tokens), 1)
    for part, tokens in ((0, title_tokens), (1, body_tokens)):
        found = spans(tokens, stopwords)
        token_rank = [word_rank.get(t.word, 0.0) for t in tokens]
        for text, start, end, n_tokens in found:
            entry = stats.get(text)
            best = max(token_rank[start:end])
            if entry is None:
                entry = stats[text] = [0, 0, 1.0, tokens[end - 1].pos, n_tokens, best]
            elif best > entry[5]:
                entry[5] = best
            entry[part] += 1
            if part == 1 and entry[2] == 1.0:
                entry[2] = start / n_body
        _count_nesting(found, superstrings, substrings)
    if not stats:
        return Candidates((), np.zeros((0, len(FEATURES)), dtype=np.float64))
    texts = tuple(stats)
    table = list(stats.values())
    t_title = np.array([e[0] for e in table], dtype=np.float64)
    t_body = np.array([e[1] for e in table], dtype=np.float64)
    n_tok = np.array([e[4] for e in table], dtype=np.float64)
    rank = np.array([e[5] for e in table], dtype=np.float64)
    pos = [e[3] for e in table]
    idf_values = np.array([idf[t] for t in texts])
    tfidf = (title_weight * t_title + t_body) * idf_values
    order = np.empty(len(texts))
    order[np.argsort(-tfidf, kind="stable")] = np.arange(len(texts))
    columns = [
        np.log1p(t_title), np.log1p(t_body), (t_title > 0).astype(float), np.array([e[2] for e in table]),
        idf_values / idf_values.max(), np.array([float(t in idf) for t in texts]),
        np.array([min(len(t), 16) / 8 for t in texts]), n_tok, (n_tok == 1).astype(float),
        tfidf / tfidf.max(), order / len(texts), rank / max(rank.max(), 1e-12),
        np.log1p([superstrings[t] for t in texts]), np.log1p([substrings[t] for t in texts]),
        np.array([float(bool(_LATIN.search(t))) for t in texts]),
        *(np.array([float(p == name) for p in pos]) for name in LAST_POS),
        np.array([float(p not in LAST_POS) for p in pos]),
    ]
    return Candidates(texts, np.column_stack(columns))


@dataclass(frozen=True)
class KeyRanker:
    """Standardised features -> logistic score."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    info: dict

    @classmethod
    def bundled(cls) -> "KeyRanker":
        text = resources.files("nlp").joinpath("data/keyrank.json").read_text("utf-8")
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: dict) -> "KeyRanker":
        if tuple(data.get("features", ())) != FEATURES:
            raise ConfigError("keyrank.json was fitted on other features; rerun benchmarks/train_keyranker.py")
        return cls(np.array(data["mean"]), np.array(data["scale"]), np.array(data["coef"]), float(data["intercept"]),
                   {k: v for k, v in data.items() if k not in {"mean", "scale", "coef", "intercept"}})

    def to_dict(self) -> dict:
        return {**self.info, "features": list(FEATURES), "mean": self.mean.round(8).tolist(),
                "scale": self.scale.round(8).tolist(), "coef": self.coef.round(8).tolist(),
                "intercept": round(self.intercept, 8)}

    def score(self, features: np.ndarray) -> np.ndarray:
        if not len(features):
            return np.zeros(0)
        z = ((features - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


def select(texts: Sequence[str], scores: np.ndarray, top_k: int) -> list[tuple[str, float]]:
    """Best first (ties by text), skipping a candidate inside one already chosen."""
    ranked = sorted(zip((round(float(s), 6) for s in scores), texts), key=lambda p: (-p[0], p[1]))
    chosen: list[tuple[str, float]] = []
    for score, text in ranked:
        if len(chosen) == top_k:
            break
        if not any(text in other for other, _ in chosen):
            chosen.append((text, score))
    return chosen


def _count_nesting(found: Sequence[Span], superstrings: Counter, substrings: Counter) -> None:
    """Add, per text, how many distinct candidate texts contain it (``superstrings``) and how many it
    contains (``substrings``), from token positions; each distinct text is expanded once."""
    by_position = {s.start * 100003 + s.end: s.text for s in found}
    seen: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for text, start, end, n_tokens in found:
        if n_tokens == 1 or text in seen:
            continue
        seen.add(text)
        for a in range(start, end):
            base = a * 100003
            for b in range(a + 1, end + 1):
                sub = by_position.get(base + b)
                if sub is not None and sub != text:
                    pairs.add((text, sub))
    for outer, inner in pairs:
        substrings[outer] += 1
        superstrings[inner] += 1
