"""Writing annotations so that an interrupted run can be finished.

Records are written as whole lines, many at a time, with one ``write`` call per batch; a run
stopped by Ctrl-C or SIGTERM writes what it has finished and stops at a line boundary.  A run
killed outright may leave half a line: :func:`resume_point` cuts it off and says which inputs are
already done, so ``annotate --resume`` finishes the job without duplicating or losing an article.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import IO, Any, Iterable

from nlp.doc import Doc, Failure, to_json_line
from nlp.errors import InputError
from nlp.io.textio import open_output_file


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


def resume_point(path: Path) -> set[str]:
    """Sources already annotated in ``path``; a trailing partial or corrupt line is cut off first."""
    if not path.exists():
        return set()
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
    if good_bytes < path.stat().st_size:
        with path.open("r+b") as handle:
            handle.truncate(good_bytes)
    return done


def skip_done(records: Iterable[Any], done: set[str]) -> Iterable[Any]:
    """Records whose source is not in ``done`` (articles and failures alike)."""
    return (r for r in records if r.source not in done)


def open_output(path: Path, *, append: bool) -> IO[bytes]:
    return open_output_file(path, "ab" if append else "wb")


class PartWriter:
    """Writes records to ``DIR/part-00000.jsonl``, ``part-00001.jsonl``, ... of ``per_part`` records each
    (the layout Dask and Spark users expect); concatenated in name order they equal the single-file output."""

    def __init__(self, directory: Path, *, per_part: int = 10000) -> None:
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(str(directory), f"cannot create output directory: {error.strerror or error}") from None
        for old in self.directory.glob("part-*.jsonl"):
            old.unlink()
        self.per_part = per_part
        self.count = 0
        self._stream: IO[bytes] | None = None
        self._writer: JsonlWriter | None = None

    def write(self, record: dict[str, Any]) -> None:
        if self.count % self.per_part == 0:
            self._close_part()
            self._stream = open_output(self.directory / f"part-{self.count // self.per_part:05d}.jsonl", append=False)
            self._writer = JsonlWriter(self._stream)
        assert self._writer is not None
        self._writer.write(record)
        self.count += 1

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        self._close_part()

    def _close_part(self) -> None:
        if self._writer is not None and self._stream is not None:
            self._writer.flush()
            self._stream.close()
        self._stream = self._writer = None
