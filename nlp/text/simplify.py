"""Traditional Chinese read through Simplified characters.

jieba's dictionary, its IDF table and the default model are Simplified: a Traditional article is
segmented into fragments (台積/電宣/佈 for 台積電/宣佈), so its keywords and category are noise.
An article detected as ``zh-Hant`` is converted for analysis with OpenCC's ``t2s`` (character and
phrase tables that keep every character in place: the converted text has the same length), then
segmented, ranked and classified as Simplified; its keywords are mapped back to the article's own
characters by position.  The annotation's ``text`` stays as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable


@dataclass(frozen=True)
class Converted:
    """An article's title and text as written and as analysed (``simplified``: the same length,
    character for character)."""

    original: str  # title + "\n" + text
    simplified: str

    @property
    def title(self) -> str:
        return self.simplified.split("\n", 1)[0]

    @property
    def text(self) -> str:
        return self.simplified.split("\n", 1)[1]

    def restore(self, word: str) -> str:
        """``word`` (found in the simplified text) in the article's own characters; unchanged when
        it does not occur there as it is (a phrase glued across a line break, say)."""
        at = self.simplified.find(word)
        return self.original[at:at + len(word)] if at >= 0 else word


class Simplifier:
    """Converts Traditional articles with OpenCC (loaded on first use, 10 ms).  Where OpenCC is not
    installed, articles are analysed as written."""

    @cached_property
    def _convert(self) -> Callable[[str], str] | None:
        try:
            import opencc
        except ImportError:  # pragma: no cover - a declared dependency; platforms without a wheel
            return None
        return opencc.OpenCC("t2s").convert

    def convert(self, title: str, text: str) -> Converted | None:
        """The article in Simplified characters, or None when conversion is unavailable or would
        move characters (then positions could not be mapped back)."""
        convert = self._convert
        if convert is None or "\n" in title:
            return None
        original = f"{title}\n{text}"
        simplified = convert(original)
        if len(simplified) != len(original) or simplified.find("\n") != len(title):
            return None
        return Converted(original, simplified)
