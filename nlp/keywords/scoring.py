"""Keywords over already-segmented tokens: an IDF table, TF-IDF and TextRank.

Every function takes the tokens the segmenter produced once per article; nothing here
segments text again.  Scores are rounded to 6 decimals and ties broken by the word, so the same
input gives the same output bytes.
"""

from __future__ import annotations

import importlib.util
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from nlp.errors import ConfigError
from nlp.io.textio import write_text_file
from nlp import native
from nlp.keywords.phrases import TokenBatch, TokenCodes, spans
from nlp.doc import ROUND, Keyword, Segmented, Token
from nlp.text.segment import is_keyword_word

_candidates = native.load("nlp.keywords._candidates")  # the compiled core; BuildError if missing or stale


class IdfTable:
    """Inverse document frequencies in jieba's ``word idf`` format, with a median fallback.

    ``lookup`` is what the lookups read: the dict ``idf``, or for a table read from a file of the plain
    layout, the compiled core's ``WordTable`` over the file's bytes (``idf`` is then made on first use)."""

    def __init__(self, idf: dict[str, float]) -> None:
        if not idf:
            raise ConfigError("an IDF table needs at least one word")
        self.idf = self.lookup = idf
        self.default = _median(np.fromiter(idf.values(), dtype=float, count=len(idf)))

    @cached_property
    def idf(self) -> dict[str, float]:
        return dict(zip(self.lookup.words(), self.lookup.values.tolist()))

    def __getitem__(self, word: str) -> float:
        return self.lookup.get(word, self.default)

    def __len__(self) -> int:
        return len(self.lookup)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.lookup.get(word) is not None

    @classmethod
    def read(cls, data: bytes, name: str) -> "IdfTable":
        """The table of ``word idf`` lines in UTF-8 (``name``: the file, for messages).  The plain layout
        is read from the bytes by the compiled core, without decoding them; any other (phrases, CRLF,
        signs...) by the line parser."""
        table = _candidates.WordTable.parse(data)
        if table is not None and len(table):
            out = cls.__new__(cls)
            out.lookup, out.default = table, _median(table.values)
            return out
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ConfigError(f"{name}: cannot read IDF file: {error}") from None
        return cls(_parse_fast(text, name))

    @classmethod
    def jieba_default(cls) -> "IdfTable":
        """The table bundled with jieba (built by jieba's authors from a large corpus).

        Located without importing jieba, whose import alone costs about half a second.
        """
        spec = importlib.util.find_spec("jieba")
        if spec is None or not spec.submodule_search_locations:
            raise ConfigError("jieba is not installed: its IDF table is the default (give an IDF table of your own)", setting="idf_path")
        path = Path(next(iter(spec.submodule_search_locations))) / "analyse" / "idf.txt"
        return cls.read(path.read_bytes(), "jieba idf.txt")

    @classmethod
    def load(cls, path: Path) -> "IdfTable":
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise ConfigError(f"{path}: cannot read IDF file: {error}") from None
        return cls.read(data[3:] if data.startswith(b"\xef\xbb\xbf") else data, str(path))  # without a BOM

    @classmethod
    def build(
        cls, documents: Iterable[Iterable[str]], *, min_df: int = 2, base: "IdfTable | None" = None
    ) -> "IdfTable":
        """Smoothed IDF ``ln((1 + N) / (1 + df)) + 1`` over word sets of ``documents``.

        Words seen in fewer than ``min_df`` documents are left out; words of ``base`` (jieba's
        table, usually) that the corpus lacks keep the base value.
        """
        df: Counter[str] = Counter()
        n_docs = 0
        for words in documents:
            n_docs += 1
            df.update(set(words))
        idf = dict(base.idf) if base is not None else {}
        for word, count in df.items():
            if count >= min_df:
                idf[word] = round(math.log((1 + n_docs) / (1 + count)) + 1.0, ROUND)
        if not idf:
            raise ConfigError(f"no word occurs in at least {min_df} of the {n_docs} documents")
        return cls(idf)

    def save(self, path: Path) -> None:
        """``term idf`` per line.  A term may hold single spaces (a phrase such as ``13C NMR``: the
        value is the line's last field); one that could not be read back as written (a tab, a line
        break, a leading, trailing or double space) is left out."""
        lines = [f"{word} {value:.6f}\n" for word, value in sorted(self.idf.items()) if _writable(word)]
        write_text_file(path, "".join(lines))


def document_terms(doc: Segmented, stopwords: frozenset[str], codes: TokenCodes | None = None) -> set[str]:
    """The terms an IDF table counts for one document: its distinct words and phrase candidates
    (``codes``: a coder made with ``stopwords`` to reuse, as an annotator holds one)."""
    words = {t.word for part in (doc.title, doc.body) for t in part if t.word}
    codes = codes or TokenCodes(stopwords)
    return words | {s.text for part in (doc.title, doc.body) for s in spans(part, stopwords, coder=codes)}


def candidates(tokens: Sequence[Token], pos: frozenset[str], stopwords: frozenset[str]) -> list[str]:
    """Words that may be keywords: content tokens of an allowed part of speech, 2+ characters."""
    return [t.word for t in tokens if is_keyword_word(t, pos, stopwords)]


def tfidf(
    doc: Segmented,
    idf: IdfTable,
    *,
    top_k: int,
    pos: frozenset[str],
    stopwords: frozenset[str],
    title_weight: float = 3.0,
) -> list[Keyword]:
    """Term frequency (title occurrences count ``title_weight`` times) x IDF, top ``top_k``."""
    counts: defaultdict[str, float] = defaultdict(float)
    for word in candidates(doc.title, pos, stopwords):
        counts[word] += title_weight
    for word in candidates(doc.body, pos, stopwords):
        counts[word] += 1.0
    total = sum(counts.values())
    if not total:
        return []
    scores = {word: count / total * idf[word] for word, count in counts.items()}
    return _top(scores, top_k)


def textrank(
    doc: Segmented,
    *,
    top_k: int,
    pos: frozenset[str],
    stopwords: frozenset[str],
    window: int = 5,
    damping: float = 0.85,
    iterations: int = 50,
    codes: TokenCodes | None = None,
) -> list[Keyword]:
    """PageRank over the co-occurrence graph of candidates within ``window`` (title and body kept apart),
    scaled so that the best word scores 1.0."""
    [found] = textrank_batch([doc], top_k=top_k, codes=codes or TokenCodes(stopwords, pos), window=window,
                             damping=damping, iterations=iterations)
    return found


def textrank_batch(docs: Sequence[Segmented], *, top_k: int, codes: TokenCodes, window: int = 5,
                   damping: float = 0.85, iterations: int = 50) -> list[list[Keyword]]:
    """:func:`textrank` of each of ``docs``, computed for the whole batch at once."""
    batch = TokenBatch.of([(doc.title, doc.body) for doc in docs], codes)
    ranks = batch_word_ranks(batch, window=window, damping=damping, iterations=iterations)
    return [_top(scores, top_k) for scores in ranks.per_doc]


@dataclass(frozen=True)
class BatchRanks:
    """TextRank of a :class:`TokenBatch`: the score of every node (a distinct candidate word of a
    document; documents in order, each document's words in order of first occurrence), and per
    token position the score of its word in its document (0.0 for words that are not candidates)."""

    words: list[str]  # of the nodes
    sizes: np.ndarray  # nodes per document
    scores: np.ndarray  # of the nodes
    of_token: np.ndarray

    @property
    def per_doc(self) -> list[dict[str, float]]:
        """{word: score} of each document."""
        scores, out, at = self.scores.tolist(), [], 0
        for size in self.sizes.tolist():
            out.append(dict(zip(self.words[at:at + size], scores[at:at + size])))
            at += size
        return out


def batch_word_ranks(batch: TokenBatch, *, window: int = 5, damping: float = 0.85, iterations: int = 50) -> BatchRanks:
    """PageRank over the co-occurrence graph of candidate words within ``window`` (title and body
    kept apart) of every document of ``batch`` at once: the graphs are disjoint blocks of one sparse
    matrix, and each document stops iterating when its own scores change by less than 1e-6.  Nodes
    are numbered by first occurrence in their document, so the arithmetic, and the result, do not
    depend on what else is in the batch."""
    words, sizes, scores, of_token = _candidates.word_ranks(batch.words, batch.codes, batch.part_start, batch.n_docs,
                                                            window, damping, iterations)
    return BatchRanks(words, sizes, scores, of_token)


def _median(values: np.ndarray) -> float:
    """The median of a non-empty array, as ``np.median`` gives it, without the import of ``numpy.ma``
    that ``np.median`` makes (8 ms of every start-up)."""
    half = len(values) // 2
    if len(values) % 2:
        return float(np.partition(values, half)[half])
    low, high = np.partition(values, [half - 1, half])[half - 1:half + 1]
    return float((low + high) / 2)


def _top(scores: dict[str, float], top_k: int) -> list[Keyword]:
    ranked = sorted(((round(score, ROUND), word) for word, score in scores.items()), key=lambda p: (-p[0], p[1]))
    return [Keyword(word, score) for score, word in ranked[:top_k]]


def _writable(term: str) -> bool:
    """Whether the reader gives ``term`` back: words separated by single spaces, nothing else blank."""
    return bool(term) and term == " ".join(term.split())


def _parse_fast(text: str, name: str) -> dict[str, float]:
    """``word idf`` lines -> dict, in one split when every line has two fields; else the line
    parser (terms with spaces, and to name a bad line)."""
    parts = text.split()
    lines = text.split("\n")
    if len(parts) == 2 * (len(lines) - lines.count("")):  # a line of blanks only counts and fails: line parser
        try:
            return dict(zip(parts[0::2], map(float, parts[1::2])))
        except ValueError:
            pass
    return _parse(text.split("\n"), name)


def _parse(lines: Iterable[str], name: str) -> dict[str, float]:
    table: dict[str, float] = {}
    for number, line in enumerate(lines, start=1):
        parts = line.rsplit(None, 1)  # the value is the last field: a phrase may hold a space
        if not parts:
            continue
        try:
            if len(parts) < 2:
                raise ValueError
            word, value = line.strip().rsplit(None, 1)[0], float(parts[-1])
        except ValueError:
            raise ConfigError(f"{name}:{number}: expected 'word idf', got {line.strip()!r}") from None
        table[word] = value
    return table
