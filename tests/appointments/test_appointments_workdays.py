"""China's calendar: holidays, adjusted working weekends, estimated years, hours and booking range."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from appointments.catalogue import load_catalogue
from appointments.workdays import HolidayCalendar, Schedule, slot_times
from tests.support.appointments import FakeClock, at

D = dt.date


@pytest.fixture
def cal() -> HolidayCalendar:
    return HolidayCalendar()


@pytest.mark.parametrize("day", range(1, 8))
def test_national_day_week_2026_is_closed(cal: HolidayCalendar, day: int) -> None:
    s = cal.day(D(2026, 10, day))
    assert (s.is_open, s.kind, s.estimated, s.source) == (False, "holiday", False, "chinese_calendar")
    assert (s.holiday("zh"), s.holiday("en")) == ("国庆节", "National Day")


def test_adjusted_working_saturday_comes_from_the_library_data(cal: HolidayCalendar) -> None:
    # Checked against the library rather than assumed: 2026-10-10 is a Saturday worked for National Day.
    saturday = D(2026, 10, 10)
    assert saturday.weekday() == 5 and chinese_calendar.is_workday(saturday)
    s = cal.day(saturday)
    assert (s.is_open, s.kind, s.estimated, s.holiday_en) == (True, "adjusted_workday", False, "National Day")
    assert cal.day(D(2026, 10, 11)).is_open is False  # the Sunday after is an ordinary weekend
    assert cal.day(D(2026, 10, 11)).kind == "weekend"


def test_ordinary_weekday_and_weekend(cal: HolidayCalendar) -> None:
    assert cal.day(D(2026, 11, 30)).kind == "workday" and cal.day(D(2026, 11, 30)).is_open
    assert cal.day(D(2026, 11, 28)).kind == "weekend" and not cal.day(D(2026, 11, 28)).is_open


def test_2027_is_beyond_chinese_calendar_and_estimated_by_python_holidays(cal: HolidayCalendar) -> None:
    with pytest.raises(NotImplementedError):  # the premise: the library really has no 2027 data
        chinese_calendar.is_workday(D(2027, 1, 4))
    new_year = cal.day(D(2027, 1, 1))
    assert (new_year.is_open, new_year.kind, new_year.estimated, new_year.source) == (
        False, "holiday", True, "python_holidays")
    assert new_year.holiday_en == "New Year's Day" and new_year.holiday_zh
    national = cal.day(D(2027, 10, 1))
    assert not national.is_open and national.estimated and national.holiday_en == "National Day"
    monday = cal.day(D(2027, 1, 4))
    assert (monday.is_open, monday.kind, monday.estimated) == (True, "workday", True)
    saturday = cal.day(D(2027, 1, 9))
    assert (saturday.is_open, saturday.kind, saturday.estimated) == (False, "weekend", True)


def test_operator_overrides_win_and_confirm_estimated_days() -> None:
    cal = HolidayCalendar(closed_dates=frozenset({D(2026, 11, 30)}), extra_working_dates=frozenset({D(2027, 1, 9)}))
    closed = cal.day(D(2026, 11, 30))
    assert (closed.is_open, closed.kind, closed.source) == (False, "operator_closed", "operator")
    opened = cal.day(D(2027, 1, 9))
    assert (opened.is_open, opened.kind, opened.estimated) == (True, "operator_open", False)


def test_window_overrides_apply_to_that_window_only(write_overrides) -> None:
    c = load_catalogue(overrides=write_overrides({"windows": {"datong": {"closed_dates": ["2026-11-30"]}}}))
    cal = HolidayCalendar.from_catalogue(c)
    assert not cal.day(D(2026, 11, 30), c.window("datong")).is_open
    assert cal.day(D(2026, 11, 30), c.window("linfen")).is_open


def test_slots_skip_the_lunch_break_and_end_with_the_period() -> None:
    w = load_catalogue().window("datong")
    times = [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in slot_times(w, D(2026, 11, 30))]
    assert times[0] == ("09:00", "09:30") and times[-1] == ("17:00", "17:30")
    assert ("11:30", "12:00") in times and ("14:00", "14:30") in times
    assert not any("12:00" <= s < "14:00" for s, _ in times)
    assert len(times) == 6 + 7


@pytest.fixture
def schedule() -> Schedule:
    return Schedule(load_catalogue(), clock=FakeClock(at(2026, 9, 28, 9, 50)))  # a Monday


def test_schedule_has_no_slots_on_holidays_but_on_the_adjusted_saturday(schedule: Schedule) -> None:
    assert schedule.slots("datong", D(2026, 10, 1)) == []
    assert schedule.slots("datong", D(2026, 10, 4)) == []
    saturday = schedule.slots("datong", D(2026, 10, 10))
    assert len(saturday) == 13 and saturday[0].start == at(2026, 10, 10, 9, 0)


def test_no_slots_in_the_past_or_within_the_notice(schedule: Schedule) -> None:
    today = schedule.slots("datong", D(2026, 9, 28))  # now 09:50, 30 minutes' notice
    assert today[0].start == at(2026, 9, 28, 10, 30)
    assert schedule.slots("datong", D(2026, 9, 25)) == []


def test_horizon(schedule: Schedule) -> None:
    assert schedule.last_day() == D(2026, 10, 28)
    assert schedule.slots("datong", D(2026, 10, 28))
    assert schedule.slots("datong", D(2026, 10, 29)) == []


@pytest.mark.parametrize(
    ("start", "reason"),
    [
        (at(2026, 9, 29, 10, 0), "ok"),
        (at(2026, 9, 29, 12, 30), "lunch_break"),
        (at(2026, 9, 29, 13, 59), "lunch_break"),
        (at(2026, 9, 29, 8, 0), "outside_hours"),
        (at(2026, 9, 29, 17, 30), "outside_hours"),
        (at(2026, 9, 29, 19, 0), "outside_hours"),
        (at(2026, 9, 29, 10, 10), "not_slot_start"),
        (at(2026, 9, 28, 10, 0), "past"),  # within the 30 minutes' notice
        (at(2026, 9, 28, 9, 0), "past"),
        (at(2026, 10, 2, 10, 0), "closed"),
        (at(2026, 10, 3, 10, 0), "closed"),
        (at(2026, 10, 10, 10, 0), "ok"),
        (at(2026, 10, 29, 10, 0), "beyond_horizon"),
    ],
)
def test_check_reasons(schedule: Schedule, start: dt.datetime, reason: str) -> None:
    assert schedule.check("datong", start).reason == reason


def test_check_takes_utc_times_as_the_same_instant(schedule: Schedule) -> None:
    utc = dt.datetime(2026, 9, 29, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 in Shanghai
    check = schedule.check("datong", utc)
    assert check.ok and check.slot.start == at(2026, 9, 29, 10, 0)


def test_estimated_days_yield_estimated_slots() -> None:
    schedule = Schedule(load_catalogue(), clock=FakeClock(at(2026, 12, 20, 9, 0)))
    assert schedule.slots("datong", D(2027, 1, 1)) == []  # New Year (estimated) closed
    slots = schedule.slots("datong", D(2027, 1, 4))
    assert slots and all(s.estimated for s in slots)
    assert not any(s.estimated for s in schedule.slots("datong", D(2026, 12, 21)))
