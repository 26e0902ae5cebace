import datetime as dt

import pytest

from nlp.io.dates import parse_offset, to_iso


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Sat, 30 Jul 2022 08:20:42 GMT", "2022-07-30T08:20:42+00:00"),
        ("2021-12-11 10:09:00", "2021-12-11T10:09:00+08:00"),  # naive: Beijing time by default
        (dt.datetime(2021, 12, 11, 10, 9), "2021-12-11T10:09:00+08:00"),
        (dt.date(2021, 12, 11), "2021-12-11T00:00:00+08:00"),
        ("2022-05-01T10:00:00+08:00", "2022-05-01T10:00:00+08:00"),
        ("Tue, 11 May 2021 15:57:56 +0800", "2021-05-11T15:57:56+08:00"),
        ("2022年8月1日", "2022-08-01T00:00:00+08:00"),
        ("2022年08月01日 10:05", "2022-08-01T10:05:00+08:00"),
        ("2022年8月1日 10时5分30秒", "2022-08-01T10:05:30+08:00"),
        ("2022年13月1日", None),
        (1659340800, "2022-08-01T08:00:00+00:00"),  # Unix seconds
        (1659340800000, "2022-08-01T08:00:00+00:00"),  # Unix milliseconds
        (True, None),
        ("not a date", None),
        ("", None),
        (None, None),
    ],
)
def test_to_iso(value, expected):
    assert to_iso(value) == expected


@pytest.mark.parametrize("offset, expected", [
    ("+00:00", "2021-12-11T10:09:00+00:00"),
    ("+0530", "2021-12-11T10:09:00+05:30"),
    ("-05:00", "2021-12-11T10:09:00-05:00"),
    ("Z", "2021-12-11T10:09:00+00:00"),
    ("UTC", "2021-12-11T10:09:00+00:00"),
    ("Asia/Shanghai", "2021-12-11T10:09:00+08:00"),
    ("America/New_York", "2021-12-11T10:09:00-05:00"),  # the zone's offset on that day (winter)
])
def test_naive_dates_take_the_configured_offset_or_zone(offset, expected):
    assert to_iso("2021-12-11 10:09:00", naive_offset=offset) == expected


@pytest.mark.parametrize("bad", ["8", "+8", "CST", "+8:00x", "+25:00", "Mars/Olympus", "../../etc/passwd", ""])
def test_bad_offsets_are_rejected(bad):
    with pytest.raises(ValueError, match="not a UTC offset"):
        parse_offset(bad)


def test_a_bad_timezone_is_refused_when_the_settings_are_made_not_mid_run():
    from nlp.errors import ConfigError
    from nlp.settings import Settings

    with pytest.raises(ConfigError, match="'CST'") as caught:
        Settings(naive_utc_offset="CST")
    assert caught.value.setting == "naive_utc_offset" and "--" not in str(caught.value)
