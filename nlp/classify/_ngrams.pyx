# distutils: language = c++
# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled core of the exported classifier (``nlp/classify/predictor.py``): the vocabulary terms of a
TF-IDF block found in documents, and the linear decision function over the TF-IDF rows.

A term is a sequence of units (the tokens of a word block, the characters of a character block).
Every unit that occurs in a term gets an id from 1; a term is then the tuple of its ids, held in an
open-addressing hash table.  A document's units are turned into ids once (0: a unit no term holds),
and every window of ``low`` .. ``high`` units without a 0 is looked up.  The readable reference
(n-gram strings looked up in a dict, and scipy's sparse product) is ``tests/classify/predictor_reference.py``.
"""

import numpy as np

from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc
from libcpp.algorithm cimport sort

cdef extern from "Python.h":
    int PyUnicode_KIND(object text)
    const void* PyUnicode_DATA(object text)
    Py_UCS4 PyUnicode_READ(int kind, const void* data, Py_ssize_t index) nogil

cdef extern from *:
    """
    #ifndef NLP_SOURCE_DIGEST
    #define NLP_SOURCE_DIGEST ""
    #endif
    """
    const char* NLP_SOURCE_DIGEST
# The SHA-256 of this file as setup.py compiled it: nlp.native.load refuses a module built from other source.
SOURCE_DIGEST = NLP_SOURCE_DIGEST.decode("ascii")

DEF MAX_N = 8  # the longest n-gram a table holds


cdef inline uint64_t _mix(const int32_t* ids, int n) nogil:
    cdef uint64_t h = <uint64_t>n
    cdef int k
    for k in range(n):
        h = (h ^ <uint64_t>ids[k]) * 0x9E3779B97F4A7C15ULL
        h ^= h >> 29
    return h


cdef struct Slot:  # 16 bytes: the table of the default model's character block is 8 MB, not 16
    uint64_t hash
    int32_t column  # -1: empty
    uint32_t at_length  # where the term's unit ids start in ``term_ids``, << 4, | their number


def han_count(str text, Py_ssize_t limit=-1):
    """How many Han characters (U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF) ``text`` has, counting no
    further than ``limit`` when it is 0 or more (what a regular expression of those ranges would find;
    compiling one costs 3 ms of every start)."""
    cdef int kind = PyUnicode_KIND(text)
    cdef const void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t i, count = 0
    cdef Py_UCS4 c
    for i in range(len(text)):
        if count == limit:
            break
        c = PyUnicode_READ(kind, data, i)
        if 0x4E00 <= c <= 0x9FFF or 0x3400 <= c <= 0x4DBF or 0xF900 <= c <= 0xFAFF:
            count += 1
    return count


def encode_terms(list terms, str kind, tuple ngram_range):
    """The terms of one block (``kind`` "words": tokens joined by single spaces; "chars": characters)
    as unit ids: ``(units, ids, lengths)``, where ``units[k - 1]`` is the unit of id ``k`` (ids in
    order of first use), ``ids`` (int32) holds the ids of the terms laid end to end and
    ``lengths[column]`` (uint8) the number of units of that term: 0 for a term that no n-gram in
    ``ngram_range`` could be, which takes no ids.  A predictor file stores these, so that loading
    builds its table without splitting a string."""
    cdef int low, high
    low, high = ngram_range
    if not 1 <= low <= high <= MAX_N:
        raise ValueError(f"n-gram range {ngram_range} outside 1 .. {MAX_N}")
    cdef bint words = kind == "words"
    cdef dict unit_ids = {}
    cdef list flat = [], units_of = [term.split(" ") for term in terms] if words else terms
    cdef Py_ssize_t column, n
    cdef object units, unit, found
    lengths = np.zeros(len(terms), dtype=np.uint8)
    cdef unsigned char[::1] out_lengths = lengths
    for column in range(len(terms)):
        units = units_of[column]
        n = len(units)
        if n < low or n > high or (words and "" in units):
            continue  # no n-gram of a document is ever this term
        for unit in units:
            found = unit_ids.get(unit)
            if found is None:
                found = len(unit_ids) + 1
                unit_ids[unit] = found
            flat.append(found)
        out_lengths[column] = n
    return list(unit_ids), np.array(flat, dtype=np.int32), lengths


cdef class NgramTable:
    """The terms of one block keyed by their units, from :func:`encode_terms` (or :meth:`of_terms`)."""

    cdef readonly dict unit_ids
    cdef int32_t[::1] bmp_ids  # a character block's unit ids by code point below 0x10000 (0: none); others: unit_ids
    cdef readonly bint words
    cdef readonly int low, high
    cdef Py_ssize_t n_terms
    cdef Slot[::1] slots  # the terms of two units or more; load at most 1/2
    cdef int32_t[::1] term_ids
    cdef int64_t[::1] unigram_column  # by unit id: the column of the one-unit term, -1 for none
    cdef uint64_t mask

    @staticmethod
    def of_terms(list terms, str kind, tuple ngram_range):
        return NgramTable(*encode_terms(terms, kind, ngram_range), kind, ngram_range)

    def __init__(self, list units, const int32_t[::1] ids, const unsigned char[::1] lengths, str kind, tuple ngram_range):
        cdef Py_ssize_t column, slots = 16, n_terms = lengths.shape[0], n_units = len(units), at = 0, k
        cdef int n
        self.words = kind == "words"
        self.low, self.high = ngram_range
        self.n_terms = n_terms
        if not 1 <= self.low <= self.high <= MAX_N:
            raise ValueError(f"n-gram range {ngram_range} outside 1 .. {MAX_N}")
        for column in range(n_terms):
            n = lengths[column]
            if n and (n < self.low or n > self.high):
                raise ValueError(f"term {column} has {n} units, outside the n-gram range {ngram_range}")
            at += n
        if at != ids.shape[0]:
            raise ValueError(f"the terms' lengths add up to {at} unit ids, not {ids.shape[0]}")
        for k in range(ids.shape[0]):
            if not 1 <= ids[k] <= n_units:
                raise ValueError(f"unit id {ids[k]} outside 1 .. {n_units}")
        self.unit_ids = dict(zip(units, range(1, n_units + 1)))
        if len(self.unit_ids) != n_units:
            raise ValueError("a unit is listed twice")
        if not self.words:
            bmp_ids = np.zeros(0x10000, dtype=np.int32)
            for unit, k in self.unit_ids.items():
                if len(unit) != 1:
                    raise ValueError(f"a character block's unit {unit!r} is not one character")
                if ord(unit) < 0x10000:
                    bmp_ids[ord(unit)] = k
            self.bmp_ids = bmp_ids
        while slots < 2 * n_terms:
            slots *= 2
        self.mask = slots - 1
        if n_terms >= 1 << 31 or ids.shape[0] >= 1 << 28:
            raise ValueError("too many terms or unit ids for the table (2**31 terms, 2**28 ids)")
        table = np.zeros(slots, dtype=np.dtype([("hash", np.uint64), ("column", np.int32), ("at_length", np.uint32)],
                                               align=True))
        table["column"] = -1
        self.slots = table
        self.term_ids = np.append(ids, np.int32(0))  # one past the end: a valid address for a table of no terms
        unigram_column = np.full(n_units + 1, -1, dtype=np.int64)
        self.unigram_column = unigram_column
        at = 0
        for column in range(n_terms):
            n = lengths[column]
            if n == 1:
                if self.unigram_column[self.term_ids[at]] < 0:  # the same unit twice: the first column stays
                    self.unigram_column[self.term_ids[at]] = column
            elif n:
                self._insert(&self.term_ids[at], n, column, at)
            at += n

    cdef void _insert(self, const int32_t* ids, int n, int64_t column, int64_t ids_at):
        cdef uint64_t h = _mix(ids, n)
        cdef uint64_t slot = h & self.mask
        while self.slots[slot].column >= 0:
            if self._same(slot, h, ids, n):
                return  # the same units twice (cannot happen for distinct terms): the first column stays
            slot = (slot + 1) & self.mask
        self.slots[slot].hash, self.slots[slot].column = h, <int32_t> column
        self.slots[slot].at_length = <uint32_t> (ids_at << 4 | n)

    cdef inline bint _same(self, uint64_t slot, uint64_t h, const int32_t* ids, int n) noexcept nogil:
        cdef int k
        cdef const int32_t* stored
        if self.slots[slot].hash != h or <int> (self.slots[slot].at_length & 15) != n:
            return False
        stored = &self.term_ids[self.slots[slot].at_length >> 4]
        for k in range(n):
            if stored[k] != ids[k]:
                return False
        return True

    cdef inline int64_t _find(self, const int32_t* ids, int n) noexcept nogil:
        cdef uint64_t h, slot
        if n == 1:
            return self.unigram_column[ids[0]]
        h = _mix(ids, n)
        slot = h & self.mask
        while self.slots[slot].column >= 0:
            if self._same(slot, h, ids, n):
                return self.slots[slot].column
            slot = (slot + 1) & self.mask
        return -1

    def counts(self, list docs):
        """(indptr, columns, counts) of the terms in the unit sequences ``docs`` (lists of tokens, or
        strings of characters): CSR rows, columns sorted within each row, counts as float32."""
        cdef Py_ssize_t n_docs = len(docs), d, i, start, total = 0, width, at, longest = 0, capacity = 0
        cdef int n, k, spans = self.high - self.low + 1
        cdef int64_t column
        cdef int32_t* ids = NULL
        cdef int64_t* found = NULL  # the distinct columns of a document
        cdef int32_t* seen = NULL  # by column: how often in this document
        cdef dict unit_ids = self.unit_ids
        cdef object units, known
        cdef int kind
        cdef const void* data
        cdef Py_UCS4 point
        for d in range(n_docs):
            width = len(docs[d])
            longest = width if width > longest else longest
            capacity += width * spans
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        columns = np.empty(capacity, dtype=np.int64)
        counts = np.empty(capacity, dtype=np.float32)
        cdef int64_t[::1] ptr = indptr, out_columns = columns
        cdef float[::1] out_counts = counts
        ids = <int32_t*>malloc((longest + 1) * sizeof(int32_t))
        found = <int64_t*>malloc((longest * spans + 1) * sizeof(int64_t))
        seen = <int32_t*>calloc(self.n_terms + 1, sizeof(int32_t))
        if ids == NULL or found == NULL or seen == NULL:
            free(ids)
            free(found)
            free(seen)
            raise MemoryError()
        try:
            for d in range(n_docs):
                units = docs[d]
                width = len(units)
                if self.words:
                    for i in range(width):
                        known = unit_ids.get(units[i])
                        ids[i] = 0 if known is None else <int32_t>known
                elif not isinstance(units, str):
                    raise TypeError(f"a character block counts strings, not {type(units).__name__}")
                else:  # its code points, most of them looked up in the array
                    kind, data = PyUnicode_KIND(units), PyUnicode_DATA(units)
                    for i in range(width):
                        point = PyUnicode_READ(kind, data, i)
                        if point < 0x10000:
                            ids[i] = self.bmp_ids[point]
                        else:
                            known = unit_ids.get(chr(point))
                            ids[i] = 0 if known is None else <int32_t>known
                at = 0
                for n in range(self.low, self.high + 1):
                    for start in range(width - n + 1):
                        for k in range(n):
                            if ids[start + k] == 0:
                                break
                        else:
                            column = self._find(&ids[start], n)
                            if column >= 0:
                                if seen[column] == 0:
                                    found[at] = column
                                    at += 1
                                seen[column] += 1
                sort(found, found + at)
                for i in range(at):
                    out_columns[total], out_counts[total] = found[i], seen[found[i]]
                    seen[found[i]] = 0
                    total += 1
                ptr[d + 1] = total
        finally:
            free(ids)
            free(found)
            free(seen)
        return indptr, columns[:total].copy(), counts[:total].copy()


def add_decision(const int64_t[::1] indptr, const int64_t[::1] columns, const float[::1] data,
                 const float[:, ::1] weights, float[:, ::1] decision):
    """``decision += rows @ weights`` for CSR ``rows`` in float32, each row's products added in the
    order of its entries (as scipy's ``csr_matvecs`` does, so that the sums are the same to the bit)."""
    cdef Py_ssize_t row, entry, k, n_classes = weights.shape[1]
    cdef float a
    cdef const float* x
    cdef float* y
    with nogil:
        for row in range(indptr.shape[0] - 1):
            y = &decision[row, 0]
            for entry in range(indptr[row], indptr[row + 1]):
                a = data[entry]
                x = &weights[columns[entry], 0]
                for k in range(n_classes):
                    y[k] += a * x[k]
