"""Labelled data in the layouts users have, read into (Article, label) examples.

* JSON Lines: ``{"text": ..., "label": ...}`` (field names overridable; ``title`` + ``body`` too)
* tab-separated ``text<TAB>label`` or ``label<TAB>text`` (cnews); the label column is the one
  with fewer distinct values; numeric ids are named by a class file (``--classes``, or a
  ``class.txt`` beside the data)
* a directory of front-matter posts labelled by their ``categories`` level (``--label-level``)
* a directory with one folder per class holding ``.txt`` files (UTF-8 or GBK)
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from nlp.doc import Article, Failure
from nlp.errors import ConfigError, DataError, InputError
from nlp.io.readers import JSONL_SUFFIXES, iter_files, looks_like_html, read_file
from nlp.io.textio import decode_bytes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LabelOptions:
    text_field: str = "text"
    label_field: str = "label"
    label_level: int = 1
    classes: Path | None = None
    label_map: Path | None = None
    label_set: str | None = None  # which set's rows of a 3-column (taxonomy) label map apply


@dataclass(frozen=True)
class Example:
    article: Article
    label: str


def read_examples(inputs: Iterable[str | Path], options: LabelOptions = LabelOptions()) -> list[Example]:
    """All examples of ``inputs``; unreadable records are logged and skipped, none at all is an error."""
    inputs = list(inputs)
    examples = list(iter_examples(inputs, options))
    if not examples:
        raise DataError(f"no labelled examples found in {', '.join(map(str, inputs))}")
    return examples


def iter_examples(inputs: Iterable[str | Path], options: LabelOptions = LabelOptions()) -> Iterator[Example]:
    """Examples one at a time (JSON Lines and TSV files are read whole, one file at a time)."""
    mapping, closed = read_label_map(options.label_map, options.label_set) if options.label_map else ({}, False)
    skipped = 0
    unmapped: Counter[str] = Counter()
    for item in inputs:
        path = Path(item)
        if not path.exists():
            raise DataError(f"{path}: no such file or directory")
        source = _iter_directory(path, options) if path.is_dir() else _iter_file(path, options)
        for example in source:
            if isinstance(example, Failure):
                skipped += 1
                log.warning("skipped %s: %s", example.source, example.message)
                continue
            label = mapping.get(example.label, None if closed else example.label)
            if label is None:
                unmapped[example.label] += 1
                continue
            yield Example(example.article, label)
    if skipped:
        log.warning("%d unreadable records skipped", skipped)
    if unmapped:
        listed = ", ".join(f"{label} ({n})" for label, n in sorted(unmapped.items()))
        log.warning("dropped examples of classes the label map %s does not list: %s", options.label_map, listed)


def read_label_map(path: Path, label_set: str | None = None) -> tuple[dict[str, str], bool]:
    """The class -> label mapping of a label map file, and whether it is closed.

    Two layouts (blank lines and # comments ignored):

    * ``from<TAB>to``: renames labels; labels it does not list are kept as they are;
    * ``set<TAB>class<TAB>label`` (a taxonomy, as ``nlp/data/taxonomy.tsv``): the rows of ``label_set``,
      or of every set when it is None (then a class two sets map to different labels is an error);
      the map is closed: examples of a class it does not list are dropped.
    """
    try:
        lines = Path(path).read_text("utf-8-sig").split("\n")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read label map: {error.strerror or error}") from None
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [part.strip() for part in line.rstrip("\r").split("\t")]
        if len(parts) not in (2, 3) or not all(parts) or (rows and len(parts) != len(rows[0][1])):
            expected = "set<TAB>class<TAB>label" if rows and len(rows[0][1]) == 3 else "from<TAB>to"
            raise ConfigError(f"{path}:{number}: expected '{expected}', got {line!r}")
        rows.append((number, parts))
    if not rows or len(rows[0][1]) == 2:
        if label_set is not None:
            raise ConfigError(f"{path}: a 2-column label map has no sets (the set {label_set!r} needs set<TAB>class<TAB>label rows)", setting="label_set")
        return {parts[0]: parts[1] for _, parts in rows}, False
    sets = {parts[0] for _, parts in rows}
    if label_set is not None and label_set not in sets:
        raise ConfigError(f"{path}: no rows for set {label_set!r}; the map has {', '.join(sorted(sets))}")
    mapping: dict[str, str] = {}
    where: dict[str, int] = {}
    for number, (name, source, target) in rows:
        if label_set is not None and name != label_set:
            continue
        if mapping.get(source, target) != target:
            raise ConfigError(f"{path}:{number}: class {source!r} maps to {target!r} here and to {mapping[source]!r} "
                              f"on line {where[source]}; choose a set with --label-set")
        mapping.setdefault(source, target)
        where.setdefault(source, number)
    return mapping, True


def _iter_file(path: Path, options: LabelOptions) -> Iterator[Example | Failure]:
    try:
        text = decode_bytes(path.read_bytes(), str(path))
    except OSError as error:
        raise DataError(f"{path}: cannot read: {error.strerror or error}") from None
    except InputError as error:
        raise DataError(str(error)) from None
    if path.suffix.lower() in JSONL_SUFFIXES or text.lstrip().startswith("{"):
        yield from _jsonl(text, path, options)
    elif "\t" in text.split("\n", 1)[0]:
        yield from _tsv(text, path, options)
    else:
        raise DataError(f"{path}: not JSON Lines or tab-separated text<TAB>label data")


def _jsonl(text: str, path: Path, options: LabelOptions) -> Iterator[Example | Failure]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            obj = json.loads(line)
        except ValueError as error:
            yield Failure(where, where, "InputError", f"invalid JSON: {error}")
            continue
        if not isinstance(obj, dict) or obj.get(options.label_field) in (None, ""):
            yield Failure(where, where, "InputError", f"no '{options.label_field}' field")
            continue
        body = obj.get(options.text_field)
        if not isinstance(body, str):
            body = obj.get("body") or obj.get("content") or ""
        title = obj.get("title") if isinstance(obj.get("title"), str) and options.text_field != "title" else ""
        if not (body or title):
            yield Failure(where, where, "InputError", f"no '{options.text_field}' text")
            continue
        article = Article(id=str(obj.get("id", where)), source=where, title=title, body=body,
                          is_html=looks_like_html(body))  # cleaned as annotate cleans it
        yield Example(article, str(obj[options.label_field]))


def _tsv(text: str, path: Path, options: LabelOptions) -> Iterator[Example | Failure]:
    rows = [(n, line) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
    firsts = Counter(line.split("\t", 1)[0].strip() for _, line in rows)
    lasts = Counter(line.rsplit("\t", 1)[-1].strip() for _, line in rows)
    label_first = len(firsts) < len(lasts)
    names = _class_names(path, options, firsts if label_first else lasts)
    for number, line in rows:
        if "\t" not in line:
            where = f"{path}:{number}"
            yield Failure(where, where, "InputError", "no tab in line")
            continue
        if label_first:
            label, body = line.split("\t", 1)
        else:
            body, label = line.rsplit("\t", 1)
        label = label.strip()
        where = f"{path}:{number}"
        yield Example(Article(id=where, source=where, body=body.strip(), is_html=False), names.get(label, label))


def _class_names(path: Path, options: LabelOptions, labels: Counter[str]) -> dict[str, str]:
    """id -> name from the class file (line i names id i), when labels are numeric ids."""
    class_file = options.classes
    if class_file is None and all(label.isdigit() for label in labels):
        beside = path.parent / "class.txt"
        class_file = beside if beside.is_file() else None
    if class_file is None:
        return {}
    try:
        names = [line.strip() for line in Path(class_file).read_text("utf-8-sig").split("\n") if line.strip()]
    except OSError as error:
        raise ConfigError(f"{class_file}: cannot read class file: {error.strerror or error}") from None
    log.info("naming class ids with %s", class_file)
    return {str(i): name for i, name in enumerate(names)}


def _iter_directory(root: Path, options: LabelOptions) -> Iterator[Example | Failure]:
    """Posts are labelled by their category level; other files by their top-level folder."""
    for path, article_id in iter_files(root):
        for record in read_file(path, article_id):
            if isinstance(record, Failure):
                yield record
                continue
            label = _directory_label(record, path, root, options)
            if label is None:
                yield Failure(record.id, record.source, "DataError", "no label (not in a class folder, no category level)")
            else:
                yield Example(record, label)


def _directory_label(article: Article, path: Path, root: Path, options: LabelOptions) -> str | None:
    if article.categories:
        level = options.label_level
        return article.categories[level - 1] if 0 < level <= len(article.categories) else None
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 else None
