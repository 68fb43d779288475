"""The appointments library returns dates, slots and reason codes; the actions word them from their one
catalogue (``actions/texts.yml``): every code has words in both languages, and the labels read back."""

from __future__ import annotations

import datetime as dt

import pytest

from actions.appointment_forms.formatting import date_error_text, date_label, invalid_text, slot_label, when_label
from actions.texts import text
from appointments.contacts import NAME_MAX, Invalid, normalise_contact, normalise_name
from appointments.dates import PARTS, REASONS, DateError, When, parse_when
from appointments.workdays import TZ

NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=TZ)  # a Friday


@pytest.mark.parametrize("reason", REASONS)
def test_every_date_error_is_worded_in_both_languages(reason: str) -> None:
    error = DateError(reason, "2月30日", "2月30日")
    zh, en = date_error_text(error, "zh"), date_error_text(error, "en")
    assert zh != en and any("\u4e00" <= ch <= "\u9fff" for ch in zh) and en[0].isascii()
    if reason.startswith("invalid_"):
        assert "2月30日" in zh and "2月30日" in en, "the impossible part is said back"


def test_the_date_errors_the_parser_gives_are_worded() -> None:
    for typed in ("香蕉", "下午三点", "下周", "2月30日", "25点", "昨天"):
        error = parse_when(typed, NOW)
        assert isinstance(error, DateError) and date_error_text(error, "zh") != date_error_text(error, "en")
    assert date_error_text(parse_when("香蕉", NOW), "zh") == "没看懂这个日期，请换个说法，例如“明天下午三点”或“12月3日上午”。"


def test_refused_contacts_names_and_codes_say_what_is_expected() -> None:
    contact = normalise_contact("12345")
    assert isinstance(contact, Invalid)
    assert "13800138000" in invalid_text(contact, "zh") and "e-mail" in invalid_text(contact, "en")
    name = normalise_name("   ")
    assert isinstance(name, Invalid) and str(NAME_MAX) in invalid_text(name, "zh") and str(NAME_MAX) in invalid_text(name, "en")
    assert "ABCD-2345" in invalid_text(Invalid("code", "bad_code"), "zh")


def test_labels_as_the_buttons_show_them() -> None:
    start = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TZ)
    assert slot_label(start, "zh") == "12月1日（周二）10:00" and slot_label(start, "en") == "Tue 1 Dec 10:00"
    assert date_label(dt.date(2026, 12, 6), "zh") == "12月6日（周日）" and date_label(dt.date(2026, 1, 5), "en") == "Mon 5 Jan"
    assert when_label(When(dt.date(2026, 12, 1), part="morning"), "zh") == "12月1日（周二）上午"
    assert when_label(When(dt.date(2026, 12, 1), part="afternoon"), "en") == "Tue 1 Dec afternoon"
    assert when_label(When(dt.date(2026, 12, 1), dt.time(10)), "en") == "Tue 1 Dec 10:00"
    assert all(f"part_{part}" in text for part in PARTS)


def test_slot_labels_round_trip_through_the_parser() -> None:
    start = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TZ)
    for lang in ("zh", "en"):  # a user who types a button's title back gets the same slot
        assert parse_when(slot_label(start, lang), NOW).start() == start
