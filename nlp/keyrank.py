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
from dataclasses import dataclass
from importlib import resources
from typing import Sequence

import numpy as np

from .errors import ConfigError
from .phrases import HAS_LATIN, LAST_POS, POS_SHIFT, SpanTable, TokenCodes, span_table

FEATURES = (
    "log_tf_title", "log_tf_body", "in_title", "first_position", "idf_rel", "in_idf_table", "chars", "tokens",
    "single_token", "tfidf_rel", "tfidf_rank", "textrank_rel", "log_superstrings", "log_substrings", "has_latin",
    *(f"last_pos_{p}" for p in LAST_POS), "last_pos_other",
)


@dataclass(frozen=True)
class Candidates:
    """A document's candidates (distinct texts, in first-seen order) and their feature matrix."""

    texts: tuple[str, ...]
    features: np.ndarray


def candidate_features(title_tokens, body_tokens, idf, word_rank: dict[str, float], stopwords: frozenset[str],
                       *, title_weight: float = 3.0, codes: TokenCodes | None = None) -> Candidates:
    """Features of every candidate of one document (see ``FEATURES``), per distinct text: title and
    body counts, first body position, last part of speech, token count and best TextRank score of
    its words (all of its first occurrence except the counts and the TextRank score).  ``codes``
    memoises token properties across documents (an annotator passes its own)."""
    codes = codes or TokenCodes(stopwords)
    tables = [span_table(tokens, codes.codes(tokens)) for tokens in (title_tokens, body_tokens)]
    index: dict[str, int] = {}
    ids = np.array([index.setdefault(t, len(index)) for table in tables for t in table.texts], dtype=np.int64)
    m = len(index)
    if not m:
        return Candidates((), np.zeros((0, len(FEATURES)), dtype=np.float64))
    texts = tuple(index)
    n_title = len(tables[0].texts)
    length = np.concatenate([t.length for t in tables])
    chars = np.concatenate([t.chars for t in tables])
    t_title = np.bincount(ids[:n_title], minlength=m).astype(np.float64)
    t_body = np.bincount(ids[n_title:], minlength=m).astype(np.float64)
    _, first = np.unique(ids, return_index=True)
    first_body = np.ones(m)
    body_ids, body_first = np.unique(ids[n_title:], return_index=True)
    first_body[body_ids] = tables[1].start[body_first] / max(len(body_tokens), 1)
    rank = np.zeros(m)
    np.maximum.at(rank, ids, np.concatenate([_span_max(t, (t_[0] for t_ in tokens), word_rank)
                                             for t, tokens in zip(tables, (title_tokens, body_tokens))]))
    last_code = np.concatenate([t.codes[t.start + t.length - 1] for t in tables])[first]
    has_latin = np.concatenate([_span_any(t, HAS_LATIN) for t in tables])[first]
    superstrings, substrings = np.zeros(m), np.zeros(m)
    offset = 0
    for table in tables:
        outer, inner = _nested_pairs(table, ids[offset:offset + len(table.texts)], m)
        superstrings += np.bincount(inner, minlength=m)
        substrings += np.bincount(outer, minlength=m)
        offset += len(table.texts)
    n_tok = length[first].astype(np.float64)
    idf_table, default = idf.idf, idf.default
    found = [idf_table.get(t) for t in texts]
    idf_values = np.array([default if v is None else v for v in found])
    tfidf = (title_weight * t_title + t_body) * idf_values
    order = np.empty(m)
    order[np.argsort(-tfidf, kind="stable")] = np.arange(m)
    pos = last_code >> POS_SHIFT
    columns = [
        np.log1p(t_title), np.log1p(t_body), (t_title > 0).astype(float), first_body,
        idf_values / idf_values.max(), np.array([v is not None for v in found], dtype=float),
        np.minimum(chars[first], 16) / 8, n_tok, (n_tok == 1).astype(float),
        tfidf / tfidf.max(), order / m, rank / max(rank.max(), 1e-12),
        np.log1p(superstrings), np.log1p(substrings), has_latin.astype(float),
        *((pos == k).astype(float) for k in range(len(LAST_POS) + 1)),
    ]
    return Candidates(texts, np.column_stack(columns))


def _span_max(table: SpanTable, words, word_rank: dict[str, float]) -> np.ndarray:
    """Per span, the best TextRank score of its words."""
    values = np.array([word_rank.get(w, 0.0) for w in words])
    return _sliding(values, table, np.maximum)


def _span_any(table: SpanTable, bit: int) -> np.ndarray:
    return _sliding((table.codes & bit) != 0, table, np.logical_or)


def _sliding(values: np.ndarray, table: SpanTable, combine) -> np.ndarray:
    """``combine`` reduced over each span's tokens (spans of up to ``table.length.max()`` tokens)."""
    out = values[table.start] if len(table.start) else values[:0]
    window = values
    for extra in range(1, int(table.length.max(initial=1))):
        window = combine(window[:-1], values[extra:])  # window[i] covers tokens i .. i + extra
        longer = table.length > extra
        out[longer] = window[table.start[longer]]
    return out


_SUBSPANS = np.array([(a, n) for n in range(1, 6) for a in range(0, 6 - n)])  # (offset, tokens) inside a span


def _nested_pairs(table: SpanTable, ids: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (outer, inner) text pairs where a span of ``inner`` lies inside the first multi-token
    span of ``outer``, from token positions."""
    multi = table.length > 1
    if not multi.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lookup = np.full((len(table.codes) + 1, _SUBSPANS[:, 1].max() + 1), -1, dtype=np.int64)
    lookup[table.start, table.length] = ids
    outer_ids, first = np.unique(ids[multi], return_index=True)
    starts, lengths = table.start[multi][first], table.length[multi][first]
    offsets, sizes = _SUBSPANS[:, 0], _SUBSPANS[:, 1]
    fits = offsets[None, :] + sizes[None, :] <= lengths[:, None]
    rows, cols = np.nonzero(fits)
    inner = lookup[starts[rows] + offsets[cols], sizes[cols]]
    outer = outer_ids[rows]
    keep = (inner >= 0) & (inner != outer)
    pairs = np.unique(outer[keep] * m + inner[keep])
    return pairs // m, pairs % m


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
