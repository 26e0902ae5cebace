"""Hexo-style posts: an optional run of blank lines, ``---``, YAML, ``---``, then the body.

YAML is read with the safe loader only; when the generator wrote something YAML rejects
(unescaped quotes in a title, say) a line-based reader recovers the simple ``key: value`` and
``- item`` structure instead of losing the article.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from nlp.errors import InputError

try:  # the C loader is much faster and just as safe
    _SafeLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _SafeLoader = yaml.SafeLoader

_DELIMITER = re.compile(r"^---[ \t]*$")
_KEY_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s?(.*)$")
_ITEM_LINE = re.compile(r"^\s+-\s?(.*)$")


def is_post(text: str) -> bool:
    """True when ``text`` starts (after blank lines) with a front-matter delimiter."""
    for line in text.split("\n", 50)[:50]:
        if line.strip():
            return bool(_DELIMITER.match(line.rstrip()))
    return False


def split_post(text: str, source: str) -> tuple[dict[str, Any], str]:
    """Split a post into (front-matter mapping, body).  Raises InputError when malformed."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None or not _DELIMITER.match(lines[start].rstrip()):
        raise InputError(source, "not a front-matter post (no opening '---')")
    end = next((i for i in range(start + 1, len(lines)) if _DELIMITER.match(lines[i].rstrip())), None)
    if end is None:
        raise InputError(source, "malformed front matter: no closing '---' line")
    header = "\n".join(lines[start + 1 : end])
    body = "\n".join(lines[end + 1 :])
    return parse_header(header, source), body


def parse_header(header: str, source: str) -> dict[str, Any]:
    """YAML mapping of the front matter, via the safe loader, else the line-based fallback."""
    try:
        data = yaml.load(header, Loader=_SafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError:
        data = None
    except RecursionError:
        raise InputError(source, "malformed front matter: nested too deeply") from None
    if data is None and not header.strip():
        return {}
    if isinstance(data, dict):
        return {str(key): value for key, value in data.items()}
    recovered = _parse_lines(header)
    if not recovered:
        raise InputError(source, "malformed front matter: not a key/value mapping")
    return recovered


def _parse_lines(header: str) -> dict[str, Any]:
    """Recover ``key: value`` pairs and ``- item`` lists from YAML that the loader rejected."""
    result: dict[str, Any] = {}
    current: str | None = None
    for line in header.split("\n"):
        item = _ITEM_LINE.match(line)
        if item and current is not None:
            if not isinstance(result[current], list):
                result[current] = []
            result[current].append(_unquote(item.group(1)))
            continue
        pair = _KEY_LINE.match(line)
        if pair:
            current = pair.group(1)
            value = pair.group(2).strip()
            result[current] = _unquote(value) if value else []
    return {key: (value if value != [] else None) for key, value in result.items()}


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"')
    return value
