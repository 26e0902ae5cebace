"""A whole annotation run: inputs -> annotations written to a file, part files or stdout.

Everything `nlp annotate` does beyond parsing its options lives here: resuming, writing whole
lines, near-duplicate marking, local workers or a Dask cluster, and the summary.
"""

from __future__ import annotations

import signal
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from nlp.doc import Doc, Failure
from nlp.errors import ConfigError
from nlp.jobs.cluster import annotate_on_cluster, client_for
from nlp.jobs.dedup import mark_duplicates
from nlp.io.output import JsonlWriter, PartWriter, open_output, resume_point, skip_done
from nlp.io.readers import DEFAULT_MAX_BYTES, read_articles
from nlp.jobs.runner import annotate_records
from nlp.settings import Settings
from nlp.report.summary import Summary


@dataclass(frozen=True)
class AnnotateJob:
    inputs: tuple[str, ...]
    settings: Settings = Settings()
    model_dir: Path | None = None
    output: Path | None = None  # None: stdout
    parts: bool = False  # write part files into the directory ``output``
    jobs: int = 1
    resume: bool = False
    dedup: bool = False
    scheduler: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass
class RunResult:
    summary: Summary = field(default_factory=Summary)
    resumed: int = 0
    interrupted: bool = False


def wants_parts(output: str | None) -> bool:
    """``-o DIR/`` (a trailing slash) or an existing directory asks for part files."""
    return output is not None and (output.endswith("/") or Path(output).is_dir())


def run(job: AnnotateJob, *, progress: Callable[[Summary], None] = lambda s: None) -> RunResult:
    """Annotate ``job.inputs`` into ``job.output``.  Ctrl-C or SIGTERM stops at a line boundary
    (``interrupted`` is set); finish with the same job and ``resume=True``."""
    if job.resume and (job.output is None or job.parts):
        raise ConfigError("--resume needs -o OUT.jsonl (the file to finish)")
    result = RunResult()
    done = resume_point(job.output) if job.resume else set()
    result.resumed = len(done)
    records = skip_done(read_articles(job.inputs, naive_offset=job.settings.naive_utc_offset, max_bytes=job.max_bytes), done)
    with _writer(job) as writer:
        try:
            with _sigterm_as_interrupt(), client_for(job.scheduler) as client:
                for item in _annotated(job, records, client):
                    writer.write(item)
                    result.summary.add(item)
                    progress(result.summary)
        except KeyboardInterrupt:
            result.interrupted = True
    return result


def _annotated(job: AnnotateJob, records, client) -> Iterator[Doc | Failure]:
    settings = job.settings.with_(signatures=True) if job.dedup else job.settings  # signed where the tokens are
    if client is None:
        out = annotate_records(records, settings, job.model_dir, jobs=job.jobs)
    else:
        out = annotate_on_cluster(client, records, settings, job.model_dir)
    if job.dedup:
        out = mark_duplicates(out, settings=job.settings)
    return out


@contextmanager
def _writer(job: AnnotateJob):
    if job.parts:
        writer = PartWriter(job.output)
        try:
            yield writer
        finally:
            writer.close()
        return
    stream = open_output(job.output, append=job.resume) if job.output else sys.stdout.buffer
    writer = JsonlWriter(stream)
    try:
        yield writer
    finally:
        writer.flush()
        if job.output:
            stream.close()


@contextmanager
def _sigterm_as_interrupt():
    """Inside the block SIGTERM stops the run like Ctrl-C (only possible from the main thread)."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
