"""The readable reference of the exported predictor's compiled core (``nlp/classify/_ngrams.pyx``):
the n-grams scikit-learn's analyzers yield, built as strings and looked up in a dict, and the decision
function as scipy's sparse product computes it.  The tests check the compiled core against these."""

from __future__ import annotations

from itertools import chain
from typing import Iterator, Sequence

import numpy as np
import scipy.sparse as sp


def analyze(units: Sequence[str], kind: str, ngram_range: tuple[int, int]) -> Iterator[str]:
    """The n-grams of ``units`` (tokens of a word block, characters of a char block), in some order."""
    low, high = ngram_range
    glue = " ".join if kind == "words" else "".join
    grams = [iter(units)] if low == 1 else []
    grams += [map(glue, zip(*(units[k:] for k in range(n)))) for n in range(max(low, 2), high + 1)]
    return chain.from_iterable(grams)


def term_counts(docs: Sequence[Sequence[str]], terms: Sequence[str], kind: str,
                ngram_range: tuple[int, int]) -> np.ndarray:
    """Dense (document, term) counts of the vocabulary ``terms`` in the unit sequences ``docs``."""
    vocabulary = {term: column for column, term in enumerate(terms)}
    out = np.zeros((len(docs), len(terms)), dtype=np.float32)
    for row, units in enumerate(docs):
        for gram in analyze(units, kind, ngram_range):
            if gram in vocabulary:
                out[row, vocabulary[gram]] += 1
    return out


def decision(indptr: np.ndarray, columns: np.ndarray, data: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """CSR rows times dense ``weights``, in float32, by scipy."""
    rows = sp.csr_matrix((data, columns, indptr), shape=(len(indptr) - 1, weights.shape[0]))
    return np.asarray(rows @ weights)
