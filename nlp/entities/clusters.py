"""Character clusters for the entity model, learned from unlabelled text.

Characters that occur in the same contexts (the same left and right neighbours) get the same
cluster, so that a character the labelled sentences never showed in a name still looks like the
ones they did.  The recipe: left- and right-neighbour counts of every character seen at least
``min_count`` times -> positive PMI (context counts raised to ``smoothing``) -> truncated SVD ->
unit rows -> k-means.  The result is a table from folded BMP character to cluster id, which the
model file stores (numbers only, no text).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from nlp import native
from nlp.errors import DataError, InputError

_core = native.load("nlp.entities._core")  # the compiled core; BuildError if missing or stale

NO_CLUSTER = 0xFFFF
_BOUNDARY = 0x10000  # the edge of a text, as a neighbour


def neighbour_counts(texts: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """(character counts over the BMP, pair counts ``left * 0x10001 + right``) of the folded texts,
    each text's edges counted as the neighbour ``_BOUNDARY``; characters outside the BMP are skipped."""
    chars = np.zeros(0x10000, np.int64)
    pairs: dict[int, int] = {}
    batch: list[np.ndarray] = []
    size = 0

    def flush() -> None:
        if not batch:
            return
        seq = np.concatenate(batch).astype(np.int64)
        keys, counts = np.unique(seq[:-1] * 0x10001 + seq[1:], return_counts=True)
        for key, count in zip(keys.tolist(), counts.tolist()):
            pairs[key] = pairs.get(key, 0) + count
        batch.clear()

    for text in texts:
        code = _core.folded(text)
        code = code[code < 0x10000]
        if not len(code):
            continue
        chars += np.bincount(code, minlength=0x10000)
        batch.append(np.concatenate([[_BOUNDARY], code, [_BOUNDARY]]))
        size += len(code) + 2
        if size > 4_000_000:
            flush()
            size = 0
    flush()
    keys = np.fromiter(pairs, np.int64, len(pairs))
    values = np.fromiter(pairs.values(), np.int64, len(pairs))
    # pairs that straddle two texts are (boundary, boundary): drop them
    keep = keys != _BOUNDARY * 0x10001 + _BOUNDARY
    return chars, np.stack([keys[keep], values[keep]])


def learn_clusters(texts: Iterable[str], *, k: int = 256, dimensions: int = 100, min_count: int = 5,
                   smoothing: float = 0.75, seed: int = 0) -> np.ndarray:
    """The cluster of every folded BMP character (uint16, 65,536 entries, ``NO_CLUSTER`` for a
    character seen fewer than ``min_count`` times).  Deterministic for the same texts and seed.
    DataError when fewer than ``k`` characters are seen ``min_count`` times."""
    from scipy import sparse
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD

    chars, (keys, counts) = neighbour_counts(texts)
    vocab = np.flatnonzero(chars >= min_count)
    if len(vocab) < max(k, 3):
        raise DataError(f"too little text for {k} character clusters: {len(vocab)} characters seen "
                        f"{min_count} times or more")
    dimensions = min(dimensions, len(vocab) - 1)  # a small text has fewer
    index = np.full(0x10001, -1, np.int64)
    index[vocab] = np.arange(len(vocab))
    index[_BOUNDARY] = len(vocab)  # contexts: the vocabulary and the boundary, on each side
    left, right = index[keys // 0x10001], index[keys % 0x10001]
    n, width = len(vocab), len(vocab) + 1
    rows, cols, values = [], [], []
    # a word's features: its left neighbours (columns 0..width-1) and right neighbours (width..)
    take = (right >= 0) & (right < n) & (left >= 0)
    rows.append(right[take]); cols.append(left[take]); values.append(counts[take])
    take = (left >= 0) & (left < n) & (right >= 0)
    rows.append(left[take]); cols.append(width + right[take]); values.append(counts[take])
    matrix = sparse.csr_matrix((np.concatenate(values).astype(np.float64),
                                (np.concatenate(rows), np.concatenate(cols))), shape=(n, 2 * width))
    matrix.sum_duplicates()
    total = matrix.sum()
    row_p = np.asarray(matrix.sum(axis=1)).ravel() / total
    context = np.asarray(matrix.sum(axis=0)).ravel() ** smoothing
    context_p = context / context.sum()
    coo = matrix.tocoo()
    pmi = np.log(coo.data / total / (row_p[coo.row] * context_p[coo.col]))
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=matrix.shape)
    vectors = TruncatedSVD(n_components=dimensions, random_state=seed).fit_transform(ppmi)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    labels = KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(vectors)
    table = np.full(0x10000, NO_CLUSTER, np.uint16)
    table[vocab] = labels.astype(np.uint16)
    return table


def read_texts(paths: Iterable[Path]) -> Iterator[str]:
    """Unlabelled text for :func:`learn_clusters`: each line of a plain-text file, or the ``title``
    and ``text`` of each line of a ``.jsonl`` file (labels and other fields are ignored).
    InputError ``FILE:LINE: problem`` for a file that cannot be read or a line that is not JSON."""
    for path in paths:
        path = Path(path)
        try:
            with open(path, encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    if path.suffix != ".jsonl":
                        yield line
                        continue
                    if not line.strip():
                        continue
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as error:
                        raise InputError(f"{path}:{number}", f"not valid JSON ({error.msg})") from None
                    if isinstance(record, dict):
                        yield from (record[key] for key in ("title", "text") if isinstance(record.get(key), str))
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(str(path), f"cannot read: {error}") from None
