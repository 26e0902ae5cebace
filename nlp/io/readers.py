"""Inputs -> Articles: front-matter posts, HTML pages, text files and JSON Lines.

A post is recognised by its content, not its extension.  Directories are walked recursively in
sorted order; ``-`` reads JSON Lines from standard input.  Every input yields at least one
record: an :class:`Article`, or a :class:`Failure` that says which file (and line) went wrong
and why, so one bad file never costs the others.
"""

from __future__ import annotations

import html
import json
import os
import sys
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from selectolax.lexbor import LexborHTMLParser

from nlp.io import dates

from nlp.io import frontmatter
from nlp.doc import Article, Failure
from nlp.errors import InputError
from nlp.io.textio import decode_bytes

STDIN = "-"
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson", ".jsonlines"})
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# JSON Lines field names as feeds and crawlers write them, first match wins.
_JSON_FIELDS = {
    "id": ("id", "guid", "url", "link"),
    "title": ("title", "headline"),
    "body": ("html", "text", "content", "body", "article", "description", "summary"),
    "date": ("date", "pubDate", "pub_date", "published", "published_at", "publish_time", "pubtime", "datetime",
             "time", "created_at"),
    "categories": ("categories", "category"),
    "author": ("author", "byline", "creator"),
}
# Files a directory walk passes over: a crawl or a Hexo source folder keeps images and other assets
# beside its posts.  Named on the command line, such a file is still read (and fails clearly).
ASSET_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".ico", ".svg", ".avif", ".tif", ".tiff",
    ".mp3", ".mp4", ".m4a", ".mov", ".webm", ".wav", ".pdf", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z",
    ".rar", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".css", ".js", ".map", ".pyc", ".so", ".exe",
})
_HTML_MARKERS = ("<html", "<body", "<p", "<div", "<br", "<!doctype", "<article", "<span", "<h1")

Record = Article | Failure


def read_articles(
    inputs: Iterable[str | Path],
    *,
    naive_offset: str = "+00:00",
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin: IO[str] | None = None,
) -> Iterator[Record]:
    """Yield one record per article found in ``inputs`` (files, directories or ``-``)."""
    for item in inputs:
        if str(item) == STDIN:
            yield from read_jsonl_lines(stdin or sys.stdin, "<stdin>", naive_offset=naive_offset)
            continue
        root = Path(item)
        for path, article_id in iter_files(root):
            yield from read_file(path, article_id, naive_offset=naive_offset, max_bytes=max_bytes)


def iter_files(root: Path) -> Iterator[tuple[Path, str]]:
    """(path, id) for ``root`` or every file below it, sorted; ids are relative paths sans suffix.

    Hidden files and directories, and assets (images, media, archives, fonts, CSS and scripts:
    ``ASSET_SUFFIXES``) are skipped; symbolic links to directories are not followed,
    so link loops cannot trap the walk.  A root that does not exist is yielded as is and fails
    when read, so the error names it.
    """
    if not root.is_dir():
        yield root, root.stem or root.name
        return
    pending = [_sorted_entries(root)]
    while pending:
        entry = next(pending[-1], None)
        if entry is None:
            pending.pop()
        elif entry.is_dir(follow_symlinks=False):
            if os.access(entry.path, os.R_OK | os.X_OK):
                pending.append(_sorted_entries(Path(entry.path)))
            else:  # reported by read_file as "cannot list directory"
                yield Path(entry.path), Path(entry.path).relative_to(root).as_posix()
        elif Path(entry.name).suffix.lower() in ASSET_SUFFIXES:
            continue
        elif not entry.is_symlink() or Path(entry.path).is_file():
            path = Path(entry.path)
            yield path, path.relative_to(root).with_suffix("").as_posix()


def _sorted_entries(directory: Path) -> Iterator[os.DirEntry]:
    """Visible entries of ``directory`` sorted by name (an unreadable directory has none)."""
    try:
        with os.scandir(directory) as scan:
            entries = [e for e in scan if not e.name.startswith(".")]
    except OSError:
        return iter(())
    return iter(sorted(entries, key=lambda e: e.name))


def read_file(
    path: Path, article_id: str, *, naive_offset: str = "+00:00", max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Record]:
    """All records of one file; a file that cannot be read yields one Failure."""
    source = str(path)
    try:
        head = _read_head(path)
        if not head.strip():
            raise InputError(source, "empty file")
        if _is_jsonl(path, head):
            yield from read_jsonl_lines(_stream_lines(path), source, naive_offset=naive_offset)
            return
        text = _read_text(path, max_bytes)
        yield parse_document(text, source=source, article_id=article_id, naive_offset=naive_offset)
    except InputError as error:
        yield Failure(article_id, source, "InputError", error.reason)


def parse_document(text: str, *, source: str, article_id: str, naive_offset: str = "+00:00") -> Article:
    """One decoded document (post, HTML or plain text) -> Article."""
    if frontmatter.is_post(text):
        return _post(text, source, article_id, naive_offset)
    if looks_like_html(text):
        return Article(id=article_id, source=source, title=html_title(text), body=text, is_html=True)
    title, _, body = text.strip().partition("\n")
    return Article(id=article_id, source=source, title=title.strip(), body=body, is_html=False)


def read_jsonl_lines(lines: Iterable[str], source: str, *, naive_offset: str = "+00:00") -> Iterator[Record]:
    """One record per non-blank line; a bad line becomes a Failure naming ``source:line``."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            yield article_from_json(_load_object(line, where), where, naive_offset=naive_offset)
        except InputError as error:
            yield Failure(where, where, "InputError", error.reason)


def article_from_json(obj: dict[str, Any], source: str, *, naive_offset: str = "+00:00") -> Article:
    """A JSON object -> Article.  Each field is taken from the first of its usual names
    (``_JSON_FIELDS``: ``headline`` for a title, ``content`` or ``html`` for the body, ``pubDate``
    for the date, ...); a body is read as HTML when it looks like HTML; other fields are kept."""
    used: set[str] = set()

    def first(field: str, *, strings_only: bool = False) -> Any:
        for name in _JSON_FIELDS[field]:
            value = obj.get(name)
            if value not in (None, "", [], {}) and (isinstance(value, str) or not strings_only):
                used.add(name)
                return value
        return None

    body = first("body", strings_only=True)
    if body is None:
        raise InputError(source, "JSON object has no text field (text, html, content, body, ...)")
    categories = first("categories") or ()
    if isinstance(categories, str):
        categories = (categories,)
    article_id = first("id")
    title, raw_date, author = first("title"), first("date"), first("author")
    date = dates.to_iso(raw_date, naive_offset=naive_offset)
    extra = {k: v for k, v in obj.items() if k not in used}
    if raw_date is not None and date is None:
        extra["date_raw"] = str(raw_date)
    return Article(
        id=str(article_id) if article_id is not None else source,
        source=source,
        title=_clean_field(title),
        body=body,
        is_html="html" in used or looks_like_html(body),
        date=date,
        categories=tuple(_clean_field(c) for c in categories if not isinstance(c, (dict, list))),
        author=_clean_field(author) or None,
        extra=extra,
    )


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:2048].lower()
    return head.startswith("<") or any(marker in head for marker in _HTML_MARKERS)


def html_title(text: str) -> str:
    """The page's headline: its first <h1> when the <title> is that headline plus the site's name
    ("央行宣布降准 - 某某财经网"), else the <title>, else the <h1>, else ''."""
    tree = LexborHTMLParser(text)
    title, h1 = (" ".join(node.text().split()) if node is not None else "" for node in
                 (tree.css_first("title"), tree.css_first("h1")))
    if h1 and title.startswith(h1) and len(title) > len(h1):
        return h1
    return title or h1


def _post(text: str, source: str, article_id: str, naive_offset: str) -> Article:
    meta, body = frontmatter.split_post(text, source)
    categories = meta.get("categories") or ()
    if isinstance(categories, str):
        categories = (categories,)
    known = {"title", "categories", "author", "date"}
    raw_date = meta.get("date")
    date = dates.to_iso(raw_date, naive_offset=naive_offset)
    extra = {k: _jsonable(v) for k, v in meta.items() if k not in known}
    if raw_date not in (None, "") and date is None:
        extra["date_raw"] = str(raw_date)
    return Article(
        id=article_id,
        source=source,
        title=_clean_field(meta.get("title")),
        body=body,
        is_html=looks_like_html(body),
        date=date,
        categories=tuple(_clean_field(c) for c in categories if c is not None),
        author=_clean_field(meta.get("author")) or None,
        extra=extra,
    )


def _clean_field(value: Any) -> str:
    """Front-matter strings: entities decoded (the generator writes &#123;), spaces trimmed."""
    if value is None:
        return ""
    return html.unescape(str(value)).strip()


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _read_head(path: Path, size: int = 4096) -> str:
    """The first bytes of a file as text (for telling JSON Lines from documents)."""
    with _opening(path):
        with path.open("rb") as handle:
            head = handle.read(size)
    return head.decode("utf-8-sig", errors="ignore")


def _stream_lines(path: Path) -> Iterator[str]:
    """JSON Lines, one decoded line at a time: a file of any size in bounded memory.

    Each line is decoded on its own (UTF-8, else GB18030); a line no encoding accepts becomes
    invalid JSON and so an error record naming the line, never a silent drop.
    """
    with path.open("rb") as handle:
        for number, raw in enumerate(handle):
            if number == 0 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                try:
                    yield raw.decode("gb18030").rstrip("\r\n")
                except UnicodeDecodeError:
                    yield "\x00undecodable line"


class _opening:
    """Turns OS errors while opening a path into InputErrors naming it."""

    def __init__(self, path: Path) -> None:
        self.source = str(path)

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None or not isinstance(error, OSError):
            return False
        if isinstance(error, FileNotFoundError):
            raise InputError(self.source, "no such file or directory") from None
        if isinstance(error, IsADirectoryError):
            raise InputError(self.source, "is a directory that cannot be listed (permission denied?)") from None
        if isinstance(error, PermissionError):
            raise InputError(self.source, "permission denied") from None
        raise InputError(self.source, f"cannot read: {error.strerror or error}") from None


def _read_text(path: Path, max_bytes: int) -> str:
    source = str(path)
    with _opening(path):
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(source, f"file is {size} bytes, over the limit of {max_bytes} (see --max-bytes)")
        data = path.read_bytes()
    if not data.strip():
        raise InputError(source, "empty file")
    return decode_bytes(data, source)


def _is_jsonl(path: Path, head: str) -> bool:
    if path.suffix.lower() in JSONL_SUFFIXES:
        return True
    stripped = head.lstrip()
    first = stripped.split("\n", 1)[0].strip()
    if not first.startswith("{"):
        return False
    if "\n" not in stripped:  # a first line longer than the head: JSON, not prose
        return True
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def _load_object(line: str, where: str) -> dict[str, Any]:
    try:
        obj = json.loads(line)
    except ValueError as error:
        raise InputError(where, f"invalid JSON: {error.msg} at column {error.colno}") from None
    except RecursionError:
        raise InputError(where, "invalid JSON: nested too deeply") from None
    if not isinstance(obj, dict):
        raise InputError(where, f"expected a JSON object, got {type(obj).__name__}")
    return obj
