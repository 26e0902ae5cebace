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
import math
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
    """Features of every candidate of one document (see ``FEATURES``)."""
    title_spans = spans(title_tokens, stopwords)
    body_spans = spans(body_tokens, stopwords)
    tf_title = Counter(s.text for s in title_spans)
    tf_body = Counter(s.text for s in body_spans)
    texts = tuple(dict.fromkeys([s.text for s in title_spans] + [s.text for s in body_spans]))
    if not texts:
        return Candidates((), np.zeros((0, len(FEATURES)), dtype=np.float64))
    first = {}
    n_body = max(len(body_tokens), 1)
    for s in body_spans:
        first.setdefault(s.text, s.start / n_body)
    last_pos = _last_pos(title_spans, title_tokens) | _last_pos(body_spans, body_tokens)
    supers, subs = _nesting(title_spans), _nesting(body_spans)
    idf_values = np.array([idf[t] for t in texts])
    tfidf = np.array([(title_weight * tf_title[t] + tf_body[t]) for t in texts]) * idf_values
    order = np.empty(len(texts))
    order[np.argsort(-tfidf, kind="stable")] = np.arange(len(texts))
    span_rank: dict[str, float] = {}
    n_tokens_of: dict[str, int] = {}
    for found, tokens in ((title_spans, title_tokens), (body_spans, body_tokens)):
        token_rank = [word_rank.get(t.word, 0.0) for t in tokens]
        for s in found:
            best = max(token_rank[s.start:s.end])
            span_rank[s.text] = max(span_rank.get(s.text, 0.0), best)
            n_tokens_of.setdefault(s.text, s.n_tokens)
    rank = np.array([span_rank[t] for t in texts])
    t_title = np.array([tf_title[t] for t in texts], dtype=np.float64)
    t_body = np.array([tf_body[t] for t in texts], dtype=np.float64)
    n_tok = np.array([n_tokens_of[t] for t in texts], dtype=np.float64)
    pos = [last_pos.get(t, "other") for t in texts]
    columns = [
        np.log1p(t_title), np.log1p(t_body), (t_title > 0).astype(float), np.array([first.get(t, 1.0) for t in texts]),
        idf_values / idf_values.max(), np.array([float(t in idf) for t in texts]),
        np.array([min(len(t), 16) / 8 for t in texts]), n_tok, (n_tok == 1).astype(float),
        tfidf / tfidf.max(), order / len(texts), rank / max(rank.max(), 1e-12),
        np.log1p([len(supers[0].get(t, ())) + len(subs[0].get(t, ())) for t in texts]),
        np.log1p([len(supers[1].get(t, ())) + len(subs[1].get(t, ())) for t in texts]),
        np.array([float(bool(_LATIN.search(t))) for t in texts]),
        *(np.array([float(p == name) for p in pos]) for name in LAST_POS),
        np.array([float(p not in LAST_POS) for p in pos]),
    ]
    return Candidates(texts, np.column_stack(columns).astype(np.float64))


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


def _last_pos(found: Sequence[Span], tokens) -> dict[str, str]:
    return {s.text: tokens[s.end - 1].pos for s in found}


def _nesting(found: Sequence[Span]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(text -> texts of spans containing it, text -> texts of spans inside it) from token positions.

    Each distinct text is expanded once (at its first occurrence): nesting is a property of the
    text, not of where it stands.
    """
    by_position = {(s.start, s.end): s.text for s in found}
    inside: dict[str, set[str]] = {}
    contains: dict[str, set[str]] = {}
    seen: set[str] = set()
    for s in found:
        if s.n_tokens == 1 or s.text in seen:
            continue
        seen.add(s.text)
        for a in range(s.start, s.end):
            for b in range(a + 1, s.end + 1):
                sub = by_position.get((a, b))
                if sub is not None and (a, b) != (s.start, s.end):
                    contains.setdefault(s.text, set()).add(sub)
                    inside.setdefault(sub, set()).add(s.text)
    return inside, contains
