"""Dates as the crawlers write them -> ISO 8601 with an offset."""

from __future__ import annotations

import datetime as dt
import email.utils
import re

_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
# 2022年8月1日, 2022年08月01日 10:00, 2022年8月1日 10时5分30秒
_CHINESE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})秒?)?分?)?$")
_EPOCH_MS = 10 ** 11  # numbers at least this large are milliseconds (seconds reach it in the year 5138)


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
    (``2021-12-11 10:09:00``), Chinese dates (``2022年8月1日 10:00``), Unix times in seconds or
    milliseconds (numbers, as JSON feeds write them; UTC), and the ``datetime``/``date`` objects
    YAML produces.  Naive times get ``naive_offset``.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            parsed = dt.datetime.fromtimestamp(value / 1000 if abs(value) >= _EPOCH_MS else value, dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, dt.datetime):
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
    chinese = _CHINESE.match(text)
    if chinese:
        try:
            return dt.datetime(*(int(part) for part in chinese.groups() if part is not None))
        except ValueError:
            return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("/", "-"))
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
