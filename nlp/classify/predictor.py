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

from nlp.classify.features import join_tokens, lead_characters, split_tokens

FORMAT = 1
_WHITE_SPACES = re.compile(r"\s\s+")
_PREPROCESSORS = {"lead_characters": lead_characters, "join_tokens": join_tokens}
KEYED_BATCH = 16  # batches this large build and use the integer n-gram keys


class Block:
    """One TF-IDF block: its analyzer, terms (in column order) and IDF."""

    def __init__(self, kind: str, ngram_range: tuple[int, int], terms: Sequence[str], idf: np.ndarray,
                 sublinear: bool, preprocessor: str | None = None) -> None:
        self.kind, self.ngram_range, self.terms, self.idf = kind, ngram_range, list(terms), idf
        self.sublinear, self.preprocessor = sublinear, preprocessor

    @cached_property
    def vocabulary(self) -> dict[str, int]:
        return dict(zip(self.terms, itertools.count()))

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
        return NgramKeys.build(self.terms, self.kind, self.ngram_range)

    def columns(self, doc: str, *, keyed: bool = True) -> np.ndarray:
        """The vocabulary columns of the n-grams of ``doc`` that are in the vocabulary, repeated as they occur."""
        if keyed and self.keys is not None:
            return self.keys.lookup([self.units(doc)], self.ngram_range)[1]
        found = np.fromiter(map(self.vocabulary.get, self.analyze(doc), repeat(-1)), dtype=np.int64)
        return found[found >= 0]

    def term_counts(self, docs: Sequence[str]) -> sp.csr_matrix:
        """How often each vocabulary term occurs in each of ``docs`` (float32, sorted indices).  A few
        documents are looked up by string until the integer keys exist: building them (0.09 s for the
        default model) pays off only over a few hundred documents, and a one-article run does not need it."""
        if (len(docs) >= KEYED_BATCH or "keys" in self.__dict__) and self.keys is not None:
            rows, columns = self.keys.lookup([self.units(doc) for doc in docs], self.ngram_range)
        else:
            found = [self.columns(doc, keyed=False) for doc in docs]
            rows, columns = np.repeat(np.arange(len(docs)), [len(c) for c in found]), np.concatenate(found or [np.zeros(0, np.int64)])
        width = len(self.terms)
        cells, counts = np.unique(rows * width + columns, return_counts=True)  # sorted by row, then column
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(np.bincount(cells // width, minlength=len(docs)), out=indptr[1:])
        return sp.csr_matrix((counts.astype(np.float32), cells % width, indptr), shape=(len(docs), width))

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Term counts of ``docs`` -> TF-IDF rows, as scikit-learn computes them."""
        X = self.term_counts(docs)
        X.has_sorted_indices = True
        if self.sublinear:
            np.log(X.data, X.data)
            X.data += 1.0
        X.data *= self.idf[X.indices]
        _normalize_rows(X)
        return X


class NgramKeys:
    """The vocabulary re-keyed by integers: every unit (token or character) that occurs in a term
    gets an id from 1 (0: unknown), and an n-gram of ids is one integer in base ``len(ids) + 1``
    (no leading zero digit, so n-grams of different lengths never share a key).  The keys of a whole
    batch are made with array arithmetic and looked up in an array hash table: far cheaper than
    building and hashing every n-gram string."""

    def __init__(self, unit_ids: dict[str, int], unigram_columns: np.ndarray, ngram_columns: "IntTable") -> None:
        self.unit_ids, self.unigram_columns, self.ngram_columns = unit_ids, unigram_columns, ngram_columns
        self.base = len(unit_ids) + 1

    @classmethod
    def build(cls, terms: Sequence[str], kind: str, ngram_range: tuple[int, int]) -> "NgramKeys | None":
        """None when the n-grams cannot be keyed exactly (a term that does not split into its units,
        or keys that would not fit in 63 bits): the string lookup is used then."""
        low, high = ngram_range
        columns = np.arange(len(terms), dtype=np.int64)
        if kind == "words":
            flat = " ".join(terms).split(" ") if terms else []
            lengths = np.fromiter(map(str.count, terms, repeat(" ")), dtype=np.int64, count=len(terms)) + 1
            unit_ids = dict(zip(dict.fromkeys(flat), itertools.count(1)))
            if "" in unit_ids:  # a term with an empty token cannot be keyed
                return None
            ids = np.fromiter(map(unit_ids.__getitem__, flat), dtype=np.int64, count=len(flat))
        else:
            points = np.frombuffer("".join(terms).encode("utf-32-le"), dtype=np.uint32)
            distinct, inverse = np.unique(points, return_inverse=True)
            unit_ids = dict(zip(map(chr, distinct.tolist()), itertools.count(1)))
            ids = inverse.astype(np.int64) + 1
            lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
        if len(terms) and (lengths.min() < low or lengths.max() > high):
            return None
        base = len(unit_ids) + 1
        if base ** high >= 2 ** 62:
            return None
        ends = np.cumsum(lengths)
        keys = np.zeros(len(terms), dtype=np.int64)
        for position in range(high):  # digit ``position`` of each term, where the term is that long
            longer = lengths > position
            keys[longer] = keys[longer] * base + ids[ends[longer] - lengths[longer] + position]
        single = lengths == 1
        unigram_columns = np.full(base, -1, dtype=np.int64)
        unigram_columns[keys[single]] = columns[single]
        return cls(unit_ids, unigram_columns, IntTable(keys[~single], columns[~single]))

    def lookup(self, docs: Sequence[Sequence[str]], ngram_range: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """(document index, column) of every n-gram of the unit sequences ``docs`` that is a term,
        repeated as it occurs.  The documents are laid end to end with a 0 between them, so no
        n-gram spans two of them."""
        low, high = ngram_range
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs)) + 1
        ids = np.fromiter(map(self.unit_ids.get, chain.from_iterable(chain.from_iterable(zip(docs, repeat((None,))))),
                              repeat(0)), dtype=np.int64, count=int(lengths.sum()))
        doc_of = np.repeat(np.arange(len(docs)), lengths)
        rows, columns = [], []
        if low == 1:
            known = self.unigram_columns[ids]
            rows.append(doc_of[known >= 0])
            columns.append(known[known >= 0])
        for n in range(max(low, 2), high + 1):
            windows = len(ids) - n + 1
            if windows <= 0:
                break
            keys = ids[:windows].copy()
            valid = keys > 0
            for k in range(1, n):
                part = ids[k:k + windows]
                keys = keys * self.base + part
                valid &= part > 0
            starts = np.flatnonzero(valid)
            found = self.ngram_columns.get(keys[starts])
            hit = found >= 0
            rows.append(doc_of[starts[hit]])
            columns.append(found[hit])
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(rows), np.concatenate(columns)


class IntTable:
    """A map of positive int64 keys to int64 values in two arrays (open addressing, linear probing,
    load at most 1/4), built and queried for whole arrays of keys at once."""

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        bits = max(4, (4 * len(keys)).bit_length())
        self.mask, self.shift = (1 << bits) - 1, np.uint64(64 - bits)
        self.keys = np.zeros(1 << bits, dtype=np.int64)  # 0: empty
        self.values = np.full(1 << bits, -1, dtype=np.int64)
        home, pending, probe = self._home(keys), np.arange(len(keys)), 0
        while pending.size:  # round ``probe``: each unplaced key tries its home slot + probe
            slots = (home[pending] + probe) & self.mask
            free = self.keys[slots] == 0
            taken, first = np.unique(slots[free], return_index=True)  # one key per free slot
            winners = pending[free][first]
            self.keys[taken], self.values[taken] = keys[winners], values[winners]
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            probe += 1
        self.longest_probe = probe

    def _home(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.astype(np.uint64) * self._MULTIPLIER) >> self.shift).astype(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of each key, -1 where it is absent."""
        out = np.full(len(keys), -1, dtype=np.int64)
        active, home = np.arange(len(keys)), self._home(keys)
        for probe in range(self.longest_probe):
            slots = (home[active] + probe) & self.mask
            stored = self.keys[slots]
            hit = stored == keys[active]
            out[active[hit]] = self.values[slots[hit]]
            active = active[~hit & (stored != 0)]
            if not active.size:
                break
        return out


class LinearTextPredictor:
    """``predict_proba`` of an exported pipeline; ``classes_`` like scikit-learn's."""

    def __init__(self, blocks: list[Block], coef: np.ndarray, intercept: np.ndarray, calibration: np.ndarray,
                 classes: np.ndarray) -> None:
        self.blocks, self.coef, self.intercept = blocks, coef, intercept
        self.calibration = calibration  # (n_classes, 2): a, b of expit(-(a * decision + b))
        self._weights = np.ascontiguousarray(coef.T)  # scipy would copy the transposed view per call
        self.classes_ = classes

    def predict_proba(self, docs: Sequence[str]) -> np.ndarray:
        X = sp.hstack([block.transform(docs) for block in self.blocks], format="csr")
        decision = np.asarray(X @ self._weights + self.intercept)
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
                blocks.append(Block(spec["kind"], tuple(spec["ngram_range"]), terms,
                                    data[f"idf{i}"], spec["sublinear"], spec["preprocessor"]))
            return cls(blocks, data["coef"], data["intercept"], data["calibration"], np.array(header["classes"], dtype=object))


def _terms(vectorizer: Any) -> list[str]:
    """A fitted vectorizer's terms in column order."""
    return sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)


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
