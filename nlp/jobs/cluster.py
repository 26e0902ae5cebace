"""Annotation and reports on a Dask cluster (``--scheduler ADDRESS`` or ``--scheduler local:N``).

Dask's distributed scheduler does the distribution: the client reads and chunks the inputs exactly
as a local run does, submits chunks as tasks with a bounded number in flight, and writes results
in input order, so the output is byte-identical to a local run.  Each worker process builds its
pipeline (dictionary, IDF, keyword ranker, model) once, on first use.  When a worker dies the
scheduler runs its tasks again elsewhere; a chunk's result only reaches the output once, in order,
so nothing is lost or duplicated.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from nlp.doc import Article, Doc, Failure
from nlp.errors import ConfigError
from nlp.report.tally import Tally, read_annotations
from nlp.jobs.runner import DEFAULT_CHUNK, chunked, in_input_order, make_pipeline
from nlp.settings import Settings

# Pipelines built in this (worker) process, by settings and model: one per worker, reused by every task.
_pipelines: dict[tuple, Any] = {}
CONNECT_TIMEOUT = 20.0  # seconds to wait for a remote scheduler before giving up


@contextmanager
def client_for(scheduler: str | None):
    """A Dask client for ``scheduler`` (ADDRESS or local:N), or None for a local run."""
    if not scheduler:
        yield None
        return
    with connect(scheduler) as client:
        yield client


@contextmanager
def connect(scheduler: str, *, timeout: float | None = None):
    """A ``distributed.Client`` for ``ADDRESS`` (tcp://host:8786) or ``local:N`` (a local cluster of N processes);
    a remote scheduler is waited for ``timeout`` seconds (default ``CONNECT_TIMEOUT``)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("--scheduler needs Dask: pip install 'dask[distributed]'") from None
    if scheduler.startswith("local:"):
        try:
            workers = int(scheduler.split(":", 1)[1])
        except ValueError:
            raise ConfigError(f"--scheduler local:N needs a number of workers, got {scheduler!r}") from None
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            with Client(cluster) as client:
                yield client
    else:
        try:
            client = Client(scheduler, timeout=f"{timeout or CONNECT_TIMEOUT}s")
        except OSError as error:
            raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
        with client:
            yield client


def annotate_chunk(chunk: list[Article | Failure], settings: Settings, model_dir: Path | None) -> list[Doc | Failure]:
    """The task a worker runs: annotate one chunk with this process's cached pipeline."""
    key = (settings, str(model_dir))
    if key not in _pipelines:
        _pipelines[key] = make_pipeline(settings, model_dir)
    return _pipelines[key].annotate_batch(chunk)


def annotate_on_cluster(
    client,
    records: Iterable[Article | Failure],
    settings: Settings,
    model_dir: Path | None,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    ahead: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Doc | Failure]:
    """Yield one document (or failure) per input, in input order, computed on the cluster."""
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    submitted = (client.submit(annotate_chunk, chunk, settings, model_dir, key=f"annotate-{number}-{run}",
                               retries=2, pure=False)
                 for run in [uuid.uuid4().hex] for number, chunk in enumerate(chunked(records, chunk_size)))
    done = 0
    for batch in in_input_order(submitted, ahead=ahead or 4 * workers, result=lambda future: future.result()):
        done += len(batch)
        if progress:
            progress(done)
        yield from batch


def tally_part(path: str, start: int, end: int, options) -> Any:
    """The task of a cluster report: count the annotation lines that start in [start, end) of one file."""
    tally = Tally(options)
    for record in read_annotations(_lines_between(Path(path), start, end), f"{path}"):
        tally.add(record)
    return tally


def byte_ranges(path: Path, size: int = 32 << 20) -> list[tuple[int, int]]:
    total = path.stat().st_size
    return [(start, min(start + size, total)) for start in range(0, max(total, 1), size)]


def _lines_between(path: Path, start: int, end: int) -> Iterator[bytes]:
    """Lines whose first byte lies in [start, end): every line of the file belongs to exactly one range."""
    with path.open("rb") as handle:
        if start:
            handle.seek(start - 1)
            if handle.read(1) != b"\n":
                handle.readline()  # the line in progress belongs to the previous range
        while handle.tell() < end:
            line = handle.readline()
            if not line:
                break
            yield line


def report_on_cluster(client, files: list[str], options) -> Any:
    """A Tally of annotation files computed as byte-range tasks and merged on the client."""
    futures = [client.submit(tally_part, f, a, b, options, retries=2, pure=False)
               for f in files for a, b in byte_ranges(Path(f))]
    total = Tally(options)
    for future in futures:
        total.merge(future.result())
    return total
