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
        signatures.append(hasher.signature(doc.words))
    matrix = np.array(signatures, dtype=np.uint32).reshape(len(signatures), hasher.num_perm)
    groups = []
    for number, group in enumerate(find_groups(matrix, threshold=threshold), start=1):
        members = [{"id": meta[i][0], "source": meta[i][1], "title": meta[i][2], "similarity": s}
                   for i, s in zip(group.members, group.similarities)]
        groups.append({"group": number, "size": len(members), "members": members})
    return DedupResult(groups, len(meta), failed)


class Deduper:
    """Online ``duplicate_of`` for a stream of annotation records, in input order."""

    def __init__(self, *, threshold: float = 0.5, settings: Settings = Settings()) -> None:
        self.index = DuplicateIndex(threshold=threshold)
        self.hasher = MinHasher()
        self.settings = settings
        self._segmenter: Segmenter | None = None

    def duplicate_of(self, record: dict[str, Any]) -> str | None:
        """The id of the earliest earlier record this one nearly duplicates.  Uses (and removes) the
        ``_signature`` the annotator attached; a record without one (an annotation file) is segmented
        from its title and text the way annotation segments."""
        signature = record.pop("_signature", None)
        if signature is None:
            if self._segmenter is None:
                self._segmenter = Segmenter(engine=self.settings.engine, user_dicts=self.settings.user_dicts)
            words = [t.word for field in ("title", "text") for t in self._segmenter.tag(record.get(field) or "")]
            signature = self.hasher.signature(words)
        return self.index.add(record["id"], np.asarray(signature, dtype=np.uint32))


def mark_duplicates(records: Iterable[dict[str, Any]], *, threshold: float = 0.5,
                    settings: Settings = Settings()) -> Iterator[dict[str, Any]]:
    """Add ``duplicate_of`` (before ``extra``) to annotation records; error records pass through."""
    deduper = Deduper(threshold=threshold, settings=settings)
    for record in records:
        if "error" in record:
            yield record
            continue
        duplicate = deduper.duplicate_of(record)
        extra = record.pop("extra", {})
        record["duplicate_of"] = duplicate
        record["extra"] = extra
        yield record


def drop_near_duplicates(docs: Sequence[str], labels: Sequence[str], *, threshold: float = 0.5) -> tuple[list[str], list[str], int]:
    """Training data without near-duplicates (the first of each group stays)."""
    hasher = MinHasher()
    matrix = np.array([hasher.signature(d.split()) for d in docs], dtype=np.uint32).reshape(len(docs), hasher.num_perm)
    drop = {m for g in find_groups(matrix, threshold=threshold) for m in g.members[1:]}
    keep = [i for i in range(len(docs)) if i not in drop]
    return [docs[i] for i in keep], [labels[i] for i in keep], len(drop)
