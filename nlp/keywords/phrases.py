"""Keyword candidates: single words and multi-word phrases built from adjacent tokens.

About half of the keywords people pick are not single jieba tokens (卷积神经网络, 算力基础设施).
Candidates are the contiguous spans of up to ``max_tokens`` tokens inside a *chunk*: a run of
tokens not broken by punctuation, the segmenter's whitespace breaks (``segment.BREAK``: line
breaks, spaces between Chinese words), particles, prepositions, conjunctions, pronouns, adverbs or
stop words (``-`` and ``·`` join, as in L-谷氨酸).  A span may not start or end with a numeral,
measure word, time or locality word, and is 2 to ``max_chars`` characters long.

Every token is reduced once to an integer code (:class:`TokenCodes`, memoised per word and part of
speech), and the spans of a document are found with array operations over those codes: this is
the hot loop of keyword extraction, and it runs on every article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import repeat
from typing import Iterable, NamedTuple, Sequence

import numpy as np

from nlp.doc import Token
from nlp.text.segment import is_keyword_word, is_latin

BREAK_POS = frozenset({"x", "w", "p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "r", "rr", "rz",
                       "y", "e", "o", "d", "zg"})
EDGE_POS = frozenset({"m", "mq", "q", "f", "t", "tg"})
JOINERS = frozenset({"-", "·"})
MAX_TOKENS = 5  # the longest phrase candidate, in tokens
# The parts of speech a phrase's last token is told apart by (``KeyRanker`` features); others -> "other".
LAST_POS = ("n", "vn", "nz", "eng", "v", "a", "nr", "ns", "nt")
_NUMERIC = re.compile(r"^[\d.,%\-+]+$")
_LATIN = re.compile(r"[A-Za-z]")

# Bits of a token code; the index of its part of speech in LAST_POS sits above them, and above that
# an id of the word (the same for every token with the same text, while the memo is kept).
BREAK, EDGE, JOINER, NUMERIC, LATIN_HEAD, LATIN_TAIL, HAS_LATIN, KEYWORD = (1 << i for i in range(8))
POS_SHIFT = 8
WORD_SHIFT = 12
POS_MASK = (1 << (WORD_SHIFT - POS_SHIFT)) - 1  # LAST_POS index: (code >> POS_SHIFT) & POS_MASK


class Span(NamedTuple):
    """A candidate occurrence: the text and its first and last token positions."""

    text: str
    start: int
    end: int  # exclusive
    n_tokens: int


def join(left: str, right: str) -> str:
    """Concatenate tokens as they stood in the text: Latin words keep the space between them."""
    if is_latin(left[-1:]) and is_latin(right[:1]):
        return f"{left} {right}"
    return left + right


class TokenCodes:
    """What candidate generation needs to know about a token, as one integer, memoised.

    ``keyword_pos`` marks the single words TF-IDF and TextRank consider (``KEYWORD`` bit).  The memo
    is per instance (an pipeline holds one) and is emptied when it reaches ``max_entries``, so word
    ids (``code >> WORD_SHIFT``) are consistent within one call of :meth:`code_list`, not across calls.
    """

    def __init__(self, stopwords: frozenset[str], keyword_pos: frozenset[str] = frozenset(),
                 *, max_entries: int = 500_000) -> None:
        self.stopwords, self.keyword_pos, self.max_entries = stopwords, keyword_pos, max_entries
        self._memo: dict[Token, int] = {}
        self._word_ids: dict[str, int] = {}

    def codes(self, tokens: Sequence[Token]) -> np.ndarray:
        return np.array(self.code_list(tokens), dtype=np.int64)

    def code_list(self, tokens: Iterable[Token]) -> list[int]:
        memo = self._memo
        if len(memo) > self.max_entries:
            memo.clear()
            self._word_ids.clear()
        out = list(map(memo.get, tokens, repeat(-1)))
        if -1 in out:
            tokens = list(tokens)
            for i, value in enumerate(out):
                if value < 0:
                    out[i] = memo[tokens[i]] = self._code(Token(*tokens[i]))
        return out

    def _code(self, token: Token) -> int:
        word, pos = token.word, token.pos
        code = 0
        if pos in BREAK_POS or word in self.stopwords or word.lower() in self.stopwords:
            code |= BREAK
        if pos in EDGE_POS or word in JOINERS:
            code |= EDGE
        if word in JOINERS:
            code |= JOINER
        if _NUMERIC.match(word):
            code |= NUMERIC
        if is_latin(word[:1]):
            code |= LATIN_HEAD
        if is_latin(word[-1:]):
            code |= LATIN_TAIL
        if _LATIN.search(word):
            code |= HAS_LATIN
        if is_keyword_word(token, self.keyword_pos, self.stopwords):
            code |= KEYWORD
        last_pos = LAST_POS.index(pos) if pos in LAST_POS else len(LAST_POS)
        assert last_pos <= POS_MASK
        word_id = self._word_ids.setdefault(word, len(self._word_ids))
        return code | last_pos << POS_SHIFT | word_id << WORD_SHIFT


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


@dataclass(frozen=True)
class TokenBatch:
    """The parts (title, body) of several documents laid end to end, each followed by a breaking
    sentinel, so that one pass of array operations serves the whole batch."""

    words: list[str]
    codes: np.ndarray
    part_start: np.ndarray  # first position of part k (title of doc k // 2, body if k is odd); last = end
    n_docs: int

    @classmethod
    def of(cls, docs: Sequence[tuple[Sequence[Token], Sequence[Token]]], coder: TokenCodes) -> "TokenBatch":
        """The batch of ``docs``, each a (title tokens, body tokens) pair."""
        tokens: list = []
        starts = [0]
        for title, body in docs:
            for part in (title, body):
                tokens += part
                tokens.append(_SENTINEL)
                starts.append(len(tokens))
        words = [t[0] for t in tokens]
        return cls(words, np.array(coder.code_list(tokens), dtype=np.int64), np.array(starts), len(docs))

    def part_of(self, positions: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.part_start, positions, side="right") - 1


_SENTINEL = Token("", "x")  # ends every part: punctuation breaks every span


def span_table(words: Sequence[str], codes: np.ndarray, *, max_tokens: int = MAX_TOKENS, max_chars: int = 16) -> SpanTable:
    """The candidate spans of the tokens ``words`` whose codes (:meth:`TokenCodes.codes`) are ``codes``."""
    n = len(words)
    empty = np.zeros(0, dtype=np.int64)
    if not n:
        return SpanTable([], empty, empty, empty, codes)
    in_chunk = (codes & BREAK) == 0
    # A joiner continues a chunk that is open before it, whatever its part of speech.
    for k in np.flatnonzero((codes & (BREAK | JOINER)) == (BREAK | JOINER)).tolist():
        in_chunk[k] = k > 0 and bool(in_chunk[k - 1])
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
    keep = (in_chunk[i] & (breaks[end] == breaks[i]) & ~edge[i] & ~edge[end - 1] & (width >= 2) & (width <= max_chars)
            & ((numeric[end] - numeric[i] < length) | (spaces[end] - spaces[i + 1] > 0)))
    start, length, width = i[keep], length[keep], width[keep]
    line = "".join(glued)  # the tokens as they stood: each span is a slice of it
    texts = [line[a:b] for a, b in zip(first_char[keep].tolist(), offsets[end[keep]].tolist())]
    return SpanTable(texts, start, length, width, codes)


def spans(tokens: Sequence[Token], stopwords: frozenset[str], *, max_tokens: int = MAX_TOKENS, max_chars: int = 16) -> list[Span]:
    """Every candidate span of ``tokens``, in text order."""
    codes = TokenCodes(stopwords).codes(tokens)
    return span_table([t[0] for t in tokens], codes, max_tokens=max_tokens, max_chars=max_chars).spans()
