"""A NumPy/SciPy predictor exported from the toolkit's fitted pipelines (``predictor.npz``).

Annotation loads this instead of the skops pipeline, so it starts without importing
scikit-learn (about 0.7 s of a cold start) and predicts with the same arithmetic: the same
analyzers (word n-grams of the segmented text, character n-grams of its lead), sublinear TF, IDF,
row L2 normalisation, the linear decision function and the per-class sigmoid calibration with the
same normalisation as ``CalibratedClassifierCV``.  The file is a NumPy archive read with
``allow_pickle=False``: it holds arrays and one JSON header, and executes nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from itertools import chain, repeat
from typing import Any, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from .features import join_tokens, lead_characters, split_tokens

FORMAT = 1
_WHITE_SPACES = re.compile(r"\s\s+")
_PREPROCESSORS = {"lead_characters": lead_characters, "join_tokens": join_tokens}


class Block:
    """One TF-IDF block: its analyzer, vocabulary and IDF."""

    def __init__(self, kind: str, ngram_range: tuple[int, int], vocabulary: dict[str, int], idf: np.ndarray,
                 sublinear: bool, preprocessor: str | None = None) -> None:
        self.kind, self.ngram_range, self.vocabulary, self.idf = kind, ngram_range, vocabulary, idf
        self.sublinear, self.preprocessor = sublinear, preprocessor

    def analyze(self, doc: str) -> Iterator[str]:
        """The n-grams scikit-learn's analyzer yields for ``doc`` (in another order: only counts matter)."""
        low, high = self.ngram_range
        units: Sequence[str]
        if self.kind == "words":
            units, glue = split_tokens(doc), " ".join
        else:
            units, glue = _WHITE_SPACES.sub(" ", _PREPROCESSORS[self.preprocessor](doc)), "".join
        grams = [iter(units)] if low == 1 else []
        grams += [map(glue, zip(*(units[k:] for k in range(n)))) for n in range(max(low, 2), high + 1)]
        return chain.from_iterable(grams)

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Term counts of ``docs`` (one vocabulary lookup per n-gram, at C speed) -> TF-IDF rows."""
        get, missing = self.vocabulary.get, repeat(-1)
        columns = [np.fromiter(map(get, self.analyze(doc), missing), dtype=np.int64) for doc in docs]
        columns = [c[c >= 0] for c in columns]
        rows = np.repeat(np.arange(len(docs)), [len(c) for c in columns])
        counts = sp.coo_matrix((np.ones(len(rows), dtype=np.float32), (rows, np.concatenate(columns or [rows]))),
                               shape=(len(docs), len(self.vocabulary)))
        X = counts.tocsr()  # duplicates are summed: the counts
        X.sort_indices()
        if self.sublinear:
            np.log(X.data, X.data)
            X.data += 1.0
        X.data *= self.idf[X.indices]
        _normalize_rows(X)
        return X


class LinearTextPredictor:
    """``predict_proba`` of an exported pipeline; ``classes_`` like scikit-learn's."""

    def __init__(self, blocks: list[Block], coef: np.ndarray, intercept: np.ndarray, calibration: np.ndarray,
                 classes: np.ndarray) -> None:
        self.blocks, self.coef, self.intercept = blocks, coef, intercept
        self.calibration = calibration  # (n_classes, 2): a, b of expit(-(a * decision + b))
        self.classes_ = classes

    def predict_proba(self, docs: Sequence[str]) -> np.ndarray:
        X = sp.hstack([block.transform(docs) for block in self.blocks], format="csr")
        decision = np.asarray(X @ self.coef.T + self.intercept)
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
                blocks.append(Block("words", vectorizer.ngram_range, vectorizer.vocabulary_, vectorizer.idf_, vectorizer.sublinear_tf))
            elif vectorizer.analyzer == "char" and getattr(vectorizer.preprocessor, "__name__", "") in _PREPROCESSORS:
                blocks.append(Block("chars", vectorizer.ngram_range, vectorizer.vocabulary_, vectorizer.idf_,
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
            terms = sorted(block.vocabulary, key=block.vocabulary.__getitem__)
            arrays[f"terms{i}"] = np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)
            arrays[f"idf{i}"] = np.asarray(block.idf)
        with open(path, "wb") as handle:
            np.savez_compressed(handle, **arrays)

    @classmethod
    def load(cls, path: Path) -> "LinearTextPredictor":
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(bytes(data["header"]).decode("utf-8"))
            if header.get("format") != FORMAT:
                raise ValueError(f"predictor format {header.get('format')!r} is not {FORMAT}")
            blocks = []
            for i, spec in enumerate(header["blocks"]):
                terms = bytes(data[f"terms{i}"]).decode("utf-8").split("\n")
                blocks.append(Block(spec["kind"], tuple(spec["ngram_range"]), {t: j for j, t in enumerate(terms)},
                                    data[f"idf{i}"], spec["sublinear"], spec["preprocessor"]))
            return cls(blocks, data["coef"], data["intercept"], data["calibration"], np.array(header["classes"], dtype=object))


def _normalize_rows(X: sp.csr_matrix) -> None:
    """Row L2 normalisation as scikit-learn does it (squares summed in double, data kept float32)."""
    squares = X.data.astype(np.float32) * X.data
    sums = np.zeros(X.shape[0], dtype=np.float64)
    nonempty = np.diff(X.indptr) > 0
    if X.nnz:
        sums[nonempty] = np.add.reduceat(squares.astype(np.float64), X.indptr[:-1][nonempty])
    norms = np.sqrt(sums)
    scale = np.repeat(np.where(norms > 0, norms, 1.0), np.diff(X.indptr))
    X.data = (X.data / scale).astype(np.float32)
