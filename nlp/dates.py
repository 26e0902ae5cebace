"""Dates as the crawlers write them -> ISO 8601 with an offset."""

from __future__ import annotations

import datetime as dt
import email.utils
import re

_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def parse_offset(offset: str) -> dt.timezone:
    """'+08:00' -> a fixed timezone; raises ValueError for anything else."""
    match = _OFFSET.match(offset.strip())
    if not match:
        raise ValueError(f"not a UTC offset: {offset!r} (expected e.g. +08:00)")
    sign = -1 if match.group(1) == "-" else 1
    delta = dt.timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
    return dt.timezone(sign * delta)


def to_iso(value: object, *, naive_offset: str = "+00:00") -> str | None:
    """Normalise a date value to ISO 8601 with offset, or None when it cannot be read.

    Accepts RFC 822 strings (``Sat, 30 Jul 2022 08:20:42 GMT``), ISO-like strings
    (``2021-12-11 10:09:00``), and the ``datetime``/``date`` objects YAML produces.  Naive times
    get ``naive_offset``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    else:
        parsed = _parse_string(str(value).strip())
        if parsed is None:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=parse_offset(naive_offset))
    return parsed.isoformat()


def _parse_string(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("/", "-"))
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
