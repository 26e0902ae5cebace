"""Annotation and reports on a Dask cluster (``--scheduler ADDRESS`` or ``--scheduler local:N``).

Dask's distributed scheduler does the distribution: the client reads and chunks the inputs exactly
as a local run does, submits chunks as tasks with a bounded number in flight, and writes results
in input order, so the output is byte-identical to a local run.  Each worker process builds its
pipeline (dictionary, IDF, keyword ranker, model) once, on first use.  When a worker dies the
scheduler runs its tasks again elsewhere; a chunk's result only reaches the output once, in order,
so nothing is lost or duplicated.
"""

from __future__ import annotations

import re
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


_LOCAL = re.compile(r"^local:(\d+)$")
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx|inproc)://)?(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$")


def parse_scheduler(scheduler: str) -> int | str:
    """``local:N`` -> N (at least 1); ``[tcp://]host:port`` (or tls://, ws://, ...) -> the address.
    Raises ConfigError for anything else, before any connection is tried."""
    text = scheduler.strip()
    local = _LOCAL.match(text)
    if local:
        workers = int(local.group(1))
        if workers < 1:
            raise ConfigError(f"a local cluster needs at least 1 worker, got {scheduler!r}", setting="scheduler")
        return workers
    if text.startswith("local"):
        raise ConfigError(f"expected local:N with a number of workers N >= 1, got {scheduler!r}", setting="scheduler")
    address = _ADDRESS.match(text)
    if not address or not 0 < int(address.group(1)) < 65536:
        raise ConfigError(f"not a scheduler address: {scheduler!r} (expected tcp://host:port or local:N)", setting="scheduler")
    return text


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
    target = parse_scheduler(scheduler)
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("a Dask scheduler needs Dask: pip install 'dask[distributed]'", setting="scheduler") from None
    if isinstance(target, int):
        workers = target
        with _workers_ignore_ctrl_c():
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        with cluster:
            with Client(cluster) as client:
                yield client
    else:
        try:
            client = Client(target, timeout=f"{timeout or CONNECT_TIMEOUT}s")
        except (OSError, TimeoutError) as error:
            raise ConfigError(f"cannot reach the Dask scheduler at {target}: {error}", setting="scheduler") from None
        with client:
            yield client


@contextmanager
def _workers_ignore_ctrl_c():
    """Start the local cluster's processes with SIGINT ignored (a started Python keeps an inherited
    SIG_IGN): Ctrl-C in the terminal reaches the whole process group, and the client, not each
    worker, is the one to stop the run (workers that handle it each print a traceback).  The
    caller's handler is back as soon as the cluster has started."""
    import signal

    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to change
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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
