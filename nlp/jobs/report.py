"""`nlp report`: every input counted into one Tally: annotation files (in byte ranges on a Dask
cluster when one is given), annotations on stdin, and posts or folders annotated on the way."""

from __future__ import annotations

import sys
from typing import IO, Any, Callable, Iterable, Sequence

from nlp.doc import Doc, Failure
from nlp.errors import ConfigError
from nlp.jobs.cluster import client_for, report_on_cluster
from nlp.report.tally import ReportOptions, Tally, is_annotation_file, read_annotations


def tally_inputs(inputs: Sequence[str], options: ReportOptions, *,
                 annotate: Callable[[list[str]], Iterable[Doc | Failure]], deduper: Any = None,
                 scheduler: str | None = None, stdin: IO[str] | None = None) -> Tally:
    """Count every input of ``nlp report``: annotation files (in byte ranges on the Dask ``scheduler``
    when given), ``-`` (annotations on stdin), and posts or directories, which ``annotate`` turns into
    records (all of them at once, after the annotation files)."""
    tally = Tally(options, deduper=deduper)
    articles = [i for i in inputs if i != "-" and not is_annotation_file(i)]
    files = [i for i in inputs if i != "-" and i not in articles]
    on_cluster = bool(scheduler and files)
    if on_cluster:
        if deduper is not None:
            raise ConfigError("near-duplicate marking reads the records in order; it cannot run on a cluster")
        with client_for(scheduler) as client:
            tally.merge(report_on_cluster(client, files, options))
    for item in inputs:
        if item == "-":
            for record in read_annotations(stdin or sys.stdin, "<stdin>"):
                tally.add(record)
        elif item in files and not on_cluster:
            with open(item, "rb") as handle:
                for record in read_annotations(handle, item):
                    tally.add(record)
    if articles:
        for record in annotate(articles):
            tally.add(record)
    return tally
