"""Segmentation and part-of-speech tagging through a private engine (never jieba's global one).

Two jieba-compatible engines share one dictionary: ``rjieba`` (jieba-rs, the default: the same
dictionary and HMM, many times faster) and ``jieba`` (the reference Python implementation, for
anyone who needs jieba's exact output).  The bundled domain dictionary and any user
dictionaries are added to the private engine only.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path
from typing import Iterable

from nlp.doc import BREAK, Token
from nlp.errors import ConfigError

_NUMBERISH = re.compile(r"^[\d.,，．%％:：/\-+~～年月日时分秒点号个万亿千百十几余多]+$")
_URLISH = re.compile(r"^(https?|www\.|[\w.-]+\.(com|cn|net|org))", re.IGNORECASE)
_HAS_WORD_CHAR = re.compile(r"[\w\u4e00-\u9fff]")
# Parts of speech that never carry content: punctuation, numerals, particles, pronouns, ...
NON_CONTENT_POS = frozenset({"x", "w", "m", "mq", "q", "p", "u", "uj", "ul", "uz", "ug", "uv", "ud",
                             "c", "r", "rr", "rz", "d", "e", "y", "o", "zg", "f", "t", "tg", "h", "k"})


ENGINES = ("rjieba", "jieba")  # see the module's docstring; the first is the default

_SPACE = re.compile(r"\s")


# Latin letters with diacritics (Latin-1, Latin Extended-A/B, Latin Extended Additional: Vietnamese).
_ACCENTED = re.compile(r"[\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u1E00-\u1EFF]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u1E00-\u1EFF]+")


# Measure words and numeral units that stand right after a number (500克, 10万, 3个).
MEASURES = "克斤吨米元个件只台辆条张份名位家次岁亩倍万亿千百"
_NUMBER_MEASURE = re.compile(rf"[0-9０-９][ \t]*[{MEASURES}]")


def _split_measure_glue(pairs, has_word, tag) -> list[tuple[str, str]]:
    """The engines' HMM joins a number's measure word to the character after it into a word no
    dictionary has (500|克精|面粉, 10|万人, 3|个胜场): after a token with a digit, such a word loses its
    first character (``q``, or ``m`` for 万 亿 千 百) and the rest is tagged again (500|克|精|面粉); a
    space or tab may stand between the number and the word (1 克精面粉)."""
    out: list[tuple[str, str]] = []
    last = ""  # the last word that is not a space or tab: is it a number? (asked only when it matters)
    for pair in pairs:
        word = pair[0]
        if len(word) >= 2 and word[0] in MEASURES and any(c.isdigit() for c in last) and not has_word(word):
            out.append((word[0], "m" if word[0] in "万亿千百" else "q"))
            out += tag(word[1:])
        else:
            out.append(pair)
        if word.strip(" \t"):
            last = word
    return out


def _join_accented_words(pairs) -> list[tuple[str, str]]:
    """The engines cut a Latin word at a letter with a diacritic (Kamik|ō|chi): join letters that stand
    side by side, with no space between, back into one word (``eng``)."""
    out: list[tuple[str, str]] = []
    for word, pos in pairs:
        if (out and _LATIN_WORD.fullmatch(word) and _LATIN_WORD.fullmatch(out[-1][0])
                and (_ACCENTED.search(word) or _ACCENTED.search(out[-1][0]))):
            out[-1] = (out[-1][0] + word, "eng")
        else:
            out.append((word, pos))
    return out


def is_latin(char: str) -> bool:
    """An ASCII letter or digit (False for ""): where two such characters meet, a space belongs."""
    return char.isascii() and char.isalnum()


def bundled_lines(name: str) -> list[str]:
    text = resources.files("nlp").joinpath(f"data/{name}").read_text("utf-8")
    return [line for line in text.split("\n") if line.strip() and not line.lstrip().startswith("#")]


def load_stopwords(extra: Iterable[str] = ()) -> frozenset[str]:
    """The bundled stop-word list (whitespace-separated words) plus ``extra``."""
    words = {word for line in bundled_lines("stopwords.txt") for word in line.split()}
    return frozenset(words | set(extra))


def read_user_dict(path: Path) -> list[tuple[str, int | None, str | None]]:
    """Entries ``(word, freq, pos)`` of a jieba-format user dictionary; raises ConfigError."""
    try:
        text = Path(path).read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read user dictionary: {error}") from None
    return parse_user_dict(text.split("\n"), str(path))


def parse_user_dict(lines: Iterable[str], name: str) -> list[tuple[str, int | None, str | None]]:
    entries = []
    for number, line in enumerate(lines, start=1):
        parts = line.strip().split()
        if not parts or parts[0].startswith("#"):
            continue
        word, freq, pos = parts[0], None, None
        if len(parts) > 3:
            raise ConfigError(f"{name}:{number}: expected 'word [freq] [pos]', got {line.strip()!r}")
        for part in parts[1:]:
            if part.isdigit():
                freq = int(part)
            elif pos is None:
                pos = part
            else:
                raise ConfigError(f"{name}:{number}: expected 'word [freq] [pos]', got {line.strip()!r}")
        entries.append((word, freq, pos))
    return entries


class Segmenter:
    """Segments text into :class:`Token` (word, part of speech) with a private dictionary."""

    def __init__(self, *, engine: str = "rjieba", user_dicts: Iterable[Path] = ()) -> None:
        self.engine = engine
        entries = parse_user_dict(bundled_lines("userdict.txt"), "userdict.txt")
        for path in user_dicts:
            entries += read_user_dict(path)
        if engine == "rjieba":
            self._engine = rjieba_class()()
            for word, freq, pos in entries:
                self._engine.add_word(word, freq, pos)
            self._tag = self._engine.tag
            self._cut = self._engine.cut
            self.has_word = self._engine.has_word
        elif engine == "jieba":
            import jieba
            import jieba.posseg

            tokenizer = jieba.Tokenizer()
            for word, freq, pos in entries:
                tokenizer.add_word(word, freq, pos)
            posseg = jieba.posseg.POSTokenizer(tokenizer)
            self._tag = lambda text: [(p.word, p.flag) for p in posseg.cut(text)]
            self._cut = tokenizer.lcut
            tokenizer.check_initialized()
            self.has_word = lambda word: tokenizer.FREQ.get(word, 0) > 0
        else:
            raise ConfigError(f"unknown engine {engine!r}; choose {' or '.join(ENGINES)}")

    def cut(self, text: str) -> list[str]:
        """Words of ``text`` (the engine's plain cut, as segmentation benchmarks score it); no whitespace tokens."""
        return [word for word in self._cut(text) if word.strip()] if text else []

    def tag(self, text: str) -> list[Token]:
        """Tokens of ``text`` with parts of speech.  Whitespace is dropped, but a line break, or a
        space between two Chinese words (a title's separator: 央行宣布降准 释放长期资金), leaves a
        :data:`BREAK` token in its place, so that no phrase spans it.  A space next to a Latin word
        (Apple Watch, DSGE 模型, C 罗) is only typesetting and is dropped silently."""
        if not text:
            return []
        make = tuple.__new__  # Token(word, pos) without the keyword handling: half the cost
        pairs = self._tag(text)
        if _NUMBER_MEASURE.search(text):
            pairs = _split_measure_glue(pairs, self.has_word, self._tag)
        if _ACCENTED.search(text):
            pairs = _join_accented_words(pairs)
        if not _SPACE.search(text):
            return [make(Token, pair) for pair in pairs]
        out: list[Token] = []
        gap = ""  # whitespace since the last word
        for pair in pairs:
            word = pair[0]
            if not word.strip():
                gap += word
                continue
            if gap and out:
                if "\n" in gap or not (is_latin(out[-1][0][-1]) or is_latin(word[0])):
                    out.append(BREAK)
            gap = ""
            out.append(make(Token, pair))
        return out


@functools.cache
def rjieba_class() -> type:
    """rjieba's ``Jieba`` class, without building the default instance the ``rjieba`` package
    builds when imported (0.08 s of every process start spent on a dictionary never used here: each
    Segmenter builds its own).  The compiled module is loaded on its own, once per process
    (``sys.modules`` is left alone, so the user's own ``import rjieba`` is unaffected); any
    surprise falls back to the plain import."""
    import importlib.machinery
    import importlib.util

    try:
        package = importlib.util.find_spec("rjieba")
        folder = Path(package.submodule_search_locations[0])
        binary = next(folder / f"rjieba{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES
                      if (folder / f"rjieba{suffix}").is_file())
        spec = importlib.util.spec_from_file_location("rjieba.rjieba", binary)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception:  # another layout of the package: pay for the default instance
        import rjieba

        return rjieba.Jieba
    return module.Jieba


def is_content(token: Token, stopwords: frozenset[str]) -> bool:
    """True for tokens that can carry meaning: no stop words, punctuation, numbers, dates or URLs."""
    word = token.word
    if token.pos in NON_CONTENT_POS or word in stopwords or word.lower() in stopwords:
        return False
    if not _HAS_WORD_CHAR.search(word) or _NUMBERISH.match(word) or _URLISH.match(word):
        return False
    return True


def is_keyword_word(token: Token, pos: frozenset[str], stopwords: frozenset[str]) -> bool:
    """A single word TF-IDF and TextRank may pick: a content token of an allowed part of speech, 2+ characters."""
    return token.pos in pos and len(token.word) >= 2 and is_content(token, stopwords)
