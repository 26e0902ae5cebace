"""Readable pure-Python reference of ``nlp/entities/_core.pyx``: the oracle the compiled core is tested against.

Every character is folded (full-width ASCII to half-width, U+3000 to a space, A-Z to a-z, every
digit to 0) and given a shape class; each position gets N_FEATURES hashes of (template, folded
characters around it); emission scores sum the weight rows those hashes find in the model's
open-addressing table (with a model's lexicon, clusters and word features, more hashes: see
``features``);
Viterbi finds the best BIOES label path (predecessors scanned in
ascending order, first maximum wins); the path becomes (start, end, type) spans.
"""

from __future__ import annotations

import numpy as np

MASK = (1 << 64) - 1
OFFSET = 0xCBF29CE484222325
PRIME = 0x100000001B3
BOS, EOS, PAD = 0x110001, 0x110002, 3
FORBIDDEN_BELOW = np.float32(-1e8)
N_FEATURES = 17
MAX_WORD = 12
NO_CLUSTER, PAD_CLUSTER = 0xFFFF, 0xFFFE


def fold(char: str) -> int:
    c = ord(char)
    if 0xFF01 <= c <= 0xFF5E:
        c -= 0xFEE0
    elif c == 0x3000:
        c = 0x20
    if 0x30 <= c <= 0x39:
        return 0x30
    if 0x41 <= c <= 0x5A:
        return c + 32
    return c


def shape(c: int) -> int:
    if c >= 0x110000:
        return 0  # outside the text
    if c == 0x30:
        return 1  # digit
    if 0x61 <= c <= 0x7A:
        return 2  # Latin letter
    if 0x4E00 <= c <= 0x9FFF or 0x3400 <= c <= 0x4DBF:
        return 3  # Han
    if c in (0x20, 0x09, 0x0A, 0x0D):
        return 4  # space
    return 5


def hash_of(template: int, *values: int) -> int:
    h = ((OFFSET ^ template) * PRIME) & MASK
    for value in values:
        h = ((h ^ value) * PRIME) & MASK
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & MASK
    h ^= h >> 33
    return h or 1


def character_features(text: str) -> list[list[int]]:
    p = [BOS] * PAD + [fold(c) for c in text] + [EOS] * PAD
    s = [shape(c) for c in p]
    rows = []
    for i in range(len(text)):
        j = i + PAD
        row = [hash_of(0)]
        row += [hash_of(1 + t, p[j - 2 + t]) for t in range(5)]  # unigrams -2..2
        row += [hash_of(6 + t, p[j - 2 + t], p[j - 1 + t]) for t in range(4)]  # bigrams
        row += [hash_of(10 + t, p[j - 2 + t], p[j - 1 + t], p[j + t]) for t in range(3)]  # trigrams
        row.append(hash_of(13, p[j - 1], p[j + 1]))  # the two neighbours
        row.append(hash_of(14, s[j - 2] * 1296 + s[j - 1] * 216 + s[j] * 36 + s[j + 1] * 6 + s[j + 2]))
        row += [hash_of(15, p[j - 3]), hash_of(16, p[j + 3])]
        rows.append(row)
    return rows


def lexicon_marks(p: list[int], n: int, words: dict[tuple[int, ...], int]) -> list[int]:
    """Per character, bit 3 * group + (0 B, 1 I, 2 E) for every lexicon word of 2..MAX_WORD characters
    that covers it (``words``: folded code points -> groups bitmask); ``p`` is padded by PAD."""
    marks = [0] * n
    for i in range(n):
        for j in range(i + 1, min(n, i + MAX_WORD)):
            groups = words.get(tuple(p[PAD + i:PAD + j + 1]), 0)
            for g in range(3):
                if groups & (1 << g):
                    marks[i] |= 1 << (3 * g)
                    for k in range(i + 1, j):
                        marks[k] |= 1 << (3 * g + 1)
                    marks[j] |= 1 << (3 * g + 2)
    return marks


def word_marks(text: str, tokens) -> tuple[list[int], list[int]]:
    """Per character: its place in its token's word (0 alone, 1 first, 2 inside, 3 last) and the hash
    of the word's part of speech; tokens are found in order, after any white space; an empty token
    is skipped, and one that is not next in the text ends the walk (the rest: alone, ``x``)."""
    n = len(text)
    place, pos = [0] * n, [hash_of(41, *map(ord, "x"))] * n
    at = 0
    for word, tag in tokens:
        if not word:
            continue
        while at < n and text[at] != word[0] and text[at].isspace():
            at += 1
        if text[at:at + len(word)] != word:
            break
        for k in range(len(word)):
            place[at + k] = 0 if len(word) == 1 else 1 if k == 0 else 3 if k == len(word) - 1 else 2
            pos[at + k] = hash_of(41, *map(ord, tag))
        at += len(word)
    return place, pos


def features(text: str, words: dict | None = None, clusters=None, tokens=None) -> list[list[int]]:
    """Feature hashes per character: the 17 character templates, then (with ``words``) 9 lexicon
    hashes, 0 where off, then (with ``clusters``, an array over the BMP) 7 cluster hashes, then
    (with ``tokens``, the segmentation) 4 word hashes: place and POS, POS, and POS with the POS of
    the character before (1 before the text) and after (2 after it)."""
    rows = character_features(text)
    p = [BOS] * PAD + [fold(c) for c in text] + [EOS] * PAD
    if words is not None:
        marks = lexicon_marks(p, len(text), words)
        for row, mark in zip(rows, marks):
            row += [hash_of(17 + k) if mark & (1 << k) else 0 for k in range(9)]
    if clusters is not None:
        cl = [PAD_CLUSTER if c in (BOS, EOS) else (int(clusters[c]) if c < 0x10000 else NO_CLUSTER) for c in p]
        for i, row in enumerate(rows):
            j = i + PAD
            row += [hash_of(26 + k, cl[j - 2 + k]) for k in range(5)]
            row += [hash_of(31, cl[j - 1], cl[j]), hash_of(32, cl[j], cl[j + 1])]
    if tokens is not None:
        place, pos = word_marks(text, tokens)
        for i, row in enumerate(rows):
            before = pos[i - 1] if i > 0 else 1
            after = pos[i + 1] if i + 1 < len(text) else 2
            row += [hash_of(33, place[i], pos[i]), hash_of(34, pos[i]), hash_of(35, before, pos[i]),
                    hash_of(36, pos[i], after)]
    return rows


def lookup(slots: np.ndarray, rows: np.ndarray, key: int) -> int | None:
    mask = len(slots) - 1
    slot = key & mask
    while int(slots[slot]):
        if int(slots[slot]) == key:
            return int(rows[slot])
        slot = (slot + 1) & mask
    return None


def tag(text, slots, rows, offsets, labels, values, transitions, start, end, words=None,
        clusters=None, tokens=None) -> list[tuple[int, int, int]]:
    """Spans of ``text``; feature row r weighs ``values[k]`` for label ``labels[k]``, k in offsets[r]:offsets[r+1]."""
    if not text:
        return []
    n_labels = transitions.shape[0]
    predecessors = [[a for a in range(n_labels) if transitions[a, b] > FORBIDDEN_BELOW] or [0] for b in range(n_labels)]
    back = []
    prev = None
    for row_keys in features(text, words, clusters, tokens):
        emit = np.zeros(n_labels, np.float32)
        for key in row_keys:
            row = lookup(slots, rows, key) if key else None
            if row is not None:
                for k in range(offsets[row], offsets[row + 1]):
                    emit[labels[k]] += values[k]
        if prev is None:
            prev = start + emit
            continue
        cur = np.zeros(n_labels, np.float32)
        pointers = []
        for b in range(n_labels):
            arg = predecessors[b][0]
            best = prev[arg] + transitions[arg, b]
            for a in predecessors[b][1:]:
                if prev[a] + transitions[a, b] > best:
                    best, arg = prev[a] + transitions[a, b], a
            cur[b] = best + emit[b]
            pointers.append(arg)
        back.append(pointers)
        prev = cur
    final = prev + end
    label = max(range(n_labels), key=lambda b: (final[b], -b))
    path = [label]
    for pointers in reversed(back):
        path.append(pointers[path[-1]])
    return spans(path[::-1])


def spans(path: list[int]) -> list[tuple[int, int, int]]:
    out, begin, open_type = [], None, None
    for i, label in enumerate(path):
        if label == 0:
            begin = None
            continue
        kind, kind_type = (label - 1) % 4, (label - 1) // 4
        if kind == 3:  # S
            out.append((i, i + 1, kind_type))
            begin = None
        elif kind == 0:  # B
            begin, open_type = i, kind_type
        elif begin is None or kind_type != open_type:
            begin = None
        elif kind == 2:  # E
            out.append((begin, i + 1, kind_type))
            begin = None
    return out


DENSE = 255  # the core's count of a feature kept as a dense row


def pack(slots, rows, offsets, labels, values, n_labels: int, dense_from: int, seen_bits: int):
    """(table, seen, weights, dense) as ``nlp.entities.model.pack`` describes them, as a NumPy program."""
    counts = np.diff(offsets).astype(np.uint64)
    single = counts == 1
    many = counts >= min(dense_from, DENSE)
    dense = np.zeros((int(many.sum()), n_labels), np.float32)
    feature_of = np.repeat(np.arange(len(counts)), counts.astype(np.int64))
    row_of = np.cumsum(many) - 1
    in_dense = many[feature_of]
    dense[row_of[feature_of[in_dense]], labels[in_dense]] = values[in_dense]
    at = np.minimum(offsets[:-1], max(len(labels) - 1, 0))  # a feature's first weight (any index when it has none)
    first_label = labels[at] if len(labels) else np.zeros(len(at), np.uint8)
    first_bits = values.view(np.uint32)[at] if len(values) else np.zeros(len(at), np.uint32)
    first = np.where(single, first_label, np.where(many, row_of, offsets[:-1])).astype(np.uint64)
    counts = np.where(many, np.uint64(DENSE), counts)
    inline = np.where(single, first_bits, 0).astype(np.uint64)
    per_row = (first << np.uint64(8)) | counts | (inline << np.uint64(32))
    table = np.zeros((len(slots), 2), np.uint64)
    table[:, 0] = slots
    used = slots != 0
    table[used, 1] = per_row[rows[used]]
    weights = np.empty((len(labels), 2), np.uint32)
    weights[:, 0] = labels
    weights[:, 1] = values.view(np.uint32)
    keys = slots[used]
    seen = np.zeros(1 << max(3, int(seen_bits * len(keys)).bit_length()), bool)
    seen[(keys & np.uint64(len(seen) - 1)).astype(np.int64)] = True
    return table, np.packbits(seen, bitorder="little"), weights, dense
