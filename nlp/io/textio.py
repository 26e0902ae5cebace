"""Bytes -> text (BOMs, UTF-8, GBK/GB18030, Big5, Shift-JIS, line endings, binary detection), and
text -> output files written beside their target and renamed into place when complete."""

from __future__ import annotations

import codecs
import errno
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from nlp.errors import InputError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # the largest document (file, or JSON Lines record) read

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
    """Decode a file's bytes to text with ``\\n`` line endings (see :func:`decode_text`)."""
    return decode_text(data, source)[0]


def decode_text(data: bytes, source: str) -> tuple[str, str]:
    """(text with ``\\n`` line endings, the encoding it was read in).

    UTF-8 (with or without BOM) first, then UTF-16 by BOM; other bytes are decoded strictly as
    each of GB18030 (a superset of GBK), Big5 and Shift-JIS (Windows-932), and the decoding whose
    characters are most often the common ones of its script wins (:func:`decoding_quality`: Big5
    bytes read as GB18030 give rare characters, 瓣玻笆礶...).  When none of them reads well,
    charset-normalizer is asked for any other encoding.  Raises :class:`InputError` for binary data
    or bytes that no encoding reads well, naming the offset of the first byte that is not UTF-8.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _normalise_newlines(_strict(data[len(bom):], encoding, source)), encoding
    if looks_binary(data):
        raise InputError(source, "binary file (not text)")
    try:
        return _normalise_newlines(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError as utf8_error:
        first_bad = utf8_error.start
    best: tuple[float, str, str] | None = None
    for encoding in LEGACY_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        quality = decoding_quality(text, encoding)
        if best is None or quality > best[0]:
            best = (quality, encoding, text)
    if best is not None and best[0] >= MIN_DECODING_QUALITY:
        return _normalise_newlines(best[2]), best[1]
    guessed = _detect_other(data)
    if guessed is not None:
        return _normalise_newlines(guessed[0]), guessed[1]
    tried = "UTF-8, " + ", ".join(LEGACY_ENCODINGS)
    reason = (f"cannot decode as {tried} (first bad UTF-8 byte at offset {first_bad})" if best is None else
              f"no encoding reads it well: as {best[1]} only {best[0]:.0%} of the characters are common ones "
              f"(first bad UTF-8 byte at offset {first_bad})")
    raise InputError(source, reason)


# Legacy CJK encodings tried on bytes that are not UTF-8, in order of preference on a tie.
LEGACY_ENCODINGS = ("gb18030", "big5", "cp932")
MIN_DECODING_QUALITY = 0.6  # share of common characters a decoding needs to be believed
# Per encoding: lead bytes of its two-byte codes for the frequent characters of its script
# (GB2312 symbols and level-1 hanzi; Big5 symbols and frequent hanzi; Shift-JIS symbols, kana and
# JIS level-1 kanji).  A wrong decoding lands mostly outside these rows.
_COMMON_LEADS = {
    "gb18030": (range(0xA1, 0xAA), range(0xB0, 0xD8)),
    "big5": (range(0xA1, 0xA4), range(0xA4, 0xC7)),
    "cp932": (range(0x81, 0x85), range(0x88, 0xA0)),
}


def decoding_quality(text: str, encoding: str, *, sample: int = 4000) -> float:
    """Share of the non-space characters among the first ``sample`` of ``text`` that are ASCII or
    among the frequent characters of ``encoding`` (see ``_COMMON_LEADS``); 1.0 for no characters."""
    leads = _COMMON_LEADS[encoding]
    total = common = 0
    for char in text[:sample]:
        if char.isspace():
            continue
        total += 1
        if char.isascii():
            common += 1
            continue
        code = char.encode(encoding)
        if len(code) == 2 and any(code[0] in rows for rows in leads):
            common += 1
    return common / total if total else 1.0


# Asked of charset-normalizer when none of LEGACY_ENCODINGS reads well: other East Asian encodings.
# (Not every code page: single-byte ones such as ptcp154 or cp1252 accept any bytes at all.)
OTHER_ENCODINGS = ("euc_kr", "euc_jp", "iso2022_jp", "big5hkscs")


def _detect_other(data: bytes) -> tuple[str, str] | None:
    """charset-normalizer's reading of ``data`` in one of ``OTHER_ENCODINGS``, when it finds one with
    little mess; else None."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    match = from_bytes(data[:65536], cp_isolation=list(OTHER_ENCODINGS)).best()
    if match is None or match.chaos > 0.1:
        return None
    try:
        return data.decode(match.encoding), match.encoding
    except (UnicodeDecodeError, LookupError):
        return None


def _strict(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise InputError(source, f"invalid {encoding} at byte offset {error.start}") from None


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


PARTIAL_SUFFIX = ".partial"  # an output being written: ``OUT.partial`` beside ``OUT``


def partial_path(path: Path) -> Path:
    """Where the output ``path`` is written until it is complete."""
    path = Path(path)
    return path.with_name(path.name + PARTIAL_SUFFIX)


def output_error(path: Path, error: OSError) -> InputError:
    """An OS error writing ``path`` as an InputError that says what is wrong in words."""
    path = Path(path)
    if error.errno in (errno.EEXIST, errno.ENOTDIR):
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            return InputError(str(path), f"cannot write output: {blocker} is a file, not a directory")
    if error.errno == errno.EISDIR or path.is_dir():
        return InputError(str(path), "cannot write output: it is a directory (give a file name)")
    return InputError(str(path), f"cannot write output: {error.strerror or error}")


def open_output_file(path: Path, mode: str = "wb") -> IO:
    """``path`` opened for writing (``mode``: "wb", "ab" or "w"), its missing parent directories
    created; any OS error becomes an InputError naming the path."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open(mode, encoding="utf-8") if "b" not in mode else path.open(mode)
    except OSError as error:
        raise output_error(path, error) from None


def check_output_path(path: Path) -> None:
    """Raise the InputError that writing ``path`` would raise, without writing anything: its
    parent must be (or become) a directory, and ``path`` must not be a directory."""
    path = Path(path)
    if path.is_dir():
        raise output_error(path, OSError(errno.EISDIR, "Is a directory"))
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise output_error(path, OSError(errno.ENOTDIR, "Not a directory"))
    existing = next(p for p in path.parents if p.exists())
    if not os.access(existing, os.W_OK | os.X_OK):
        raise output_error(path, OSError(errno.EACCES, "Permission denied"))


def commit(partial: Path, path: Path) -> None:
    """Rename the finished ``partial`` over ``path`` (atomic on one file system)."""
    try:
        os.replace(partial, path)
    except OSError as error:
        raise output_error(path, error) from None


@contextmanager
def atomic_output(path: Path, mode: str = "wb") -> Iterator[IO]:
    """Write ``path`` through ``path.partial``, renamed over ``path`` when the block ends without an
    exception; on an exception the partial file is removed and ``path`` is left as it was."""
    partial = partial_path(path)
    handle = open_output_file(partial, mode)
    try:
        with handle:
            yield handle
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    commit(partial, Path(path))


def write_text_file(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` (see :func:`atomic_output`): an existing file is
    replaced only once the new one is complete."""
    with atomic_output(path, "w") as handle:
        try:
            handle.write(text)
        except OSError as error:
            raise output_error(Path(path), error) from None


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """A new directory beside ``target`` to fill inside the block; when the block ends normally it
    takes ``target``'s place (the old one is removed only after), and when it raises it is removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    staging.chmod(0o755)
    try:
        yield staging
        backup = None
        if target.exists():
            backup = target.with_name(f".{target.name}.old")
            shutil.rmtree(backup, ignore_errors=True)
            os.replace(target, backup)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
