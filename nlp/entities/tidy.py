"""Rules over the character model's spans, for mistakes an editor sees at once in real posts.

The model reads characters, not words, so on web text it sometimes cuts a Latin word (``NVID`` for
NVIDIA, ``ichome`` for PicHome), runs across a line break, takes in a bracket it does not close
(``Chivalry 2）``) or a symbol (``▲ 谷歌``), or tags code (``TcpTransport.run(``).  :func:`tidy`
extends a cut Latin word to the whole word, trims what a name does not hold at its ends, and drops
spans that are code or cross a line; a string the model types differently in one text gets the
type it was given most often.  A person's name does not end in a function word (王丽就 -> 王丽), nor in one
character more than a name the same text holds more often (王林亲 beside 王林 twice: the next word's first
character): in CLUENER's and the MSRA sample's gold names (3,471 of three or more characters) neither
happens once but for one MSRA name.  A bracketed aside before a name (``（唐贵江 关悦）广州海关``, a byline
in brackets) is cut off: 1 of CLUENER's 23,972 gold entities starts so.  Wrapped pairs (``（WillWright）``) and book-title marks
(``《三体》``, and ``星际争霸》``) are kept: CLUENER's gold marks them so.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any, Sequence

from nlp.doc import Entity

_LATIN = re.compile(r"[A-Za-z0-9]")
_CODE = re.compile(r"[_=\\@{}<>|;$`]|\(\)|[A-Za-z]\.[A-Za-z][^.]*\.")
_PAIRS = {"(": ")", "（": "）", "[": "]", "【": "】"}  # not 《》: CLUENER's gold often holds half of the pair
_CLOSERS = {close: open_ for open_, close in _PAIRS.items()}
_TRIMMED = frozenset("，。、；：！？,;:!?…—~～*")
# Function words that follow a name in a sentence (王丽就说, 周翔在, 李明也) and never end one.
_AFTER_NAME = frozenset("就也在是说称用等都又还被把将对向与及")


def _is_latin(char: str) -> bool:
    return char.isascii() and bool(_LATIN.match(char))


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _trimmable(char: str) -> bool:
    if _is_han(char):  # most ends are Han characters
        return False
    return char.isspace() or char in _TRIMMED or (unicodedata.category(char)[0] == "S" and char not in "+#&")


def tidy(text: str, spans: list[tuple[int, int, int]], person: int | None = None) -> list[tuple[int, int, int]]:
    """``spans`` (start, end, type) of ``text`` after the rules; still in reading order, never overlapping.
    ``person``: the type of people's names (CLUENER's ``name``, MSRA's ``PER``), if the model has one."""
    out: list[tuple[int, int, int]] = []
    for start, end, kind in spans:
        # Most spans begin and end with a Han character: no Latin word to extend, nothing to trim.
        if not (_is_han(text[start]) and _is_han(text[end - 1])):
            if text[start].isascii():
                while start > 0 and _is_latin(text[start - 1]) and _is_latin(text[start]):
                    start -= 1
            if text[end - 1].isascii():
                while end < len(text) and _is_latin(text[end]) and _is_latin(text[end - 1]):
                    end += 1
            start, end = _trim(text, start, end)
        piece = text[start:end]
        if end <= start or "\n" in piece or "\r" in piece or (not piece.isalnum() and _CODE.search(piece)):
            continue
        if out and start < out[-1][1]:
            continue
        out.append((start, end, kind))
    out = _consistent(text, out)
    return out if person is None else _name_ends(text, out, person)


def one_type_per_article(entities: Sequence[Entity]) -> list[Entity]:
    """An article's title and text entities with one type per string, the one they were given most
    often over both (on a tie, the first): the rule :func:`tidy` applies within one text, across the
    two (Aeraki Mesh an organization in the title and a game in the text -> an organization twice)."""
    kinds = _most_given([(entity.text, entity.type) for entity in entities])
    if kinds is None:
        return list(entities)
    return [entity._replace(type=kind) for entity, kind in zip(entities, kinds)]


def _name_ends(text: str, spans: list[tuple[int, int, int]], person: int) -> list[tuple[int, int, int]]:
    """People's names of three or more characters without a function word at the end, nor one character
    more than another name of the text seen more often (王林亲 beside 王林, 王林)."""
    if not any(kind == person and end - start >= 3 for start, end, kind in spans):
        return spans  # no name long enough to end in a word too many
    counts = Counter(text[a:b] for a, b, kind in spans if kind == person)
    out = []
    for start, end, kind in spans:
        if kind == person and end - start >= 3:
            name = text[start:end]
            if name[-1] in _AFTER_NAME or counts.get(name[:-1], 0) > counts[name]:
                end -= 1
        out.append((start, end, kind))
    return out


def _consistent(text: str, spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """One type per string in a text: the one the model gave it most often (on a tie, first).  A
    person the model once calls an organisation (马斯克 in an article about him) keeps being a person."""
    kinds = _most_given([(text[start:end], kind) for start, end, kind in spans])
    if kinds is None:
        return spans
    return [(start, end, kind) for (start, end, _), kind in zip(spans, kinds)]


def _most_given(pairs: list[tuple[str, Any]]) -> list[Any] | None:
    """Per (string, kind) pair, the kind its string was given most often (on a tie, the first seen);
    None when no string was given two kinds (nothing to change)."""
    first: dict[str, Any] = {}
    mixed = False
    for piece, kind in pairs:
        mixed |= first.setdefault(piece, kind) != kind
    if not mixed:
        return None
    votes: dict[str, Counter] = {}
    for piece, kind in pairs:
        votes.setdefault(piece, Counter())[kind] += 1
    chosen = {piece: max(counts, key=lambda kind: counts[kind]) for piece, counts in votes.items()}
    return [chosen[piece] for piece, _ in pairs]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Without symbols, punctuation and white space at the ends, nor a bracket the span does not close."""
    while True:
        before = (start, end)
        while start < end and _trimmable(text[start]):
            start += 1
        while end > start and _trimmable(text[end - 1]):
            end -= 1
        if start < end and text[start] in _PAIRS:
            close = text.find(_PAIRS[text[start]], start + 1, end)
            if close < 0:  # a bracket the span does not close
                start += 1
            elif close < end - 1:  # a bracketed aside before the name: （唐贵江 关悦）广州海关 -> 广州海关
                start = close + 1
        if start < end and text[end - 1] in _CLOSERS and _CLOSERS[text[end - 1]] not in text[start:end - 1]:
            end -= 1
        if (start, end) == before:
            return start, end
