# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled core of the entity recognizer: character feature hashes, emission scores, Viterbi, spans.

The readable reference of every step is ``tests/entities/entities_reference.py`` (checked against
this file with hypothesis).  Features are 64-bit hashes of (template, folded characters) around each
character; the model is an open-addressing table from hash to a sparse row of per-label weights
(packed for the core by ``nlp.entities.model.pack``), a transition matrix (a weight <= -1e8 forbids a transition: Viterbi skips it), and start/end
scores (-1e9 forbids a label there).  Labels: 0 is O, then
``1 + 4 * type + {B: 0, I: 1, E: 2, S: 3}``.
"""

from libc.stdint cimport uint64_t, int32_t, uint32_t, uint8_t
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy

cdef enum:
    N_TEMPLATES = 17
    PAD = 3
    BOS = 0x110001
    EOS = 0x110002

cdef uint64_t OFFSET = 0xcbf29ce484222325ULL
cdef uint64_t PRIME = 0x100000001b3ULL
cdef float FORBIDDEN_BELOW = -1e8  # transitions at or below this are never taken

N_FEATURES = N_TEMPLATES

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


def fill_features(str text, uint64_t[:, ::1] out):
    """Write the feature hashes of every character of ``text`` into ``out`` (len(text) x N_FEATURES)."""
    cdef Py_ssize_t n = len(text), i
    if out.shape[0] != n or out.shape[1] != N_TEMPLATES:
        raise ValueError(f"out must be ({n}, {N_TEMPLATES})")
    if n == 0:
        return
    cdef uint32_t* s = NULL
    cdef uint32_t* p = padded(text, &s)
    for i in range(n):
        hash_position(p, s, i, &out[i, 0])
    free(p)
    free(s)


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


def tag(str text, const uint64_t[:, ::1] table, const uint8_t[::1] occupied, const uint32_t[:, ::1] weights,
        const float[:, ::1] transitions, const float[::1] start, const float[::1] end):
    """Entity spans ``[(start, end, type), ...]`` of ``text`` in reading order (best label path).

    ``table`` is the model's open-addressing hash table packed one slot per row (see
    ``nlp.entities.model.pack``): ``[key, info | value_bits << 32]``; ``info & 0xFF`` is the number
    of weights of the feature.  One weight (most features) is kept in the slot itself: label
    ``info >> 8`` weighs the float whose bits are ``value_bits``.  More are ``weights[k] = [label,
    value_bits]`` for k in ``info >> 8`` ... ``+ count``, in label order (other labels weigh 0).
    Every lookup of a text is hashed first and prefetched ``AHEAD`` lookups early, so that the
    cache misses of a large table overlap; Viterbi then scans only the allowed predecessors."""
    cdef Py_ssize_t n = len(text), L = transitions.shape[0], i, a, b, t, slot, k, q, n_keys
    cdef uint64_t mask = table.shape[0] - 1, h, word
    cdef uint32_t info, count, first
    cdef uint32_t bits
    cdef float best, score, value
    cdef int32_t arg
    if n == 0:
        return []
    if transitions.shape[1] != L or start.shape[0] != L or end.shape[0] != L or L > 256 or table.shape[1] != 2 \
            or weights.shape[1] != 2 or table.shape[0] < 8 or table.shape[0] & (table.shape[0] - 1) \
            or occupied.shape[0] != table.shape[0] // 8:
        raise ValueError("model arrays disagree on the number of labels or the table's shape")
    cdef uint32_t* s = NULL
    cdef uint32_t* p = padded(text, &s)
    n_keys = n * N_TEMPLATES
    cdef uint64_t* hashes = <uint64_t*> malloc(n_keys * sizeof(uint64_t))
    cdef float* emit = <float*> malloc(L * sizeof(float))
    cdef float* prev = <float*> malloc(L * sizeof(float))
    cdef float* cur = <float*> malloc(L * sizeof(float))
    cdef uint8_t* back = <uint8_t*> malloc(n * L * sizeof(uint8_t))  # L <= 256
    cdef int32_t* path = <int32_t*> malloc(n * sizeof(int32_t))
    cdef int32_t* pred = <int32_t*> malloc(L * L * sizeof(int32_t))  # allowed predecessors of b, ascending
    cdef float* pred_w = <float*> malloc(L * L * sizeof(float))  # their transition weights into b
    cdef int32_t* n_pred = <int32_t*> malloc(L * sizeof(int32_t))
    if hashes == NULL or emit == NULL or prev == NULL or cur == NULL or back == NULL or path == NULL or pred == NULL \
            or pred_w == NULL or n_pred == NULL:
        free(p); free(s); free(hashes); free(emit); free(prev); free(cur); free(back); free(path); free(pred)
        free(pred_w); free(n_pred)
        raise MemoryError()
    cdef uint64_t n_weights = weights.shape[0]
    cdef const uint64_t* slots = &table[0, 0]
    with nogil:
        for b in range(L):
            n_pred[b] = 0
            for a in range(L):
                if transitions[a, b] > FORBIDDEN_BELOW:
                    pred[b * L + n_pred[b]] = a
                    pred_w[b * L + n_pred[b]] = transitions[a, b]
                    n_pred[b] += 1
            if n_pred[b] == 0:  # nothing may precede b: label 0 stands in, so that a path always exists
                pred[b * L] = 0
                pred_w[b * L] = transitions[0, b]
                n_pred[b] = 1
        for i in range(n):
            hash_position(p, s, i, &hashes[i * N_TEMPLATES])
        for q in range(min(<Py_ssize_t> AHEAD, n_keys)):
            NLP_PREFETCH(&slots[2 * (hashes[q] & mask)])
        for i in range(n):
            for b in range(L):
                emit[b] = 0
            for t in range(N_TEMPLATES):
                q = i * N_TEMPLATES + t
                if q + AHEAD < n_keys:  # unconditional: measured 5% faster than asking the occupancy bit first
                    NLP_PREFETCH(&slots[2 * (hashes[q + AHEAD] & mask)])
                h = hashes[q]
                slot = h & mask
                if not occupied[slot >> 3] & (1 << (slot & 7)):  # an empty home slot: no such feature
                    continue
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
                        elif first + count <= n_weights:
                            for k in range(first, first + count):
                                bits = weights[k, 1]
                                memcpy(&value, &bits, 4)
                                if weights[k, 0] < L:
                                    emit[weights[k, 0]] += value
                        break
                    slot = (slot + 1) & mask
            if i == 0:
                for b in range(L):
                    prev[b] = start[b] + emit[b]
                continue
            for b in range(L):
                arg = pred[b * L]
                best = prev[arg] + pred_w[b * L]
                for t in range(1, n_pred[b]):  # branch-free: the first maximum wins, as in the reference
                    a = pred[b * L + t]
                    score = prev[a] + pred_w[b * L + t]
                    arg = a if score > best else arg
                    best = score if score > best else best
                cur[b] = best + emit[b]
                back[i * L + b] = <uint8_t> arg
            for b in range(L):
                prev[b] = cur[b]
        best = prev[0] + end[0]
        arg = 0
        for b in range(1, L):
            score = prev[b] + end[b]
            if score > best:
                best = score
                arg = b
        path[n - 1] = arg
        for i in range(n - 1, 0, -1):
            path[i - 1] = back[i * L + path[i]]
    spans = _spans(path, n)
    free(p); free(s); free(hashes); free(emit); free(prev); free(cur); free(back); free(path); free(pred)
    free(pred_w); free(n_pred)
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
