"""A lexicon of names for the entity model: words known to be places, people or organisations.

The model marks each character with the lexicon words that cover it (B, I or E of a word of each
group; see ``nlp/entities/_core.pyx``).  The default source is jieba's own dictionary (``dict.txt``,
installed with jieba, MIT licence): its words tagged ``ns`` (place), ``nr``/``nrt``/``nrfg``
(person) and ``nt`` (organisation).  A model file stores the lexicon it was trained with, so that
a later jieba release cannot change what a shipped model sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from nlp import native
from nlp.errors import DataError

_core = native.load("nlp.entities._core")  # the compiled core; BuildError if missing or stale

GROUPS = ("place", "person", "organization")  # bit 0, 1, 2 of a word's groups
JIEBA_TAGS = {"ns": 0, "nr": 1, "nrt": 1, "nrfg": 1, "nt": 2}


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Words as the core reads them: folded code points one word after another (``chars``, uint32),
    each word's length (``lengths``, uint8) and groups bitmask (``groups``, uint8); words sorted,
    two to ``MAX_WORD_LENGTH`` characters, each once (a word in two groups has both bits)."""

    chars: np.ndarray
    lengths: np.ndarray
    groups: np.ndarray

    def __len__(self) -> int:
        return len(self.lengths)

    @classmethod
    def from_words(cls, words: Iterable[tuple[str, int]]) -> "Lexicon":
        """A lexicon of ``(word, group index)`` pairs; words are folded as the features fold text."""
        merged: dict[tuple[int, ...], int] = {}
        for word, group in words:
            if not 0 <= group < len(GROUPS):
                raise DataError(f"lexicon group {group} of {word!r} is not one of 0..{len(GROUPS) - 1}")
            key = tuple(_core.folded(word).tolist())
            if 2 <= len(key) <= _core.MAX_WORD_LENGTH:
                merged[key] = merged.get(key, 0) | (1 << group)
        keys = sorted(merged)
        return cls(chars=np.array([c for key in keys for c in key], np.uint32),
                   lengths=np.array([len(key) for key in keys], np.uint8),
                   groups=np.array([merged[key] for key in keys], np.uint8))

    def words(self) -> list[tuple[str, int]]:
        """(folded word, groups bitmask) pairs, in stored order."""
        ends = np.cumsum(self.lengths.astype(np.int64))
        chars = self.chars.tolist()
        return [("".join(map(chr, chars[end - length:end])), int(group))
                for end, length, group in zip(ends.tolist(), self.lengths.tolist(), self.groups.tolist())]


def jieba_dictionary() -> Path:
    import jieba

    return Path(jieba.__file__).parent / "dict.txt"


def read_jieba_lexicon(path: Path | None = None) -> Lexicon:
    """The place, person and organisation words of a jieba-format dictionary (``word count tag`` per
    line; jieba's own ``dict.txt`` when ``path`` is None)."""
    path = path or jieba_dictionary()
    pairs = []
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                parts = line.split()
                if len(parts) >= 3 and parts[2] in JIEBA_TAGS:
                    pairs.append((parts[0], JIEBA_TAGS[parts[2]]))
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: cannot read the lexicon: {error}") from None
    if not pairs:
        raise DataError(f"{path}: no word tagged {'/'.join(JIEBA_TAGS)}: not a jieba dictionary")
    return Lexicon.from_words(pairs)
