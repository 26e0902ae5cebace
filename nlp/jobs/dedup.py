"""`nlp dedup` and the `--dedup` options of annotate, report and train: near-duplicate detection
wired to the toolkit's readers and segmenter (token shingles of the same tokens annotation uses)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from nlp.dedup import CONTAINMENT, THRESHOLD
from nlp.dedup.minhash import WIDTH, DuplicateIndex, MinHasher, find_groups
from nlp.doc import Doc, Failure
from nlp.pipeline import Pipeline
from nlp.io.readers import read_articles
from nlp.jobs.runner import run_batches
from nlp.settings import Settings


@dataclass(frozen=True)
class DedupResult:
    groups: list[dict[str, Any]]
    documents: int
    failed: int


def dedup_paths(inputs: Iterable[str | Path], *, settings: Settings = Settings(), threshold: float = THRESHOLD,
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
    """Online ``duplicate_of`` for a stream of documents, in input order."""

    def __init__(self, *, threshold: float = THRESHOLD, settings: Settings = Settings(),
                 containment: float | None = CONTAINMENT) -> None:
        self.index = DuplicateIndex(threshold=threshold, containment=containment)
        self.settings = settings

    @cached_property
    def pipeline(self) -> Pipeline:
        return Pipeline(self.settings)

    def duplicate_of(self, doc: Doc) -> str | None:
        """The id of the earliest earlier document this one nearly duplicates.  Uses the signature
        the pipeline attached; a document read back from an annotation file is signed by the
        pipeline's own stages from its title and text."""
        if doc.signature is None:
            self.pipeline.add_signatures([doc])
        return self.index.add(doc.id, np.asarray(doc.signature, dtype=np.uint32))


def mark_duplicates(items: Iterable[Doc | Failure], *, threshold: float = THRESHOLD,
                    settings: Settings = Settings(), containment: float | None = CONTAINMENT) -> Iterator[Doc | Failure]:
    """Set ``duplicate_of`` on documents (written before ``extra``); failures pass through."""
    deduper = Deduper(threshold=threshold, settings=settings, containment=containment)
    for item in items:
        if isinstance(item, Doc):
            item.duplicate_of = deduper.duplicate_of(item)
            item.marked_duplicates = True
            item.signature = None
        yield item


def drop_near_duplicates(docs: Sequence[str], labels: Sequence[str], *, threshold: float = THRESHOLD,
                         containment: float | None = CONTAINMENT) -> tuple[list[str], list[str], int]:
    """Training data without near-duplicates (the first of each group stays)."""
    hasher = MinHasher()
    matrix = np.array([hasher.signature(d.split()) for d in docs], dtype=np.uint32).reshape(len(docs), WIDTH)
    drop = {m for g in find_groups(matrix, threshold=threshold, containment=containment) for m in g.members[1:]}
    keep = [i for i in range(len(docs)) if i not in drop]
    return [docs[i] for i in keep], [labels[i] for i in keep], len(drop)
