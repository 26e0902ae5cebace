"""Keyword candidates: single words and multi-word phrases built from adjacent tokens.

About half of the keywords people pick are not single jieba tokens (卷积神经网络, 算力基础设施).
Candidates are the contiguous spans of up to ``max_tokens`` tokens inside a *chunk*: a run of
tokens not broken by punctuation, particles, prepositions, conjunctions, pronouns, adverbs or
stop words (``-`` and ``·`` join, as in L-谷氨酸).  A span may not start or end with a numeral,
measure word, time or locality word, and is 2 to ``max_chars`` characters long.
"""

from __future__ import annotations

import re
from typing import Iterator, NamedTuple, Sequence

from .segment import Token

BREAK_POS = frozenset({"x", "w", "p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "r", "rr", "rz",
                       "y", "e", "o", "d", "zg"})
EDGE_POS = frozenset({"m", "mq", "q", "f", "t", "tg"})
JOINERS = frozenset({"-", "·"})
_NUMERIC = re.compile(r"^[\d.,%\-+]+$")


class Span(NamedTuple):
    """A candidate occurrence: the text and its first and last token positions."""

    text: str
    start: int
    end: int  # exclusive
    n_tokens: int


def join(left: str, right: str) -> str:
    """Concatenate tokens as they stood in the text: Latin words keep the space between them."""
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right


def chunks(tokens: Sequence[Token], stopwords: frozenset[str]) -> Iterator[tuple[int, list[Token]]]:
    """(offset, tokens) of the runs between breaking tokens."""
    current: list[Token] = []
    start = 0
    for index, token in enumerate(tokens):
        if token.word in JOINERS and current:
            current.append(token)
            continue
        if token.pos in BREAK_POS or token.word in stopwords or token.word.lower() in stopwords:
            if current:
                yield start, current
            current = []
            start = index + 1
        else:
            if not current:
                start = index
            current.append(token)
    if current:
        yield start, current


def spans(tokens: Sequence[Token], stopwords: frozenset[str], *, max_tokens: int = 5, max_chars: int = 16) -> list[Span]:
    """Every candidate span of ``tokens``, in text order."""
    out = []
    for offset, run in chunks(tokens, stopwords):
        edge = [t.pos in EDGE_POS or t.word in JOINERS for t in run]
        for i in range(len(run)):
            if edge[i]:
                continue
            text = ""
            for j in range(i, min(len(run), i + max_tokens)):
                text = join(text, run[j].word)
                if len(text) > max_chars:
                    break
                if edge[j] or len(text) < 2 or _NUMERIC.match(text):
                    continue
                out.append(Span(text, offset + i, offset + j + 1, j - i + 1))
    return out
