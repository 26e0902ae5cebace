"""Writing annotations so that an interrupted run can be finished and a failed one loses nothing.

Records are written as whole lines, many at a time, with one ``write`` call per batch, to
``OUT.partial`` beside the output ``OUT``; the partial file is renamed over ``OUT`` when the run
finishes or is stopped cleanly (Ctrl-C, SIGTERM: at a line boundary), and removed when the run fails,
so an existing ``OUT`` is never truncated by a run that could not start.  A run killed outright
leaves ``OUT.partial``, perhaps with half a line: :func:`resume_point` finds the whole lines and
which inputs are done, so a resumed run (:class:`FileOutput` with ``resume``) finishes the job
without duplicating or losing an article.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path
from typing import IO, Any, Iterable

from nlp.doc import Doc, Failure, to_json_line
from nlp.errors import InputError
from nlp.io.textio import PARTIAL_SUFFIX, commit, open_output_file, partial_path


class JsonlWriter:
    """Buffers whole JSON lines and writes them with one system call per ``batch`` records."""

    def __init__(self, stream: IO[bytes], *, batch: int = 64) -> None:
        self.stream = stream
        self.batch = batch
        self._pending: list[str] = []

    def write(self, item: Doc | Failure) -> None:
        """Write one document's (or failure's) record."""
        self._pending.append(to_json_line(item.to_dict()))
        if len(self._pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            data = "".join(self._pending).encode("utf-8")
            self._pending = []
            try:
                fd = self.stream.fileno()
            except (AttributeError, OSError, io.UnsupportedOperation):
                fd = None
            if fd is not None:
                self.stream.flush()
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            else:
                self.stream.write(data)
                self.stream.flush()


def resume_point(path: Path) -> tuple[set[str], int]:
    """(sources already annotated in ``path``, length in bytes of its whole valid lines); a trailing
    partial or corrupt line is not counted.  The file is not changed."""
    if not path.exists():
        return set(), 0
    done: set[str] = set()
    good_bytes = 0
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                break
            try:
                record = json.loads(raw)
                done.add(record["source"])
            except (ValueError, KeyError, TypeError):
                break
            good_bytes += len(raw)
    return done, good_bytes


class FileOutput:
    """The output file of a run, written as ``path.partial`` and renamed into place by :meth:`commit`.

    With ``resume`` the run continues the previous one: from ``path.partial`` when a killed run left
    it, else from ``path``; its whole lines are kept (copied into the partial file, so ``path``
    itself is untouched until the commit) and ``done`` holds their sources."""

    def __init__(self, path: Path, *, resume: bool = False) -> None:
        self.path = Path(path)
        self.partial = partial_path(self.path)
        self.resume = resume
        self.done: set[str] = set()
        if not resume:
            self.stream: IO[bytes] = open_output_file(self.partial, "wb")
            return
        source = self.partial if self.partial.exists() else self.path
        self.done, good_bytes = resume_point(source)
        if source == self.partial:
            self.stream = open_output_file(self.partial, "r+b")
            self.stream.truncate(good_bytes)
            self.stream.seek(good_bytes)
            return
        self.stream = open_output_file(self.partial, "wb")
        if good_bytes:
            with source.open("rb") as previous:
                _copy_bytes(previous, self.stream, good_bytes)

    def commit(self) -> None:
        """Close and rename over ``path``."""
        self.stream.close()
        commit(self.partial, self.path)

    def abandon(self) -> None:
        """Close after a failure: a fresh partial file goes, a resumed one (it holds earlier work) stays."""
        self.stream.close()
        if not self.resume:
            self.partial.unlink(missing_ok=True)


def _copy_bytes(source: IO[bytes], target: IO[bytes], count: int) -> None:
    while count > 0:
        block = source.read(min(count, 1 << 20))
        if not block:
            break
        target.write(block)
        count -= len(block)


def skip_done(records: Iterable[Any], done: set[str]) -> Iterable[Any]:
    """Records whose source is not in ``done`` (articles and failures alike)."""
    return (r for r in records if r.source not in done)


def open_output(path: Path, *, append: bool) -> IO[bytes]:
    return open_output_file(path, "ab" if append else "wb")


class PartWriter:
    """Writes records to ``DIR/part-00000.jsonl``, ``part-00001.jsonl``, ... of ``per_part`` records each
    (the layout Dask and Spark users expect); concatenated in name order they equal the single-file output.

    The parts are written into ``DIR/.partial/`` and moved into ``DIR`` (replacing the old parts) by
    :meth:`commit`; :meth:`abandon` removes them, leaving the old parts as they were."""

    def __init__(self, directory: Path, *, per_part: int = 10000) -> None:
        self.directory = Path(directory)
        self.staging = self.directory / PARTIAL_SUFFIX
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging.mkdir()
        except OSError as error:
            raise InputError(str(directory), f"cannot create output directory: {error.strerror or error}") from None
        self.per_part = per_part
        self.count = 0
        self._stream: IO[bytes] | None = None
        self._writer: JsonlWriter | None = None

    def write(self, record: dict[str, Any]) -> None:
        if self.count % self.per_part == 0:
            self._close_part()
            self._stream = open_output(self.staging / f"part-{self.count // self.per_part:05d}.jsonl", append=False)
            self._writer = JsonlWriter(self._stream)
        assert self._writer is not None
        self._writer.write(record)
        self.count += 1

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def commit(self) -> None:
        """Replace the old parts by the new ones."""
        self._close_part()
        for old in self.directory.glob("part-*.jsonl"):
            old.unlink()
        for new in sorted(self.staging.glob("part-*.jsonl")):
            commit(new, self.directory / new.name)
        self.staging.rmdir()

    def abandon(self) -> None:
        self._close_part()
        shutil.rmtree(self.staging, ignore_errors=True)

    def _close_part(self) -> None:
        if self._writer is not None and self._stream is not None:
            self._writer.flush()
            self._stream.close()
        self._stream = self._writer = None
