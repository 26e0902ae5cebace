"""Dates as the crawlers write them -> ISO 8601 with an offset."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

# The offset of a date written without one.  The feeds this toolkit reads (Sina, 知乎日报, 36kr,
# ProcessOn, 博客来, ...) write Beijing time.
DEFAULT_NAIVE_OFFSET = "+08:00"
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_UTC_NAMES = frozenset({"z", "utc", "gmt"})
# 2022年8月1日, 2022年08月01日 10:00, 2022年8月1日 10时5分30秒
_CHINESE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})秒?)?分?)?$")
_EPOCH_MS = 10 ** 11  # numbers at least this large are milliseconds (seconds reach it in the year 5138)


@lru_cache(maxsize=64)
def parse_offset(offset: str) -> dt.tzinfo:
    """The time zone of a UTC offset or zone name: ``+08:00``, ``+0800``, ``-05:30``, ``Z``/``UTC``/``GMT``,
    or an IANA name with a slash (``Asia/Shanghai``, looked up with :mod:`zoneinfo`; its offset
    follows daylight saving).  Raises ValueError for anything else (``+8``, ``CST``: say which)."""
    text = str(offset).strip()
    if text.lower() in _UTC_NAMES:
        return dt.timezone.utc
    match = _OFFSET.match(text)
    if match:
        hours, minutes = int(match.group(2)), int(match.group(3))
        if hours > 23 or minutes > 59:
            raise ValueError(f"not a UTC offset: {offset!r} (hours 00-23, minutes 00-59)")
        sign = -1 if match.group(1) == "-" else 1
        return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    if "/" in text and ".." not in text and not text.startswith("/"):
        import zoneinfo

        try:
            return zoneinfo.ZoneInfo(text)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    raise ValueError(f"not a UTC offset or time zone: {offset!r} (expected e.g. +08:00, +0800, UTC or Asia/Shanghai)")


def to_iso(value: object, *, naive_offset: str = DEFAULT_NAIVE_OFFSET) -> str | None:
    """Normalise a date value to ISO 8601 with offset, or None when it cannot be read.

    Accepts RFC 822 strings (``Sat, 30 Jul 2022 08:20:42 GMT``), ISO-like strings
    (``2021-12-11 10:09:00``), Chinese dates (``2022年8月1日 10:00``), Unix times in seconds or
    milliseconds (numbers, as JSON feeds write them; UTC), and the ``datetime``/``date`` objects
    YAML produces.  Naive times get ``naive_offset`` (default Beijing time, ``+08:00``).
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
    import email.utils  # here: its import costs more than the other date forms need, at every start-up

    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
