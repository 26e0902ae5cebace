"""A NumPy predictor exported from the toolkit's fitted pipelines (``predictor.npz``).

Annotation loads this instead of the skops pipeline, so it starts without importing
scikit-learn (about 0.7 s of a cold start) or SciPy, and predicts with the same arithmetic: the same
analyzers (word n-grams of the segmented text, character n-grams of its lead), sublinear TF, IDF,
row L2 normalisation, the linear decision function and the per-class sigmoid calibration with the
same normalisation as ``CalibratedClassifierCV``.  The n-grams are found and the decision function
summed by the compiled core ``nlp/classify/_ngrams.pyx``.  The file is a NumPy archive read with
``allow_pickle=False``: it holds arrays and one JSON header, and executes nothing; it is stored
uncompressed (17 MB for the default model, read in a few milliseconds).
"""

from __future__ import annotations

import io
import json
import re
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple, Sequence

import numpy as np

from nlp import native
from nlp.classify.features import join_tokens, lead_characters, split_tokens

_ngrams = native.load("nlp.classify._ngrams")  # the compiled core; BuildError if missing or stale

FORMAT = 1
_WHITE_SPACES = re.compile(r"\s\s+")
_PREPROCESSORS = {"lead_characters": lead_characters, "join_tokens": join_tokens}


class Rows(NamedTuple):
    """Sparse rows in CSR form: row ``r`` holds ``data[indptr[r]:indptr[r + 1]]`` at those ``columns``."""

    indptr: np.ndarray
    columns: np.ndarray
    data: np.ndarray


class Block:
    """One TF-IDF block: its analyzer, terms (in column order) and IDF."""

    def __init__(self, kind: str, ngram_range: tuple[int, int], terms: Sequence[str] | bytes, idf: np.ndarray,
                 sublinear: bool, preprocessor: str | None = None, encoded: tuple | None = None) -> None:
        self.kind, self.ngram_range, self.idf = kind, ngram_range, idf
        self.sublinear, self.preprocessor = sublinear, preprocessor
        self._terms = terms if isinstance(terms, bytes) else list(terms)  # bytes: as a file stores them, read when asked
        self._encoded = encoded  # (units, ids, lengths) as a predictor file stores them; else made from the terms

    @cached_property
    def terms(self) -> list[str]:
        """The vocabulary in column order (annotation with a stored encoding never needs the strings)."""
        return self._terms.decode("utf-8").split("\n") if isinstance(self._terms, bytes) else self._terms

    @property
    def n_terms(self) -> int:
        return len(self.idf)

    @cached_property
    def encoded(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The terms as unit ids (``_ngrams.encode_terms``): what the table is built from."""
        return self._encoded or _ngrams.encode_terms(self.terms, self.kind, tuple(self.ngram_range))

    def units(self, doc: str) -> Sequence[str]:
        """What the n-grams are made of: the tokens of a word block, the characters of a char block."""
        if self.kind == "words":
            return split_tokens(doc)
        return _WHITE_SPACES.sub(" ", _PREPROCESSORS[self.preprocessor](doc))

    @cached_property
    def table(self) -> Any:
        """The terms keyed by their units, in the compiled core (built on first use, from the unit ids
        the predictor file stores: a few milliseconds for the default model, 0.1 s from the terms)."""
        return _ngrams.NgramTable(*self.encoded, self.kind, tuple(self.ngram_range))

    def term_counts(self, docs: Sequence[str]) -> Rows:
        """How often each vocabulary term occurs in each of ``docs`` (float32, columns sorted in each row):
        the n-grams scikit-learn's analyzer yields, counted."""
        return Rows(*self.table.counts([self.units(doc) for doc in docs]))

    def transform(self, docs: Sequence[str]) -> Rows:
        """Term counts of ``docs`` -> TF-IDF rows, as scikit-learn computes them."""
        rows = self.term_counts(docs)
        data = rows.data
        if self.sublinear:
            np.log(data, data)
            data += 1.0
        data *= self.idf[rows.columns]
        return rows._replace(data=_normalized(rows.indptr, data))


class LinearTextPredictor:
    """``predict_proba`` of an exported pipeline; ``classes_`` like scikit-learn's."""

    def __init__(self, blocks: list[Block], coef: np.ndarray, intercept: np.ndarray, calibration: np.ndarray,
                 classes: np.ndarray) -> None:
        self.blocks, self.coef, self.intercept = blocks, coef, intercept
        self.calibration = calibration  # (n_classes, 2): a, b of expit(-(a * decision + b))
        self._weights = np.ascontiguousarray(coef.T, dtype=np.float32)  # a row of weights per column
        self.classes_ = classes
        if sum(block.n_terms for block in blocks) != coef.shape[1] or any(
                block._encoded is not None and len(block._encoded[2]) != block.n_terms for block in blocks):
            raise ValueError("the blocks' terms do not match the weights' columns")  # the core would read past them

    def predict_proba(self, docs: Sequence[str]) -> np.ndarray:
        decision = np.zeros((len(docs), self._weights.shape[1]), dtype=np.float32)
        offset = 0
        for block in self.blocks:  # the blocks side by side, as scikit-learn's FeatureUnion stacks them
            rows = block.transform(docs)
            _ngrams.add_decision(rows.indptr, rows.columns, rows.data, self._weights[offset:offset + block.n_terms], decision)
            offset += block.n_terms
        decision += self.intercept
        a, b = self.calibration[:, 0], self.calibration[:, 1]
        proba = 1.0 / (1.0 + np.exp(a * decision + b))
        denominator = proba.sum(axis=1)[:, None]
        uniform = np.full_like(proba, 1 / proba.shape[1])
        proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba

    @classmethod
    def from_pipeline(cls, pipeline: Any) -> "LinearTextPredictor":
        """Export a fitted ``features -> CalibratedClassifierCV(linear, sigmoid, ensemble=False)`` pipeline.
        Raises ValueError for any other shape (those models keep loading through skops)."""
        features, classifier = pipeline.named_steps.get("features"), pipeline.named_steps.get("classifier")
        calibrated = getattr(classifier, "calibrated_classifiers_", None)
        if features is None or calibrated is None or len(calibrated) != 1 or classifier.method != "sigmoid":
            raise ValueError("not an exportable pipeline")
        blocks = []
        for name, vectorizer in features.transformer_list:
            if not hasattr(vectorizer, "idf_") or vectorizer.norm != "l2" or vectorizer.dtype is not np.float32:
                raise ValueError(f"feature block {name!r} is not an exportable TF-IDF block")
            if vectorizer.analyzer == "word" and getattr(vectorizer.tokenizer, "__name__", "") == "split_tokens":
                blocks.append(Block("words", vectorizer.ngram_range, _terms(vectorizer), vectorizer.idf_, vectorizer.sublinear_tf))
            elif vectorizer.analyzer == "char" and getattr(vectorizer.preprocessor, "__name__", "") in _PREPROCESSORS:
                blocks.append(Block("chars", vectorizer.ngram_range, _terms(vectorizer), vectorizer.idf_,
                                    vectorizer.sublinear_tf, vectorizer.preprocessor.__name__))
            else:
                raise ValueError(f"feature block {name!r} has an analyzer the predictor does not know")
        one = calibrated[0]
        linear = one.estimator
        calibration = np.array([[c.a_, c.b_] for c in one.calibrators], dtype=np.float64)
        if len(one.calibrators) != len(classifier.classes_) or len(classifier.classes_) < 3:
            raise ValueError("the predictor handles three or more classes")
        return cls(blocks, np.asarray(linear.coef_, dtype=np.float32), np.asarray(linear.intercept_, dtype=np.float32),
                   calibration, np.asarray(classifier.classes_))

    def save(self, path: Path) -> None:
        header = {"format": FORMAT, "classes": [str(c) for c in self.classes_],
                  "blocks": [{"kind": b.kind, "ngram_range": list(b.ngram_range), "sublinear": bool(b.sublinear),
                              "preprocessor": b.preprocessor} for b in self.blocks]}
        arrays = {"header": np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
                  "coef": self.coef, "intercept": self.intercept, "calibration": self.calibration}
        for i, block in enumerate(self.blocks):
            arrays[f"terms{i}"] = np.frombuffer("\n".join(block.terms).encode("utf-8"), dtype=np.uint8)
            arrays[f"idf{i}"] = np.asarray(block.idf)
            units, ids, lengths = block.encoded
            arrays[f"units{i}"] = np.frombuffer("\n".join(units).encode("utf-8"), dtype=np.uint8)
            arrays[f"unit_ids{i}"], arrays[f"unit_lengths{i}"] = ids, lengths
        with open(path, "wb") as handle:
            np.savez(handle, **arrays)  # not compressed: inflating 17 MB cost 0.12 s of every cold start

    @classmethod
    def load(cls, source: Path | bytes) -> "LinearTextPredictor":
        """Read a predictor file, or its bytes already read (so that a checksum and the load read it once)."""
        with np.load(io.BytesIO(source) if isinstance(source, bytes) else source, allow_pickle=False) as data:
            header = json.loads(bytes(data["header"]).decode("utf-8"))
            if header.get("format") != FORMAT:
                raise ValueError(f"predictor format {header.get('format')!r} is not {FORMAT}")
            blocks = []
            for i, spec in enumerate(header["blocks"]):
                terms = bytes(data[f"terms{i}"])
                encoded = None
                if f"units{i}" in data.files:  # written since the unit ids are stored (older files: made from the terms)
                    units = bytes(data[f"units{i}"]).decode("utf-8")
                    encoded = (units.split("\n") if units else [], data[f"unit_ids{i}"], data[f"unit_lengths{i}"])
                blocks.append(Block(spec["kind"], tuple(spec["ngram_range"]), terms,
                                    data[f"idf{i}"], spec["sublinear"], spec["preprocessor"], encoded))
            return cls(blocks, data["coef"], data["intercept"], data["calibration"], np.array(header["classes"], dtype=object))


def _terms(vectorizer: Any) -> list[str]:
    """A fitted vectorizer's terms in column order."""
    return sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)


def _normalized(indptr: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Row L2 normalisation as scikit-learn does it (squares summed in double, data kept float32)."""
    squares = data.astype(np.float32) * data
    lengths = np.diff(indptr)
    sums = np.zeros(len(lengths), dtype=np.float64)
    nonempty = lengths > 0
    if len(data):
        sums[nonempty] = np.add.reduceat(squares.astype(np.float64), indptr[:-1][nonempty])
    norms = np.sqrt(sums)
    scale = np.repeat(np.where(norms > 0, norms, 1.0), lengths)
    return (data / scale).astype(np.float32)
