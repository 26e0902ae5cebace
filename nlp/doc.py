"""The record that readers produce and every later stage consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


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

    Readers yield these in place of the article so that a batch goes on and the output keeps
    one record per input, in input order.
    """

    id: str
    source: str
    error_type: str
    message: str
