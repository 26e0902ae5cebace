"""`nlp idf`: an IDF table from the user's own corpus, over the same segmentation as annotation."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from nlp.pipeline import Pipeline
from nlp.doc import Failure
from nlp.errors import ConfigError, NlpError
from nlp.keywords.scoring import IdfTable, document_terms
from nlp.io.readers import read_articles
from nlp.settings import Settings


def build_idf(corpus: Iterable[str | Path], *, settings: Settings = Settings(), min_df: int = 2,
              merge: bool = True) -> tuple[IdfTable, int, int]:
    """(table, documents used, inputs that failed).  Streams the corpus: one document at a time."""
    corpus = list(corpus)
    pipeline = Pipeline(settings)
    counts = {"docs": 0, "failed": 0}
    first_failure: list[str] = []

    def documents() -> Iterator[set[str]]:
        for record in read_articles(corpus):
            if isinstance(record, Failure):
                counts["failed"] += 1
                first_failure[:] = first_failure or [f"{record.source}: {record.message}"]
                continue
            try:
                doc = pipeline.prepare(record).tokens
            except NlpError as error:
                counts["failed"] += 1
                first_failure[:] = first_failure or [str(error)]
                continue
            counts["docs"] += 1
            yield document_terms(doc, pipeline.stopwords, pipeline.codes)

    table = IdfTable.build(documents(), min_df=min_df, base=IdfTable.jieba_default() if merge else None)
    if not counts["docs"]:  # jieba's table copied under a new name: a wrong path, not a result
        why = f"; the first: {first_failure[0]}" if first_failure else ""
        failed = f"{counts['failed']} input{'' if counts['failed'] == 1 else 's'} failed"
        raise ConfigError(f"no readable documents in {', '.join(map(str, corpus))} ({failed}{why})")
    return table, counts["docs"], counts["failed"]
