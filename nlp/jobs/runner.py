"""Run the pipeline over a stream of records, in one process or a pool of workers.

Workers are initialised once (dictionary, rules, IDF, model) and receive chunks of records;
results come back in input order, so the output bytes do not depend on ``jobs``.
"""

from __future__ import annotations

import gc
import itertools
from contextlib import contextmanager
from collections import deque
import multiprocessing
import signal
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from nlp.classify import modelio
from nlp.doc import Article, Doc, Failure
from nlp.pipeline import Pipeline
from nlp.settings import Settings

DEFAULT_CHUNK = 64
BATCH_METHODS = frozenset({"annotate_batch", "signature_batch"})  # what workers may be asked to run
GC_THRESHOLD = 10_000  # allocations between collections of the youngest generation (Python's default: 700)
# The pipeline of a pool worker process (set by the pool initializer, used by _work).
_worker_pipeline: Pipeline | None = None


def make_pipeline(settings: Settings, model_dir: Path | None) -> Pipeline:
    return Pipeline(settings, modelio.load(model_dir, fast=True) if model_dir else None)


def annotate_records(
    records: Iterable[Article | Failure],
    settings: Settings,
    model_dir: Path | None,
    *,
    jobs: int = 1,
    chunk_size: int = DEFAULT_CHUNK,
) -> Iterator[Doc | Failure]:
    """Yield one annotated document (or failure) per input record, in input order."""
    return run_batches(records, settings, model_dir, "annotate_batch", jobs=jobs, chunk_size=chunk_size)


def run_batches(
    records: Iterable[Article | Failure],
    settings: Settings,
    model_dir: Path | None,
    method: str,
    *,
    jobs: int = 1,
    chunk_size: int = DEFAULT_CHUNK,
) -> Iterator[Any]:
    """Yield ``Pipeline.<method>(chunk)``'s results for chunks of ``records``, flattened, in input
    order, in this process or in ``jobs`` worker processes."""
    if method not in BATCH_METHODS:
        raise ValueError(f"unknown batch method {method!r}")
    chunks = chunked(records, chunk_size)
    if jobs <= 1:
        pipeline = make_pipeline(settings, model_dir)
        for chunk in chunks:
            with fewer_collections():
                batch = getattr(pipeline, method)(chunk)
            yield from batch
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with context.Pool(jobs, initializer=_init_worker, initargs=(settings, model_dir)) as pool:
        submitted = (pool.apply_async(_work, (chunk, method)) for chunk in chunks)
        for batch in in_input_order(submitted, ahead=2 * jobs, result=_collect):
            yield from batch


def in_input_order(handles: Iterable[Any], *, ahead: int, result: Callable[[Any], Any]) -> Iterator[Any]:
    """Results of submitted tasks in submission order.  ``handles`` is consumed lazily (iterating it
    submits the next task), never more than ``ahead`` beyond the result being yielded, so memory
    stays flat however large the input (``Pool.imap`` would queue the whole input)."""
    pending: deque = deque()
    for handle in handles:
        pending.append(handle)
        if len(pending) > ahead:
            yield result(pending.popleft())
    while pending:
        yield result(pending.popleft())


@contextmanager
def fewer_collections(first_generation: int = GC_THRESHOLD):
    """Run the cyclic garbage collector less often inside the block.  Annotation allocates many
    short-lived acyclic objects (tokens, spans), and collections triggered every 700 allocations
    cost about 9% of the time, most of it traversing long-lived objects; the previous thresholds
    are restored on exit (the caller's process is not changed)."""
    previous = gc.get_threshold()
    gc.set_threshold(max(first_generation, previous[0]), *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _collect(handle: Any) -> list[Any]:
    """A worker's results (unpickling them allocates as much as making them)."""
    with fewer_collections():
        return handle.get()


def _init_worker(settings: Settings, model_dir: Path | None) -> None:
    """Build the worker's pipeline; restore default signal handling first: the parent turns SIGTERM
    into KeyboardInterrupt, which in a worker would stop it half-way through a queue operation
    (deadlocking Pool.terminate), and Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])  # see fewer_collections; the process is ours
    global _worker_pipeline
    _worker_pipeline = make_pipeline(settings, model_dir)


def _work(chunk: Sequence[Article | Failure], method: str) -> list[Any]:
    assert _worker_pipeline is not None, "worker used before initialisation"
    return getattr(_worker_pipeline, method)(chunk)
