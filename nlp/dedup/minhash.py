"""Near-duplicate articles: MinHash signatures over token shingles, banded LSH, verified estimates.

A document's shingles are its overlapping token bigrams (CRC-32 hashed: the same bytes on every
run and machine).  Its signature is the minimum of ``num_perm`` random affine hashes of those
shingles; the share of equal positions between two signatures estimates their Jaccard similarity.
LSH splits signatures into bands; documents sharing a band are candidates, kept when the estimate
reaches the threshold.  Batch grouping sorts band keys instead of building hash tables, so memory
is the signatures themselves (256 bytes per article): a million articles fit on one machine.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np

NUM_PERM = 64
BANDS = 16
SHINGLE = 2
_MASK = np.uint64(0xFFFFFFFF)


class MinHasher:
    """Signatures of token sequences; the same seed gives the same signatures everywhere."""

    def __init__(self, *, num_perm: int = NUM_PERM, shingle: int = SHINGLE, seed: int = 20220730) -> None:
        rng = np.random.default_rng(seed)
        self.a = rng.integers(1, 1 << 32, size=num_perm, dtype=np.uint64) | np.uint64(1)
        self.b = rng.integers(0, 1 << 32, size=num_perm, dtype=np.uint64)
        self.shingle = shingle
        self.num_perm = num_perm

    def shingles(self, tokens: Sequence[str]) -> np.ndarray:
        k = self.shingle
        if len(tokens) < k:
            grams = ["\x1f".join(tokens)] if tokens else []
        else:
            grams = ["\x1f".join(tokens[i:i + k]) for i in range(len(tokens) - k + 1)]
        return np.array(sorted({zlib.crc32(g.encode("utf-8")) for g in grams}), dtype=np.uint64)

    def signature(self, tokens: Sequence[str]) -> np.ndarray:
        hashes = self.shingles(tokens)
        if not len(hashes):
            return np.full(self.num_perm, 0xFFFFFFFF, dtype=np.uint32)
        values = (self.a[:, None] * hashes[None, :] + self.b[:, None]) & _MASK
        return values.min(axis=1).astype(np.uint32)


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(first == second))


def band_keys(signatures: np.ndarray, bands: int = BANDS) -> np.ndarray:
    """(n, bands) 64-bit keys: a hash of each band's rows."""
    n, p = signatures.shape
    rows = p // bands
    view = signatures[:, : rows * bands].reshape(n, bands, rows)  # no widened copy of all signatures
    keys = np.zeros((n, bands), dtype=np.uint64)
    for r in range(rows):
        keys = keys * np.uint64(0x100000001B3) ^ view[:, :, r].astype(np.uint64)
    return keys


@dataclass(frozen=True)
class Group:
    """Indices of near-identical documents (first = earliest in input order) and their similarity to it."""

    members: tuple[int, ...]
    similarities: tuple[float, ...]


def find_groups(signatures: np.ndarray, *, threshold: float = 0.5, bands: int = BANDS) -> list[Group]:
    """Groups of two or more documents whose estimated similarity to the group's first member reaches ``threshold``."""
    n = len(signatures)
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    keys = band_keys(signatures, bands) if n else np.zeros((0, bands), dtype=np.uint64)
    for band in range(bands):
        order = np.argsort(keys[:, band], kind="stable")
        sorted_keys = keys[order, band]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        ends = np.r_[starts[1:], n]
        shared = ends - starts > 1  # only buckets that several documents fall into
        for start, end in zip(starts[shared].tolist(), ends[shared].tolist()):
            members = order[start:end]
            first = members[0]
            for other in members[1:]:
                if similarity(signatures[first], signatures[other]) >= threshold:
                    a, b = root(int(first)), root(int(other))
                    if a != b:
                        parent[max(a, b)] = min(a, b)
    clusters: dict[int, list[int]] = {}
    for i in range(n):
        clusters.setdefault(root(i), []).append(i)
    groups = []
    for members in clusters.values():
        if len(members) > 1:
            head = members[0]
            sims = tuple(round(similarity(signatures[head], signatures[m]), 4) for m in members)
            groups.append(Group(tuple(members), sims))
    groups.sort(key=lambda g: g.members[0])
    return groups


class DuplicateIndex:
    """Online: for each new document, the earliest earlier document it nearly duplicates (or None)."""

    def __init__(self, *, threshold: float = 0.5, bands: int = BANDS) -> None:
        self.threshold = threshold
        self.bands = bands
        self._tables: list[dict[int, list[int]]] = [dict() for _ in range(bands)]
        self._signatures: list[np.ndarray] = []
        self._ids: list[str] = []

    def add(self, doc_id: str, signature: np.ndarray) -> str | None:
        keys = band_keys(signature[None, :], self.bands)[0]
        candidates = sorted({i for band, key in enumerate(keys) for i in self._tables[band].get(int(key), ())})
        match = next((i for i in candidates if similarity(self._signatures[i], signature) >= self.threshold), None)
        index = len(self._ids)
        self._ids.append(doc_id)
        self._signatures.append(signature)
        for band, key in enumerate(keys):
            self._tables[band].setdefault(int(key), []).append(index)
        return None if match is None else self._ids[match]
