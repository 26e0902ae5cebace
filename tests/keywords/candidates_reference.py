"""The specification of keyword candidates in readable NumPy: the oracle that hypothesis checks the
compiled core (``nlp/keywords/_candidates.pyx``) against.

This is the array implementation the package ran before the compiled loop: every candidate span of
a token sequence (:func:`span_table`) and the ranker's features of every candidate of a batch
(:func:`batch_candidates`), byte for byte what ``nlp.keywords.ranker.batch_candidates`` must give,
and TextRank of a batch as one sparse matrix (:func:`batch_word_ranks`, what
``nlp.keywords.scoring.batch_word_ranks`` must give).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Sequence

import numpy as np

import scipy.sparse as sp

from nlp.keywords.phrases import (BREAK, BYLINE, EDGE, HAS_LATIN, JOINER, KEYWORD, LAST_POS, LATIN_HEAD, LATIN_TAIL,
                                   LEAD, MAX_TOKENS, NAME, NUMERIC, ONE_HAN, HEAD, POS_MASK, POS_SHIFT, PROPER, VERB,
                                   CLOSE_WORK, MORPHEME, OPEN_WORK, PUNCT, WORK_TOKENS, Span, TokenBatch)
from nlp.keywords.ranker import FEATURES, Candidates, Mentions, _entity_columns
from nlp.keywords.scoring import BatchRanks


@dataclass(frozen=True)
class SpanTable:
    """Every candidate span of one token sequence, in text order (by start, then length)."""

    texts: list[str]
    start: np.ndarray
    length: np.ndarray  # tokens
    chars: np.ndarray
    codes: np.ndarray  # of the tokens the spans index

    def spans(self) -> list[Span]:
        return [Span(t, s, s + n, n) for t, s, n in zip(self.texts, self.start.tolist(), self.length.tolist())]


def span_table(words: Sequence[str], codes: np.ndarray, *, max_tokens: int = MAX_TOKENS, max_chars: int = 16,
               exclude: frozenset[str] = frozenset()) -> SpanTable:
    """The candidate spans of the tokens ``words`` whose codes (:meth:`TokenCodes.codes`) are ``codes``
    (none whose text is in ``exclude``)."""
    n = len(words)
    empty = np.zeros(0, dtype=np.int64)
    if not n:
        return SpanTable([], empty, empty, empty, codes)
    in_chunk = (codes & BREAK) == 0
    # A person's name right after a byline word (记者 王磊, 编辑 李四; a blank may stand between) is metadata.
    byline = np.flatnonzero(codes & BYLINE)
    if len(byline):
        name = byline[byline + 1 < n] + 1
        blank = [k + 1 for k in name.tolist() if k + 1 < n and words[k] == ""]
        name = np.concatenate((name, np.array(blank, dtype=np.int64)))
        in_chunk[name[(codes[name] & NAME) != 0]] = False
    # A joiner continues a chunk that is open before it, whatever its part of speech.
    for k in np.flatnonzero((codes & (BREAK | JOINER)) == (BREAK | JOINER)).tolist():
        in_chunk[k] = k > 0 and bool(in_chunk[k - 1])
    # A bound morpheme (zg) between two names is the middle of a foreign name (阿伏|伽|德罗).
    name = (codes & NAME) != 0
    for k in np.flatnonzero(codes & MORPHEME).tolist():
        if 0 < k < n - 1 and name[k - 1] and in_chunk[k - 1] and name[k + 1] and not codes[k + 1] & BREAK:
            in_chunk[k] = True
    space = np.zeros(n, dtype=np.int64)  # a space before token k joins two Latin words
    space[1:] = ((codes[:-1] & LATIN_TAIL) != 0) & ((codes[1:] & LATIN_HEAD) != 0)
    glued = list(words)
    for k in np.flatnonzero(space).tolist():
        glued[k] = " " + words[k]
    # Prefix sums (index k = over tokens before k) give every span's totals at once.
    breaks, numeric, offsets, spaces = (np.concatenate(([0], np.cumsum(v))) for v in (
        ~in_chunk, (codes & NUMERIC) != 0, np.fromiter(map(len, glued), dtype=np.int64, count=n), space))
    longest = min(max_tokens, n)
    i = np.repeat(np.arange(n), longest)  # every (start, length) pair, in text order
    length = np.tile(np.arange(1, longest + 1), n)
    end = i + length  # exclusive
    inside = end <= n
    i, length, end = i[inside], length[inside], end[inside]
    edge = (codes & EDGE) != 0
    first_char = offsets[i] + space[i]
    width = offsets[end] - first_char
    # Several tokens: a lone Chinese character at either end is a piece of the word next to it (系|选秀,
    # 版|元宇宙, 司机|跑), unless it starts a name or place (徐|冬冬) or ends as a noun head (腾讯|云).
    one = (codes & ONE_HAN) != 0
    lead_ok = ~one | ((codes & LEAD) != 0)
    # 川|渝|两地: a lone character right after another (in the same chunk) belongs with it.
    # (A byline's name is metadata, not part of the chunk; a joiner is no lone character.)
    lead_ok[1:] &= ~(one[1:] & one[:-1] & in_chunk[:-1] & ((codes[:-1] & JOINER) == 0))
    tail_ok = ~one | ((codes & HEAD) != 0)
    keep = (in_chunk[i] & (breaks[end] == breaks[i]) & ~edge[i] & ~edge[end - 1] & (width >= 2) & (width <= max_chars)
            & ((numeric[end] - numeric[i] < length) | (spaces[end] - spaces[i + 1] > 0))
            & ((length == 1) | (lead_ok[i] & tail_ok[end - 1])))
    start, length, width = i[keep], length[keep], width[keep]
    line = "".join(glued)  # the tokens as they stood: each span is a slice of it
    texts = [line[a:b] for a, b in zip(first_char[keep].tolist(), offsets[end[keep]].tolist())]
    # The whole title of a work in 《》, whatever the rules above say of it.
    have = set(zip(start.tolist(), length.tolist()))
    works = [(a, k) for a, k in enumerate(work_lengths(codes).tolist())
             if k and (a, k) not in have and 2 <= offsets[a + k] - offsets[a] - space[a] <= max_chars
             and (numeric[a + k] - numeric[a] < k or spaces[a + k] - spaces[a + 1] > 0)]
    if works:
        rows = sorted([(a, k, w, t) for a, k, w, t in zip(start.tolist(), length.tolist(), width.tolist(), texts)]
                      + [(a, k, int(offsets[a + k] - offsets[a] - space[a]), line[offsets[a] + space[a]:offsets[a + k]])
                         for a, k in works])
        start, length, width = (np.array([row[c] for row in rows], dtype=np.int64) for c in range(3))
        texts = [row[3] for row in rows]
    if not exclude.isdisjoint(texts):
        kept = [k for k, text in enumerate(texts) if text not in exclude]
        if len(kept) < len(texts):
            texts = [texts[k] for k in kept]
            start, length, width = start[kept], length[kept], width[kept]
    return SpanTable(texts, start, length, width, codes)


def work_lengths(codes: np.ndarray) -> np.ndarray:
    """Per token: the number of tokens of the work title in 《》 that starts there (0 if none: 2 to
    WORK_TOKENS tokens up to the closing mark, none of them punctuation)."""
    out = np.zeros(len(codes), dtype=np.int64)
    for i in np.flatnonzero(codes[:-1] & OPEN_WORK).tolist():
        for k in range(i + 1, min(i + 2 + WORK_TOKENS, len(codes))):
            if codes[k] & CLOSE_WORK:
                out[i + 1] = k - i - 1 if k - i - 1 >= 2 else 0
                break
            if codes[k] & PUNCT:
                break
    return out


def common_before_latin(table: SpanTable) -> np.ndarray:
    """Per span: it ends in a Latin name (with its numbers and joiners: 7-Zip, Note9) that a common
    word stands right before, inside the span (版本|7-Zip, 部门|MoPub, 迷城|Nintendo; a brand or name
    before it, 华为|P50, is a product's name).  Often two ideas side by side, though jieba tags some
    brands as common nouns (魅族|Note9), so this is a feature, not a rule."""
    codes = table.codes
    if not len(table.start):
        return np.zeros(0, dtype=bool)
    last = table.start + table.length - 1
    before = _latin_run_starts(codes)[last] - 1
    return (((codes[last] & LATIN_HEAD) != 0) & (before >= table.start)
            & ((codes[np.maximum(before, 0)] & (PROPER | HAS_LATIN | NUMERIC | JOINER)) == 0))


def _latin_run_starts(codes: np.ndarray) -> np.ndarray:
    """For each token, where the run of Latin, numeric and joiner tokens that ends with it begins
    (itself when it is none of these)."""
    latinish = (codes & (LATIN_HEAD | NUMERIC | JOINER)) != 0
    starts = np.arange(len(codes))
    for k in range(1, len(codes)):
        if latinish[k] and latinish[k - 1]:
            starts[k] = starts[k - 1]
    return starts


def batch_candidates(batch: TokenBatch, token_rank: np.ndarray, idf, *, title_weight: float = 3.0,
                     mentions: Sequence[Mentions] | None = None) -> list[Candidates]:
    """What :func:`nlp.keywords.ranker.batch_candidates` gives, as array operations over the whole
    batch; what is per document (maxima, ranks) is reduced over its rows."""
    table = span_table(batch.words, batch.codes, exclude=batch.outlets)
    part = batch.part_of(table.start)
    doc, in_body = part // 2, part % 2 == 1
    bounds = np.searchsorted(doc, np.arange(batch.n_docs + 1))
    texts_per_doc: list[tuple[str, ...]] = []
    local: list[int] = []
    for d in range(batch.n_docs):
        texts = table.texts[bounds[d]:bounds[d + 1]]
        distinct = tuple(dict.fromkeys(texts))  # first-seen order
        local += map(dict(zip(distinct, itertools.count())).__getitem__, texts)
        texts_per_doc.append(distinct)
    sizes = np.array([len(t) for t in texts_per_doc], dtype=np.int64)
    m = int(sizes.sum())
    if not m:
        return [Candidates((), np.zeros((0, len(FEATURES)), dtype=np.float64)) for _ in range(batch.n_docs)]
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    ids = np.array(local, dtype=np.int64) + offsets[doc]
    owner = np.repeat(np.arange(batch.n_docs), sizes)  # document of each candidate row
    has_rows = sizes > 0
    row_starts = offsets[:-1][has_rows]

    def per_doc_max(values: np.ndarray) -> np.ndarray:
        return np.repeat(np.maximum.reduceat(values, row_starts), sizes[has_rows])

    t_title = np.bincount(ids[~in_body], minlength=m).astype(np.float64)
    t_body = np.bincount(ids[in_body], minlength=m).astype(np.float64)
    _, first = np.unique(ids, return_index=True)
    first_body = np.ones(m)
    body_ids, body_first = np.unique(ids[in_body], return_index=True)
    body_rows = np.flatnonzero(in_body)[body_first]
    body_start = batch.part_start[2 * doc[body_rows] + 1]
    body_len = batch.part_start[2 * doc[body_rows] + 2] - body_start - 1
    first_body[body_ids] = (table.start[body_rows] - body_start) / np.maximum(body_len, 1)
    rank = np.zeros(m)
    np.maximum.at(rank, ids, _sliding(token_rank, table, np.maximum))
    last_code = table.codes[table.start + table.length - 1][first]
    has_latin = _sliding((table.codes & HAS_LATIN) != 0, table, np.logical_or)[first]
    outer, inner = _nested_pairs(table, ids, in_body, m)
    superstrings = np.bincount(inner, minlength=m).astype(np.float64)
    # Bound: the largest share of the candidate's occurrences that one longer candidate holds (巴特 in
    # 巴特托勒嘎: 1.0; 座机, also alone, in 取消座机: less): a bound part is rarely what an editor picks.
    counts = t_title + t_body
    bound = np.zeros(m)
    if len(inner):
        np.maximum.at(bound, inner, np.minimum(counts[outer] / counts[inner], 1.0))
    substrings = np.bincount(outer, minlength=m).astype(np.float64)
    n_tok = table.length[first].astype(np.float64)
    idf_table, default = idf.idf, idf.default
    idf_values = np.fromiter(map(idf_table.get, chain.from_iterable(texts_per_doc), repeat(np.nan)), dtype=np.float64,
                             count=m)
    unknown = np.isnan(idf_values)
    known = (~unknown).astype(float)
    idf_values[unknown] = default
    tfidf = (title_weight * t_title + t_body) * idf_values
    by_score = np.lexsort((-tfidf, owner))  # stable: ties keep first-seen order
    order = np.empty(m)
    order[by_score] = np.arange(m) - offsets[owner[by_score]]
    pos = (last_code >> POS_SHIFT) & POS_MASK
    columns = [
        np.log1p(t_title), np.log1p(t_body), (t_title > 0).astype(float), first_body,
        idf_values / per_doc_max(idf_values), known,
        np.minimum(table.chars[first], 16) / 8, n_tok, (n_tok == 1).astype(float),
        tfidf / per_doc_max(tfidf), order / sizes[owner], rank / np.maximum(per_doc_max(rank), 1e-12),
        np.log1p(superstrings), np.log1p(substrings), has_latin.astype(float),
        *((pos == k).astype(float) for k in range(len(LAST_POS) + 1)),
        bound, ((table.codes[table.start[first]] & VERB) != 0).astype(float),
    ]
    work = np.log1p(np.bincount(ids, weights=(work_lengths(table.codes)[table.start] == table.length).astype(float),
                                minlength=m))
    features = np.column_stack([*columns, _entity_columns(texts_per_doc, mentions, counts),
                                common_before_latin(table)[first].astype(float), work])
    return [Candidates(texts, features[offsets[d]:offsets[d + 1]]) for d, texts in enumerate(texts_per_doc)]




def _sliding(values: np.ndarray, table: SpanTable, combine) -> np.ndarray:
    """``combine`` reduced over each span's tokens."""
    out = values[table.start]
    window = values
    for extra in range(1, int(table.length.max(initial=1))):
        window = combine(window[:-1], values[extra:])  # window[i] covers tokens i .. i + extra
        longer = table.length > extra
        out[longer] = window[table.start[longer]]
    return out


# (offset, tokens) of every sub-span of a span of MAX_TOKENS tokens (the spans span_table finds by default)
_LONGEST = max(MAX_TOKENS, WORK_TOKENS)  # a work's title may be longer than other spans
_SUBSPANS = np.array([(a, n) for n in range(1, _LONGEST + 1) for a in range(0, _LONGEST + 1 - n)])


def _nested_pairs(table: SpanTable, ids: np.ndarray, in_body: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """(outer, inner) candidate pairs, distinct per part (title, body), where a span of ``inner``
    lies inside the first multi-token span of ``outer`` in that part, from token positions."""
    multi = table.length > 1
    if not multi.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lookup = np.full((len(table.codes) + 1, _SUBSPANS[:, 1].max() + 1), -1, dtype=np.int64)
    lookup[table.start, table.length] = ids
    keys = ids[multi] * 2 + in_body[multi]
    _, first = np.unique(keys, return_index=True)
    outer_ids, starts, lengths = ids[multi][first], table.start[multi][first], table.length[multi][first]
    in_part = in_body[multi][first]
    offsets, sizes = _SUBSPANS[:, 0], _SUBSPANS[:, 1]
    rows, cols = np.nonzero(offsets[None, :] + sizes[None, :] <= lengths[:, None])
    inner = lookup[starts[rows] + offsets[cols], sizes[cols]]
    outer = outer_ids[rows]
    keep = (inner >= 0) & (inner != outer)
    pairs = np.unique((outer[keep] * m + inner[keep]) * 2 + in_part[rows][keep])
    return pairs // 2 // m, pairs // 2 % m


def _overlap(text: str, other: str, least: int = 2) -> bool:
    """Whether one of the two starts with an end of the other of at least ``least`` characters,
    neither holding the other (迷城Nintendo and 智龙迷城)."""
    if text in other or other in text:
        return False
    for a, b in ((text, other), (other, text)):
        if any(a.startswith(b[-n:]) for n in range(least, min(len(a), len(b)))):
            return True
    return False


def covered(text: str, chosen: list[str]) -> bool:
    """Whether ``text`` lies inside one of the ``chosen`` keywords or straddles the edge of one."""
    return any(text in other or _overlap(text, other) for other in chosen)


def batch_word_ranks(batch: TokenBatch, *, window: int = 5, damping: float = 0.85, iterations: int = 50) -> BatchRanks:
    """What :func:`nlp.keywords.scoring.batch_word_ranks` gives: the graphs of all documents are
    disjoint blocks of one sparse matrix, iterated together, each document until it converges."""
    every_doc = batch.part_of(np.arange(len(batch.codes))) // 2
    word_ids = np.unique(np.array(batch.words, dtype=object), return_inverse=True)[1].reshape(-1)  # a node: a word
    node_keys = every_doc * (int(word_ids.max(initial=0)) + 1) + word_ids
    marked = np.flatnonzero(batch.codes & KEYWORD)
    part = batch.part_of(marked)
    distinct, first, inverse = np.unique(node_keys[marked], return_index=True, return_inverse=True)
    by_occurrence = np.argsort(first)
    node_of = np.empty(len(distinct), dtype=np.int64)  # position in ``distinct`` -> node number
    node_of[by_occurrence] = np.arange(len(distinct))
    ids = node_of[inverse]  # node of each marked token
    n = len(distinct)
    sizes = np.bincount(every_doc[marked[first]], minlength=batch.n_docs)
    found = np.minimum(np.searchsorted(distinct, node_keys), max(n - 1, 0))
    of_token = np.where(distinct[found] == node_keys, node_of[found], -1) if n else np.full(len(node_keys), -1)
    rows, cols = [], []
    for step in range(1, window):
        a, b = ids[:-step], ids[step:]
        keep = (a != b) & (part[:-step] == part[step:])
        rows += [a[keep], b[keep]]
        cols += [b[keep], a[keep]]
    rank = np.repeat(1.0 / np.maximum(sizes, 1), sizes)
    if n:
        row, col = np.concatenate(rows or [ids[:0]]), np.concatenate(cols or [ids[:0]])
        weights = sp.csr_matrix((np.ones(len(row)), (row, col)), shape=(n, n))  # duplicates add up
        out_weight = np.asarray(weights.sum(axis=1)).ravel()
        inverse_weight = np.divide(1.0, out_weight, out=np.zeros(n), where=out_weight > 0)
        transition = (sp.diags(inverse_weight) @ weights).T.tocsr()
        has_nodes = sizes > 0
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))[has_nodes]
        active = np.ones(int(has_nodes.sum()), dtype=bool)
        for _ in range(iterations):
            updated = (1 - damping) + damping * (transition @ rank)
            moving = np.repeat(active, sizes[has_nodes])
            converged = np.maximum.reduceat(np.abs(updated - rank), starts) < 1e-6
            rank = np.where(moving, updated, rank)
            active &= ~converged
            if not active.any():
                break
        rank /= np.repeat(np.maximum.reduceat(rank, starts), sizes[has_nodes])
    words = [batch.words[i] for i in marked[first[by_occurrence]].tolist()]
    return BatchRanks(words, sizes, rank, np.where(of_token >= 0, rank[np.maximum(of_token, 0)] if n else 0.0, 0.0))
