"""New-word discovery: character strings that the corpus shows to be units, though jieba splits them into fragments.

A candidate is a run of 2..``max_len`` Chinese characters.  It is kept when it is frequent, cohesive
(its pointwise mutual information is high at every split point: the parts rarely occur apart) and
free (varied left and right neighbours: high neighbour entropy, so it is not a fragment of a longer
unit), when jieba's dictionary does not already have it, and when it does not start or end with a
function character.  Fragments of a longer kept word with nearly the same count are dropped.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable

_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
# Characters that rarely start or end a word (particles, prepositions, pronouns, conjunctions).
EDGE_CHARS = frozenset("的了是在和与及或也都就而被把对从向为以之其这那有个们着过地得很又并等中上下不要会说第条")
# Characters that glue words together rather than sit inside one.
GLUE_CHARS = frozenset("的了和与及或是在说")
BOUNDARY = "\x00"


@dataclass(frozen=True)
class NewWord:
    word: str
    count: int
    cohesion: float  # minimum PMI over split points (natural log)
    left_entropy: float
    right_entropy: float
    score: float

    def to_row(self) -> str:
        return (f"{self.word}\t{self.count}\t{self.cohesion:.3f}\t{self.left_entropy:.3f}\t"
                f"{self.right_entropy:.3f}\t{self.score:.3f}")


@dataclass(frozen=True)
class DiscoveryOptions:
    min_count: int = 5
    max_len: int = 6
    min_cohesion: float = 3.0
    min_entropy: float = 1.0
    min_binding: float = 0.5
    max_words: int = 5000


def han_runs(texts: Iterable[str]) -> list[str]:
    return [run for text in texts for run in _HAN_RUN.findall(text)]


def discover(texts: Iterable[str], *, known: Callable[[str], bool], cut: Callable[[str], list[str]] | None = None,
             options: DiscoveryOptions = DiscoveryOptions()) -> list[NewWord]:
    """Ranked new words of ``texts`` (best first; ties by word).

    With ``cut`` (the segmenter), only strings that it *fragments* are proposed: cut into pieces at
    least one of which is a single character.  A string it cuts into known words (领导|干部) is a
    compound of words it already has, not a word it is missing.  And every piece must be *bound* to
    the string: at least ``min_binding`` of the piece's occurrences in the corpus lie inside it.  A
    free word plus a neighbouring character (记者|王, 日|上午, 委|书记) fails this, however often the
    two stand together; a word the segmenter does not know (远东|豹) passes.
    """
    runs = han_runs(texts)
    counts: Counter[str] = Counter()
    for run in runs:
        n = len(run)
        for size in range(1, options.max_len + 1):
            for i in range(n - size + 1):
                counts[run[i:i + size]] += 1
    total = sum(len(run) for run in runs) or 1
    candidates = {w for w, c in counts.items()
                  if len(w) >= 2 and c >= options.min_count and w[0] not in EDGE_CHARS and w[-1] not in EDGE_CHARS
                  and not GLUE_CHARS.intersection(w)}
    cohesion = {w: _cohesion(w, counts, total) for w in candidates}
    candidates = {w for w in candidates if cohesion[w] >= options.min_cohesion}
    left, right = _neighbours(runs, candidates, options.max_len)
    found = []
    for word in candidates:
        le, re_ = _entropy(left[word]), _entropy(right[word])
        if min(le, re_) < options.min_entropy or known(word):
            continue
        if cut is not None:
            pieces = cut(word)
            if all(len(piece) > 1 for piece in pieces) or _binding(word, pieces, counts) < options.min_binding:
                continue
        score = math.log(counts[word]) * cohesion[word] * min(le, re_)
        found.append(NewWord(word, counts[word], round(cohesion[word], 6), round(le, 6), round(re_, 6), round(score, 6)))
    found = _drop_fragments(found)
    found.sort(key=lambda w: (-w.score, w.word))
    return found[: options.max_words]


def _cohesion(word: str, counts: Counter[str], total: int) -> float:
    p_word = counts[word] / total
    return min(math.log(p_word / ((counts[word[:i]] / total) * (counts[word[i:]] / total))) for i in range(1, len(word)))


def _binding(word: str, pieces: list[str], counts: Counter[str]) -> float:
    """The smallest share, over the pieces, of a piece's occurrences that lie inside ``word``."""
    return min(counts[word] / max(counts[piece], counts[word]) for piece in pieces)


def _neighbours(runs: list[str], candidates: set[str], max_len: int):
    """Left and right neighbour counts; a run boundary counts as a new, distinct neighbour each time."""
    left: defaultdict[str, Counter[str]] = defaultdict(Counter)
    right: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for run in runs:
        n = len(run)
        for size in range(2, max_len + 1):
            for i in range(n - size + 1):
                word = run[i:i + size]
                if word in candidates:
                    left[word][run[i - 1] if i > 0 else BOUNDARY] += 1
                    right[word][run[i + size] if i + size < n else BOUNDARY] += 1
    return left, right


def _entropy(neighbours: Counter[str]) -> float:
    counts = [c for k, c in neighbours.items() if k != BOUNDARY] + [1] * neighbours.get(BOUNDARY, 0)
    total = sum(counts)
    return -sum(c / total * math.log(c / total) for c in counts) if total else 0.0


def _drop_fragments(words: list[NewWord]) -> list[NewWord]:
    """Drop a word inside a longer kept word that accounts for 90% of its occurrences."""
    by_length = sorted(words, key=lambda w: -len(w.word))
    kept: list[NewWord] = []
    for word in by_length:
        if any(word.word in longer.word and longer.count >= 0.9 * word.count for longer in kept):
            continue
        kept.append(word)
    return kept
