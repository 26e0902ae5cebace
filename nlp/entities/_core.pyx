# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled core of the entity recognizer: character feature hashes, emission scores, Viterbi, spans.

The readable reference of every step is ``tests/entities_reference.py`` (checked against this
file with hypothesis).  Features are 64-bit hashes of (template, folded characters) around each
character; the model is an open-addressing table from hash to a sparse row of per-label weights, a
transition matrix (a weight <= -1e8 forbids a transition: Viterbi skips it), and start/end
scores (-1e9 forbids a label there).  Labels: 0 is O, then
``1 + 4 * type + {B: 0, I: 1, E: 2, S: 3}``.
"""

from libc.stdint cimport uint64_t, int32_t, uint32_t, uint8_t
from libc.stdlib cimport malloc, free

cdef enum:
    N_TEMPLATES = 17
    PAD = 3
    BOS = 0x110001
    EOS = 0x110002

cdef uint64_t OFFSET = 0xcbf29ce484222325ULL
cdef uint64_t PRIME = 0x100000001b3ULL
cdef float FORBIDDEN_BELOW = -1e8  # transitions at or below this are never taken

N_FEATURES = N_TEMPLATES


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


def tag(str text, const uint64_t[::1] keys, const int32_t[::1] rows, const int32_t[::1] offsets,
        const uint8_t[::1] labels, const float[::1] values, const float[:, ::1] transitions,
        const float[::1] start, const float[::1] end):
    """Entity spans ``[(start, end, type), ...]`` of ``text`` in reading order (best label path).

    The weights of feature row r are sparse: ``values[k]`` for label ``labels[k]``, k in
    ``offsets[r]:offsets[r + 1]`` (the other labels weigh 0)."""
    cdef Py_ssize_t n = len(text), L = transitions.shape[0], i, a, b, t, slot, k
    cdef uint64_t mask = keys.shape[0] - 1, h
    cdef uint64_t hashes[N_TEMPLATES]
    cdef float best, score
    cdef int32_t arg, row
    if n == 0:
        return []
    if transitions.shape[1] != L or start.shape[0] != L or end.shape[0] != L or L > 256:
        raise ValueError("model arrays disagree on the number of labels")
    cdef uint32_t* s = NULL
    cdef uint32_t* p = padded(text, &s)
    cdef float* emit = <float*> malloc(L * sizeof(float))
    cdef float* prev = <float*> malloc(L * sizeof(float))
    cdef float* cur = <float*> malloc(L * sizeof(float))
    cdef int32_t* back = <int32_t*> malloc(n * L * sizeof(int32_t))
    cdef int32_t* path = <int32_t*> malloc(n * sizeof(int32_t))
    cdef int32_t* pred = <int32_t*> malloc(L * L * sizeof(int32_t))  # allowed predecessors of b, ascending
    cdef int32_t* n_pred = <int32_t*> malloc(L * sizeof(int32_t))
    if emit == NULL or prev == NULL or cur == NULL or back == NULL or path == NULL or pred == NULL or n_pred == NULL:
        free(p); free(s); free(emit); free(prev); free(cur); free(back); free(path); free(pred); free(n_pred)
        raise MemoryError()
    with nogil:
        for b in range(L):
            n_pred[b] = 0
            for a in range(L):
                if transitions[a, b] > FORBIDDEN_BELOW:
                    pred[b * L + n_pred[b]] = a
                    n_pred[b] += 1
            if n_pred[b] == 0:  # nothing may precede b: label 0 stands in, so that a path always exists
                pred[b * L] = 0
                n_pred[b] = 1
        for i in range(n):
            hash_position(p, s, i, hashes)
            for b in range(L):
                emit[b] = 0
            for t in range(N_TEMPLATES):
                h = hashes[t]
                slot = h & mask
                while keys[slot] != 0:
                    if keys[slot] == h:
                        row = rows[slot]
                        for k in range(offsets[row], offsets[row + 1]):
                            emit[labels[k]] += values[k]
                        break
                    slot = (slot + 1) & mask
            if i == 0:
                for b in range(L):
                    prev[b] = start[b] + emit[b]
                continue
            for b in range(L):
                arg = pred[b * L]
                best = prev[arg] + transitions[arg, b]
                for t in range(1, n_pred[b]):
                    a = pred[b * L + t]
                    score = prev[a] + transitions[a, b]
                    if score > best:
                        best = score
                        arg = a
                cur[b] = best + emit[b]
                back[i * L + b] = arg
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
    free(p); free(s); free(emit); free(prev); free(cur); free(back); free(path); free(pred); free(n_pred)
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
