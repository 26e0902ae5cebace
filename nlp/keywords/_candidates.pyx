# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled core of keyword extraction: the candidate spans of a token sequence, each candidate's
statistics, TextRank of the candidate words, and the overlap check of keyword selection.

The rules are those of ``nlp/keywords/phrases.py`` (its module docstring); the readable reference is
``tests/keywords/candidates_reference.py``, checked against this file with hypothesis.  Tokens come as
the flags of :class:`nlp.keywords.phrases.TokenCodes` (one integer per token).  One walk over the
tokens finds, per token, whether it is in a chunk and how it may stand at a span's edge; then every
span start tries the lengths 1 .. ``max_tokens`` until the chunk ends or the text is too long.
"""

import numpy as np

from libc.stdint cimport int64_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, qsort
from libc.string cimport memcmp

cdef extern from "Python.h":
    double PyOS_string_to_double(const char* s, char** endptr, object overflow_exception) except? -1.0
    int PyUnicode_KIND(object text)
    const void* PyUnicode_DATA(object text)
    Py_UCS4 PyUnicode_READ(int kind, const void* data, Py_ssize_t index) nogil
    bint Py_UNICODE_ISSPACE(Py_UCS4 c) nogil

cdef extern from *:
    """
    #ifndef NLP_SOURCE_DIGEST
    #define NLP_SOURCE_DIGEST ""
    #endif
    """
    const char* NLP_SOURCE_DIGEST
# The SHA-256 of this file as setup.py compiled it: nlp.native.load refuses a module built from other source.
SOURCE_DIGEST = NLP_SOURCE_DIGEST.decode("ascii")

# The flags of a token code (the same values as nlp/keywords/phrases.py; a test checks them).
cdef enum:
    BREAK = 1 << 0
    EDGE = 1 << 1
    JOINER = 1 << 2
    NUMERIC = 1 << 3
    LATIN_HEAD = 1 << 4
    LATIN_TAIL = 1 << 5
    HAS_LATIN = 1 << 6
    KEYWORD = 1 << 7
    HEAD = 1 << 8
    ONE_HAN = 1 << 9
    BYLINE = 1 << 10
    NAME = 1 << 11
    VERB = 1 << 12
    LEAD = 1 << 13
    PROPER = 1 << 14
    PUNCT = 1 << 15
    OPEN_WORK = 1 << 16
    CLOSE_WORK = 1 << 17
    MORPHEME = 1 << 18
    POS_SHIFT = 19
    POS_MASK = 15
    N_POS = 11  # LAST_POS and "other"
    MAX_SUB = 8  # the longest span whose parts are looked up (nesting)
    WORK_TOKENS = 8  # the longest title of a work in 《》 that is a candidate (phrases.WORK_TOKENS; <= MAX_SUB)

assert WORK_TOKENS <= MAX_SUB, "a work's title must fit the nesting lookup"

FLAGS = {"BREAK": BREAK, "EDGE": EDGE, "JOINER": JOINER, "NUMERIC": NUMERIC, "LATIN_HEAD": LATIN_HEAD,
         "LATIN_TAIL": LATIN_TAIL, "HAS_LATIN": HAS_LATIN, "KEYWORD": KEYWORD, "HEAD": HEAD, "ONE_HAN": ONE_HAN, "BYLINE": BYLINE,
         "NAME": NAME, "VERB": VERB, "LEAD": LEAD, "PROPER": PROPER, "PUNCT": PUNCT, "OPEN_WORK": OPEN_WORK,
         "CLOSE_WORK": CLOSE_WORK, "MORPHEME": MORPHEME, "POS_SHIFT": POS_SHIFT, "POS_MASK": POS_MASK, "WORK_TOKENS": WORK_TOKENS}

# The columns this module fills, by the ranker's feature names; counts stand where the ranker takes
# log(1 + count) (log_tf_title, log_tf_body, log_superstrings, log_substrings, log_work_title), and the entity columns,
# which the ranker fills, are left 0.
cdef enum:
    C_TITLE, C_BODY, C_IN_TITLE, C_FIRST, C_IDF, C_KNOWN, C_CHARS, C_TOKENS, C_SINGLE, C_TFIDF, C_ORDER, C_RANK
    C_SUPER, C_SUB, C_LATIN, C_POS
    C_BOUND = C_POS + N_POS
    C_VERB
    C_ENTITY
    C_COMMON = C_ENTITY + 6
    C_WORK
    N_COLUMNS


def token_codes(dict memo, list tokens, object code):
    """The code of every token as an int64 array: ``memo[token]``, or ``code(token)`` remembered in
    ``memo`` (the per-token lookup of :class:`nlp.keywords.phrases.TokenCodes`, which runs on every
    token of every article)."""
    cdef Py_ssize_t n = len(tokens), i
    out = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] view = out
    cdef object token, value
    for i in range(n):
        token = tokens[i]
        value = memo.get(token)
        if value is None:
            value = code(token)
            memo[token] = value
        view[i] = value
    return out


cdef bint _lower_is_itself(str text):
    """Whether ``text.lower() == text`` is plain to see: no ASCII capital and nothing beyond ASCII but
    Han characters (which have no case); False only means "ask str.lower"."""
    cdef int kind = PyUnicode_KIND(text)
    cdef const void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t i
    cdef Py_UCS4 c
    for i in range(len(text)):
        c = PyUnicode_READ(kind, data, i)
        if 0x41 <= c <= 0x5A:
            return False
        if c >= 0x80 and not (0x4E00 <= c <= 0x9FFF or 0x3400 <= c <= 0x4DBF):
            return False
    return True


def lookup_lowered(tuple texts, dict table):
    """``[(i, table[texts[i].lower()]), ...]`` for the texts whose lower case the table holds, in order
    (the candidates that are entity mentions, case ignored: most need no lower-casing at all)."""
    cdef list hits = []
    cdef Py_ssize_t i
    cdef str text
    cdef object found
    for i in range(len(texts)):
        text = texts[i]
        found = table.get(text if _lower_is_itself(text) else text.lower())
        if found is not None:
            hits.append((i, found))
    return hits


cdef class _Tokens:
    """What the span rules need per token of a sequence, from one walk over it."""

    cdef public object words
    cdef int64_t[::1] codes
    cdef unsigned char[::1] in_chunk, space, lead_ok, tail_ok
    cdef int64_t[::1] glued_len, latin_start
    cdef Py_ssize_t n

    def __init__(self, list words, int64_t[::1] codes):
        cdef Py_ssize_t n = len(words), k
        cdef int64_t c, before
        self.words, self.codes, self.n = words, codes, n
        self.in_chunk = np.empty(n, dtype=np.uint8)
        self.space = np.zeros(n, dtype=np.uint8)
        self.lead_ok = np.empty(n, dtype=np.uint8)
        self.tail_ok = np.empty(n, dtype=np.uint8)
        self.glued_len = np.empty(n, dtype=np.int64)
        self.latin_start = np.empty(n, dtype=np.int64)
        for k in range(n):
            self.in_chunk[k] = (codes[k] & BREAK) == 0
        # A person's name right after a byline word (记者 王磊; a blank may stand between) is metadata.
        for k in range(n):
            if codes[k] & BYLINE and k + 1 < n:
                if codes[k + 1] & NAME != 0:
                    self.in_chunk[k + 1] = 0
                if k + 2 < n and not words[k + 1] and codes[k + 2] & NAME != 0:
                    self.in_chunk[k + 2] = 0
        # A joiner continues a chunk that is open before it, whatever its part of speech.
        for k in range(n):
            if codes[k] & (BREAK | JOINER) == BREAK | JOINER:
                self.in_chunk[k] = k > 0 and self.in_chunk[k - 1] != 0
        # A bound morpheme between two names is the middle of a foreign name (阿伏|伽|德罗).
        for k in range(1, n - 1):
            if (codes[k] & MORPHEME and codes[k - 1] & NAME and self.in_chunk[k - 1]
                    and codes[k + 1] & NAME and codes[k + 1] & BREAK == 0):
                self.in_chunk[k] = 1
        for k in range(n):
            c = codes[k]
            before = codes[k - 1] if k > 0 else BREAK
            self.space[k] = k > 0 and before & LATIN_TAIL != 0 and c & LATIN_HEAD != 0  # two Latin words keep a space
            self.glued_len[k] = len(words[k]) + self.space[k]
            # A lone Chinese character at a span's start starts a name or place (徐|冬冬), unless it follows
            # another lone character of the chunk (川|渝|两地); at the end it is a noun head (腾讯|云).
            self.lead_ok[k] = c & ONE_HAN == 0 or (c & LEAD != 0 and not (
                k > 0 and before & ONE_HAN != 0 and self.in_chunk[k - 1] != 0 and before & JOINER == 0))
            self.tail_ok[k] = c & ONE_HAN == 0 or c & HEAD != 0
            # Where the run of Latin, numeric and joiner tokens that ends here begins (itself if none).
            if k > 0 and c & (LATIN_HEAD | NUMERIC | JOINER) != 0 and before & (LATIN_HEAD | NUMERIC | JOINER) != 0:
                self.latin_start[k] = self.latin_start[k - 1]
            else:
                self.latin_start[k] = k

    cdef list spans(self, Py_ssize_t first, Py_ssize_t last, int max_tokens, int max_chars, exclude):
        """(text, start, tokens, characters) of every span starting in [first, last), in text order."""
        cdef list out = []
        cdef Py_ssize_t i, j, length, width, numeric, spaces
        cdef int64_t[::1] codes = self.codes
        cdef list words = self.words
        cdef str text
        for i in range(first, last):
            if not self.in_chunk[i] or codes[i] & EDGE != 0:
                self.add_work(out, i, max_chars, exclude)
                continue
            text = words[i]
            width = self.glued_len[i] - self.space[i]
            numeric = spaces = 0
            for length in range(1, max_tokens + 1):
                j = i + length - 1
                if j >= self.n or not self.in_chunk[j]:
                    break
                if j > i:
                    width += self.glued_len[j]
                    spaces += self.space[j]
                    text = text + " " + words[j] if self.space[j] else text + words[j]
                if width > max_chars:
                    break
                numeric += (codes[j] & NUMERIC) != 0
                if (codes[j] & EDGE != 0 or width < 2 or (numeric == length and not spaces)
                        or (length > 1 and not (self.lead_ok[i] and self.tail_ok[j]))):
                    continue
                if exclude and text in exclude:
                    continue
                out.append((text, i, length, width))
            self.add_work(out, i, max_chars, exclude)
        return out

    cdef Py_ssize_t work_length(self, Py_ssize_t i):
        """The number of tokens of the work title in 《》 that starts at token ``i`` (0 if none does):
        2 to WORK_TOKENS, none of them punctuation (one word in the marks is often a document named
        before, 《报告》 or 《通知》, and is a candidate anyway)."""
        cdef Py_ssize_t k
        if i == 0 or self.codes[i - 1] & OPEN_WORK == 0:
            return 0
        for k in range(i, min(i + WORK_TOKENS + 1, self.n)):
            if self.codes[k] & CLOSE_WORK != 0:
                return k - i if k - i >= 2 else 0
            if self.codes[k] & PUNCT != 0:
                return 0
        return 0

    cdef void add_work(self, list out, Py_ssize_t i, int max_chars, exclude):
        """Append the work title that starts at ``i`` unless the rules above gave it (no other span
        from ``i`` reaches past its 》, so the order by start, then length, holds)."""
        cdef Py_ssize_t length = self.work_length(i), j, width, numeric = 0, spaces = 0
        cdef str text
        cdef tuple last
        if length == 0:
            return
        if out:
            last = out[len(out) - 1]  # (no negative indexes in this module: wraparound is off)
            if last[1] == i and last[2] == length:
                return
        text = self.words[i]
        width = self.glued_len[i] - self.space[i]
        for j in range(i, i + length):
            if j > i:
                width += self.glued_len[j]
                spaces += self.space[j]
                text = text + " " + self.words[j] if self.space[j] else text + self.words[j]
            numeric += (self.codes[j] & NUMERIC) != 0
        if width < 2 or width > max_chars or (numeric == length and not spaces) or (exclude and text in exclude):
            return
        out.append((text, i, length, width))

    cdef bint common_before_latin(self, Py_ssize_t start, Py_ssize_t length):
        """The span ends in a Latin name (with its numbers and joiners) that a common word stands right
        before, inside the span (版本|7-Zip, 部门|MoPub; not 华为|P50)."""
        cdef Py_ssize_t last = start + length - 1
        cdef Py_ssize_t before = self.latin_start[last] - 1
        return (self.codes[last] & LATIN_HEAD != 0 and before >= start
                and self.codes[before] & (PROPER | HAS_LATIN | NUMERIC | JOINER) == 0)


def spans(list words, int64_t[::1] codes, int max_tokens, int max_chars, exclude):
    """(text, start, tokens, characters) of every candidate span of the tokens ``words`` with the
    codes ``codes``, in text order (by start, then length), none whose text is in ``exclude``."""
    return _Tokens(words, codes).spans(0, len(words), max_tokens, max_chars, exclude)


def common_before_latin(list words, int64_t[::1] codes, list found):
    """Per span of ``found`` (as :func:`spans` gives them): see ``_Tokens.common_before_latin``."""
    cdef _Tokens tokens = _Tokens(words, codes)
    return [bool(tokens.common_before_latin(start, length)) for _, start, length, _ in found]


cdef struct Ranked:
    double score
    Py_ssize_t index


cdef int _by_score(const void *a, const void *b) noexcept nogil:
    """Higher score first; ties keep the order of first occurrence."""
    cdef const Ranked *x = <const Ranked *> a
    cdef const Ranked *y = <const Ranked *> b
    if x.score > y.score:
        return -1
    if x.score < y.score:
        return 1
    return (x.index > y.index) - (x.index < y.index)


def batch_statistics(list words, int64_t[::1] codes, int64_t[::1] part_start, Py_ssize_t n_docs,
                     double[::1] token_rank, object idf, double default, double title_weight, exclude,
                     int max_tokens=5, int max_chars=16):
    """Per document of a batch (parts laid end to end, title then body, each ending in a break;
    ``part_start``: where each part starts, then the end): its candidates (distinct span texts, in
    first-seen order) and, per candidate, one row of ``N_COLUMNS`` values (see the column names
    above); returns (texts per document, rows of all documents, occurrences per candidate)."""
    if max_tokens > MAX_SUB:
        raise ValueError(f"max_tokens {max_tokens} > {MAX_SUB}")
    cdef _Tokens tokens = _Tokens(words, codes)
    cdef list texts_per_doc = [], blocks = [], occurrence_blocks = []
    cdef Py_ssize_t d, r, c, m, n_rows, doc_start, doc_end, body_start, body_len, start, length, k, a, size
    cdef Py_ssize_t inner, stamp
    cdef double best, value, idf_max, tfidf_max, rank_max
    cdef list found, texts
    cdef dict seen
    cdef int64_t[::1] row_id, row_start, row_length, row_chars, lookup, mark, first, outer_seen
    cdef unsigned char[::1] row_body
    cdef double[:, ::1] f
    cdef double[::1] counts, rank, tfidf
    cdef Ranked *ranked = NULL
    cdef object get = idf.get
    for d in range(n_docs):
        doc_start, doc_end, body_start = part_start[2 * d], part_start[2 * d + 2], part_start[2 * d + 1]
        body_len = doc_end - body_start - 1
        found = tokens.spans(doc_start, doc_end, max_tokens, max_chars, exclude)
        n_rows = len(found)
        row_id = np.empty(n_rows, dtype=np.int64)
        row_start = np.empty(n_rows, dtype=np.int64)
        row_length = np.empty(n_rows, dtype=np.int64)
        row_chars = np.empty(n_rows, dtype=np.int64)
        row_body = np.empty(n_rows, dtype=np.uint8)
        seen = {}
        for r in range(n_rows):
            text, start, length, width = found[r]
            row_id[r] = seen.setdefault(text, len(seen))
            row_start[r], row_length[r], row_chars[r] = start, length, width
            row_body[r] = start >= body_start
        texts = list(seen)
        m = len(texts)
        texts_per_doc.append(tuple(texts))
        f = np.zeros((m, N_COLUMNS), dtype=np.float64)
        counts = np.zeros(m, dtype=np.float64)
        rank = np.zeros(m, dtype=np.float64)
        first = np.full(m, -1, dtype=np.int64)
        for c in range(m):
            f[c, C_FIRST] = 1.0
        # Counts, first occurrences (overall, and in the body), and the best TextRank score of the words.
        lookup = np.full((doc_end - doc_start) * (MAX_SUB + 1), -1, dtype=np.int64)
        for r in range(n_rows):
            c, start, length = row_id[r], row_start[r], row_length[r]
            lookup[(start - doc_start) * (MAX_SUB + 1) + length] = c
            if row_body[r]:
                if f[c, C_BODY] == 0:
                    f[c, C_FIRST] = (start - body_start) / <double> (body_len if body_len > 1 else 1)
                f[c, C_BODY] += 1
            else:
                f[c, C_TITLE] += 1
            if first[c] < 0:
                first[c] = r
            best = token_rank[start]
            for k in range(start + 1, start + length):
                if token_rank[k] > best:
                    best = token_rank[k]
            if best > rank[c]:
                rank[c] = best
        for c in range(m):
            counts[c] = f[c, C_TITLE] + f[c, C_BODY]
        # Nesting: each candidate's first span of several tokens in the title and in the body holds
        # which other candidates (each pair counted once per part), and the largest share of a part's
        # occurrences that one longer candidate holds (bound).
        outer_seen = np.zeros(2 * m, dtype=np.int64)
        mark = np.full(m, -1, dtype=np.int64)
        stamp = 0
        for r in range(n_rows):
            c, start, length = row_id[r], row_start[r], row_length[r]
            if length < 2 or outer_seen[2 * c + row_body[r]]:
                continue
            outer_seen[2 * c + row_body[r]] = 1
            stamp += 1
            for size in range(1, length + 1):
                for a in range(0, length + 1 - size):
                    inner = lookup[(start + a - doc_start) * (MAX_SUB + 1) + size]
                    if inner < 0 or inner == c or mark[inner] == stamp:
                        continue
                    mark[inner] = stamp
                    f[inner, C_SUPER] += 1
                    f[c, C_SUB] += 1
                    value = counts[c] / counts[inner]
                    value = value if value < 1.0 else 1.0
                    if value > f[inner, C_BOUND]:
                        f[inner, C_BOUND] = value
        # Per candidate: IDF (known or the table's median), TF-IDF and its rank, and its first occurrence.
        tfidf = np.empty(m, dtype=np.float64)
        idf_max = tfidf_max = rank_max = -np.inf
        ranked = <Ranked *> malloc(max(m, 1) * sizeof(Ranked))
        if ranked == NULL:
            raise MemoryError()
        for c in range(m):
            value = get(texts[c], np.nan)
            f[c, C_KNOWN] = value == value
            if value != value:
                value = default
            f[c, C_IDF] = value
            tfidf[c] = (title_weight * f[c, C_TITLE] + f[c, C_BODY]) * value
            idf_max = value if value > idf_max else idf_max
            tfidf_max = tfidf[c] if tfidf[c] > tfidf_max else tfidf_max
            rank_max = rank[c] if rank[c] > rank_max else rank_max
            ranked[c].score, ranked[c].index = tfidf[c], c
        qsort(ranked, m, sizeof(Ranked), _by_score)
        for k in range(m):
            f[ranked[k].index, C_ORDER] = k / <double> m
        free(ranked)
        rank_max = rank_max if rank_max > 1e-12 else 1e-12
        for c in range(m):
            r = first[c]
            start, length = row_start[r], row_length[r]
            f[c, C_IN_TITLE] = f[c, C_TITLE] > 0
            f[c, C_IDF] = f[c, C_IDF] / idf_max
            f[c, C_CHARS] = (row_chars[r] if row_chars[r] < 16 else 16) / 8.0
            f[c, C_TOKENS] = length
            f[c, C_SINGLE] = length == 1
            f[c, C_TFIDF] = tfidf[c] / tfidf_max
            f[c, C_RANK] = rank[c] / rank_max
            for k in range(start, start + length):
                if codes[k] & HAS_LATIN != 0:
                    f[c, C_LATIN] = 1.0
            k = (codes[start + length - 1] >> POS_SHIFT) & POS_MASK
            if k < N_POS:
                f[c, C_POS + k] = 1.0
            f[c, C_VERB] = (codes[start] & VERB) != 0
            f[c, C_COMMON] = tokens.common_before_latin(start, length)
        for r in range(n_rows):  # a work's title: how often it fills a 《》
            if tokens.work_length(row_start[r]) == row_length[r]:
                f[row_id[r], C_WORK] += 1.0
        blocks.append(np.asarray(f))
        occurrence_blocks.append(np.asarray(counts))
    if not blocks:
        return [], np.zeros((0, N_COLUMNS)), np.zeros(0)
    return texts_per_doc, np.concatenate(blocks), np.concatenate(occurrence_blocks)


cdef bint _ends_start(str a, str b, Py_ssize_t n):
    """The last ``n`` characters of ``b`` begin ``a``."""
    cdef Py_ssize_t k, at = len(b) - n
    for k in range(n):
        if a[k] != b[at + k]:
            return False
    return True


def covered(str text, list chosen, Py_ssize_t least=2):
    """Whether ``text`` lies inside one of the ``chosen`` keywords, or straddles the edge of one: one
    of the two starts with an end of the other of ``least`` or more characters, neither holding the
    other (迷城Nintendo and 智龙迷城)."""
    cdef str other
    cdef Py_ssize_t n, shorter
    for other in chosen:
        if text in other:
            return True
        if other in text:
            continue
        shorter = min(len(text), len(other))
        for n in range(least, shorter):
            if _ends_start(text, other, n) or _ends_start(other, text, n):
                return True
    return False


cdef int _by_key(const void *a, const void *b) noexcept nogil:
    cdef int64_t x = (<const int64_t *> a)[0], y = (<const int64_t *> b)[0]
    return (x > y) - (x < y)


def word_ranks(list words, int64_t[::1] codes, int64_t[::1] part_start, Py_ssize_t n_docs, int window=5,
               double damping=0.85, int iterations=50):
    """TextRank of every document of a batch: PageRank over the graph of its candidate words (tokens
    with the KEYWORD flag), an edge for each two of them within ``window`` candidate words of each
    other in one part (title or body; repeats add up), iterated until no score moves by 1e-6, then
    divided by the document's best.  Nodes are numbered by first occurrence.  Returns (the words of
    the nodes, nodes per document, their scores, per token the score of its word in its document)."""
    cdef list node_words = []
    cdef Py_ssize_t d, k, j, step, n, n_marked, n_edges, e, row, it, first_node = 0
    cdef int64_t a, b, key
    cdef double total, diff, best, value, restart = 1 - damping
    cdef dict node_of
    cdef object found
    sizes = np.zeros(n_docs, dtype=np.int64)
    scores_parts = []
    of_token = np.zeros(len(words), dtype=np.float64)
    cdef double[::1] token_score = of_token
    cdef int64_t[::1] marked_node, marked_part, edges, row_start, source
    cdef double[::1] weight, out_weight, rank, updated
    for d in range(n_docs):
        node_of = {}
        n_marked = 0
        for k in range(part_start[2 * d], part_start[2 * d + 2]):
            if codes[k] & KEYWORD:
                n_marked += 1
                node_of.setdefault(words[k], len(node_of))
        n = len(node_of)
        node_words.extend(node_of)
        sizes[d] = n
        marked_node = np.empty(n_marked, dtype=np.int64)
        marked_part = np.empty(n_marked, dtype=np.int64)
        j = 0
        for k in range(part_start[2 * d], part_start[2 * d + 2]):
            if codes[k] & KEYWORD:
                marked_node[j] = node_of[words[k]]
                marked_part[j] = k >= part_start[2 * d + 1]
                j += 1
        # Edges (target, source), both ways, sorted: each target's sources in increasing order.
        edges = np.empty(max(2 * (window - 1) * n_marked, 1), dtype=np.int64)
        n_edges = 0
        for j in range(n_marked):
            for step in range(1, window):
                if j + step >= n_marked:
                    break
                a, b = marked_node[j], marked_node[j + step]
                if a != b and marked_part[j] == marked_part[j + step]:
                    edges[n_edges] = b * n + a
                    edges[n_edges + 1] = a * n + b
                    n_edges += 2
        qsort(&edges[0], n_edges, sizeof(int64_t), _by_key)
        out_weight = np.zeros(max(n, 1), dtype=np.float64)
        for e in range(n_edges):
            out_weight[edges[e] % n] += 1
        # The transition matrix by rows (targets): source and weight / the source's out weight.
        row_start = np.zeros(n + 1, dtype=np.int64)
        source = np.empty(max(n_edges, 1), dtype=np.int64)
        weight = np.empty(max(n_edges, 1), dtype=np.float64)
        j = -1
        key = -1
        for e in range(n_edges):
            if edges[e] != key:
                key = edges[e]
                j += 1
                source[j], weight[j] = key % n, 0.0
                row_start[key // n + 1] += 1
            weight[j] += 1
        for row in range(n):
            row_start[row + 1] += row_start[row]
        for e in range(j + 1):
            weight[e] = (1.0 / out_weight[source[e]]) * weight[e]
        rank = np.full(max(n, 1), 1.0 / (n if n > 1 else 1), dtype=np.float64)
        updated = np.empty(max(n, 1), dtype=np.float64)
        if n:
            for it in range(iterations):
                diff = 0.0
                for row in range(n):
                    total = 0.0
                    for e in range(row_start[row], row_start[row + 1]):
                        total += weight[e] * rank[source[e]]
                    updated[row] = restart + damping * total
                    value = updated[row] - rank[row]
                    value = -value if value < 0 else value
                    diff = value if value > diff else diff
                rank, updated = updated, rank
                if diff < 1e-6:
                    break
            best = rank[0]
            for row in range(1, n):
                best = rank[row] if rank[row] > best else best
            for row in range(n):
                rank[row] = rank[row] / best
            for k in range(part_start[2 * d], part_start[2 * d + 2]):
                found = node_of.get(words[k])
                if found is not None:
                    token_score[k] = rank[<Py_ssize_t> found]
        scores_parts.append(np.asarray(rank)[:n].copy())
    scores = np.concatenate(scores_parts) if scores_parts else np.zeros(0)
    return node_words, sizes, scores, of_token


cdef double[23] _POWERS_OF_TEN
_POWERS_OF_TEN[0] = 1.0
for _k in range(1, 23):
    _POWERS_OF_TEN[_k] = _POWERS_OF_TEN[_k - 1] * 10.0  # exact up to 1e22


cdef uint64_t _HASH_START = 0xCBF29CE484222325ULL
cdef uint64_t _HASH_PRIME = 0x100000001B3ULL


cdef inline uint64_t _hash_points(int kind, const void* data, Py_ssize_t start, Py_ssize_t end) noexcept nogil:
    """FNV-1a over code points (a table word hashes the same, from its UTF-8: see WordTable.parse)."""
    cdef uint64_t h = _HASH_START
    cdef Py_ssize_t i
    for i in range(start, end):
        h = (h ^ <uint64_t>PyUnicode_READ(kind, data, i)) * _HASH_PRIME
    return h ^ (h >> 32)


cdef inline Py_ssize_t _utf8_point(const unsigned char* data, Py_ssize_t i, Py_ssize_t n, Py_UCS4* point) noexcept nogil:
    """The code point of the UTF-8 sequence at ``data[i]`` into ``point``, and the index after it;
    -1 for a sequence Python's decoder refuses (cut, overlong, a surrogate, past U+10FFFF)."""
    cdef unsigned char c = data[i]
    cdef Py_ssize_t size, k
    cdef uint32_t cp
    if c < 0x80:
        point[0] = c
        return i + 1
    if 0xC2 <= c <= 0xDF:
        size, cp = 2, c & 0x1F
    elif 0xE0 <= c <= 0xEF:
        size, cp = 3, c & 0x0F
    elif 0xF0 <= c <= 0xF4:
        size, cp = 4, c & 0x07
    else:
        return -1
    if i + size > n:
        return -1
    for k in range(1, size):
        if data[i + k] & 0xC0 != 0x80:
            return -1
        cp = (cp << 6) | (data[i + k] & 0x3F)
    if (size == 3 and (cp < 0x800 or 0xD800 <= cp <= 0xDFFF)) or (size == 4 and not 0x10000 <= cp <= 0x10FFFF):
        return -1
    point[0] = <Py_UCS4> cp
    return i + size


cdef class WordTable:
    """An IDF table (``word value`` lines) read in one pass over the file's UTF-8 bytes, its words
    looked up in a C hash table over those bytes: no Python object per word and no decoding of the
    file (jieba's table of 270,000 words loads in about 0.02 s instead of a fifth).  :meth:`parse`
    reads only the plain layout (every non-empty line one word, one blank, one decimal number, no word
    twice, valid UTF-8) and gives None for anything else, which the Python line parser of
    ``nlp/keywords/scoring.py`` reads.  Words hash by their code points, as the str looked up does."""

    cdef readonly bytes data
    cdef int64_t[::1] starts, ends  # byte offsets of each word in ``data``, in line order
    cdef readonly object values  # float64, in line order
    cdef double[::1] _values
    cdef int64_t[::1] slots  # index of a word + 1; 0: empty
    cdef uint64_t mask

    @staticmethod
    def parse(bytes data):
        cdef const unsigned char* text = data
        cdef Py_ssize_t n = len(data), i = 0, word_start, word_end, number_start, count = 0, line_end, k, after
        cdef Py_UCS4 c
        cdef char digits[64]
        cdef bint dot
        cdef uint64_t mantissa, h
        cdef int decimals
        cdef Py_ssize_t lines = 1
        for k in range(n):
            lines += text[k] == 10
        starts_array, ends_array = np.empty(lines, dtype=np.int64), np.empty(lines, dtype=np.int64)
        values_array = np.empty(lines, dtype=np.float64)
        hashes_array = np.empty(lines, dtype=np.uint64)
        cdef int64_t[::1] starts = starts_array, ends = ends_array
        cdef double[::1] values = values_array
        cdef uint64_t[::1] hashes = hashes_array
        while i < n:
            line_end = i
            while line_end < n and text[line_end] != 10:
                line_end += 1
            if line_end > i:
                word_start = i  # the word: no blank before it, none in it
                h = _HASH_START
                while i < line_end:
                    after = _utf8_point(text, i, line_end, &c)
                    if after < 0:
                        return None
                    if Py_UNICODE_ISSPACE(c):
                        break
                    h = (h ^ <uint64_t>c) * _HASH_PRIME
                    i = after
                word_end = i
                if word_end == word_start or i >= line_end or text[i] != 32:
                    return None
                i += 1
                number_start, dot, mantissa, decimals = i, False, 0, 0  # digits, at most one dot inside them
                while i < line_end and i - number_start < 60:
                    c = text[i]
                    if c == 46 and not dot and i > number_start:
                        dot = True
                    elif not 48 <= c <= 57:
                        return None
                    else:
                        mantissa = mantissa * 10 + (<uint64_t>c - 48) if mantissa < 100000000000000000ULL else (<uint64_t>1) << 60
                        decimals += dot
                    digits[i - number_start] = <char>c
                    i += 1
                if i < line_end or i == number_start or digits[i - number_start - 1] == 46:
                    return None
                digits[i - number_start] = 0
                starts[count], ends[count], hashes[count] = word_start, word_end, h ^ (h >> 32)
                if mantissa < ((<uint64_t>1) << 53) and decimals < 23:  # both exact doubles: one division rounds correctly
                    values[count] = <double>mantissa / _POWERS_OF_TEN[decimals]
                else:
                    values[count] = PyOS_string_to_double(digits, NULL, None)
                count += 1
            i = line_end + 1
        table = WordTable()
        table.data = data
        table.starts, table.ends = starts_array[:count], ends_array[:count]
        table.values = table._values = values_array[:count]
        if not table._index(hashes_array[:count]):
            return None
        return table

    cdef bint _index(self, const uint64_t[::1] hashes):
        """Fills the hash table; False when a word occurs twice."""
        cdef Py_ssize_t size = 16, word, other, length
        cdef uint64_t slot
        cdef const unsigned char* text = self.data
        while size < 2 * self.starts.shape[0]:
            size *= 2
        self.mask = size - 1
        self.slots = np.zeros(size, dtype=np.int64)
        for word in range(self.starts.shape[0]):
            slot = hashes[word] & self.mask
            length = self.ends[word] - self.starts[word]
            while self.slots[slot]:
                other = self.slots[slot] - 1
                if self.ends[other] - self.starts[other] == length \
                        and memcmp(text + self.starts[other], text + self.starts[word], length) == 0:
                    return False  # valid UTF-8: the same bytes, the same word
                slot = (slot + 1) & self.mask
            self.slots[slot] = word + 1
        return True

    cdef inline bint _equal(self, Py_ssize_t word, int kind, const void* data, Py_ssize_t n) noexcept:
        """Whether word ``word`` of the table is the str of ``kind``/``data`` and ``n`` code points."""
        cdef const unsigned char* text = self.data
        cdef Py_ssize_t at = self.starts[word], end = self.ends[word], k = 0
        cdef Py_UCS4 c
        while at < end:
            if k == n:
                return False
            at = _utf8_point(text, at, end, &c)  # valid: parse checked it
            if c != PyUnicode_READ(kind, data, k):
                return False
            k += 1
        return k == n

    def get(self, str word, default=None):
        """The value of ``word``, ``default`` when it is not in the table."""
        cdef int kind = PyUnicode_KIND(word)
        cdef const void* data = PyUnicode_DATA(word)
        cdef Py_ssize_t n = len(word), found
        cdef uint64_t slot = _hash_points(kind, data, 0, n) & self.mask
        while self.slots[slot]:
            found = self.slots[slot] - 1
            if self._equal(found, kind, data, n):
                return self._values[found]
            slot = (slot + 1) & self.mask
        return default

    def words(self):
        """The words, in line order."""
        data = self.data
        return [data[a:b].decode("utf-8") for a, b in zip(self.starts, self.ends)]

    def __len__(self):
        return self.starts.shape[0]
