"""Request bodies -> Articles, through the same parsers ``nlp annotate`` uses.

A JSON object is read by :func:`nlp.io.readers.article_from_json` (the JSON Lines field names); a
raw post, HTML page or text by :func:`nlp.io.readers.parse_document` after
:func:`nlp.io.textio.decode_bytes` (BOMs, UTF-8, GB18030), exactly as a file named on the command line.
So the record the server answers is byte for byte the one ``nlp annotate`` writes for the same input,
``id`` and ``source`` included when the request names them (query parameters ``id`` and ``source``).

What cannot be read raises :class:`BadRequest` (the body is not JSON: HTTP 400) or
:class:`Unprocessable` (JSON of the wrong shape or types: HTTP 422); inside a batch an element that is
not an article becomes an error record in place, as a bad line does in ``nlp annotate``.
"""

from __future__ import annotations

import json
from typing import Any

from nlp.doc import Article, Failure
from nlp.errors import InputError
from nlp.io.readers import article_from_json, parse_document, read_jsonl_lines
from nlp.io.textio import decode_bytes

DEFAULT_SOURCE = "<request>"
DEFAULT_ID = "request"
JSON_TYPES = frozenset({"application/json"})
JSONL_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "application/jsonlines", "application/x-jsonlines",
                         "application/json-seq"})
DOCUMENT_TYPES = frozenset({"text/plain", "text/html", "text/markdown", "text/x-markdown", "application/xhtml+xml",
                            "application/octet-stream"})
# The JSON Lines field names that must hold a string, a number, or (categories) a list of them;
# anything else is refused with 422 before the reader sees it.
_SCALAR_FIELDS = ("id", "guid", "url", "link", "title", "headline", "author", "byline", "creator", "date", "pubDate",
                  "pub_date", "published", "published_at", "publish_time", "pubtime", "datetime", "time", "created_at")
_LIST_FIELDS = ("categories", "category")


class RequestError(Exception):
    """A request the server refuses; ``status`` is the HTTP status, the message one line."""

    status = 400
    kind = "BadRequest"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(RequestError):
    status, kind = 400, "BadRequest"


class Unprocessable(RequestError):
    status, kind = 422, "Unprocessable"


class UnsupportedType(RequestError):
    status, kind = 415, "UnsupportedMediaType"


class TooLarge(RequestError):
    status, kind = 413, "PayloadTooLarge"


def media_type(content_type: str | None) -> str:
    """``application/json; charset=utf-8`` -> ``application/json`` (lowercased; '' when absent)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json(kind: str) -> bool:
    return kind in JSON_TYPES or (kind.startswith("application/") and kind.endswith("+json"))


def single_article(body: bytes, content_type: str | None, *, article_id: str | None, source: str | None,
                   naive_offset: str) -> Article:
    """The one article of a ``POST /v1/annotate`` body (raises RequestError)."""
    kind = media_type(content_type)
    src = source or DEFAULT_SOURCE
    if not body.strip():
        raise BadRequest("empty request body")
    if is_json(kind):
        obj = _load_json(body)
        if not isinstance(obj, dict):
            raise Unprocessable(f"expected a JSON object, got {_json_type(obj)}")
        if article_id is not None:
            obj = {**obj, "id": article_id}
        return _article(obj, src, naive_offset)
    if kind in DOCUMENT_TYPES or kind.startswith("text/"):
        try:
            text = decode_bytes(body, src)
        except InputError as error:
            raise Unprocessable(error.reason) from None
        return parse_document(text, source=src, article_id=article_id or DEFAULT_ID, naive_offset=naive_offset)
    raise UnsupportedType(_unsupported(kind))


def batch_articles(body: bytes, content_type: str | None, *, source: str | None,
                   naive_offset: str) -> list[Article | Failure]:
    """The records of a ``POST /v1/annotate/batch`` body: a JSON array (application/json) or JSON
    Lines (application/x-ndjson); element N's source is ``<source>:N`` (1-based), as a JSON Lines
    file's line N is in ``nlp annotate``, and a bad element is a Failure in its place."""
    kind = media_type(content_type)
    src = source or DEFAULT_SOURCE
    if is_json(kind):
        items = _load_json(body) if body.strip() else None
        if not isinstance(items, list):
            raise Unprocessable(f"expected a JSON array of article objects, got {_json_type(items)}")
        return [_element(item, f"{src}:{number}", naive_offset) for number, item in enumerate(items, start=1)]
    if kind in JSONL_TYPES or kind == "text/plain":
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise BadRequest(f"JSON Lines body is not UTF-8 (first bad byte at offset {error.start})") from None
        out: list[Article | Failure] = []
        lines = text.split("\n")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{src}:{number}"
            problem = _type_problem_of_line(line)
            if problem:
                out.append(Failure(where, where, "InputError", problem))
            else:
                out.extend(_jsonl_line(line, number, src, naive_offset))
        return out
    raise UnsupportedType(_unsupported(kind, batch=True))


def _jsonl_line(line: str, number: int, source: str, naive_offset: str) -> list[Article | Failure]:
    """One JSON Lines line through the CLI's reader, numbered as in the body."""
    records = list(read_jsonl_lines([line], source, naive_offset=naive_offset))
    where = f"{source}:{number}"
    return [_renumbered(record, f"{source}:1", where) for record in records]


def _renumbered(record: Article | Failure, old: str, new: str) -> Article | Failure:
    if isinstance(record, Failure):
        return Failure(new if record.id == old else record.id, new, record.error_type, record.message)
    return Article(record.id if record.id != old else new, new, record.title, record.body, record.is_html, record.date,
                   record.categories, record.author, record.extra)


def _element(item: Any, where: str, naive_offset: str) -> Article | Failure:
    if not isinstance(item, dict):
        # worded as nlp annotate words a JSON Lines line that is not an object
        return Failure(where, where, "InputError", f"expected a JSON object, got {type(item).__name__}")
    try:
        return _article(item, where, naive_offset)
    except Unprocessable as error:
        return Failure(where, where, "InputError", error.message)


def _article(obj: dict[str, Any], source: str, naive_offset: str) -> Article:
    problem = type_problem(obj)
    if problem:
        raise Unprocessable(problem)
    try:
        return article_from_json(obj, source, naive_offset=naive_offset)
    except InputError as error:
        raise Unprocessable(error.reason) from None


def type_problem(obj: dict[str, Any]) -> str | None:
    """Why ``obj``'s known fields have types the reader cannot use, or None."""
    for name in _SCALAR_FIELDS:
        value = obj.get(name)
        if value is not None and (isinstance(value, (dict, list, bool))):
            return f"field {name!r} must be a string or a number, got {_json_type(value)}"
    for name in _LIST_FIELDS:
        value = obj.get(name)
        if value is None or isinstance(value, str):
            continue
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
            return f"field {name!r} must be a string or a list of strings, got {_json_type(value)}"
    return None


def _type_problem_of_line(line: str) -> str | None:
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return None  # the reader reports it, with its column
    return type_problem(obj) if isinstance(obj, dict) else None


def _load_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise BadRequest(f"JSON body is not UTF-8 (first bad byte at offset {error.start})") from None
    except ValueError as error:
        raise BadRequest(f"invalid JSON: {getattr(error, 'msg', error)} at line {getattr(error, 'lineno', '?')} "
                         f"column {getattr(error, 'colno', '?')}") from None
    except RecursionError:
        raise BadRequest("invalid JSON: nested too deeply") from None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _unsupported(kind: str, *, batch: bool = False) -> str:
    accepted = "application/json (an array) or application/x-ndjson (JSON Lines)" if batch else \
        "application/json (one article object), or text/plain, text/html, text/markdown (a post, page or text)"
    return f"unsupported Content-Type {kind or '(none)'!r}: send {accepted}"
