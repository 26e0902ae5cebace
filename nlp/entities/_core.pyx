# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled core of the entity recognizer: character feature hashes, emission scores, Viterbi, spans.

A model may add three kinds of features to the 17 character templates (see :class:`Extras`): a
lexicon (B/I/E of every dictionary word of a group that covers the character), character
clusters (cluster ids of the characters at -2..+2 and two cluster bigrams) and the segmenter's
view of the text (the character's place in its word with the word's part of speech, the part of
speech alone, and the pairs with the parts of speech of the characters before and after it: see
:func:`word_marks`).

The readable reference of every step is ``tests/entities/entities_reference.py`` (checked against
this file with hypothesis).  Features are 64-bit hashes of (template, folded characters) around each
character; the model is an open-addressing table from hash to a sparse row of per-label weights
(packed for the core by ``nlp.entities.model.pack``), a transition matrix (a weight <= -1e8 forbids a transition: Viterbi skips it), and start/end
scores (-1e9 forbids a label there).  Labels: 0 is O, then
``1 + 4 * type + {B: 0, I: 1, E: 2, S: 3}``.
"""

from libc.stdint cimport uint64_t, int64_t, int32_t, uint32_t, uint16_t, uint8_t
import numpy as np
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memcpy
from libc.math cimport INFINITY
from cpython.unicode cimport Py_UNICODE_ISSPACE

cdef enum:
    N_TEMPLATES = 17
    PAD = 3
    BOS = 0x110001
    EOS = 0x110002
    N_GROUPS = 3  # lexicon groups (bits 0..2 of a word's value)
    N_LEXICON = 9  # B, I, E of each group
    N_CLUSTER = 7  # clusters at -2..+2, bigrams (-1, 0) and (0, +1)
    MAX_WORD = 12  # longer lexicon words are not matched
    GROUP_FROM = 4  # labels with this many predecessors or more, and the same ones, form a group (see Chain)
    PREFIX = 0x80  # lexicon value bit: a longer word starts with this one
    NO_CLUSTER = 0xFFFF  # a character without a cluster (and any outside the BMP)
    PAD_CLUSTER = 0xFFFE  # before and after the text
    LEXICON_SEED = 40
    LEXICON_TEMPLATE = 17  # template ids 17..25: group * 3 + (B, I, E)
    CLUSTER_TEMPLATE = 26  # template ids 26..32
    N_WORDS = 4  # segmentation: place + POS, POS, (POS before, POS), (POS, POS after)
    WORD_TEMPLATE = 33  # template ids 33..36
    POS_SEED = 41
    BEFORE_TEXT = 1  # the part of speech "before the first character" and "after the last"
    AFTER_TEXT = 2

cdef uint64_t OFFSET = 0xcbf29ce484222325ULL
cdef uint64_t PRIME = 0x100000001b3ULL
cdef float FORBIDDEN_BELOW = -1e8  # transitions at or below this are never taken

N_FEATURES = N_TEMPLATES
LEXICON_FEATURES = N_LEXICON
CLUSTER_FEATURES = N_CLUSTER
WORD_FEATURES = N_WORDS
MAX_WORD_LENGTH = MAX_WORD

cdef extern from *:
    """
    #ifndef NLP_SOURCE_DIGEST
    #define NLP_SOURCE_DIGEST ""
    #endif
    """
    const char* NLP_SOURCE_DIGEST
# The SHA-256 of this file as setup.py compiled it: nlp.native.load refuses a module built from other source.
SOURCE_DIGEST = NLP_SOURCE_DIGEST.decode("ascii")


cdef inline uint32_t fold(Py_UCS4 ch) noexcept nogil:
    cdef uint32_t c = <uint32_t> ch
    if 0xFF01 <= c <= 0xFF5E:
        c -= 0xFEE0
    elif c == 0x3000:
        c = 0x20
    if 0x30 <= c <= 0x39:
        return 0x30
    if 0x41 <= c <= 0x5A:
        return c + 32
    return c


cdef inline uint32_t shape(uint32_t c) noexcept nogil:
    if c >= 0x110000:
        return 0
    if c == 0x30:
        return 1
    if 0x61 <= c <= 0x7A:
        return 2
    if 0x4E00 <= c <= 0x9FFF or 0x3400 <= c <= 0x4DBF:
        return 3
    if c == 0x20 or c == 0x09 or c == 0x0A or c == 0x0D:
        return 4
    return 5


cdef inline uint64_t mix(uint64_t h, uint64_t v) noexcept nogil:
    return (h ^ v) * PRIME


cdef inline uint64_t finish(uint64_t h) noexcept nogil:
    h ^= h >> 33
    h *= 0xff51afd7ed558ccdULL
    h ^= h >> 33
    h *= 0xc4ceb9fe1a85ec53ULL
    h ^= h >> 33
    return h if h != 0 else 1


cdef void hash_position(const uint32_t* p, const uint32_t* s, Py_ssize_t i, uint64_t* out) noexcept nogil:
    """The N_TEMPLATES feature hashes of character i; p and s are padded (index i + PAD)."""
    cdef Py_ssize_t j = i + PAD
    cdef uint64_t t
    out[0] = finish(mix(OFFSET, 0))
    for t in range(5):  # unigrams at -2..2
        out[1 + t] = finish(mix(mix(OFFSET, 1 + t), p[j - 2 + <Py_ssize_t>t]))
    for t in range(4):  # bigrams starting at -2..1
        out[6 + t] = finish(mix(mix(mix(OFFSET, 6 + t), p[j - 2 + <Py_ssize_t>t]), p[j - 1 + <Py_ssize_t>t]))
    for t in range(3):  # trigrams starting at -2..0
        out[10 + t] = finish(mix(mix(mix(mix(OFFSET, 10 + t), p[j - 2 + <Py_ssize_t>t]), p[j - 1 + <Py_ssize_t>t]),
                                 p[j + <Py_ssize_t>t]))
    out[13] = finish(mix(mix(mix(OFFSET, 13), p[j - 1]), p[j + 1]))  # skip bigram -1, +1
    out[14] = finish(mix(mix(OFFSET, 14), s[j - 2] * 1296 + s[j - 1] * 216 + s[j] * 36 + s[j + 1] * 6 + s[j + 2]))
    out[15] = finish(mix(mix(OFFSET, 15), p[j - 3]))  # unigrams at -3 and +3
    out[16] = finish(mix(mix(OFFSET, 16), p[j + 3]))


cdef uint32_t* padded(str text, uint32_t** shapes) except NULL:
    cdef Py_ssize_t n = len(text), i
    cdef uint32_t* p = <uint32_t*> malloc((n + 2 * PAD) * sizeof(uint32_t))
    cdef uint32_t* s = <uint32_t*> malloc((n + 2 * PAD) * sizeof(uint32_t))
    if p == NULL or s == NULL:
        free(p)
        free(s)
        raise MemoryError()
    for i in range(PAD):
        p[i] = BOS
        p[n + PAD + i] = EOS
    for i in range(n):
        p[i + PAD] = fold(text[i])
    for i in range(n + 2 * PAD):
        s[i] = shape(p[i])
    shapes[0] = s
    return p


cdef class Extras:
    """A model's optional features: a lexicon, character clusters (None for either leaves it out)
    and, with ``words``, the segmentation of the text (which :func:`tag` then needs as ``tokens``).

    ``clusters`` (uint16, 65,536 entries) maps a folded BMP character to its cluster, NO_CLUSTER
    (0xFFFF) for none.  The lexicon is ``chars`` (uint32, folded code points of all words, one after
    another), ``lengths`` (uint8, a word's length) and ``groups`` (uint8, bits 0..2: the groups the
    word belongs to); words of one character or more than MAX_WORD_LENGTH are left out.  The words
    and all their prefixes are kept in an open-addressing table of 64-bit keys, so that a walk from
    each character stops at the first string that starts no word."""

    cdef readonly bint has_lexicon, has_clusters, has_words
    cdef readonly int n_templates
    cdef uint16_t[::1] cluster_of
    cdef uint64_t[::1] keys
    cdef uint8_t[::1] values
    cdef uint64_t mask
    cdef tuple source  # the arguments it was built from, to pickle it by

    def __init__(self, clusters=None, chars=None, lengths=None, groups=None, words=False):
        self.source = (clusters, chars, lengths, groups, bool(words))
        self.has_clusters = clusters is not None
        self.has_lexicon = chars is not None
        self.has_words = bool(words)
        self.n_templates = (N_TEMPLATES + N_LEXICON * self.has_lexicon + N_CLUSTER * self.has_clusters
                            + N_WORDS * self.has_words)
        if self.has_clusters:
            clusters = np.ascontiguousarray(clusters, np.uint16)
            if clusters.shape != (0x10000,):
                raise ValueError("clusters must have one entry per BMP character (65,536)")
            self.cluster_of = clusters
        if self.has_lexicon:
            self._build_lexicon(np.ascontiguousarray(chars, np.uint32), np.ascontiguousarray(lengths, np.uint8),
                                np.ascontiguousarray(groups, np.uint8))

    def __reduce__(self):
        return Extras, self.source

    def _build_lexicon(self, const uint32_t[::1] chars, const uint8_t[::1] lengths, const uint8_t[::1] groups):
        cdef Py_ssize_t n_words = lengths.shape[0], w, at = 0, k, entries = 0, size
        cdef uint64_t h, key, slot
        if groups.shape[0] != n_words:
            raise ValueError("lexicon lengths and groups differ in length")
        for w in range(n_words):
            entries += lengths[w]
        if entries != chars.shape[0]:
            raise ValueError("lexicon lengths do not add up to its characters")
        size = 16
        while size < 2 * entries + 2:
            size *= 2
        self.keys = np.zeros(size, np.uint64)
        self.values = np.zeros(size, np.uint8)
        self.mask = size - 1
        for w in range(n_words):
            if 2 <= lengths[w] <= MAX_WORD and groups[w] & 7:
                h = mix(OFFSET, LEXICON_SEED)
                for k in range(lengths[w]):
                    h = mix(h, chars[at + k])
                    key = finish(h)
                    slot = key & self.mask
                    while self.keys[slot] != 0 and self.keys[slot] != key:
                        slot = (slot + 1) & self.mask
                    self.keys[slot] = key
                    self.values[slot] |= (groups[w] & 7) if k == lengths[w] - 1 else PREFIX
            at += lengths[w]


cdef uint64_t pos_hash(str tag):
    cdef uint64_t h = mix(OFFSET, POS_SEED)
    cdef Py_UCS4 c
    for c in tag:
        h = mix(h, <uint64_t> c)
    return finish(h)


cdef int word_marks(str text, object tokens, uint8_t* place, uint64_t* pos) except -1:
    """Each character's place in its word (0: a word of one character, 1, 2, 3: first, inner, last
    of a longer one) and the hash of the word's part of speech, from ``tokens``, the segmenter's
    ``(word, pos)`` pairs of ``text`` in order (the pipeline's tokens: empty break markers and the
    white space between words left out).  A character no token covers (white space) is a word of
    one character tagged ``x``; a token that is not the text's next word, after white space, ends
    the walk, and the rest of the text is read as uncovered."""
    cdef Py_ssize_t n = len(text), i, k, m, at = 0
    cdef uint64_t none = pos_hash("x"), h
    cdef str word
    for i in range(n):
        place[i], pos[i] = 0, none
    for token in tokens:
        word = token[0]
        m = len(word)
        if m == 0:
            continue
        while at < n and text[at] != word[0] and Py_UNICODE_ISSPACE(text[at]):
            at += 1
        if at + m > n:
            break
        for k in range(m):
            if text[at + k] != word[k]:
                return 0
        h = pos_hash(token[1])
        for k in range(m):
            place[at + k] = 0 if m == 1 else 1 if k == 0 else 3 if k == m - 1 else 2
            pos[at + k] = h
        at += m
    return 0


cdef void hash_text(const uint32_t* p, const uint32_t* s, Py_ssize_t n, Py_ssize_t T,
                    const uint64_t* keys, const uint8_t* values, uint64_t mask, const uint16_t* cluster_of,
                    const uint8_t* place, const uint64_t* pos,
                    uint64_t* out, uint16_t* marks, uint16_t* clusters) noexcept nogil:
    """All feature hashes of a text, ``T`` per character (0 for a lexicon feature that is off): the
    character templates, then the lexicon's if ``keys`` is not NULL, then the clusters' if
    ``cluster_of`` is not NULL, then the segmentation's if ``place`` is not NULL (``place`` and
    ``pos`` as :func:`word_marks` fills them).  ``marks`` (n) and ``clusters`` (n + 2 * PAD) are
    scratch space."""
    cdef uint64_t before, after
    cdef Py_ssize_t i, j, k, end, col
    cdef uint64_t h, key, slot
    cdef uint64_t on[N_LEXICON]  # the hash of each lexicon feature when it is on
    cdef uint8_t value, g
    cdef uint32_t c
    for i in range(n):
        hash_position(p, s, i, &out[i * T])
    col = N_TEMPLATES
    if keys != NULL:
        for k in range(N_LEXICON):
            on[k] = finish(mix(OFFSET, LEXICON_TEMPLATE + k))
        for i in range(n):
            marks[i] = 0
        for i in range(n):  # every word of the lexicon that starts here marks B, I..., E of its groups
            h = mix(OFFSET, LEXICON_SEED)
            end = min(n, i + MAX_WORD)
            for j in range(i, end):
                h = mix(h, p[j + PAD])
                key = finish(h)
                slot = key & mask
                while keys[slot] != 0 and keys[slot] != key:
                    slot = (slot + 1) & mask
                if keys[slot] == 0:
                    break
                value = values[slot]
                if j > i and value & 7:
                    for g in range(N_GROUPS):
                        if value & (1 << g):
                            marks[i] |= 1 << (3 * g)
                            for k in range(i + 1, j):
                                marks[k] |= 1 << (3 * g + 1)
                            marks[j] |= 1 << (3 * g + 2)
                if not value & PREFIX:
                    break
        for i in range(n):
            for k in range(N_LEXICON):
                out[i * T + col + k] = on[k] if marks[i] & (1 << k) else 0
        col += N_LEXICON
    if cluster_of != NULL:
        for i in range(n + 2 * PAD):
            c = p[i]
            clusters[i] = PAD_CLUSTER if c == BOS or c == EOS else (cluster_of[c] if c < 0x10000 else NO_CLUSTER)
        for i in range(n):
            j = i + PAD
            for k in range(5):
                out[i * T + col + k] = finish(mix(mix(OFFSET, CLUSTER_TEMPLATE + k), clusters[j - 2 + k]))
            out[i * T + col + 5] = finish(mix(mix(mix(OFFSET, CLUSTER_TEMPLATE + 5), clusters[j - 1]), clusters[j]))
            out[i * T + col + 6] = finish(mix(mix(mix(OFFSET, CLUSTER_TEMPLATE + 6), clusters[j]), clusters[j + 1]))
        col += N_CLUSTER
    if place != NULL:
        for i in range(n):
            before = pos[i - 1] if i > 0 else BEFORE_TEXT
            after = pos[i + 1] if i + 1 < n else AFTER_TEXT
            out[i * T + col] = finish(mix(mix(mix(OFFSET, WORD_TEMPLATE), place[i]), pos[i]))
            out[i * T + col + 1] = finish(mix(mix(OFFSET, WORD_TEMPLATE + 1), pos[i]))
            out[i * T + col + 2] = finish(mix(mix(mix(OFFSET, WORD_TEMPLATE + 2), before), pos[i]))
            out[i * T + col + 3] = finish(mix(mix(mix(OFFSET, WORD_TEMPLATE + 3), pos[i]), after))


cdef uint64_t* all_hashes(str text, Extras extras, object tokens) except NULL:
    """malloc'ed feature hashes of ``text`` (len(text) x n_templates); the caller frees them.
    ``tokens``: the segmentation of ``text``, which a model with word features needs."""
    if extras is not None and extras.has_words and tokens is None:
        raise ValueError("this model reads the segmentation of the text: pass its tokens")
    cdef Py_ssize_t n = len(text), T = N_TEMPLATES if extras is None else extras.n_templates
    cdef uint32_t* s = NULL
    cdef uint32_t* p = padded(text, &s)
    cdef uint64_t* out = <uint64_t*> malloc(n * T * sizeof(uint64_t) + 8)
    cdef uint16_t* marks = <uint16_t*> malloc((n + 1) * sizeof(uint16_t))
    cdef uint16_t* clusters = <uint16_t*> malloc((n + 2 * PAD) * sizeof(uint16_t))
    cdef bint words = extras is not None and extras.has_words
    cdef uint8_t* place = <uint8_t*> malloc(n + 1) if words else NULL
    cdef uint64_t* pos = <uint64_t*> malloc((n + 1) * sizeof(uint64_t)) if words else NULL
    if out == NULL or marks == NULL or clusters == NULL or (words and (place == NULL or pos == NULL)):
        free(p); free(s); free(out); free(marks); free(clusters); free(place); free(pos)
        raise MemoryError()
    if words:
        try:
            word_marks(text, tokens, place, pos)
        except BaseException:
            free(p); free(s); free(out); free(marks); free(clusters); free(place); free(pos)
            raise
    cdef const uint64_t* keys = NULL
    cdef const uint8_t* values = NULL
    cdef const uint16_t* cluster_of = NULL
    cdef uint64_t mask = 0
    if extras is not None and extras.has_lexicon:
        keys, values, mask = &extras.keys[0], &extras.values[0], extras.mask
    if extras is not None and extras.has_clusters:
        cluster_of = &extras.cluster_of[0]
    with nogil:
        hash_text(p, s, n, T, keys, values, mask, cluster_of, place, pos, out, marks, clusters)
    free(p); free(s); free(marks); free(clusters); free(place); free(pos)
    return out


def folded(str text):
    """The code points of ``text`` as the features read them (uint32 array): full-width ASCII to
    half-width, U+3000 to a space, A-Z to a-z, every digit to 0."""
    cdef Py_ssize_t n = len(text), i
    out = np.empty(n, np.uint32)
    cdef uint32_t[::1] view = out
    for i in range(n):
        view[i] = fold(text[i])
    return out


def fill_features(str text, uint64_t[:, ::1] out, Extras extras=None, tokens=None):
    """Write the feature hashes of every character of ``text`` into ``out`` (len(text) x templates:
    N_FEATURES, or ``extras.n_templates``); 0 marks a lexicon feature that is off.  ``tokens``: the
    segmentation of ``text`` (``(word, pos)`` pairs), for extras with word features."""
    cdef Py_ssize_t n = len(text), T = N_TEMPLATES if extras is None else extras.n_templates
    if out.shape[0] != n or out.shape[1] != T:
        raise ValueError(f"out must be ({n}, {T})")
    if n == 0:
        return
    cdef uint64_t* hashes = all_hashes(text, extras, tokens)
    memcpy(&out[0, 0], hashes, n * T * sizeof(uint64_t))
    free(hashes)


cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define NLP_PREFETCH(p) __builtin_prefetch((p), 0, 1)
    #else
    #define NLP_PREFETCH(p) ((void)(p))
    #endif
    """
    void NLP_PREFETCH(const void* p) noexcept nogil


cdef enum:
    AHEAD = 16  # feature lookups prefetched ahead of the one being summed (8 to 96 measure the same)
    DENSE = 255  # the count of a feature whose weights are a dense row (see tag)


def pack(const uint64_t[::1] slots, const int32_t[::1] rows, const int32_t[::1] offsets,
         const uint8_t[::1] labels, const float[::1] values, int n_labels, int dense_from, int seen_bits):
    """The model's (slots, rows, offsets, labels, values) as :func:`tag` reads them: (table, seen,
    weights, dense); what each holds is told by ``nlp.entities.model.pack``.  Arrays that would
    make it write out of bounds are a ValueError.  One walk over the features fills the dense rows, one over the slots the table
    and the filter; a model loads in a few milliseconds instead of the tens a NumPy program took."""
    cdef Py_ssize_t n_features = offsets.shape[0] - 1, size = slots.shape[0], n_weights = labels.shape[0]
    cdef Py_ssize_t f, k, s, r = 0, n_used = 0
    cdef int32_t count, lowest = dense_from if dense_from < DENSE else DENSE
    if n_features < 0 or rows.shape[0] != size or dense_from < 2 or not 0 < n_labels <= 256:
        raise ValueError("model arrays do not fit together")
    if offsets[0] != 0 or offsets[n_features] != n_weights or values.shape[0] != n_weights:
        raise ValueError("model weight offsets must rise from 0 to the number of weights")
    for f in range(n_features):
        if offsets[f + 1] < offsets[f]:
            raise ValueError("model weight offsets must rise from 0 to the number of weights")
        if offsets[f + 1] - offsets[f] >= lowest:
            r += 1
    for k in range(n_weights):
        if labels[k] >= n_labels:
            raise ValueError("model weights name a label the model does not have")
    for s in range(size):
        if slots[s] != 0 and not 0 <= rows[s] < n_features:
            raise ValueError("model hash table points outside the weight rows")
    dense_array = np.zeros((r, n_labels), np.float32)
    dense_row = np.empty(max(n_features, 1), np.int64)
    cdef float[:, ::1] dense = dense_array
    cdef int64_t[::1] row_of = dense_row
    r = 0
    for f in range(n_features):
        if offsets[f + 1] - offsets[f] >= lowest:
            for k in range(offsets[f], offsets[f + 1]):
                dense[r, labels[k]] = values[k]
            row_of[f] = r
            r += 1
    table_array = np.zeros((size, 2), np.uint64)
    cdef uint64_t[:, ::1] table = table_array
    cdef uint64_t key, first, bits
    cdef uint32_t value_bits
    for s in range(size):
        key = slots[s]
        table[s, 0] = key
        if key == 0:
            continue
        n_used += 1
        f = rows[s]
        count = offsets[f + 1] - offsets[f]
        bits = 0
        if count == 1:
            memcpy(&value_bits, &values[offsets[f]], 4)
            first, bits = labels[offsets[f]], value_bits
        elif count >= lowest:
            first, count = <uint64_t> row_of[f], DENSE
        else:
            first = <uint64_t> offsets[f]
        table[s, 1] = (first << 8) | <uint64_t> count | (bits << 32)
    weights_array = np.empty((n_weights, 2), np.uint32)
    cdef uint32_t[:, ::1] weights = weights_array
    for k in range(n_weights):
        memcpy(&value_bits, &values[k], 4)
        weights[k, 0], weights[k, 1] = labels[k], value_bits
    cdef Py_ssize_t n_bits = 1
    while n_bits <= seen_bits * n_used:  # the power of two above seen_bits * n_used (at least 8)
        n_bits <<= 1
    n_bits = max(n_bits, 8)
    seen_array = np.zeros(n_bits // 8, np.uint8)
    cdef uint8_t[::1] seen = seen_array
    cdef uint64_t low = <uint64_t> (n_bits - 1)
    for s in range(size):
        if slots[s] != 0:
            seen[(slots[s] & low) >> 3] |= <uint8_t> (1 << (slots[s] & 7))
    return table_array, seen_array, weights_array, dense_array


cdef class Chain:
    """The label chain a model decodes with: start and end scores and, for Viterbi, each label's
    allowed predecessors in ascending order with their transition weights (a weight <= -1e8 is not
    allowed; a label that nothing may precede gets label 0 as its one predecessor, so that a path
    always exists).  Built once per model rather than once per text.

    Labels with the same list of four or more predecessors form a group (O, B-* and S-* of BIOES all
    follow O, E-* or S-*).  A Viterbi step finds each group's best predecessor and the best score of
    the others once; a label of the group whose best incoming weight added to that runner-up score
    stays below what the best predecessor gives it cannot be reached better from anywhere else (float
    addition is monotonic), so it skips the scan of its predecessors: the same result, bit for bit,
    and 4% of such labels still scan on real text."""
    cdef readonly Py_ssize_t n_labels
    cdef float[::1] start, end
    cdef int32_t[:, ::1] pred
    cdef float[:, ::1] pred_w
    cdef int32_t[::1] n_pred
    cdef float[:, ::1] weight  # transitions[a, b]
    cdef float[::1] best_in  # the largest allowed weight into each label
    cdef int32_t[::1] group_of  # a label's group, -1 for none
    cdef int32_t[:, ::1] group_pred  # the predecessors of each group, ascending
    cdef int32_t[::1] group_size
    cdef Py_ssize_t n_groups
    cdef tuple source  # the arguments it was built from, to pickle it by

    def __init__(self, const float[:, ::1] transitions, const float[::1] start, const float[::1] end):
        cdef Py_ssize_t L = transitions.shape[0]
        if transitions.shape[1] != L or start.shape[0] != L or end.shape[0] != L or L == 0 or L > 256:
            raise ValueError("transitions, start and end disagree on the number of labels (1 to 256)")
        t = np.asarray(transitions)
        allowed = t > FORBIDDEN_BELOW
        allowed[0, ~allowed.any(axis=0)] = True
        pred = np.zeros((L, L), np.int32)
        pred_w = np.zeros((L, L), np.float32)
        for b in range(L):
            a = np.flatnonzero(allowed[:, b])
            pred[b, :len(a)] = a
            pred_w[b, :len(a)] = t[a, b]
        self.n_labels = L
        self.start, self.end = np.array(start, np.float32), np.array(end, np.float32)
        self.source = (t.copy(), np.asarray(self.start), np.asarray(self.end))
        self.pred, self.pred_w, self.n_pred = pred, pred_w, allowed.sum(axis=0).astype(np.int32)
        self.weight = self.source[0]
        self.best_in = np.array([pred_w[b, :self.n_pred[b]].max() for b in range(L)], np.float32)
        groups = {}
        group_of = np.full(L, -1, np.int32)
        for b in range(L):
            if self.n_pred[b] >= GROUP_FROM:
                group_of[b] = groups.setdefault(tuple(pred[b, :self.n_pred[b]].tolist()), len(groups))
        group_pred = np.zeros((max(len(groups), 1), L), np.int32)
        group_size = np.zeros(max(len(groups), 1), np.int32)
        for members, g in groups.items():
            group_pred[g, :len(members)] = members
            group_size[g] = len(members)
        self.group_of, self.group_pred, self.group_size, self.n_groups = group_of, group_pred, group_size, len(groups)

    def __reduce__(self):
        return Chain, self.source

    cdef void step(self, const float* prev, const float* emit, float* cur, uint8_t* back) noexcept nogil:
        """One Viterbi step: cur[b] = max over allowed a of prev[a] + w(a, b), plus emit[b]; back[b]
        is the first (smallest) a that reaches it."""
        cdef Py_ssize_t b, t, g
        cdef int32_t a, arg
        cdef float best, score, other
        cdef int32_t top[256]  # per group: its best predecessor (the first of equals)
        cdef float runner_up[256]  # and the best score of its other predecessors
        for g in range(self.n_groups):
            arg = self.group_pred[g, 0]
            best, other = prev[arg], -INFINITY
            for t in range(1, self.group_size[g]):
                a = self.group_pred[g, t]
                if prev[a] > best:
                    best, other, arg = prev[a], best, a
                elif prev[a] > other:
                    other = prev[a]
            top[g], runner_up[g] = arg, other
        for b in range(self.n_labels):
            g = self.group_of[b]
            if g >= 0:
                a = top[g]
                score = prev[a] + self.weight[a, b]
                if runner_up[g] + self.best_in[b] < score:  # every other predecessor gives less
                    cur[b] = score + emit[b]
                    back[b] = <uint8_t> a
                    continue
            arg = self.pred[b, 0]
            best = prev[arg] + self.pred_w[b, 0]
            for t in range(1, self.n_pred[b]):  # branch-free: the first maximum wins, as in the reference
                a = self.pred[b, t]
                score = prev[a] + self.pred_w[b, t]
                arg = a if score > best else arg
                best = score if score > best else best
            cur[b] = best + emit[b]
            back[b] = <uint8_t> arg


cdef inline void add_weights(uint64_t h, const uint64_t* slots, uint64_t mask, const uint8_t* seen, uint64_t seen_mask,
                             const uint32_t[:, ::1] weights, const float[:, ::1] dense, Py_ssize_t L,
                             float* emit) noexcept nogil:
    """Add the label weights of the feature with hash ``h`` to ``emit`` (nothing for an unknown one)."""
    cdef uint64_t slot = h & mask, word
    cdef uint32_t info, count, first, bits
    cdef Py_ssize_t b, k
    cdef float value
    cdef const float* row
    cdef uint64_t bit = h & seen_mask
    if not seen[bit >> 3] & (1 << (bit & 7)):  # no feature of the model has these low bits
        return
    while slots[2 * slot] != 0:
        if slots[2 * slot] == h:
            word = slots[2 * slot + 1]
            info = <uint32_t> (word & 0xFFFFFFFFULL)
            count = info & 0xFF
            first = info >> 8
            if count == 1:
                bits = <uint32_t> (word >> 32)
                memcpy(&value, &bits, 4)
                if first < L:
                    emit[first] += value
            elif count == DENSE:
                if first < <uint32_t> dense.shape[0]:
                    row = &dense[first, 0]
                    for b in range(L):
                        emit[b] += row[b]
            elif first + count <= <uint64_t> weights.shape[0]:
                for k in range(first, first + count):
                    bits = weights[k, 1]
                    memcpy(&value, &bits, 4)
                    if weights[k, 0] < L:
                        emit[weights[k, 0]] += value
            return
        slot = (slot + 1) & mask


def tag(str text, const uint64_t[:, ::1] table, const uint8_t[::1] seen, const uint32_t[:, ::1] weights,
        const float[:, ::1] dense, Chain chain not None, Extras extras=None, tokens=None):
    """Entity spans ``[(start, end, type), ...]`` of ``text`` in reading order (best label path).

    ``table`` is the model's open-addressing hash table packed one slot per row (see
    ``nlp.entities.model.pack``): ``[key, info | value_bits << 32]``; ``info & 0xFF`` is the number
    of weights of the feature.  One weight (most features) is kept in the slot itself: label
    ``info >> 8`` weighs the float whose bits are ``value_bits``.  More are ``weights[k] = [label,
    value_bits]`` for k in ``info >> 8`` ... ``+ count``, in label order (other labels weigh 0).
    A feature with many weights (count ``DENSE``) has them all, zeros too, in row ``info >> 8`` of
    ``dense``: one vector add instead of a scatter of many (adding 0.0 leaves a sum as it was).
    ``seen`` has a bit for each value of a hash's low bits (a power of two of them, 8 or more a
    feature): set when a feature of the model has them, so that most lookups of a feature the
    model lacks stop there, in a bit array small enough to stay in cache.  Every lookup of a text is
    hashed first and prefetched ``AHEAD`` lookups early, so that the cache misses of a large table
    overlap.  Template 0 (the bias) is the same feature at every
    character: its weights are looked up once and start each character's sum.  ``chain`` decodes.
    ``extras`` adds the model's lexicon, cluster and word features (a hash of 0 is a feature that is
    off); ``tokens`` is the segmentation of ``text`` that word features read."""
    cdef Py_ssize_t n = len(text), L = chain.n_labels, i, b, t, q, n_keys
    cdef Py_ssize_t T = N_TEMPLATES if extras is None else extras.n_templates
    cdef uint64_t mask = table.shape[0] - 1, seen_mask = <uint64_t> seen.shape[0] * 8 - 1
    cdef float best, score
    cdef int32_t arg
    if n == 0:
        return []
    if table.shape[1] != 2 or weights.shape[1] != 2 or table.shape[0] < 8 or table.shape[0] & (table.shape[0] - 1) \
            or seen.shape[0] == 0 or seen.shape[0] & (seen.shape[0] - 1) or (dense.shape[0] and dense.shape[1] != L):
        raise ValueError("model arrays disagree on the number of labels or the table's shape")
    n_keys = n * T
    cdef uint64_t* hashes = all_hashes(text, extras, tokens)
    cdef float* bias = <float*> calloc(L, sizeof(float))
    cdef float* emit = <float*> malloc(L * sizeof(float))
    cdef float* prev = <float*> malloc(L * sizeof(float))
    cdef float* cur = <float*> malloc(L * sizeof(float))
    cdef uint8_t* back = <uint8_t*> malloc(n * L * sizeof(uint8_t))  # L <= 256
    cdef int32_t* path = <int32_t*> malloc(n * sizeof(int32_t))
    if hashes == NULL or bias == NULL or emit == NULL or prev == NULL or cur == NULL or back == NULL or path == NULL:
        free(hashes); free(bias); free(emit); free(prev); free(cur); free(back); free(path)
        raise MemoryError()
    cdef const uint64_t* slots = &table[0, 0]
    with nogil:
        add_weights(hashes[0], slots, mask, &seen[0], seen_mask, weights, dense, L, bias)  # template 0, the same everywhere
        for q in range(min(<Py_ssize_t> AHEAD, n_keys)):
            NLP_PREFETCH(&slots[2 * (hashes[q] & mask)])
        for i in range(n):
            memcpy(emit, bias, L * sizeof(float))
            if i * T + AHEAD < n_keys:  # template 0 is not looked up, but the key AHEAD of it is
                NLP_PREFETCH(&slots[2 * (hashes[i * T + AHEAD] & mask)])
            for t in range(1, T):
                q = i * T + t
                if q + AHEAD < n_keys:  # unconditional: measured faster than asking the seen bit first
                    NLP_PREFETCH(&slots[2 * (hashes[q + AHEAD] & mask)])
                if hashes[q] != 0:  # 0: a lexicon feature that is off
                    add_weights(hashes[q], slots, mask, &seen[0], seen_mask, weights, dense, L, emit)
            if i == 0:
                for b in range(L):
                    prev[b] = chain.start[b] + emit[b]
                continue
            chain.step(prev, emit, cur, &back[i * L])
            for b in range(L):
                prev[b] = cur[b]
        best = prev[0] + chain.end[0]
        arg = 0
        for b in range(1, L):
            score = prev[b] + chain.end[b]
            if score > best:
                best = score
                arg = b
        path[n - 1] = arg
        for i in range(n - 1, 0, -1):
            path[i - 1] = back[i * L + path[i]]
    spans = _spans(path, n)
    free(hashes); free(bias); free(emit); free(prev); free(cur); free(back); free(path)
    return spans


cdef list _spans(const int32_t* path, Py_ssize_t n):
    """Spans of a BIOES label path; a B/I run that does not close with E is not an entity."""
    cdef list out = []
    cdef Py_ssize_t i, begin = -1
    cdef int32_t label, kind, typ, open_type = -1
    for i in range(n):
        label = path[i]
        if label == 0:
            begin = -1
            continue
        kind = (label - 1) % 4
        typ = (label - 1) // 4
        if kind == 3:
            out.append((i, i + 1, typ))
            begin = -1
        elif kind == 0:
            begin = i
            open_type = typ
        elif begin < 0 or typ != open_type:
            begin = -1
        elif kind == 2:
            out.append((begin, i + 1, typ))
            begin = -1
    return out
