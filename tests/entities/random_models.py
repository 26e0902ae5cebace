"""Random entity models for checking the compiled core against the reference: weights for a random
share of the feature hashes of a sample text (none, one or several labels each) and random allowed
transitions."""

from __future__ import annotations

import numpy as np

from nlp.entities.model import allowed_transitions, hash_table


def random_model(seed: int, n_types: int, feature_rows: list[list[int]], *, whole: bool = False):
    """(slots, rows, offsets, labels, values, transitions, start, end) over the nonzero hashes of
    ``feature_rows`` (as ``entities_reference.features`` gives them); ``whole``: weights of -2 to 2
    only, so that paths often tie exactly."""
    rng = np.random.default_rng(seed)
    keys = sorted({h for row in feature_rows for h in row if h})
    keys = [k for k in keys if rng.random() < 0.7]
    n_labels = 1 + 4 * n_types
    per_row = [sorted(set(rng.integers(0, n_labels, size=rng.integers(0, 4)).tolist())) for _ in keys]
    offsets = np.concatenate([[0], np.cumsum([len(row) for row in per_row])]).astype(np.int32)
    labels = np.array([label for row in per_row for label in row], np.uint8)
    draw = (lambda size: rng.integers(-2, 3, size=size)) if whole else (lambda size: rng.normal(size=size))
    values = draw(len(labels)).astype(np.float32)
    allowed, start_ok, end_ok = allowed_transitions(n_types)
    transitions = np.where(allowed, draw(allowed.shape), -1e9).astype(np.float32)
    start = np.where(start_ok, 0, -1e9).astype(np.float32)
    end = np.where(end_ok, 0, -1e9).astype(np.float32)
    slots, rows = hash_table(np.array(keys, np.uint64))
    return slots, rows, offsets, labels, values, transitions, start, end
