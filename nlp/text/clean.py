"""HTML (or plain text) -> clean article text with paragraph breaks, plus the editor's name.

What is removed is data (``nlp/data/boilerplate.json``, extendable with user rule files);
this module is only the logic that applies it.  Tags are removed by a real HTML parser
(selectolax/lexbor); entities are decoded after the tags are gone.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
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
# The mark a headline carries when a picture goes with it (…新人(图), …车晓带妈妈闯世界(组图)): without
# it, the headline is checked against the boilerplate lines (a photo caption ends in 图 too).
_PICTURE_MARK = re.compile(r"\s*[（(](?:高清)?[组多附]?图[)）]$")
_SPACES = re.compile(r"[ \t\u3000\u00a0\u2002\u2003\u2009\u200a\u202f\u205f]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_LEFTOVER_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_RULE_KEYS = ("drop_tags", "drop_selectors", "drop_lines", "editor_patterns", "metadata_patterns",
              "dateline_patterns", "reference_headings", "reference_items", "sidebar_headings")
_PATTERN_KEYS = _RULE_KEYS[2:]
METADATA_FIELDS = ("source_name", "original_title")  # named groups a metadata or dateline pattern may have
HEAD_LINES = 5  # a repeated title, dateline or 原标题 line is looked for among the first lines only,
_PARAGRAPH = re.compile(r"[。！？]|.{81}")  # before the first line that reads like a paragraph
_LINK_DENSE = 0.5  # a block whose link text is at least this share of its text is a list of links


@dataclass(frozen=True)
class Cleaned:
    """The cleaner's result: text (paragraphs separated by ``\\n``), the editor, if named, and
    what the article's own lines said about it (``source_name``, ``original_title``)."""

    text: str
    editor: str | None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CleaningRules:
    drop_tags: frozenset[str]
    drop_selectors: tuple[str, ...]
    drop_lines: tuple[re.Pattern[str], ...]
    editor_patterns: tuple[re.Pattern[str], ...]
    metadata_patterns: tuple[re.Pattern[str], ...] = ()
    dateline_patterns: tuple[re.Pattern[str], ...] = ()
    reference_headings: tuple[re.Pattern[str], ...] = ()
    reference_items: tuple[re.Pattern[str], ...] = ()
    sidebar_headings: tuple[re.Pattern[str], ...] = ()

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
            **{key: tuple(_compile(p, key) for p in merged[key]) for key in _PATTERN_KEYS},
        )


class Cleaner:
    """Applies :class:`CleaningRules` to article bodies."""

    def __init__(self, rules: CleaningRules) -> None:
        self.rules = rules

    def clean(self, body: str, *, is_html: bool, title: str = "") -> Cleaned:
        """Clean ``body``; ``title`` is the article's title, dropped where the text repeats it."""
        raw = self.html_to_text(body) if is_html else body
        return self.clean_text(raw, title=title)

    def html_to_text(self, markup: str) -> str:
        """Visible text of ``markup`` with one ``\\n`` between block elements."""
        tree = LexborHTMLParser(markup)
        root = tree.body or tree.root
        if root is None:
            return ""
        for selector in self.rules.drop_selectors:
            for node in root.css(selector):
                node.decompose()
        if self.rules.sidebar_headings:
            _drop_link_lists(root, self.rules.sidebar_headings)
        return _visible_text(_main_content(root), self.rules.drop_tags)

    def clean_text(self, raw: str, *, title: str = "") -> Cleaned:
        """Normalise spaces, decode left-over entities, drop boilerplate lines, find the editor;
        then take the lines that only restate the title, the date, the source or the original title
        off the head and tail of the text (keeping source and original title as metadata) and cut
        reference lists."""
        editor = None
        lines = []
        for line in _LEFTOVER_ENTITY.sub(_unescape, raw).split("\n"):
            line = _SPACES.sub(" ", _INVISIBLE.sub("", line)).strip()
            if not line:
                continue
            line, found = self._take_editor(line)
            editor = editor or found
            probe = _PICTURE_MARK.sub("", line)  # a headline's "(图)" is no photo caption
            if line and not any(p.search(probe) for p in self.rules.drop_lines):
                lines.append(line)
        metadata: dict[str, str] = {}
        lines = self._strip_edges(lines, _comparable(title), metadata)
        return Cleaned(text="\n".join(self._drop_references(lines)), editor=editor, metadata=metadata)

    def _strip_edges(self, lines: list[str], title: str, metadata: dict[str, str]) -> list[str]:
        """Lines among the first few (the title, a dateline, a 原标题/来源 line) and at the tail
        (来源|...) that only say what the record already says or keeps as metadata."""
        rules = self.rules
        head: list[int] = []
        for i, line in enumerate(lines[:HEAD_LINES]):
            if (title and _comparable(line) == title) or \
                    _take_metadata(line, rules.metadata_patterns + rules.dateline_patterns, metadata):
                head.append(i)
            elif _PARAGRAPH.search(line):
                break
        kept = [line for i, line in enumerate(lines) if i not in head]
        end = len(kept)
        while end and _take_metadata(kept[end - 1], rules.metadata_patterns, metadata):
            end -= 1
        return kept[:end]

    def _drop_references(self, lines: list[str]) -> list[str]:
        """A 参考资料 / 参考链接 heading and the list of links or numbered items under it."""
        out: list[str] = []
        in_list = False
        for line in lines:
            if any(p.search(line) for p in self.rules.reference_headings):
                in_list = True
                continue
            if in_list and any(p.search(line) for p in self.rules.reference_items):
                continue
            in_list = False
            out.append(line)
        return out

    def _take_editor(self, line: str) -> tuple[str, str | None]:
        for pattern in self.rules.editor_patterns:
            match = pattern.search(line)
            if match:
                rest = (line[: match.start()] + line[match.end():]).strip()
                return rest, match.group("editor").strip() or None
        return line, None


def _take_metadata(line: str, patterns: tuple[re.Pattern[str], ...], metadata: dict[str, str]) -> bool:
    """Whether ``line`` is all metadata; its named groups go into ``metadata`` (first one wins)."""
    for pattern in patterns:
        match = pattern.search(line)
        if match:
            for name, value in match.groupdict().items():
                if value and value.strip():
                    metadata.setdefault(name, value.strip())
            return True
    return False


def _comparable(text: str) -> str:
    """Letters and digits only, NFKC and case-folded: "Ａ“标题”" and 'a"标题"' compare equal."""
    return "".join(filter(str.isalnum, unicodedata.normalize("NFKC", text).casefold()))


def _drop_link_lists(root, headings: tuple[re.Pattern[str], ...]) -> None:
    """Remove a sidebar such as 热门推荐: an element whose whole text is such a heading, with the
    block around it when that block is mostly links, else with the link lists that follow it."""
    doomed: dict[int, object] = {}
    for text in root.traverse(include_text=True):
        if text.tag != "-text" or not any(p.fullmatch((text.text_content or "").strip()) for p in headings):
            continue
        heading = text.parent
        while heading.parent is not None and heading.parent is not root and \
                heading.parent.text(deep=True).strip() == heading.text(deep=True).strip():
            heading = heading.parent
        container = heading.parent
        if container is not None and container is not root and _link_share(container) >= _LINK_DENSE:
            doomed[container.mem_id] = container
            continue
        doomed[heading.mem_id] = heading
        sibling = heading.next
        while sibling is not None and (sibling.tag == "-text" and not (sibling.text_content or "").strip()
                                       or sibling.tag != "-text" and _link_share(sibling) >= _LINK_DENSE):
            doomed[sibling.mem_id] = sibling
            sibling = sibling.next
    outermost = [node for node in doomed.values()  # a removed node takes its descendants with it
                 if not any(ancestor.mem_id in doomed for ancestor in _ancestors(node))]
    for node in outermost:
        node.decompose()


def _ancestors(node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


def _link_share(node) -> float:
    text = len(node.text(deep=True).strip())
    links = sum(len(a.text(deep=True).strip()) for a in node.css("a"))
    return links / text if text else 0.0


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
    unknown = set(compiled.groupindex) - set(METADATA_FIELDS)
    if key in ("metadata_patterns", "dateline_patterns") and unknown:
        raise ConfigError(f"{key} pattern {pattern!r}: unknown group {sorted(unknown)[0]!r}; "
                          f"known: {', '.join(METADATA_FIELDS)}")
    return compiled
