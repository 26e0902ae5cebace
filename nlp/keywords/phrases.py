"""Keyword candidates: single words and multi-word phrases built from adjacent tokens.

About half of the keywords people pick are not single jieba tokens (卷积神经网络, 算力基础设施).
Candidates are the contiguous spans of up to ``max_tokens`` tokens inside a *chunk*: a run of
tokens not broken by punctuation, the segmenter's whitespace breaks (``segment.BREAK``: line
breaks, spaces between Chinese words), particles, prepositions, conjunctions, pronouns, adverbs or
stop words (``-`` and ``·`` join, as in L-谷氨酸).  A span may not start or end with a numeral,
measure word, time or locality word, and is 2 to ``max_chars`` characters long.  A span of several
tokens must keep words whole: a one-character Chinese token may start it only as a surname, place
or abbreviation (徐|冬冬, 北|塞浦路斯; not 系|选秀, 版|元宇宙) and end it only as a noun head (腾讯|云;
not 司机|跑).  Names that stand in datelines and bylines (``nlp/data/metadata_names.txt``:
新华社, 中新社, 央视网, 记者 ...) and a person's name right after a byline word (记者 王磊) are
metadata, never part of a candidate.  A bound morpheme (``zg``) breaks a chunk unless it stands
between two names, where it is the middle of a foreign name the segmenter cut (阿伏|伽|德罗).  The whole title of a work in 《》 is a candidate too, even
where these rules would cut it (《最后生还者2》 ends in a numeral, 《极圈以南》 in a locality word,
《逆流而上的你》 holds a particle and a pronoun): the title an editor writes.

Every token is reduced once to an integer code (:class:`TokenCodes`, memoised per word and part of
speech), and the spans of a document are found by the compiled loop ``nlp/keywords/_candidates.pyx``
over those codes: this is the hot loop of keyword extraction, and it runs on every article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple, Sequence

import numpy as np

from nlp.doc import Token
from nlp import native
from nlp.text.segment import bundled_lines, is_keyword_word, is_latin

_candidates = native.load("nlp.keywords._candidates")  # the compiled core; BuildError if missing or stale

BREAK_POS = frozenset({"x", "w", "p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "r", "rr", "rz",
                       "y", "e", "o", "d", "zg"})
EDGE_POS = frozenset({"m", "mq", "q", "f", "t", "tg"})
JOINERS = frozenset({"-", "·"})
# What may end a phrase of several tokens: nouns, names, verbal nouns, English words, abbreviations.
HEAD_POS = frozenset({"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "nw", "vn", "eng", "j", "an", "ng", "l", "s"})
NAME_POS = frozenset({"nr", "nrt", "nrfg"})
# What a one-character token may be at the start of a phrase: a surname (徐|冬冬), a place or an
# abbreviation (北|塞浦路斯, 苏|-|57); at the end it must be a noun-like head (腾讯|云, 全面|屏).
LEAD_POS = NAME_POS | {"ns", "j", "nz", "zg", "ng"}
# What may stand right before a Latin name at the end of a phrase: a brand, name or place (魅族|Note9,
# 华为|P50), not a common word (版本|7-Zip, 部门|MoPub, 迷城|Nintendo, 内置|web: two ideas side by side).
PROPER_POS = NAME_POS | {"ns", "nt", "nz", "nw"}
MAX_TOKENS = 5  # the longest phrase candidate, in tokens
# The marks of a work's title (《最后生还者2》, 《逆流而上的你》): all they hold is one candidate, whatever
# it starts or ends with, if it is 2 to WORK_TOKENS tokens, none of them punctuation.
WORK_MARKS = {"《": "》"}  # (〈〉 are rarer, and a mark of one kind must not close the other)
WORK_TOKENS = 8
# The parts of speech a phrase's last token is told apart by (``KeyRanker`` features); others -> "other".
LAST_POS = ("n", "vn", "nz", "eng", "v", "a", "nr", "ns", "nt", "j")
# Tags of the same class that LAST_POS counts as one (rjieba tags Chinese and foreign names apart).
POS_ALIAS = {"nrt": "nr", "nrfg": "nr"}
_NUMERIC = re.compile(r"^[\d.,%\-+]+$")
_LATIN = re.compile(r"[A-Za-z]")

# Flags of a token code; the index of its part of speech in LAST_POS sits above them.
(BREAK, EDGE, JOINER, NUMERIC, LATIN_HEAD, LATIN_TAIL, HAS_LATIN, KEYWORD, HEAD, ONE_HAN, BYLINE, NAME,
 VERB, LEAD, PROPER, PUNCT, OPEN_WORK, CLOSE_WORK, MORPHEME) = (1 << i for i in range(19))
POS_SHIFT = 19
POS_MASK = 15  # LAST_POS index: (code >> POS_SHIFT) & POS_MASK


@dataclass(frozen=True)
class Metadata:
    """Words that are the article's metadata, not its content: outlet names of datelines (新华社,
    央视网, 澎湃新闻) and byline words (记者, 编辑), after which a person's name is the reporter's."""

    outlets: frozenset[str]
    bylines: frozenset[str]

    @classmethod
    def bundled(cls) -> "Metadata":
        """``nlp/data/metadata_names.txt``: ``outlet NAME`` and ``byline WORD`` lines."""
        kinds: dict[str, set[str]] = {"outlet": set(), "byline": set()}
        for line in bundled_lines("metadata_names.txt"):
            kind, _, name = line.strip().partition(" ")
            kinds[kind].add(name.strip())
        return cls(frozenset(kinds["outlet"]), frozenset(kinds["byline"]))


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
    is per instance (a pipeline holds one) and is emptied when it reaches ``max_entries``.
    """

    def __init__(self, stopwords: frozenset[str], keyword_pos: frozenset[str] = frozenset(),
                 *, max_entries: int = 500_000, metadata: Metadata | None = None) -> None:
        self.stopwords, self.keyword_pos, self.max_entries = stopwords, keyword_pos, max_entries
        self.metadata = metadata or Metadata.bundled()
        self._memo: dict[Token, int] = {}

    def codes(self, tokens: Sequence[Token]) -> np.ndarray:
        """The codes of ``tokens`` (int64), looked up in the memo by the compiled core."""
        if len(self._memo) > self.max_entries:
            self._memo.clear()
        return _candidates.token_codes(self._memo, list(tokens), self._code_of)

    def _code_of(self, token: Sequence[str]) -> int:
        return self._code(Token(*token))

    def _code(self, token: Token) -> int:
        word, pos = token.word, token.pos
        code = 0
        meta = self.metadata
        is_meta = word in meta.outlets or word in meta.bylines
        if (pos in BREAK_POS or word in self.stopwords or word.lower() in self.stopwords or is_meta
                or word in WORK_MARKS or word in WORK_MARKS.values()):  # a title mark breaks, whatever its tag
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
        if is_keyword_word(token, self.keyword_pos, self.stopwords) and not is_meta:
            code |= KEYWORD
        if pos in HEAD_POS:
            code |= HEAD
        if len(word) == 1 and not is_latin(word):
            code |= ONE_HAN
        if word in meta.bylines:
            code |= BYLINE
        if pos in NAME_POS:
            code |= NAME
        if pos in LEAD_POS:
            code |= LEAD
        if pos in PROPER_POS:
            code |= PROPER
        if pos.startswith("v") and pos != "vn":
            code |= VERB
        if not any(ch.isalnum() for ch in word):
            code |= PUNCT
        if word in WORK_MARKS:
            code |= OPEN_WORK
        if word in WORK_MARKS.values():
            code |= CLOSE_WORK
        if pos == "zg":
            code |= MORPHEME
        pos = POS_ALIAS.get(pos, pos)
        last_pos = LAST_POS.index(pos) if pos in LAST_POS else len(LAST_POS)
        assert last_pos <= POS_MASK
        return code | last_pos << POS_SHIFT


@dataclass(frozen=True)
class TokenBatch:
    """The parts (title, body) of several documents laid end to end, each followed by a breaking
    sentinel, so that one pass of array operations serves the whole batch."""

    words: list[str]
    codes: np.ndarray
    part_start: np.ndarray  # first position of part k (title of doc k // 2, body if k is odd); last = end
    n_docs: int
    outlets: frozenset[str] = frozenset()  # metadata names that are not single tokens (澎湃新闻): no candidate

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
        return cls(words, coder.codes(tokens), np.array(starts), len(docs),
                   coder.metadata.outlets)

    def part_of(self, positions: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.part_start, positions, side="right") - 1


_SENTINEL = Token("", "x")  # ends every part: punctuation breaks every span


def spans(tokens: Sequence[Token], stopwords: frozenset[str], *, max_tokens: int = MAX_TOKENS, max_chars: int = 16,
          coder: TokenCodes | None = None) -> list[Span]:
    """Every candidate span of ``tokens``, in text order (``coder``: one to reuse, made with ``stopwords``)."""
    coder = coder or TokenCodes(stopwords)
    found = _candidates.spans([t[0] for t in tokens], coder.codes(tokens), max_tokens, max_chars, coder.metadata.outlets)
    return [Span(text, start, start + n, n) for text, start, n, _ in found]
