"""The ``combined`` keyword method: phrase candidates ranked by a small logistic model whose
inputs combine TF-IDF, TextRank, position, title occurrence, length, nesting and the document's
entity mentions (a candidate the entity stage found as a person, organisation or place).

The weights are data (``nlp/data/keyrank.json``), fitted by ``benchmarks/train_keyranker.py`` on
the Sohu 2019 core entities of real news and the CSL dev split (author keywords of abstracts).
Every input is relative to the document (scores divided by the document's maximum), so the same
weights work with jieba's IDF table or with one built by ``nlp idf``.  The score of a keyword is the model's probability that
an editor would pick it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from itertools import repeat
from typing import Callable, NamedTuple, Sequence

import numpy as np

from nlp.errors import ConfigError
from nlp import native
from nlp.keywords.phrases import LAST_POS, TokenBatch, TokenCodes

_candidates = native.load("nlp.keywords._candidates")  # the compiled core; BuildError if missing or stale

FEATURES = (
    "log_tf_title", "log_tf_body", "in_title", "first_position", "idf_rel", "in_idf_table", "chars", "tokens",
    "single_token", "tfidf_rel", "tfidf_rank", "textrank_rel", "log_superstrings", "log_substrings", "has_latin",
    *(f"last_pos_{p}" for p in LAST_POS), "last_pos_other", "bound", "first_verb",
    "log_entity", "entity_per", "entity_org", "entity_loc", "entity_other", "entity_share", "common_before_latin",
    "log_work_title",
)
# The entity kinds the ranker tells apart (a mention's type, coarsened by the pipeline); others are "other".
ENTITY_KINDS = ("PER", "ORG", "LOC")
Mentions = Sequence[tuple[str, str]]  # one document's entity mentions: (text as segmentation read it, kind)


@dataclass(frozen=True)
class Candidates:
    """A document's candidates (distinct texts, in first-seen order) and their feature matrix."""

    texts: tuple[str, ...]
    features: np.ndarray


def candidate_features(title_tokens, body_tokens, idf, word_rank: dict[str, float], stopwords: frozenset[str],
                       *, title_weight: float = 3.0, codes: TokenCodes | None = None,
                       mentions: Mentions = ()) -> Candidates:
    """Features of every candidate of one document (see :func:`batch_candidates`)."""
    batch = TokenBatch.of([(title_tokens, body_tokens)], codes or TokenCodes(stopwords))
    token_rank = np.array([word_rank.get(w, 0.0) for w in batch.words])
    [found] = batch_candidates(batch, token_rank, idf, title_weight=title_weight, mentions=[mentions])
    return found


def batch_candidates(batch: TokenBatch, token_rank: np.ndarray, idf, *, title_weight: float = 3.0,
                     mentions: Sequence[Mentions] | None = None) -> list[Candidates]:
    """Features (see ``FEATURES``) of every candidate of every document of ``batch``, per distinct
    text of a document: title and body counts, first body position, last part of speech, token
    count, nesting and best TextRank score (``token_rank``: per position) of its words; all of its
    first occurrence except the counts, nesting and the TextRank score; and how often the candidate
    is one of the document's entity ``mentions`` and of which kind (none given: never).  The
    compiled loop (``_candidates.batch_statistics``) walks each document's tokens once; the counts
    become log(1 + count) here, through NumPy, as the ranker was fitted."""
    texts_per_doc, features, occurrences = _candidates.batch_statistics(
        batch.words, batch.codes, batch.part_start, batch.n_docs, np.ascontiguousarray(token_rank, dtype=np.float64),
        idf.lookup, float(idf.default), float(title_weight), batch.outlets)
    for k in _LOG_COLUMNS:
        features[:, k] = np.log1p(np.ascontiguousarray(features[:, k]))
    features[:, _ENTITY_COLUMNS] = _entity_columns(texts_per_doc, mentions, occurrences)
    offsets = np.concatenate(([0], np.cumsum([len(t) for t in texts_per_doc], dtype=np.int64)))
    return [Candidates(texts, features[offsets[d]:offsets[d + 1]]) for d, texts in enumerate(texts_per_doc)]


# The columns the compiled loop leaves to the ranker: counts to take log(1 + count) of, and the entities'.
_LOG_COLUMNS = [FEATURES.index(name) for name in ("log_tf_title", "log_tf_body", "log_superstrings", "log_substrings",
                                                  "log_work_title")]
_ENTITY_COLUMNS = slice(FEATURES.index("log_entity"), FEATURES.index("entity_share") + 1)


def _entity_columns(texts_per_doc: list[tuple[str, ...]], mentions: Sequence[Mentions] | None,
                    occurrences: np.ndarray) -> np.ndarray:
    """log(1 + mentions), the kind most of them have (one-hot: PER, ORG, LOC, other) and the share of
    the candidate's occurrences that are mentions, per candidate; case is ignored (Nvidia, NVIDIA)."""
    out = np.zeros((len(occurrences), 6))
    rows: list[int] = []  # the hits, written into ``out`` at once (an item assignment each cost more than the lookups)
    columns: list[int] = []
    values: list[float] = []
    row = 0
    for texts, found in zip(texts_per_doc, mentions or repeat(())):
        kinds: dict[str, Counter[str]] = {}
        for text, kind in found:
            key = text.lower()
            counts = kinds.get(key)
            if counts is None:  # (setdefault would make a Counter for every mention, most of them thrown away)
                counts = kinds[key] = Counter()
            counts[kind if kind in ENTITY_KINDS else "other"] += 1
        for i, seen in _candidates.lookup_lowered(texts, kinds) if kinds else ():
            if seen:
                n = sum(seen.values())
                kind = seen.most_common(1)[0][0]  # a tie: the kind seen first
                at = row + i
                rows += (at, at, at)
                columns += (0, 1 + (ENTITY_KINDS.index(kind) if kind in ENTITY_KINDS else 3), 5)
                values += (n, 1.0, min(n / max(occurrences[at], 1.0), 1.0))
        row += len(texts)
    if rows:
        out[rows, columns] = values
        out[:, 0] = np.log1p(out[:, 0])  # log(1 + mentions): 0 stays 0
    return out


@dataclass(frozen=True)
class KeyRanker:
    """Standardised features -> logistic score."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    info: dict

    @classmethod
    def bundled(cls) -> "KeyRanker":
        text = resources.files("nlp").joinpath("data/keyrank.json").read_text("utf-8")
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: dict) -> "KeyRanker":
        if tuple(data.get("features", ())) != FEATURES:
            raise ConfigError("keyrank.json was fitted on other features; rerun benchmarks/train_keyranker.py")
        return cls(np.array(data["mean"]), np.array(data["scale"]), np.array(data["coef"]), float(data["intercept"]),
                   {k: v for k, v in data.items() if k not in {"mean", "scale", "coef", "intercept"}})

    def to_dict(self) -> dict:
        return {**self.info, "features": list(FEATURES), "mean": self.mean.round(8).tolist(),
                "scale": self.scale.round(8).tolist(), "coef": self.coef.round(8).tolist(),
                "intercept": round(self.intercept, 8)}

    def score(self, features: np.ndarray) -> np.ndarray:
        if not len(features):
            return np.zeros(0)
        z = ((features - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


def select(texts: Sequence[str], scores: np.ndarray, top_k: int, found: Candidates | None = None) -> list[tuple[str, float]]:
    """Best first (scores rounded to 6 decimals, ties by text), one keyword per idea.  A candidate
    inside one already chosen is skipped (算力 after 算力基础设施).  A whole after a chosen part of
    it is kept (annotators of news pick both 英国 and 英国央行, 魅族 and 魅族Note9), except, when
    ``found`` (the candidates' features) is given: a whole that starts with a verb is a verb-object
    variant and is skipped (取消座机 after 座机), so is a whole that ends in a verb or adjective after a
    chosen name (Scala编写 after Scala, 北京连续 after 北京: a subject and its predicate, a clause, not a
    term; 手机维修 after 手机 is kept), so is a third layer (全球遭遇宕机 after 遭遇宕机 after
    宕机), a work's title in 《》 replaces the chosen parts it holds (最后生还者2 after 生还者), and a part
    that never occurs outside longer candidates (``bound`` 1, seen twice or more: 巴特 of 巴特托勒嘎) is
    a piece, which the whole replaces.  With or without ``found``, a chosen keyword that does not end
    in a digit, followed by a number (an optional space, then digits), is skipped (质量效应3 after
    质量效应: one series; 骁龙888 after 骁龙8 is another product and stays) unless it is a work's title.
    With ``found``, a whole that scores under ``VARIANT_SHARE`` of the best chosen part it holds is a
    variant of that part, not a second idea (美团骑手 at 0.05 after 美团 at 0.60, 部门MoPub after MoPub;
    英国央行 at 0.44 after 英国 at 0.68 stays), unless the entity stage found the whole or it is the part
    with a model number (富士S205EXR after 富士).  Only the best few candidates are sorted; the rest are
    looked at only if nesting uses those up."""
    if top_k <= 0:
        return []
    scores = np.asarray(scores, dtype=np.float64)
    kinds = _kinds(found)
    few = 4 * top_k + 8
    if len(scores) > few:
        cut = np.partition(scores, len(scores) - few)[len(scores) - few]
        best = np.flatnonzero(scores >= cut)
        chosen = _greedy([(round(float(scores[i]), 6), texts[i], i) for i in best.tolist()], top_k, kinds)
        below = round(float(scores[scores < cut].max(initial=-1.0)), 6)
        # Complete, and everything it looked at ranks strictly above every candidate left out.
        if len(chosen) == top_k and min(score for _, score in chosen) > below:
            return chosen
    return _greedy([(round(float(s), 6), t, i) for i, (s, t) in enumerate(zip(scores.tolist(), texts))], top_k, kinds)


# A name: a candidate whose last token is tagged a person, place, organisation, other proper noun,
# English word or abbreviation, or that the entity stage found; a predicate ends in a verb or adjective.
_NAME_COLUMNS = [FEATURES.index(f"last_pos_{p}") for p in ("nr", "ns", "nt", "nz", "eng", "j")] + [FEATURES.index("log_entity")]
_PREDICATE_COLUMNS = [FEATURES.index(f"last_pos_{p}") for p in ("v", "a")]
# A whole after a chosen part of it needs at least this share of the part's score (out-of-fold on Sohu
# dev and CSL dev, benchmarks/train_keyranker.py --dump: 0.05 to 0.3 tried, 0.1 the only one that
# lowers none of the four numbers; most of what it drops are repeats an editor would strike).
VARIANT_SHARE = 0.1
# What a product's model adds to its brand (富士S205EXR, 索尼 XR500E; a digit in it, so not 教育行业CEO):
# such a whole is no mere variant.
_MODEL = re.compile(r"[\s\-]?(?=[A-Za-z\-]*[0-9])[A-Za-z0-9][A-Za-z0-9\-]*")
_NUMBERED = re.compile(r"\s?[0-9０-９]+")  # what makes 质量效应3 and 龙腾世纪 2 of 质量效应 and 龙腾世纪


class _Kinds(NamedTuple):
    """What selection asks of candidate ``i``, only for a whole after a chosen part."""

    verb_first: Callable[[int], bool]
    work: Callable[[int], bool]
    piece: Callable[[int], bool]
    name: Callable[[int], bool]
    predicate: Callable[[int], bool]
    entity: Callable[[int], bool]


def _kinds(found: Candidates | None) -> _Kinds | None:
    if found is None or not len(found.texts):
        return None
    f = found.features
    verb_first, work, bound, title, body, entity = (FEATURES.index(name) for name in (
        "first_verb", "log_work_title", "bound", "log_tf_title", "log_tf_body", "log_entity"))
    return _Kinds(lambda i: f[i, verb_first] > 0,
                  lambda i: f[i, work] > 0,
                  lambda i: f[i, bound] >= 0.999 and np.expm1(f[i, title]) + np.expm1(f[i, body]) >= 1.5,
                  lambda i: f[i, _NAME_COLUMNS].max() > 0,
                  lambda i: f[i, _PREDICATE_COLUMNS].max() > 0,
                  lambda i: f[i, entity] > 0)


def _part_then(text: str, part: str, rest: re.Pattern) -> bool:
    """Whether ``text`` is ``part`` followed by what ``rest`` matches whole (质量效应 then 3)."""
    return text.startswith(part) and rest.fullmatch(text, len(part)) is not None


def _greedy(triples: list[tuple[float, str, int]], top_k: int, kinds: _Kinds | None) -> list[tuple[str, float]]:
    chosen: list[tuple[str, float, int]] = []
    for score, text, index in sorted(triples, key=lambda p: (-p[0], p[1])):
        if len(chosen) == top_k:
            break
        if _candidates.covered(text, [other for other, _, _ in chosen]):
            continue  # inside a chosen one, or a piece that straddles its edge (迷城Nintendo after 智龙迷城)
        held = [c for c in chosen if c[0] in text]
        if not held:
            pass
        elif kinds is not None and kinds.work(index):
            chosen = [c for c in chosen if c not in held]  # a work's title replaces its parts (最后生还者2, not 生还者)
        elif any(_part_then(text, other, _NUMBERED) for other, _, _ in held if not other[-1:].isdigit()):
            continue  # a numbered one of a chosen series (质量效应3 after 质量效应; not 骁龙888 after 骁龙8)
        elif kinds is not None:
            if kinds.verb_first(index) or any(d[0] in c[0] for c in held for d in chosen if d is not c):
                continue  # a verb-object variant, or a third layer (全球遭遇宕机 after 遭遇宕机 after 宕机)
            if kinds.predicate(index) and any(kinds.name(c[2]) for c in held):
                continue  # a name and its predicate (Scala编写 after Scala): a clause
            if all(kinds.piece(c[2]) for c in held):
                chosen = [c for c in chosen if c not in held]
            elif (score < VARIANT_SHARE * max(c[1] for c in held) and not kinds.entity(index)
                  and not any(_part_then(text, c[0], _MODEL) for c in held)):
                continue  # a far weaker variant of a chosen part (美团骑手 at 0.05 after 美团 at 0.60)
        chosen.append((text, score, index))
    return sorted(((text, score) for text, score, _ in chosen), key=lambda c: (-c[1], c[0]))
