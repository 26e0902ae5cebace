"""A NumPy/SciPy predictor exported from the toolkit's fitted pipelines (``predictor.npz``).

Annotation loads this instead of the skops pipeline, so it starts without importing
scikit-learn (about 0.7 s of a cold start) and predicts with the same arithmetic: the same
analyzers (word n-grams of the segmented text, character n-grams of its lead), sublinear TF, IDF,
row L2 normalisation, the linear decision function and the per-class sigmoid calibration with the
same normalisation as ``CalibratedClassifierCV``.  The file is a NumPy archive read with
``allow_pickle=False``: it holds arrays and one JSON header, and executes nothing.
"""

from __future__ import annotations

import itertools
import json
import re
from functools import cached_property
from pathlib import Path
from itertools import chain, repeat
from typing import Any, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from .features import join_tokens, lead_characters, split_tokens

FORMAT = 1
_WHITE_SPACES = re.compile(r"\s\s+")
_PREPROCESSORS = {"lead_characters": lead_characters, "join_tokens": join_tokens}
KEYED_AFTER = 512


class Block:
    """One TF-IDF block: its analyzer, vocabulary and IDF."""

    def __init__(self, kind: str, ngram_range: tuple[int, int], vocabulary: dict[str, int], idf: np.ndarray,
                 sublinear: bool, preprocessor: str | None = None) -> None:
        self.kind, self.ngram_range, self.vocabulary, self.idf = kind, ngram_range, vocabulary, idf
        self.sublinear, self.preprocessor = sublinear, preprocessor
        self._seen = 0  # documents transformed so far

    def units(self, doc: str) -> Sequence[str]:
        """What the n-grams are made of: the tokens of a word block, the characters of a char block."""
        if self.kind == "words":
            return split_tokens(doc)
        return _WHITE_SPACES.sub(" ", _PREPROCESSORS[self.preprocessor](doc))

    def analyze(self, doc: str) -> Iterator[str]:
        """The n-grams scikit-learn's analyzer yields for ``doc`` (in another order: only counts matter)."""
        low, high = self.ngram_range
        units, glue = self.units(doc), (" ".join if self.kind == "words" else "".join)
        grams = [iter(units)] if low == 1 else []
        grams += [map(glue, zip(*(units[k:] for k in range(n)))) for n in range(max(low, 2), high + 1)]
        return chain.from_iterable(grams)

    @cached_property
    def keys(self) -> "NgramKeys | None":
        return NgramKeys.build(self.vocabulary, self.kind, self.ngram_range)

    def columns(self, doc: str, *, keyed: bool = True) -> np.ndarray:
        """The vocabulary columns of the n-grams of ``doc`` that are in the vocabulary, repeated as they occur."""
        if keyed and self.keys is not None:
            return self.keys.columns(self.units(doc), self.ngram_range)
        found = np.fromiter(map(self.vocabulary.get, self.analyze(doc), repeat(-1)), dtype=np.int64)
        return found[found >= 0]

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Term counts of ``docs`` -> TF-IDF rows, as scikit-learn computes them.  The first
        ``KEYED_AFTER`` documents are looked up by string; building the integer keys (0.1 s for the
        default model) pays for itself only over more."""
        keyed = self._seen >= KEYED_AFTER
        self._seen += len(docs)
        columns = [self.columns(doc, keyed=keyed) for doc in docs]
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


class NgramKeys:
    """The vocabulary re-keyed by integers: every unit (token or character) that occurs in a term
    gets an id from 1 (0: unknown), and an n-gram of ids is one integer in base ``len(ids) + 1``
    (no leading zero digit, so n-grams of different lengths never share a key).  Looking up these integers
    (made with array arithmetic) costs far less than building and hashing every n-gram string."""

    def __init__(self, unit_ids: dict[str, int], unigram_columns: np.ndarray, ngram_columns: dict[int, int]) -> None:
        self.unit_ids, self.unigram_columns, self.ngram_columns = unit_ids, unigram_columns, ngram_columns
        self.base = len(unit_ids) + 1

    @classmethod
    def build(cls, vocabulary: dict[str, int], kind: str, ngram_range: tuple[int, int]) -> "NgramKeys | None":
        """None when the n-grams cannot be keyed exactly (a term that does not split into its units,
        or keys that would not fit in 63 bits): the string lookup is used then."""
        low, high = ngram_range
        terms = list(vocabulary)
        columns = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(terms))
        if kind == "words":
            split = [term.split(" ") for term in terms]
            if any(not 1 <= len(units) <= high or "" in units for units in split):
                return None
            flat = [u for units in split for u in units]
            lengths = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        else:
            flat = list("".join(terms))
            lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
        if len(terms) and (lengths.min() < low or lengths.max() > high):
            return None
        unit_ids = dict(zip(dict.fromkeys(flat), itertools.count(1)))
        base = len(unit_ids) + 1
        if base ** high >= 2 ** 62:
            return None
        ids = np.fromiter(map(unit_ids.__getitem__, flat), dtype=np.int64, count=len(flat))
        ends = np.cumsum(lengths)
        keys = np.zeros(len(terms), dtype=np.int64)
        for position in range(high):  # digit ``position`` of each term, where the term is that long
            longer = lengths > position
            keys[longer] = keys[longer] * base + ids[ends[longer] - lengths[longer] + position]
        single = lengths == 1
        unigram_columns = np.full(base, -1, dtype=np.int64)
        unigram_columns[keys[single]] = columns[single]
        ngram_columns = dict(zip(keys[~single].tolist(), columns[~single].tolist()))
        return cls(unit_ids, unigram_columns, ngram_columns)

    def columns(self, units: Sequence[str], ngram_range: tuple[int, int]) -> np.ndarray:
        low, high = ngram_range
        ids = np.fromiter(map(self.unit_ids.get, units, repeat(0)), dtype=np.int64, count=len(units))
        found = []
        if low == 1:
            known = self.unigram_columns[ids]
            found.append(known[known >= 0])
        for n in range(max(low, 2), min(high, len(ids)) + 1):
            windows = len(ids) - n + 1
            keys = np.zeros(windows, dtype=np.int64)
            valid = np.ones(windows, dtype=bool)
            for k in range(n):
                part = ids[k:k + windows]
                keys = keys * self.base + part
                valid &= part > 0
            looked_up = np.fromiter(map(self.ngram_columns.get, keys[valid].tolist(), repeat(-1)), dtype=np.int64)
            found.append(looked_up[looked_up >= 0])
        return np.concatenate(found) if found else ids[:0]


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
