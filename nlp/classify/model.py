"""A fitted classifier as annotation uses it: labels, probabilities, the card, training fingerprints.

Free of scikit-learn: ``pipeline`` is anything with ``classes_`` and ``predict_proba`` (a fitted
scikit-learn ``Pipeline``, or the exported NumPy predictor of :mod:`nlp.classify.predictor`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from nlp import native
from nlp.classify.features import lead_tokens
from nlp.doc import ROUND, Prediction

_ngrams = native.load("nlp.classify._ngrams")  # the compiled core; BuildError if missing or stale


def chinese_characters(text: str, limit: int | None = None) -> int:
    """How many Chinese (Han) characters ``text`` has; with ``limit``, counting stops there (enough to
    tell whether an article is long enough to classify without reading all of it)."""
    return _ngrams.han_count(text, -1 if limit is None else max(limit, 0))



def fingerprints(docs: Sequence[str]) -> np.ndarray:
    """Sorted 64-bit hashes of documents: lets a model tell which texts it was trained on, without keeping them."""
    values = {int.from_bytes(hashlib.blake2b(d.encode("utf-8"), digest_size=8).digest(), "little") for d in docs}
    return np.array(sorted(values), dtype=np.uint64)


def sharpen(probabilities: np.ndarray, power: float | None) -> np.ndarray:
    """Rows of probabilities raised to ``power`` and renormalised (None or 1: unchanged).  One-vs-rest
    sigmoids divided by their sum are underconfident on 18 labels; a power fitted on held-out
    predictions (``nlp.classify.training.fit_power``) corrects that without changing any ranking."""
    if power is None or power == 1:
        return probabilities
    raised = np.power(np.asarray(probabilities, dtype=np.float64), float(power))
    total = raised.sum(axis=1, keepdims=True)
    return np.divide(raised, total, out=np.full_like(raised, 1 / raised.shape[1]), where=total > 0)


@dataclass
class Model:
    """A fitted pipeline, its card (labels, data, settings, metrics, versions) and training fingerprints."""

    pipeline: Any  # a fitted Pipeline or an exported LinearTextPredictor
    card: dict[str, Any] = field(default_factory=dict)
    trained_on: np.ndarray | None = None

    def overlap(self, docs: Sequence[str]) -> int:
        """How many of ``docs`` were among the training documents (0 when unknown)."""
        if self.trained_on is None or not len(docs):
            return 0
        return int(np.isin(fingerprints(docs), self.trained_on).sum())

    def knows_language(self, language: str, *, min_share: float = 0.01) -> bool:
        """Whether at least ``min_share`` of the training documents were in ``language`` (the card's
        ``languages``; True for models whose card does not record them)."""
        languages = self.card.get("languages")
        if not languages:
            return True
        return languages.get(language, 0) >= min_share * sum(languages.values())

    def thresholds(self, min_score: float | None = None, min_chars: int | None = None) -> tuple[float, int]:
        """The ``min_score`` and ``min_chars`` to label with: the given ones, else the card's (chosen on
        held-out data when the model was trained), else 0 (always label)."""
        return (float(self.card.get("min_score", 0.0)) if min_score is None else min_score,
                int(self.card.get("min_chars", 0)) if min_chars is None else min_chars)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(str(label) for label in self.pipeline.classes_)

    def predict(self, docs: Sequence[str], *, top_n: int = 3, min_score: float = 0.0) -> list[Prediction]:
        """One :class:`Prediction` per document string (one vectorizer call for the batch)."""
        if not docs:
            return []
        max_tokens = self.card.get("max_tokens")  # a model trained on the lead of each document reads only that
        probabilities = self.pipeline.predict_proba([lead_tokens(d, max_tokens) for d in docs] if max_tokens else list(docs))
        probabilities = sharpen(probabilities, self.card.get("probability_power"))
        labels = self.labels
        results = []
        for row in probabilities:
            ranked = sorted(((round(float(p), ROUND), labels[i]) for i, p in enumerate(row)), key=lambda x: (-x[0], x[1]))
            top = tuple((label, score) for score, label in ranked[:top_n])
            best_label, best_score = top[0]
            results.append(Prediction(best_label if best_score >= min_score else None, best_score, top))
        return results


