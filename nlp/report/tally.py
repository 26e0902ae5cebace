"""Keyword reports over many annotations: what dominates each group, what is rising, what travels together,
and the leading and rising people, companies and places (the records' ``entities``).

One streaming pass collects counts (never the records); :func:`build_report` turns them into a
:class:`Report`, which the writers in :mod:`nlp.report.render` render as HTML, Markdown, CSV or JSON.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Iterable

from nlp.doc import Doc, Failure, from_record
from nlp.errors import ConfigError

GROUPINGS = ("category", "source", "day", "week", "month")
PERIODS = ("day", "week", "month")
# Report sections of entities: the entity types each counts (CLUENER's fine types and MSRA's coarse
# ones).  MSRA's ORG is not a company (it is mostly government bodies, parties and institutions), and
# CLUENER's organization and government are not either: neither is counted.
ENTITY_KINDS = {"people": ("name", "PER"), "companies": ("company",), "places": ("address", "scene", "LOC")}
_KIND_OF_TYPE = {kind_type: kind for kind, types in ENTITY_KINDS.items() for kind_type in types}


@dataclass(frozen=True)
class ReportOptions:
    by: str = "category"
    level: int = 2
    top_k: int = 20
    period: str = "week"
    since: str | None = None
    until: str | None = None
    keywords_per_article: int = 10
    min_count: int = 3
    pairs_of_top: int = 30

    def __post_init__(self) -> None:
        if self.by not in GROUPINGS:
            raise ConfigError(f"unknown grouping {self.by!r}; choose one of {', '.join(GROUPINGS)}")
        if self.period not in PERIODS:
            raise ConfigError(f"unknown period {self.period!r}; choose one of {', '.join(PERIODS)}")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                try:
                    dt.date.fromisoformat(value[:10])
                except ValueError:
                    raise ConfigError(f"{name} must be a date like 2022-07-30, got {value!r}", setting=name) from None


@dataclass
class Tally:
    """Counts gathered in one pass; memory grows with the vocabulary, not the number of records."""

    options: ReportOptions
    deduper: Any = None  # with a Deduper, each story is counted once (see nlp.jobs.dedup)
    articles: int = 0
    errors: int = 0
    skipped_by_date: int = 0
    duplicates_skipped: int = 0
    languages: Counter = field(default_factory=Counter)
    group_docs: Counter = field(default_factory=Counter)
    group_df: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    group_score: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    period_docs: Counter = field(default_factory=Counter)
    period_df: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    df: Counter = field(default_factory=Counter)
    keyword_sets: Counter = field(default_factory=Counter)
    entity_articles: int = 0  # articles with at least one entity (annotations before schema 1.1 have none)
    group_entities: defaultdict = field(default_factory=lambda: defaultdict(Counter))  # (kind, group) -> text -> docs
    group_mentions: defaultdict = field(default_factory=lambda: defaultdict(Counter))  # (kind, group) -> text -> mentions
    period_entities: defaultdict = field(default_factory=lambda: defaultdict(Counter))  # (kind, period) -> text -> docs

    def add(self, doc: Doc | Failure) -> None:
        if isinstance(doc, Failure):
            self.errors += 1
            return
        date = doc.date
        if not self._in_window(date):
            self.skipped_by_date += 1
            return
        if self.deduper is not None:
            duplicate = doc.duplicate_of if doc.marked_duplicates else self.deduper.duplicate_of(doc)
            if duplicate is not None:
                self.duplicates_skipped += 1
                return
        self.articles += 1
        self.languages[doc.language or "other"] += 1
        keywords = doc.keywords[: self.options.keywords_per_article]
        words = list(dict.fromkeys(k.word for k in keywords))
        scores = {k.word: k.score for k in keywords}
        group = group_of(doc, self.options)
        self.group_docs[group] += 1
        self.group_df[group].update(words)
        for word in words:
            self.group_score[group][word] += scores[word]
        period = period_of(date, self.options.period)
        if period is not None:
            self.period_docs[period] += 1
            self.period_df[period].update(words)
        self.df.update(words)
        self.keyword_sets[tuple(sorted(words))] += 1
        self._add_entities(doc, group, period)

    def _add_entities(self, doc: Doc, group: str, period: str | None) -> None:
        """Each person, company and place once per article (title and text together), plus its mentions."""
        if doc.entities:
            self.entity_articles += 1
        mentions: dict[str, Counter] = defaultdict(Counter)
        for entity in doc.entities:
            kind = _KIND_OF_TYPE.get(entity.type)
            if kind is not None:
                mentions[kind][entity.text] += 1
        for kind, counts in mentions.items():
            self.group_entities[kind, group].update(counts.keys())
            self.group_mentions[kind, group].update(counts)
            if period is not None:
                self.period_entities[kind, period].update(counts.keys())

    def merge(self, other: "Tally") -> None:
        """Add another tally's counts (a part of the corpus counted elsewhere)."""
        for name in ("articles", "errors", "skipped_by_date", "duplicates_skipped", "entity_articles"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("languages", "group_docs", "period_docs", "df", "keyword_sets"):
            getattr(self, name).update(getattr(other, name))
        for name in ("group_df", "group_score", "period_df", "group_entities", "group_mentions", "period_entities"):
            mine = getattr(self, name)
            for key, counter in getattr(other, name).items():
                mine[key].update(counter)

    def _in_window(self, date: str | None) -> bool:
        if self.options.since is None and self.options.until is None:
            return True
        if not date:
            return False
        day = date[:10]
        if self.options.since and day < self.options.since[:10]:
            return False
        return not (self.options.until and day > self.options.until[:10])


@dataclass(frozen=True)
class KeywordStat:
    word: str
    documents: int
    share: float
    score: float


@dataclass(frozen=True)
class EntityStat:
    text: str
    documents: int
    share: float
    mentions: int


@dataclass(frozen=True)
class Trend:
    word: str
    before: int
    after: int
    llr: float
    direction: str  # "rising" or "falling"


@dataclass(frozen=True)
class Report:
    options: ReportOptions
    articles: int
    errors: int
    skipped_by_date: int
    duplicates_skipped: int
    languages: dict[str, int]
    groups: dict[str, int]
    top: dict[str, list[KeywordStat]]
    periods: dict[str, int]
    series: dict[str, dict[str, int]]  # keyword -> period -> documents
    trends: list[tuple[str, str, list[Trend]]]  # (from period, to period, trends)
    pairs: list[tuple[str, str, int]]
    entity_articles: int = 0
    entities: dict[str, dict[str, list[EntityStat]]] = field(default_factory=dict)  # kind -> group -> leading
    entity_trends: dict[str, list[tuple[str, str, list[Trend]]]] = field(default_factory=dict)  # kind -> trends

    def to_dict(self) -> dict[str, Any]:
        return {
            "options": vars(self.options),
            "facts": {"articles": self.articles, "errors": self.errors, "outside_dates": self.skipped_by_date,
                      "near_duplicates_skipped": self.duplicates_skipped,
                      "languages": self.languages, "groups": self.groups, "periods": self.periods},
            "top": {g: [vars(s) for s in stats] for g, stats in self.top.items()},
            "series": self.series,
            "trends": [{"from": a, "to": b, "keywords": [vars(t) for t in trends]} for a, b, trends in self.trends],
            "pairs": [{"a": a, "b": b, "documents": n} for a, b, n in self.pairs],
            "entities": {
                "articles_with_entities": self.entity_articles,
                "top": {kind: {g: [vars(s) for s in stats] for g, stats in groups.items()}
                        for kind, groups in self.entities.items()},
                "trends": {kind: [{"from": a, "to": b, "entities": [_entity_trend(t) for t in trends]}
                                  for a, b, trends in pairs] for kind, pairs in self.entity_trends.items()},
            },
        }


def _entity_trend(trend: Trend) -> dict[str, Any]:
    return {"text": trend.word, "before": trend.before, "after": trend.after, "llr": trend.llr,
            "direction": trend.direction}


def group_of(doc: Doc, options: ReportOptions) -> str:
    if options.by == "category":
        return (doc.category.label if doc.category else None) or "(none)"
    if options.by == "source":
        levels = doc.categories
        return levels[options.level - 1] if 0 < options.level <= len(levels) else "(unknown)"
    return period_of(doc.date, options.by) or "(no date)"


def period_of(date: str | None, unit: str) -> str | None:
    """'2022-07-30T08:20:42+00:00' -> '2022-07-30' / '2022-W30' / '2022-07'."""
    if not date:
        return None
    try:
        day = dt.date.fromisoformat(date[:10])
    except ValueError:
        return None
    if unit == "day":
        return day.isoformat()
    if unit == "month":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def log_likelihood(a: int, b: int, n_a: int, n_b: int) -> float:
    """Dunning's G² for a word seen in ``a`` of ``n_a`` documents versus ``b`` of ``n_b``."""
    total = a + b
    if total == 0:
        return 0.0
    expected_a = n_a * total / (n_a + n_b)
    expected_b = n_b * total / (n_a + n_b)
    g2 = 0.0
    for observed, expected in ((a, expected_a), (b, expected_b)):
        if observed > 0:
            g2 += observed * math.log(observed / expected)
    return 2.0 * g2


def build_report(docs: Iterable[Doc | Failure], options: ReportOptions = ReportOptions()) -> Report:
    tally = Tally(options)
    for doc in docs:
        tally.add(doc)
    return summarise(tally)


def summarise(tally: Tally) -> Report:
    options = tally.options
    top = {}
    for group in sorted(tally.group_docs):
        n = tally.group_docs[group]
        ranked = sorted(tally.group_df[group].items(), key=lambda kv: (-kv[1], -tally.group_score[group][kv[0]], kv[0]))
        top[group] = [KeywordStat(w, c, round(c / n, 4), round(tally.group_score[group][w], 6)) for w, c in ranked[: options.top_k]]
    periods = sorted(tally.period_docs)
    leaders = [w for w, _ in sorted(tally.df.items(), key=lambda kv: (-kv[1], kv[0]))[:10]]
    series = {w: {p: tally.period_df[p][w] for p in periods} for w in leaders}
    trends = [(a, b, _trends(tally, tally.period_df, a, b)) for a, b in zip(periods, periods[1:])]
    entities = {kind: {group: _leading_entities(tally, kind, group) for group in sorted(tally.group_docs)}
                for kind in ENTITY_KINDS}
    entity_trends = {kind: [(a, b, _trends(tally, {p: tally.period_entities.get((kind, p), Counter()) for p in (a, b)}, a, b))
                            for a, b in zip(periods, periods[1:])] for kind in ENTITY_KINDS}
    return Report(
        options=options, articles=tally.articles, errors=tally.errors, skipped_by_date=tally.skipped_by_date,
        duplicates_skipped=tally.duplicates_skipped,
        languages=dict(sorted(tally.languages.items(), key=lambda kv: (-kv[1], kv[0]))),
        groups=dict(sorted(tally.group_docs.items(), key=lambda kv: (-kv[1], kv[0]))),
        top=top, periods={p: tally.period_docs[p] for p in periods}, series=series, trends=trends,
        pairs=_pairs(tally), entity_articles=tally.entity_articles, entities=entities, entity_trends=entity_trends,
    )


def _leading_entities(tally: Tally, kind: str, group: str) -> list[EntityStat]:
    """A group's entities of one kind by articles, then mentions, then text (as keywords by articles, then score)."""
    n = tally.group_docs[group]
    docs, mentions = tally.group_entities.get((kind, group), Counter()), tally.group_mentions.get((kind, group), Counter())
    ranked = sorted(docs.items(), key=lambda kv: (-kv[1], -mentions[kv[0]], kv[0]))
    return [EntityStat(text, c, round(c / n, 4), mentions[text]) for text, c in ranked[: tally.options.top_k]]


def _trends(tally: Tally, period_df: dict, before: str, after: str) -> list[Trend]:
    """Words (or entities) of ``period_df`` (period -> word -> documents) ranked by G² between two periods."""
    n_b, n_a = tally.period_docs[before], tally.period_docs[after]
    out = []
    for word in set(period_df[before]) | set(period_df[after]):
        b, a = period_df[before][word], period_df[after][word]
        if a + b < tally.options.min_count:
            continue
        llr = log_likelihood(a, b, n_a, n_b)
        direction = "rising" if a / n_a > b / n_b else "falling"
        out.append(Trend(word, b, a, round(llr, 4), direction))
    out.sort(key=lambda t: (-t.llr, t.word))
    return out[: tally.options.top_k]


def _pairs(tally: Tally) -> list[tuple[str, str, int]]:
    leaders = {w for w, _ in sorted(tally.df.items(), key=lambda kv: (-kv[1], kv[0]))[: tally.options.pairs_of_top]}
    counts: Counter = Counter()
    for words, n in tally.keyword_sets.items():
        present = sorted(w for w in words if w in leaders)
        for a, b in combinations(present, 2):
            counts[(a, b)] += n
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(a, b, n) for (a, b), n in ranked[: tally.options.top_k] if n >= 2]


def is_annotation_file(path) -> bool:
    """True for a JSON Lines file of annotations (its first record has ``schema_version``)."""
    import json
    from pathlib import Path

    path = Path(path)
    if not path.is_file():
        return False
    with path.open("rb") as handle:
        first = handle.readline(1 << 20)
    try:
        record = json.loads(first.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(record, dict) and "schema_version" in record


def read_annotations(lines: Iterable[str | bytes], source: str) -> Iterable[Doc | Failure]:
    """The documents of an annotation JSON Lines stream (through ``Doc.from_dict``); a line that is
    not an annotation record, or an error record, is a Failure."""
    import json

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict):
            yield Failure("", f"{source}:{number}", "InputError", "not an annotation record")
        else:
            yield from_record(record)
