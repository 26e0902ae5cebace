"""Bytes -> text (BOMs, UTF-8, GBK/GB18030, line endings, binary detection), and text -> output files."""

from __future__ import annotations

import codecs
import os
import shutil
from pathlib import Path
from typing import IO

from nlp.errors import InputError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Control characters other than tab, newline, carriage return, form feed and escape.
_CONTROL = bytes(sorted(frozenset(range(0, 32)) - {9, 10, 12, 13, 27}))


def looks_binary(data: bytes) -> bool:
    """True for data that is not text: NUL bytes or many control characters in the first 8 KiB."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL))
    return bool(head) and controls / len(head) > 0.05


def decode_bytes(data: bytes, source: str) -> str:
    """Decode a file's bytes to text with ``\\n`` line endings.

    UTF-8 (with or without BOM) first, then UTF-16 by BOM, then GB18030 (a superset of GBK).
    Raises :class:`InputError` for binary data or bytes that no supported encoding accepts,
    naming the offset of the first bad byte so nothing is silently dropped.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _normalise_newlines(_strict(data[len(bom):], encoding, source))
    if looks_binary(data):
        raise InputError(source, "binary file (not text)")
    try:
        return _normalise_newlines(data.decode("utf-8"))
    except UnicodeDecodeError as utf8_error:
        try:
            return _normalise_newlines(data.decode("gb18030"))
        except UnicodeDecodeError:
            raise InputError(
                source,
                f"cannot decode as UTF-8 or GB18030 (first bad byte at offset {utf8_error.start})",
            ) from None


def _strict(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise InputError(source, f"invalid {encoding} at byte offset {error.start}") from None


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def open_output_file(path: Path, mode: str = "wb") -> IO:
    """``path`` opened for writing (``mode``: "wb", "ab" or "w"), its missing parent directories
    created; any OS error becomes an InputError naming the path."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open(mode, encoding="utf-8") if "b" not in mode else path.open(mode)
    except OSError as error:
        raise InputError(str(path), f"cannot write output: {error.strerror or error}") from None


def write_text_file(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` (see :func:`open_output_file`)."""
    with open_output_file(path, "w") as handle:
        try:
            handle.write(text)
        except OSError as error:
            raise InputError(str(path), f"cannot write output: {error.strerror or error}") from None


def replace_directory(staging: Path, target: Path) -> None:
    """Put the finished directory ``staging`` in place of ``target`` (the old one is removed only after)."""
    backup = None
    if target.exists():
        backup = target.with_name(f".{target.name}.old")
        shutil.rmtree(backup, ignore_errors=True)
        os.replace(target, backup)
    os.replace(staging, target)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
