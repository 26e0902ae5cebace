"""`nlp dedup` and the `--dedup` options of annotate, report and train: near-duplicate detection
wired to the toolkit's readers and segmenter (token shingles of the same tokens annotation uses)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .annotate import Annotator
from .article import Failure
from .dedup import DuplicateIndex, MinHasher, find_groups
from .errors import NlpError
from .readers import read_articles
from .segment import Segmenter
from .settings import Settings


def tokens_of(doc) -> list[str]:
    return [t.word for part in (doc.title, doc.body) for t in part]


@dataclass(frozen=True)
class DedupResult:
    groups: list[dict[str, Any]]
    documents: int
    failed: int


def dedup_paths(inputs: Iterable[str | Path], *, settings: Settings = Settings(), threshold: float = 0.5) -> DedupResult:
    """Groups of near-identical articles among ``inputs``; memory is one signature per article."""
    annotator = Annotator(settings)
    hasher = MinHasher()
    meta: list[tuple[str, str, str]] = []
    signatures: list[np.ndarray] = []
    failed = 0
    for record in read_articles(inputs):
        if isinstance(record, Failure):
            failed += 1
            continue
        try:
            doc = annotator.prepare(record).doc
        except NlpError:
            failed += 1
            continue
        meta.append((record.id, record.source, record.title))
        signatures.append(hasher.signature(tokens_of(doc)))
    matrix = np.array(signatures, dtype=np.uint32).reshape(len(signatures), hasher.num_perm)
    groups = []
    for number, group in enumerate(find_groups(matrix, threshold=threshold), start=1):
        members = [{"id": meta[i][0], "source": meta[i][1], "title": meta[i][2], "similarity": s}
                   for i, s in zip(group.members, group.similarities)]
        groups.append({"group": number, "size": len(members), "members": members})
    return DedupResult(groups, len(meta), failed)


class Deduper:
    """Online ``duplicate_of`` for a stream of annotation records, in input order."""

    def __init__(self, *, threshold: float = 0.5, engine: str = "rjieba") -> None:
        self.index = DuplicateIndex(threshold=threshold)
        self.hasher = MinHasher()
        self._engine = engine
        self._segmenter: Segmenter | None = None

    def duplicate_of(self, record: dict[str, Any], tokens: Sequence[str] | None = None) -> str | None:
        """The id of the earliest earlier record this one nearly duplicates; tokens default to a
        segmentation of the record's title and text."""
        if tokens is None:
            if self._segmenter is None:
                self._segmenter = Segmenter(engine=self._engine)
            tokens = self._segmenter.cut(record.get("title", "")) + self._segmenter.cut(record.get("text", ""))
        return self.index.add(record["id"], self.hasher.signature(tokens))


def mark_duplicates(records: Iterable[dict[str, Any]], *, threshold: float = 0.5) -> Iterator[dict[str, Any]]:
    """Add ``duplicate_of`` (before ``extra``) to annotation records; error records pass through."""
    deduper = Deduper(threshold=threshold)
    for record in records:
        if "error" in record:
            yield record
            continue
        tokens = record.pop("_tokens", None)
        extra = record.pop("extra", {})
        record["duplicate_of"] = deduper.duplicate_of(record, tokens)
        record["extra"] = extra
        yield record


def drop_near_duplicates(docs: Sequence[str], labels: Sequence[str], *, threshold: float = 0.5) -> tuple[list[str], list[str], int]:
    """Training data without near-duplicates (the first of each group stays)."""
    hasher = MinHasher()
    matrix = np.array([hasher.signature(d.split()) for d in docs], dtype=np.uint32).reshape(len(docs), hasher.num_perm)
    drop = {m for g in find_groups(matrix, threshold=threshold) for m in g.members[1:]}
    keep = [i for i in range(len(docs)) if i not in drop]
    return [docs[i] for i in keep], [labels[i] for i in keep], len(drop)
