"""Natural-language dates and times in both languages, against a fixed "now"."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appointments.dates import REASONS, DateError, When, parse_time_of_day, parse_when
from lexicon.numerals import cn_int
from tests.support.appointments import NOW, at

D, T = dt.date, dt.time
SATURDAY = at(2026, 11, 28, 9, 0)

# NOW is Friday 2026-11-27 10:00 (Asia/Shanghai); the week runs Mon 23 .. Sun 29 November.
ZH = [
    ("明天", When(D(2026, 11, 28))),
    ("后天", When(D(2026, 11, 29))),
    ("大后天", When(D(2026, 11, 30))),
    ("下周二上午", When(D(2026, 12, 1), part="morning")),
    ("下周二上午10点", When(D(2026, 12, 1), T(10, 0), "morning")),
    ("下个礼拜二上午十点", When(D(2026, 12, 1), T(10, 0), "morning")),
    ("明天下午三点", When(D(2026, 11, 28), T(15, 0), "afternoon")),
    ("12月3日下午", When(D(2026, 12, 3), part="afternoon")),
    ("十二月三日上午九点半", When(D(2026, 12, 3), T(9, 30), "morning")),
    ("3号下午", When(D(2026, 12, 3), part="afternoon")),
    ("三号上午九点", When(D(2026, 12, 3), T(9, 0), "morning")),  # the coming 3rd, never the past one
    ("周五", When(D(2026, 11, 27))),  # today is Friday
    ("周一", When(D(2026, 11, 30))),
    ("星期二", When(D(2026, 12, 1))),
    ("礼拜天", When(D(2026, 11, 29))),
    ("周日", When(D(2026, 11, 29))),
    ("下下周一", When(D(2026, 12, 7))),
    ("下周一", When(D(2026, 11, 30))),
    ("明天两点半", When(D(2026, 11, 28), T(14, 30))),
    ("明天10:30", When(D(2026, 11, 28), T(10, 30))),
    ("明天１０点", When(D(2026, 11, 28), T(10, 0))),  # full-width digits
    ("明天上午十点零五分", When(D(2026, 11, 28), T(10, 5), "morning")),
    ("明天3点一刻", When(D(2026, 11, 28), T(15, 15))),
    ("明天晚上7点", When(D(2026, 11, 28), T(19, 0), "evening")),
    ("明天中午12点", When(D(2026, 11, 28), T(12, 0), "noon")),
    ("明天下午14点", When(D(2026, 11, 28), T(14, 0), "afternoon")),
    ("1月5日", When(D(2027, 1, 5))),  # already past this year: next year
    ("2027年1月5日", When(D(2027, 1, 5))),
    ("二〇二七年一月五日", When(D(2027, 1, 5))),
    ("下个月3号", When(D(2026, 12, 3))),
    ("27号", When(D(2026, 11, 27))),
    ("26号", When(D(2026, 12, 26))),
    ("31号", When(D(2026, 12, 31))),  # November has no 31st
    ("三天后", When(D(2026, 11, 30))),
    ("今晚", When(D(2026, 11, 27), part="evening")),
    ("我想预约明天下午三点可以吗", When(D(2026, 11, 28), T(15, 0), "afternoon")),
]

EN = [
    ("tomorrow", When(D(2026, 11, 28))),
    ("Tomorrow at 3", When(D(2026, 11, 28), T(15, 0))),
    ("tomorrow 3pm", When(D(2026, 11, 28), T(15, 0))),
    ("10am tomorrow", When(D(2026, 11, 28), T(10, 0))),
    ("tomorrow 2:30 p.m.", When(D(2026, 11, 28), T(14, 30))),
    ("half past two tomorrow", When(D(2026, 11, 28), T(14, 30))),
    ("noon tomorrow", When(D(2026, 11, 28), T(12, 0), "noon")),
    ("the day after tomorrow", When(D(2026, 11, 29))),
    ("next Tuesday at 10", When(D(2026, 12, 1), T(10, 0))),
    ("next tuesday at 10 in the morning", When(D(2026, 12, 1), T(10, 0), "morning")),
    ("Tuesday next week", When(D(2026, 12, 1))),
    ("on Monday", When(D(2026, 11, 30))),
    ("this Friday", When(D(2026, 11, 27))),
    ("Friday morning", When(D(2026, 11, 27), part="morning")),
    ("the 3rd in the afternoon", When(D(2026, 12, 3), part="afternoon")),
    ("the 3rd of next month", When(D(2026, 12, 3))),
    ("Dec 3 at 2pm", When(D(2026, 12, 3), T(14, 0))),
    ("December 3rd", When(D(2026, 12, 3))),
    ("Dec. 3", When(D(2026, 12, 3))),
    ("3 December", When(D(2026, 12, 3))),
    ("the 3rd of December at 9:30", When(D(2026, 12, 3), T(9, 30))),
    ("Jan 5", When(D(2027, 1, 5))),
    ("2026-12-03 14:00", When(D(2026, 12, 3), T(14, 0))),
    ("2026/12/03", When(D(2026, 12, 3))),
    ("in 3 days", When(D(2026, 11, 30))),
    ("tonight", When(D(2026, 11, 27), part="evening")),
    ("Can I come in on Dec 3 at 2pm please?", When(D(2026, 12, 3), T(14, 0))),
]


@pytest.mark.parametrize(("text", "expected"), ZH, ids=[t for t, _ in ZH])
def test_chinese(text: str, expected: When) -> None:
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize(("text", "expected"), EN, ids=[t for t, _ in EN])
def test_english(text: str, expected: When) -> None:
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("周五", D(2026, 12, 4)), ("Friday morning", D(2026, 12, 4)), ("this Friday", D(2026, 12, 4)),
     ("下周二", D(2026, 12, 1)), ("next Tuesday", D(2026, 12, 1)), ("周日", D(2026, 11, 29))],
)
def test_weekdays_said_on_a_saturday(text: str, expected: dt.date) -> None:
    assert parse_when(text, SATURDAY).date == expected


def test_next_weekday_said_on_a_monday_is_next_calendar_week() -> None:
    monday = at(2026, 11, 23, 9, 0)
    assert parse_when("下周二", monday).date == D(2026, 12, 1)
    assert parse_when("next Tuesday", monday).date == D(2026, 12, 1)
    assert parse_when("周二", monday).date == D(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2月30日", "invalid_date"),
        ("13月1日", "invalid_date"),
        ("Feb 30", "invalid_date"),
        ("2026-02-30", "invalid_date"),
        ("the 32nd", "invalid_date"),
        ("32号", "invalid_date"),
        ("下个月31号", None),  # December has 31 days: valid
        ("25点", "invalid_time"),
        ("明天25点", "invalid_time"),
        ("明天10:75", "invalid_time"),
        ("tomorrow at 13pm", "invalid_time"),
        ("yesterday", "past"),
        ("昨天", "past"),
        ("2025-12-03", "past"),
        ("今天上午9点", "past"),  # it is 10:00
        ("这周三", "past"),  # this calendar week's Wednesday was the 25th
        ("26号上午", None),  # the 26th has passed this month: next month's
        ("今天下午", None),
        ("asdf", "unrecognised"),
        ("", "unrecognised"),
        ("whenever suits you", "unrecognised"),
        ("下周", "vague"),
        ("next week", "vague"),
        ("下午三点", "no_date"),
        ("at 10", "no_date"),
    ],
)
def test_errors_are_values(text: str, reason: str | None) -> None:
    result = parse_when(text, NOW)
    if reason is None:
        assert isinstance(result, When), result
    else:
        assert isinstance(result, DateError) and result.reason == reason, result
        assert result.reason in REASONS  # each one worded by the assistant: tests/assistant/test_appointment_wording.py


def test_february_29_goes_to_the_next_leap_year() -> None:
    assert parse_when("2月29日", NOW) == When(D(2028, 2, 29))
    assert parse_when("2027年2月29日", NOW).reason == "invalid_date"


def test_time_only_keeps_what_it_read_and_accepts_a_known_day() -> None:
    err = parse_when("下午三点", NOW)
    assert (err.reason, err.time, err.part) == ("no_date", T(15, 0), "afternoon")
    assert parse_when("下午三点", NOW, default_date=D(2026, 12, 1)) == When(D(2026, 12, 1), T(15, 0), "afternoon")
    assert parse_time_of_day("3号下午两点") == (T(14, 0), "afternoon")  # "3号" is not three o'clock
    assert parse_time_of_day("Dec 3 in the morning") == (None, "morning")


def test_naive_and_utc_now_mean_shanghai() -> None:
    naive = dt.datetime(2026, 11, 27, 23, 30)
    utc = dt.datetime(2026, 11, 27, 15, 30, tzinfo=dt.timezone.utc)  # the same instant
    assert parse_when("明天", naive).date == parse_when("明天", utc).date == D(2026, 11, 28)


def test_when_start_and_covers() -> None:
    w = When(D(2026, 12, 1), part="afternoon")
    assert w.start() is None
    assert w.covers(at(2026, 12, 1, 14, 0)) and not w.covers(at(2026, 12, 1, 10, 0))
    assert not w.covers(at(2026, 12, 2, 14, 0))
    assert When(D(2026, 12, 1), T(10, 0)).start() == at(2026, 12, 1, 10, 0)


@pytest.mark.parametrize(
    ("text", "value"),
    [("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("二十五", 25), ("三十一", 31), ("廿五", 25),
     ("两", 2), ("俩", 2), ("零五", 5), ("二〇二七", 2027), ("12", 12), ("十十", None), ("二三十", None)],
)
def test_chinese_numerals(text: str, value: int | None) -> None:
    assert cn_int(text) == value


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_never_raises_and_never_returns_the_past(text: str) -> None:
    result = parse_when(text, NOW)
    assert isinstance(result, When | DateError)
    if isinstance(result, When):
        assert result.date >= NOW.date()
        if result.time is not None and result.date == NOW.date():
            assert result.start() > NOW
