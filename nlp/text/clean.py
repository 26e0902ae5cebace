"""HTML (or plain text) -> clean article text with paragraph breaks, plus the editor's name.

What is removed is data (``nlp/data/boilerplate.json``, extendable with user rule files);
this module is only the logic that applies it.  Tags are removed by a real HTML parser
(selectolax/lexbor); entities are decoded after the tags are gone.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable

from selectolax.lexbor import LexborHTMLParser

from nlp.errors import ConfigError

BLOCK_TAGS = frozenset(
    "address article aside blockquote body dd details dialog div dl dt fieldset figcaption figure "
    "footer h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody thead "
    "tfoot tr td th ul".split()
)
_SPACES = re.compile(r"[ \t\u3000\u00a0\u2002\u2003\u2009\u200a\u202f\u205f]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_LEFTOVER_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_RULE_KEYS = ("drop_tags", "drop_selectors", "drop_lines", "editor_patterns")


@dataclass(frozen=True)
class Cleaned:
    """The cleaner's result: text (paragraphs separated by ``\\n``) and the editor, if named."""

    text: str
    editor: str | None


@dataclass(frozen=True)
class CleaningRules:
    drop_tags: frozenset[str]
    drop_selectors: tuple[str, ...]
    drop_lines: tuple[re.Pattern[str], ...]
    editor_patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def load(cls, extra_files: Iterable[Path] = ()) -> "CleaningRules":
        """The bundled rules, with each file in ``extra_files`` appended to them."""
        bundled = resources.files("nlp").joinpath("data/boilerplate.json").read_text("utf-8")
        merged: dict[str, list[str]] = {key: [] for key in _RULE_KEYS}
        for name, text in [("boilerplate.json", bundled)] + [(str(p), _read(p)) for p in extra_files]:
            _merge(merged, name, text)
        return cls(
            drop_tags=frozenset(t.lower() for t in merged["drop_tags"]),
            drop_selectors=tuple(merged["drop_selectors"]),
            drop_lines=tuple(_compile(p, "drop_lines") for p in merged["drop_lines"]),
            editor_patterns=tuple(_compile(p, "editor_patterns") for p in merged["editor_patterns"]),
        )


class Cleaner:
    """Applies :class:`CleaningRules` to article bodies."""

    def __init__(self, rules: CleaningRules) -> None:
        self.rules = rules

    def clean(self, body: str, *, is_html: bool) -> Cleaned:
        raw = self.html_to_text(body) if is_html else body
        return self.clean_text(raw)

    def html_to_text(self, markup: str) -> str:
        """Visible text of ``markup`` with one ``\\n`` between block elements."""
        tree = LexborHTMLParser(markup)
        root = tree.body or tree.root
        if root is None:
            return ""
        for selector in self.rules.drop_selectors:
            for node in root.css(selector):
                node.decompose()
        return _visible_text(_main_content(root), self.rules.drop_tags)

    def clean_text(self, raw: str) -> Cleaned:
        """Normalise spaces, decode left-over entities, drop boilerplate lines, find the editor."""
        editor = None
        lines = []
        for line in _LEFTOVER_ENTITY.sub(_unescape, raw).split("\n"):
            line = _SPACES.sub(" ", _INVISIBLE.sub("", line)).strip()
            if not line:
                continue
            line, found = self._take_editor(line)
            editor = editor or found
            if line and not any(p.search(line) for p in self.rules.drop_lines):
                lines.append(line)
        return Cleaned(text="\n".join(lines), editor=editor)

    def _take_editor(self, line: str) -> tuple[str, str | None]:
        for pattern in self.rules.editor_patterns:
            match = pattern.search(line)
            if match:
                rest = (line[: match.start()] + line[match.end():]).strip()
                return rest, match.group("editor").strip() or None
        return line, None


def _main_content(root):
    """A whole web page's story: its <article> (the one with the most text when there are several)
    or its only <main>; the page itself otherwise (crawled post bodies have neither)."""
    articles = root.css("article")
    if articles:
        return max(articles, key=lambda node: len(node.text(deep=True)))
    mains = root.css("main")
    return mains[0] if len(mains) == 1 else root


def _visible_text(root, drop_tags: frozenset[str]) -> str:
    """Iterative walk (no recursion: pages nested thousands deep must not overflow the stack)."""
    out: list[str] = []
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if isinstance(node, str):  # a closing marker
            out.append(node)
            continue
        stack.append(node.next if node is not root else None)
        tag = node.tag
        if tag == "-text":
            out.append(node.text_content or "")
        elif tag == "br":
            out.append("\n")
        elif tag.startswith("-") or tag in drop_tags:
            continue
        else:
            if tag in BLOCK_TAGS:
                out.append("\n")
                stack.append("\n")
            stack.append(node.child)
    return "".join(out)


def _unescape(match: re.Match[str]) -> str:
    return html.unescape(match.group(0))


def _read(path: Path) -> str:
    try:
        return Path(path).read_text("utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read boilerplate rules: {error.strerror or error}") from None


def _merge(merged: dict[str, list[str]], name: str, text: str) -> None:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"{name}: invalid JSON in boilerplate rules: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{name}: boilerplate rules must be a JSON object")
    for key in _RULE_KEYS:
        values = data.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{name}: '{key}' must be a list of strings")
        merged[key].extend(values)


def _compile(pattern: str, key: str) -> re.Pattern[str]:
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise ConfigError(f"invalid regular expression in {key}: {pattern!r}: {error}") from None
    if key == "editor_patterns" and "editor" not in compiled.groupindex:
        raise ConfigError(f"editor pattern {pattern!r} has no (?P<editor>...) group")
    return compiled
