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
import re
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import IO, Any, Iterable, Iterator

from selectolax.lexbor import LexborHTMLParser

from nlp.io import dates, frontmatter
from nlp.doc import Article, Failure
from nlp.io.dates import DEFAULT_NAIVE_OFFSET
from nlp.errors import InputError
from nlp.io.textio import DEFAULT_MAX_BYTES, decode_text

STDIN = "-"
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson", ".jsonlines"})
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
# A hidden file that is still a post: the crawler names a post after its title, and a title of dots
# ("..", "...") gives ".md", "..md"; any hidden file with a document suffix is read.
DOCUMENT_SUFFIXES = frozenset({".md", ".markdown", ".html", ".htm", ".txt"}) | JSONL_SUFFIXES
_DOTS_AND_SUFFIX = re.compile(r"^\.+(?P<suffix>md|markdown|html?|txt|jsonl|ndjson|jsonlines)$", re.IGNORECASE)
# Why a directory walk passed a file over (keys of the ``passed_over`` counter).
HIDDEN, ASSET, HIDDEN_DIR, LINKED_DIR = ("hidden file", "image or other asset", "in a hidden folder",
                                         "link to a folder (not followed)")
# HTML metadata, first match wins.
_HTML_DATES = ('meta[property="article:published_time"]', 'meta[name="article:published_time"]',
               'meta[itemprop="datePublished"]', 'meta[name="pubdate"]', 'meta[name="publishdate"]',
               'meta[property="og:published_time"]', "time[datetime]")
_HTML_AUTHORS = ('meta[name="author"]', 'meta[property="article:author"]', 'meta[name="article:author"]')

Record = Article | Failure


def read_articles(
    inputs: Iterable[str | Path],
    *,
    naive_offset: str = DEFAULT_NAIVE_OFFSET,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin: IO[str] | None = None,
    passed_over: Counter[str] | None = None,
) -> Iterator[Record]:
    """Yield one record per article found in ``inputs`` (files, directories or ``-``).

    Ids are unique within the run (see :func:`iter_files`); with more than one input, the files of a
    directory get the directory as given in front of their id.  ``passed_over`` counts, by reason,
    the files a directory walk skipped."""
    inputs = list(inputs)
    for item in inputs:
        if str(item) == STDIN:
            yield from read_jsonl_lines(_stdin_lines(stdin or sys.stdin, max_bytes), "<stdin>", naive_offset=naive_offset,
                                        max_bytes=max_bytes)
            continue
        root = Path(item)
        for path, article_id in iter_files(root, prefix=len(inputs) > 1, passed_over=passed_over):
            yield from read_file(path, article_id, naive_offset=naive_offset, max_bytes=max_bytes)


def check_inputs(inputs: Iterable[str | Path]) -> None:
    """Raise an InputError naming the first input that is missing, or a directory with nothing to read
    (saying how many files were passed over and why), before any work is done."""
    for item in inputs:
        if str(item) == STDIN:
            continue
        root = Path(item)
        if not os.path.lexists(root):
            raise InputError(str(item), "no such file or directory")
        if root.is_dir():
            skipped: Counter[str] = Counter()
            if next(iter_files(root, passed_over=skipped), None) is None:
                raise InputError(str(item), "no files to read in this directory" +
                                 (f" ({describe_passed_over(skipped)})" if skipped else " (it is empty)"))


def describe_passed_over(counts: Counter[str]) -> str:
    """'3 files passed over: 2 hidden file, 1 image or other asset'."""
    total = sum(counts.values())
    reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{total} file{'s' if total != 1 else ''} passed over: {reasons}"


def iter_files(root: Path, *, prefix: bool = False, passed_over: Counter[str] | None = None) -> Iterator[tuple[Path, str]]:
    """(path, id) for ``root`` or every file below it, sorted.

    The id of a file named itself is its path as given, normalised, without its suffix (``a/index.txt``
    -> ``a/index``, so ``b/index.txt`` differs); below a directory it is the path below that directory
    without suffix, with the directory in front when ``prefix``.  Files of one folder that differ only
    in suffix (``a.md``, ``a.txt``) keep their suffixes, so ids stay unique.

    Hidden folders (``.git``) and hidden files other than documents (``.DS_Store``; a post named
    ``..md`` is read), and assets (images, media, archives, fonts, CSS and scripts: ``ASSET_SUFFIXES``)
    are passed over and counted in ``passed_over`` by reason; symbolic links to directories are not
    followed, so link loops cannot trap the walk.  A root that does not exist is yielded as is and
    fails when read, so the error names it.
    """
    counts = passed_over if passed_over is not None else Counter()
    if not root.is_dir():
        yield root, _file_id(PurePosixPath(Path(os.path.normpath(root)).as_posix()), strip=True)
        return
    base = PurePosixPath(Path(os.path.normpath(root)).as_posix()) if prefix else None

    def named(relative: PurePosixPath) -> str:
        return (base / relative).as_posix() if base else relative.as_posix()

    found: list[tuple[tuple[str, ...], Path, PurePosixPath]] = []  # sorted at the end: a path's parts in order
    for directory, folders, files in os.walk(root):
        here = Path(directory)
        below = PurePosixPath(here.relative_to(root).as_posix())
        walked = []
        for name in folders:
            path = here / name
            if path.is_symlink():  # os.walk lists links to directories among the folders, not following them
                counts[LINKED_DIR] += 1
            elif name.startswith("."):
                counts[HIDDEN_DIR] += _count_files(path)
            elif os.access(path, os.R_OK | os.X_OK):
                walked.append(name)
            else:  # reported by read_file as "cannot list directory"
                found.append(((below / name).parts, path, below / name))
        folders[:] = walked
        stems = Counter(_strip_suffix(name) for name in files)
        for name in files:
            path = here / name
            if name.startswith(".") and not _is_hidden_document(name):
                counts[HIDDEN] += 1
            elif Path(name).suffix.lower() in ASSET_SUFFIXES:
                counts[ASSET] += 1
            elif not path.is_symlink() or path.is_file():  # a dangling link is passed over
                found.append(((below / name).parts, path,
                              PurePosixPath(_file_id(below / name, strip=stems[_strip_suffix(name)] == 1))))
    for _, path, relative in sorted(found, key=lambda item: item[0]):
        yield path, named(relative)


def _count_files(directory: Path) -> int:
    """Files below a hidden folder, for the passed-over count (a .git folder: its objects)."""
    return sum(len(files) for _, _, files in os.walk(directory))


def _is_hidden_document(name: str) -> bool:
    return bool(_DOTS_AND_SUFFIX.match(name)) or Path(name).suffix.lower() in DOCUMENT_SUFFIXES


def _strip_suffix(name: str) -> str:
    """``a.md`` -> ``a``; a name that is dots and a suffix (``..md``) is kept whole."""
    if _DOTS_AND_SUFFIX.match(name):
        return name
    stem, dot, _ = name.rpartition(".")
    return stem if dot and stem and stem.strip(".") else name


def _file_id(path: PurePosixPath, *, strip: bool) -> str:
    name = _strip_suffix(path.name) if strip else path.name
    return (path.parent / name).as_posix() if str(path.parent) != "." else name


def read_file(
    path: Path, article_id: str, *, naive_offset: str = DEFAULT_NAIVE_OFFSET, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Record]:
    """All records of one file; a file that cannot be read yields one Failure.  A document read in
    an encoding other than UTF-8 says which in ``extra["encoding"]``."""
    source = str(path)
    try:
        head = _read_head(path)
        if not head.strip():
            raise InputError(source, "empty file")
        if _is_jsonl(path, head):
            yield from read_jsonl_lines(_stream_lines(path, max_bytes), source, naive_offset=naive_offset, max_bytes=max_bytes)
            return
        text, encoding = _read_text(path, max_bytes)
        article = parse_document(text, source=source, article_id=article_id, naive_offset=naive_offset)
        if encoding != "utf-8":
            article = replace(article, extra={**article.extra, "encoding": encoding})
        yield article
    except InputError as error:
        yield Failure(article_id, source, "InputError", error.reason)


def parse_document(text: str, *, source: str, article_id: str, naive_offset: str = DEFAULT_NAIVE_OFFSET) -> Article:
    """One decoded document (post, HTML or plain text) -> Article."""
    if frontmatter.is_post(text):
        return _post(text, source, article_id, naive_offset)
    if looks_like_html(text):
        return _html_page(text, source, article_id, naive_offset)
    title, _, body = text.strip().partition("\n")
    return Article(id=article_id, source=source, title=title.strip(), body=body, is_html=False)


def read_jsonl_lines(lines: Iterable[str | None], source: str, *, naive_offset: str = DEFAULT_NAIVE_OFFSET,
                     max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Record]:
    """One record per non-blank line; a bad line becomes a Failure naming ``source:line``.  A line
    over ``max_bytes`` (UTF-8) is a Failure too; ``None`` stands for a line the reader found too long
    and did not load."""
    for number, line in enumerate(lines, start=1):
        if line is not None and not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            if line is None or (len(line) * 4 > max_bytes and len(line.encode("utf-8", "surrogatepass")) > max_bytes):
                raise InputError(where, f"record is over the limit of {max_bytes} bytes")
            yield article_from_json(_load_object(line, where), where, naive_offset=naive_offset)
        except InputError as error:
            yield Failure(where, where, "InputError", error.reason)


def article_from_json(obj: dict[str, Any], source: str, *, naive_offset: str = DEFAULT_NAIVE_OFFSET) -> Article:
    """A JSON object -> Article.  Each field is taken from the first of its usual names
    (``_JSON_FIELDS``: ``headline`` for a title, ``content`` or ``html`` for the body, ``pubDate``
    for the date, ...); a body is read as HTML when it looks like HTML; other fields are kept."""
    if _holds_lone_surrogate(obj):
        raise InputError(source, "a string holds a lone surrogate (a \\u escape of half a UTF-16 pair), "
                                 "which is no character")
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
    return _headline(LexborHTMLParser(text))


def _headline(tree: LexborHTMLParser) -> str:
    title, h1 = (" ".join(node.text().split()) if node is not None else "" for node in
                 (tree.css_first("title"), tree.css_first("h1")))
    if h1 and title.startswith(h1) and len(title) > len(h1):
        return h1
    return title or h1


def _html_page(text: str, source: str, article_id: str, naive_offset: str) -> Article:
    """An HTML page: headline, and the date and author its metadata give (``article:published_time``,
    ``<time datetime>``, ``<meta name="author">``, ...)."""
    tree = LexborHTMLParser(text)
    raw_date = _first_attribute(tree, _HTML_DATES)
    date = dates.to_iso(raw_date, naive_offset=naive_offset) if raw_date else None
    extra = {"date_raw": raw_date} if raw_date and date is None else {}
    return Article(id=article_id, source=source, title=_headline(tree), body=text, is_html=True, date=date,
                   author=_clean_field(_first_attribute(tree, _HTML_AUTHORS)) or None, extra=extra)


def _first_attribute(tree: LexborHTMLParser, selectors: tuple[str, ...]) -> str | None:
    """The ``content`` (meta) or ``datetime`` (time) of the first element a selector finds, if not blank."""
    for selector in selectors:
        node = tree.css_first(selector)
        if node is not None:
            value = (node.attributes.get("content") or node.attributes.get("datetime") or "").strip()
            if value:
                return value
    return None


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


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # what json.loads leaves of an unpaired \\ud800 escape


def _holds_lone_surrogate(value: Any) -> bool:
    """Whether a string of the JSON value is not text (UTF-8 cannot write it: every later stage would
    fail).  A loop, not recursion: a JSON value may nest as deeply as the parser allows."""
    stack = [value]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if _LONE_SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


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


def _stream_lines(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[str | None]:
    """JSON Lines, one decoded line at a time: a file of any size in bounded memory.

    Each line is decoded on its own (UTF-8, else GB18030); a line no encoding accepts becomes
    invalid JSON and so an error record naming the line, never a silent drop.  A line over
    ``max_bytes`` is skipped without being loaded and comes as None."""
    with path.open("rb") as handle:
        for number, raw in enumerate(_bounded_lines(handle, max_bytes)):
            if raw is None:
                yield None
                continue
            if number == 0 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            yield _decode_line(raw)


def _decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        try:
            return raw.decode("gb18030").rstrip("\r\n")
        except UnicodeDecodeError:
            return "\x00undecodable line"


def _bounded_lines(handle: IO, max_bytes: int) -> Iterator[Any]:
    """Lines of a binary or text ``handle``, each read with at most ``max_bytes + 1`` bytes (characters
    for text) in memory; a longer line is skipped block by block and given as None."""
    newline = b"\n" if isinstance(handle.read(0), bytes) else "\n"
    while True:
        line = handle.readline(max_bytes + 1)
        if not line:
            return
        if len(line) > max_bytes and not line.endswith(newline):
            while True:
                rest = handle.readline(1 << 20)
                if not rest or rest.endswith(newline):
                    break
            yield None
        else:
            yield line


def _stdin_lines(stream: IO[str], max_bytes: int) -> Iterator[str | None]:
    """Lines of standard input, over-long ones as None (read from its bytes when it has them)."""
    binary = getattr(stream, "buffer", None)
    if binary is not None:
        for raw in _bounded_lines(binary, max_bytes):
            yield None if raw is None else _decode_line(raw)
        return
    for line in _bounded_lines(stream, max_bytes):
        yield None if line is None else line.rstrip("\r\n")


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
            if os.access(self.source, os.R_OK | os.X_OK):
                raise InputError(self.source, "is a directory, not a file") from None
            raise InputError(self.source, "is a directory that cannot be listed (permission denied)") from None
        if isinstance(error, PermissionError):
            raise InputError(self.source, "permission denied") from None
        raise InputError(self.source, f"cannot read: {error.strerror or error}") from None


def _read_text(path: Path, max_bytes: int) -> tuple[str, str]:
    """(text, encoding) of a document file."""
    source = str(path)
    with _opening(path):
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(source, f"file is {size} bytes, over the limit of {max_bytes} bytes")
        data = path.read_bytes()
    if not data.strip():
        raise InputError(source, "empty file")
    return decode_text(data, source)


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
