"""Training and evaluation sentences: JSON Lines ``{"text", "entities": [{"type", "start", "end", "text"}]}``.

This is CLUENER 2020's form as the shared data holds it (MSRA's too).  A malformed line raises
:class:`~nlp.errors.InputError` naming the file and line: bad JSON, a missing field, offsets
outside the text, a span whose ``text`` differs from the characters it covers, an unknown type,
or two entities that overlap.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from nlp.errors import InputError
from nlp.entities.entity import KNOWN_TYPES, Entity


@dataclass(frozen=True)
class Example:
    """One labelled sentence; ``id`` is the line's ``id`` field, else ``FILE:LINE``."""

    id: str
    text: str
    entities: tuple[Entity, ...]


def read_examples(paths: Iterable[Path], *, types: Iterable[str] = KNOWN_TYPES) -> list[Example]:
    """All sentences of ``paths`` in order; blank lines are skipped."""
    allowed = frozenset(types)
    examples = []
    for path in paths:
        try:
            lines = Path(path).read_text("utf-8-sig").split("\n")
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(str(path), f"cannot read training data: {error}") from None
        for number, line in enumerate(lines, start=1):
            if line.strip():
                examples.append(parse_line(line, f"{path}:{number}", allowed))
    return examples


def parse_line(line: str, where: str, allowed: frozenset[str]) -> Example:
    try:
        record = json.loads(line)
    except ValueError as error:
        raise InputError(where, f"not valid JSON ({error})") from None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise InputError(where, "expected an object with a string 'text'")
    text = record["text"]
    spans = record.get("entities", [])
    if not isinstance(spans, list):
        raise InputError(where, "'entities' must be a list")
    entities = sorted((_entity(span, text, where, allowed) for span in spans), key=Entity.sort_key)
    return Example(str(record.get("id", where)), text, tuple(entities))


def _entity(span, text: str, where: str, allowed: frozenset[str]) -> Entity:
    if not isinstance(span, dict):
        raise InputError(where, f"entity {span!r} is not an object")
    kind, start, end = span.get("type"), span.get("start"), span.get("end")
    if kind not in allowed:
        raise InputError(where, f"unknown entity type {kind!r} (known: {', '.join(sorted(allowed))})")
    if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) or isinstance(end, bool):
        raise InputError(where, f"entity {span!r} needs integer 'start' and 'end'")
    if not 0 <= start < end <= len(text):
        raise InputError(where, f"entity offsets [{start}, {end}) lie outside the text (length {len(text)})")
    covered = text[start:end]
    if "text" in span and span["text"] != covered:
        raise InputError(where, f"entity text {span['text']!r} does not match the span [{start}, {end}), {covered!r}")
    return Entity(covered, kind, start, end)


def fold_of(example_id: str, *, folds: int = 10) -> int:
    """The fold (0..folds-1) of an example, by MD5 of its id: fold 0 is the fixed hold-out."""
    return int(hashlib.md5(example_id.encode("utf-8")).hexdigest(), 16) % folds


def is_held_out(example_id: str, *, folds: int = 10, fold: int = 0) -> bool:
    """The fixed hold-out (a 1/folds share by MD5 of the id) that estimates score on unseen data."""
    return fold_of(example_id, folds=folds) == fold
