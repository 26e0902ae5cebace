"""`nlp dedup` and the `--dedup` options of annotate, report and train: near-duplicate detection
wired to the toolkit's readers and segmenter (token shingles of the same tokens annotation uses)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .annotate import Annotator
from .article import Failure
from .dedup import CONTAINMENT, WIDTH, DuplicateIndex, MinHasher, find_groups
from .readers import read_articles
from .runner import run_batches
from .settings import Settings


@dataclass(frozen=True)
class DedupResult:
    groups: list[dict[str, Any]]
    documents: int
    failed: int


def dedup_paths(inputs: Iterable[str | Path], *, settings: Settings = Settings(), threshold: float = 0.5,
                jobs: int = 1, containment: float | None = CONTAINMENT) -> DedupResult:
    """Groups of near-identical articles among ``inputs`` (or one contained in another: a teaser and
    its story).  Articles are read, cleaned, segmented and signed in ``jobs`` worker processes; what
    is kept per article is its 388-byte signature (in one growing array) and its id, source and title."""
    ids: list[str] = []
    sources: list[str] = []
    titles: list[str] = []
    signatures = _Rows(WIDTH)
    failed = 0
    for item in run_batches(read_articles(inputs), settings, None, "signature_batch", jobs=jobs):
        if isinstance(item, Failure):
            failed += 1
            continue
        ids.append(item.id)
        sources.append(item.source)
        titles.append(item.title)
        signatures.append(item.signature)
    groups = []
    for number, group in enumerate(find_groups(signatures.array(), threshold=threshold, containment=containment),
                                   start=1):
        members = [{"id": ids[i], "source": sources[i], "title": titles[i], "similarity": s, "containment": c}
                   for i, s, c in zip(group.members, group.similarities, group.containments)]
        groups.append({"group": number, "size": len(members), "members": members})
    return DedupResult(groups, len(ids), failed)


class _Rows:
    """A uint32 matrix grown by appending rows, doubling its capacity (no list of small arrays)."""

    def __init__(self, width: int) -> None:
        self._data = np.zeros((1024, width), dtype=np.uint32)
        self._n = 0

    def append(self, row: np.ndarray) -> None:
        if self._n == len(self._data):
            self._data = np.concatenate([self._data, np.zeros_like(self._data)])
        self._data[self._n] = row
        self._n += 1

    def array(self) -> np.ndarray:
        return self._data[: self._n]


class Deduper:
    """Online ``duplicate_of`` for a stream of annotation records, in input order."""

    def __init__(self, *, threshold: float = 0.5, settings: Settings = Settings(),
                 containment: float | None = CONTAINMENT) -> None:
        self.index = DuplicateIndex(threshold=threshold, containment=containment)
        self.hasher = MinHasher()
        self.settings = settings

    @cached_property
    def annotator(self) -> Annotator:
        return Annotator(self.settings)

    def duplicate_of(self, record: dict[str, Any]) -> str | None:
        """The id of the earliest earlier record this one nearly duplicates.  Uses (and removes) the
        ``_signature`` the annotator attached; a record without one (an annotation file) is analysed
        from its title and text by the annotator's own stages."""
        signature = record.pop("_signature", None)
        if signature is None:
            doc, _, _ = self.annotator.analyse(record.get("title") or "", record.get("text") or "")
            signature = self.hasher.signature(doc.words)
        return self.index.add(record["id"], np.asarray(signature, dtype=np.uint32))


def mark_duplicates(records: Iterable[dict[str, Any]], *, threshold: float = 0.5,
                    settings: Settings = Settings(), containment: float | None = CONTAINMENT) -> Iterator[dict[str, Any]]:
    """Add ``duplicate_of`` (before ``extra``) to annotation records; error records pass through."""
    deduper = Deduper(threshold=threshold, settings=settings, containment=containment)
    for record in records:
        if "error" in record:
            yield record
            continue
        duplicate = deduper.duplicate_of(record)
        extra = record.pop("extra", {})
        record["duplicate_of"] = duplicate
        record["extra"] = extra
        yield record


def drop_near_duplicates(docs: Sequence[str], labels: Sequence[str], *, threshold: float = 0.5,
                         containment: float | None = CONTAINMENT) -> tuple[list[str], list[str], int]:
    """Training data without near-duplicates (the first of each group stays)."""
    hasher = MinHasher()
    matrix = np.array([hasher.signature(d.split()) for d in docs], dtype=np.uint32).reshape(len(docs), WIDTH)
    drop = {m for g in find_groups(matrix, threshold=threshold, containment=containment) for m in g.members[1:]}
    keep = [i for i in range(len(docs)) if i not in drop]
    return [docs[i] for i in keep], [labels[i] for i in keep], len(drop)
