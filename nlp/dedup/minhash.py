"""Near-duplicate articles: MinHash signatures over token shingles, banded LSH, verified estimates.

A document's shingles are its overlapping token bigrams (CRC-32 hashed: the same bytes on every
run and machine).  Its signature is the minimum of ``num_perm`` random affine hashes of those
shingles; the share of equal positions between two signatures estimates their Jaccard similarity.
LSH splits signatures into bands; documents sharing a band are candidates, kept when the estimate
reaches the threshold.  Batch grouping sorts band keys instead of building hash tables, so memory
is the signatures themselves (388 bytes per article): a million articles fit on one machine.

A teaser re-posted by another feed (the first 130 characters of a 1,000-character story) shares
most of its shingles with the story but few of the story's with it: their Jaccard similarity is
about 0.1.  So a signature also holds a MinHash of the document's *lead* (its first ``LEAD_TOKENS``
tokens, ``LEAD_PERM`` values of the same hash functions) and its number of shingles.  Leads are
banded too (``LEAD_BANDS`` bands of 2 rows): a teaser and the story it opens share a lead.  A
candidate pair is kept when its Jaccard estimate reaches the threshold *or* its containment,
|A∩B| / min(|A|, |B|) = J (|A| + |B|) / ((1 + J) min(|A|, |B|)) from the Jaccard estimate and the two
sizes, reaches ``containment`` (default 0.7, measured in ``benchmarks/dedup.py``); the shorter text
must have ``MIN_CONTAINED`` shingles, below which one equal value by chance would count as
containment.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from nlp.dedup import CONTAINMENT, THRESHOLD

NUM_PERM = 64
BANDS = 16
SHINGLE = 2
LEAD_TOKENS = 32  # the lead: a teaser is usually a story's first sentences
LEAD_PERM = 32
LEAD_BANDS = 16
WIDTH = NUM_PERM + LEAD_PERM + 1  # a signature: Jaccard values, lead values, number of shingles
MIN_CONTAINED = 16
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
        """``WIDTH`` values: the MinHash of all shingles, that of the lead's, the number of shingles."""
        hashes = self.shingles(tokens)
        lead = self.shingles(tokens[:LEAD_TOKENS]) if len(tokens) > LEAD_TOKENS else hashes
        return np.concatenate([self._minhash(hashes, self.num_perm), self._minhash(lead, LEAD_PERM),
                               np.array([min(len(hashes), 0xFFFFFFFF)], dtype=np.uint32)])

    def _minhash(self, hashes: np.ndarray, perms: int) -> np.ndarray:
        if not len(hashes):
            return np.full(perms, 0xFFFFFFFF, dtype=np.uint32)
        values = (self.a[:perms, None] * hashes[None, :] + self.b[:perms, None]) & _MASK
        return values.min(axis=1).astype(np.uint32)


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return np.count_nonzero(first[:NUM_PERM] == second[:NUM_PERM]) / NUM_PERM


def containment(first: np.ndarray, second: np.ndarray) -> float:
    """Estimated share of the smaller shingle set that lies in the other (0 for signatures without
    sizes, or when the smaller set is too small to tell)."""
    if len(first) < WIDTH or len(second) < WIDTH:
        return 0.0
    sizes = int(first[-1]), int(second[-1])
    if min(sizes) < MIN_CONTAINED:
        return 0.0
    jaccard = similarity(first, second)
    return min(1.0, jaccard * sum(sizes) / ((1.0 + jaccard) * min(sizes)))


def near(first: np.ndarray, second: np.ndarray, threshold: float, contained: float | None) -> bool:
    """Whether two signatures are the same story: similar enough, or one contained in the other."""
    return similarity(first, second) >= threshold or (contained is not None and containment(first, second) >= contained)


def candidate_keys(signatures: np.ndarray, bands: int = BANDS) -> np.ndarray:
    """The band keys of the Jaccard values, and of the lead values when the signatures have them
    (lead keys are offset so that they never equal a Jaccard band's key by construction)."""
    keys = band_keys(signatures[:, :NUM_PERM], bands)
    if signatures.shape[1] < WIDTH:
        return keys
    lead = band_keys(signatures[:, NUM_PERM:NUM_PERM + LEAD_PERM], LEAD_BANDS) ^ np.uint64(0x9E3779B97F4A7C15)
    return np.concatenate([keys, lead], axis=1)


_containment = containment  # find_groups' parameter of that name hides the function


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
    containments: tuple[float, ...] = ()


def find_groups(signatures: np.ndarray, *, threshold: float = THRESHOLD, containment: float | None = CONTAINMENT,
                bands: int = BANDS) -> list[Group]:
    """Groups of two or more documents linked by estimated similarity >= ``threshold`` or containment
    >= ``containment`` (None: Jaccard only); each member's estimates are to the group's first member."""
    n = len(signatures)
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    keys = candidate_keys(signatures, bands) if n else np.zeros((0, bands), dtype=np.uint64)
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        sorted_keys = keys[order, band]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        ends = np.r_[starts[1:], n]
        shared = ends - starts > 1  # only buckets that several documents fall into
        for start, end in zip(starts[shared].tolist(), ends[shared].tolist()):
            members = order[start:end]
            first = members[0]
            for other in members[1:]:
                if near(signatures[first], signatures[other], threshold, containment):
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
            within = tuple(round(_containment(signatures[head], signatures[m]), 4) for m in members)
            groups.append(Group(tuple(members), sims, within))
    groups.sort(key=lambda g: g.members[0])
    return groups


class DuplicateIndex:
    """Online: for each new document, the earliest earlier document it nearly duplicates (or None)."""

    def __init__(self, *, threshold: float = THRESHOLD, containment: float | None = CONTAINMENT,
                 bands: int = BANDS) -> None:
        self.threshold = threshold
        self.containment = containment
        self.bands = bands
        self._tables: list[dict[int, list[int]]] = [dict() for _ in range(bands + LEAD_BANDS)]
        self._signatures: list[np.ndarray] = []
        self._ids: list[str] = []

    def add(self, doc_id: str, signature: np.ndarray) -> str | None:
        keys = candidate_keys(signature[None, :], self.bands)[0]
        candidates = sorted({i for band, key in enumerate(keys) for i in self._tables[band].get(int(key), ())})
        match = next((i for i in candidates
                      if near(self._signatures[i], signature, self.threshold, self.containment)), None)
        index = len(self._ids)
        self._ids.append(doc_id)
        self._signatures.append(signature)
        for band, key in enumerate(keys):
            self._tables[band].setdefault(int(key), []).append(index)
        return None if match is None else self._ids[match]
