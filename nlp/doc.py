"""The data that flows through the toolkit: what readers produce (:class:`Article`, or a
:class:`Failure` in its place) and the one document every stage reads and extends (:class:`Doc`),
which becomes the versioned JSON record only at the edge (:meth:`Doc.to_dict` / :meth:`Doc.from_dict`).

A stage adds one field here, one entry in ``data/annotation.schema.json`` and one module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple

from nlp import SCHEMA_VERSION

ROUND = 6  # decimals of every score the toolkit writes


class Token(NamedTuple):
    word: str
    pos: str


BREAK = Token("", "x")  # stands where whitespace separated words; empty, so texts and counts skip it


@dataclass(frozen=True)
class Segmented:
    """An article's tokens: the title's and the body's, each segmented once."""

    title: tuple[Token, ...]
    body: tuple[Token, ...]

    @property
    def n_tokens(self) -> int:
        """Tokens of title and body (break markers not counted)."""
        return len(self.title) + len(self.body) - self.title.count(BREAK) - self.body.count(BREAK)

    @property
    def words(self) -> list[str]:
        """The words of title and body, in order (break markers skipped)."""
        return [t.word for part in (self.title, self.body) for t in part if t.word]


class Keyword(NamedTuple):  # a tuple: made by the thousand when annotation files are read back (reports)
    word: str
    score: float

    def to_dict(self) -> dict[str, object]:
        return {"word": self.word, "score": self.score}


@dataclass(frozen=True)
class Prediction:
    label: str | None
    score: float
    top: tuple[tuple[str, float], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "score": self.score,
            "top": [{"label": label, "score": score} for label, score in self.top],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Prediction":
        return cls(data.get("label"), float(data.get("score", 0.0)),
                   tuple((t["label"], float(t["score"])) for t in data.get("top", ())))


class Entity(NamedTuple):
    """A typed span of a text: ``text == source[start:end]`` (character offsets, end exclusive).
    A tuple, as :class:`Keyword`: reading a report's records back builds many."""

    text: str
    type: str
    start: int
    end: int
    field: str = "text"  # where the offsets point: the record's "text", or its "title"

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Entity":
        return cls(text=str(data["text"]), type=str(data["type"]), start=int(data["start"]), end=int(data["end"]),
                   field=str(data.get("field", "text")))

    def sort_key(self) -> tuple[int, int, str]:
        return (self.start, self.end, self.type)


@dataclass(frozen=True)
class Article:
    """One input article before cleaning.

    ``body`` is HTML when ``is_html`` is true, plain text otherwise.  ``date`` is ISO 8601 with an
    offset, or None when the input had none we could read.  ``extra`` keeps every input field the
    toolkit does not interpret (JSON Lines fields, unknown front-matter keys).
    """

    id: str
    source: str
    title: str = ""
    body: str = ""
    is_html: bool = True
    date: str | None = None
    categories: tuple[str, ...] = ()
    author: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Failure:
    """An input that could not be turned into an :class:`Article` (or annotated).

    Readers and stages yield these in place of the article so that a batch goes on and the output
    keeps one record per input, in input order.
    """

    id: str
    source: str
    error_type: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "source": self.source,
            "error": {"type": self.error_type, "message": self.message},
        }

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> "Failure":
        error = record.get("error") or {}
        return cls(str(record.get("id") or ""), str(record.get("source") or ""),
                   str(error.get("type") or "Error"), str(error.get("message") or ""))


@dataclass(eq=False)
class Doc:
    """One article as the stages see it.  Readers' fields come first; each stage fills its own.

    ``tokens`` and ``converted`` are analysis state: they are not part of the record and are not
    carried between processes (see ``__getstate__``).  ``signature`` is the MinHash signature the
    near-duplicate stage reads; it is not written either.
    """

    id: str
    source: str
    title: str = ""
    date: str | None = None
    categories: tuple[str, ...] = ()
    author: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # cleaning
    text: str = ""
    editor: str | None = None
    # language and segmentation
    language: str = "other"
    tokens: Segmented | None = None
    n_tokens: int = 0
    converted: Any = None  # nlp.text.simplify.Converted: a Traditional article read in Simplified characters
    # keywords, category, near-duplicates
    keywords: tuple[Keyword, ...] = ()
    entities: tuple[Entity, ...] = ()  # the title's first (field "title"), then the text's, in reading order
    category: Prediction | None = None
    model: dict[str, str] | None = None
    signature: Any = None  # numpy uint32 array, or None
    duplicate_of: str | None = None
    marked_duplicates: bool = False  # the duplicate stage ran: ``duplicate_of`` is written, even when null

    @classmethod
    def of(cls, article: Article) -> "Doc":
        return cls(article.id, article.source, article.title, article.date, tuple(article.categories),
                   article.author, dict(article.extra))

    @property
    def analysed_language(self) -> str:
        """The language segmentation and the classifier see (Traditional is read as Simplified)."""
        return "zh-Hans" if self.converted else self.language

    def shown(self, word: str) -> str:
        """A word of the analysed text in the article's own characters."""
        return self.converted.restore(word) if self.converted else word

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["tokens"] = state["converted"] = None
        return state

    def to_dict(self) -> dict[str, Any]:
        record = {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "date": self.date,
            "categories": list(self.categories),
            "author": self.author,
            "editor": self.editor,
            "language": self.language,
            "text": self.text,
            "stats": {"chars": len(self.text), "tokens": self.n_tokens},
            "keywords": [k.to_dict() for k in self.keywords],
            "entities": [e.to_dict() for e in self.entities],
            "category": self.category.to_dict() if self.category else None,
            "model": self.model,
        }
        if self.marked_duplicates:
            record["duplicate_of"] = self.duplicate_of
        record["extra"] = dict(self.extra)
        return record

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> "Doc":
        """A document back from its record (an annotation file); tokens are not in the record."""
        stats = record.get("stats") or {}
        category = record.get("category")
        return cls(
            id=str(record.get("id") or ""),
            source=str(record.get("source") or ""),
            title=record.get("title") or "",
            date=record.get("date"),
            categories=tuple(record.get("categories") or ()),
            author=record.get("author"),
            extra=dict(record.get("extra") or {}),
            text=record.get("text") or "",
            editor=record.get("editor"),
            language=record.get("language") or "other",
            n_tokens=int(stats.get("tokens") or 0),
            keywords=tuple(Keyword(k["word"], float(k.get("score", 0.0))) for k in record.get("keywords") or ()),
            entities=tuple(Entity.from_dict(e) for e in record.get("entities") or ()),
            category=Prediction.from_dict(category) if isinstance(category, Mapping) else None,
            model=record.get("model"),
            duplicate_of=record.get("duplicate_of"),
            marked_duplicates="duplicate_of" in record,
        )


def from_record(record: Mapping[str, Any]) -> Doc | Failure:
    """A :class:`Doc`, or a :class:`Failure` for an error record."""
    return Failure.from_dict(record) if "error" in record else Doc.from_dict(record)


def to_json_line(record: Mapping[str, Any]) -> str:
    """Stable key order, UTF-8 without ``\\u`` escapes, one line."""
    return json.dumps(record, ensure_ascii=False, separators=(", ", ": ")) + "\n"
