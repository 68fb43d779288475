"""When the windows are open: China's working days, opening hours, lunch breaks, the booking range.

Why not just "Monday to Friday": China moves working days around its public holidays (调休), so a
Saturday can be a working day (2026-10-10 after National Day) and a Thursday a holiday. The official
schedule is published year by year; ``chinese-calendar`` carries it (2004–2026 in 1.11.0) and
*raises* for later years, while bookings made in December already reach into the next year. So:

1. an operator override (``closed_dates`` / ``extra_working_dates`` in the catalogue, global or per
   window) wins and counts as confirmed;
2. otherwise ``chinese-calendar`` answers where it has data (official, not estimated);
3. otherwise ``holidays.China`` (python-holidays) computes the statutory holidays by rule; those days
   and every other day of such a year are marked ``estimated=True``, because the adjusted working
   weekends and bridge days are not known until the State Council publishes them. The conversation
   says "to be confirmed by staff" for estimated days.

All times are Asia/Shanghai wall-clock time (China has had no daylight saving since 1991, so a naive
local time is unambiguous; that is how the store keeps them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays
from chinese_calendar.constants import Holiday

from appointments.catalogue import BookingRules, Catalogue, Window

TZ = ZoneInfo("Asia/Shanghai")
Clock = Callable[[], dt.datetime]

_ZH_HOLIDAY = {h.value: h.chinese for h in Holiday}


def now_local() -> dt.datetime:
    """The current time in Asia/Shanghai (aware)."""
    return dt.datetime.now(TZ)


def to_local(value: dt.datetime) -> dt.datetime:
    """An aware Asia/Shanghai datetime; a naive value is taken as Shanghai wall-clock time."""
    return value.replace(tzinfo=TZ) if value.tzinfo is None else value.astimezone(TZ)


@dataclass(frozen=True)
class DayStatus:
    """Whether a window opens on a date, and how sure we are."""

    date: dt.date
    is_open: bool
    kind: str  # workday | weekend | holiday | adjusted_workday | operator_closed | operator_open
    estimated: bool  # True: computed by rule, not from a published schedule; staff confirm
    source: str  # operator | chinese_calendar | python_holidays
    holiday_zh: str | None = None
    holiday_en: str | None = None

    def holiday(self, lang: str) -> str | None:
        return self.holiday_zh if lang == "zh" else self.holiday_en


class HolidayCalendar:
    """China's working days with operator overrides; see the module docstring for the order of trust."""

    def __init__(
        self, closed_dates: frozenset[dt.date] = frozenset(), extra_working_dates: frozenset[dt.date] = frozenset()
    ) -> None:
        self.closed_dates = frozenset(closed_dates)
        self.extra_working_dates = frozenset(extra_working_dates)

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue) -> HolidayCalendar:
        return cls(catalogue.closed_dates, catalogue.extra_working_dates)

    def day(self, date: dt.date, window: Window | None = None) -> DayStatus:
        closed = self.closed_dates | (window.closed_dates if window else frozenset())
        extra = self.extra_working_dates | (window.extra_working_dates if window else frozenset())
        if date in closed:  # closing is the safe side when an operator lists a date twice
            return DayStatus(date, False, "operator_closed", False, "operator")
        if date in extra:
            return DayStatus(date, True, "operator_open", False, "operator")
        official = _official(date)
        return official if official is not None else _estimated(date)


def _official(date: dt.date) -> DayStatus | None:
    """chinese-calendar's published schedule, or None for years it has no data for."""
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(date)
    except NotImplementedError:  # "no available data for year 2027"
        return None
    weekend = date.weekday() >= 5
    zh = _ZH_HOLIDAY.get(name) if name else None
    if on_holiday:
        if name is None:
            return DayStatus(date, False, "weekend", False, "chinese_calendar")
        return DayStatus(date, False, "holiday", False, "chinese_calendar", zh, name)
    if weekend:  # a weekend that is not a holiday is an adjusted working day (调休上班)
        return DayStatus(date, True, "adjusted_workday", False, "chinese_calendar", zh, name)
    return DayStatus(date, True, "workday", False, "chinese_calendar")


@lru_cache(maxsize=16)
def _rule_year(year: int) -> tuple[dict[dt.date, tuple[str, str]], frozenset[dt.date]]:
    """python-holidays' China for one year: {date: (name_zh, name_en)} and its weekend workdays."""
    # python-holidays registers its countries when first used: mypy cannot see holidays.China
    zh = holidays.China(years=year, language="zh_CN")  # type: ignore[attr-defined]
    en = holidays.China(years=year, language="en_US")  # type: ignore[attr-defined]
    names = {d: (zh.get(d), en.get(d)) for d in en}
    return names, frozenset(d for d in en.weekend_workdays if d.year == year)


def _estimated(date: dt.date) -> DayStatus:
    names, weekend_workdays = _rule_year(date.year)
    if date in names:
        zh, en = names[date]
        return DayStatus(date, False, "holiday", True, "python_holidays", zh, en)
    if date in weekend_workdays:
        return DayStatus(date, True, "adjusted_workday", True, "python_holidays")
    if date.weekday() >= 5:
        return DayStatus(date, False, "weekend", True, "python_holidays")
    return DayStatus(date, True, "workday", True, "python_holidays")


# --------------------------------------------------------------------------- slots


@dataclass(frozen=True)
class Slot:
    """One bookable period at one window. Times are aware (Asia/Shanghai)."""

    window_id: str
    start: dt.datetime
    end: dt.datetime
    estimated: bool = False  # the day's status is estimated (see DayStatus)


@dataclass(frozen=True)
class SlotCheck:
    """Whether ``start`` can be booked at a window, ignoring how full it is (the store adds that).

    ``reason``: ok | past | beyond_horizon | closed | lunch_break | outside_hours | not_slot_start.
    """

    ok: bool
    reason: str
    day: DayStatus | None = None
    slot: Slot | None = None


def slot_times(window: Window, date: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """Every slot of a working day at ``window``: each opening period cut into ``slot_minutes``.

    A slot never runs into a break: the last one of a period ends at or before the period's end.
    """
    step = dt.timedelta(minutes=window.slot_minutes)
    out = []
    for p in window.hours:
        start = dt.datetime.combine(date, p.start, TZ)
        end = dt.datetime.combine(date, p.end, TZ)
        while start + step <= end:
            out.append((start, start + step))
            start += step
    return out


class Schedule:
    """The catalogue's windows on the calendar, seen from "now" (an injectable clock for tests)."""

    def __init__(self, catalogue: Catalogue, calendar: HolidayCalendar | None = None, clock: Clock | None = None):
        self.catalogue = catalogue
        self.calendar = calendar or HolidayCalendar.from_catalogue(catalogue)
        self.clock = clock or now_local

    @property
    def rules(self) -> BookingRules:
        return self.catalogue.rules

    def now(self) -> dt.datetime:
        return to_local(self.clock())

    def earliest_start(self) -> dt.datetime:
        """No slot starts before this: now plus the minimum notice."""
        return self.now() + dt.timedelta(minutes=self.rules.min_notice_minutes)

    def last_day(self) -> dt.date:
        """The booking horizon: the last date a slot may fall on."""
        return self.now().date() + dt.timedelta(days=self.rules.horizon_days)

    def day(self, window_id: str, date: dt.date) -> DayStatus:
        return self.calendar.day(date, self.catalogue.window(window_id))

    def slots(self, window_id: str, date: dt.date) -> list[Slot]:
        """The bookable slots of one day: none on closed days, none in the past or beyond the horizon."""
        window = self.catalogue.window(window_id)
        status = self.calendar.day(date, window)
        if not status.is_open or date > self.last_day():
            return []
        earliest = self.earliest_start()
        return [
            Slot(window_id, start, end, status.estimated)
            for start, end in slot_times(window, date)
            if start >= earliest
        ]

    def days(self, start: dt.date) -> Iterator[dt.date]:
        """Dates from ``start`` (not before today) to the horizon."""
        d = max(start, self.now().date())
        while d <= self.last_day():
            yield d
            d += dt.timedelta(days=1)

    def check(self, window_id: str, start: dt.datetime) -> SlotCheck:
        """Why ``start`` can or cannot be booked at ``window_id`` (capacity aside)."""
        window = self.catalogue.window(window_id)
        start = to_local(start)
        status = self.calendar.day(start.date(), window)
        if start < self.earliest_start():
            return SlotCheck(False, "past", status)
        if start.date() > self.last_day():
            return SlotCheck(False, "beyond_horizon", status)
        if not status.is_open:
            return SlotCheck(False, "closed", status)
        times = slot_times(window, start.date())
        for s, e in times:
            if s == start:
                return SlotCheck(True, "ok", status, Slot(window_id, s, e, status.estimated))
        t = start.timetz().replace(tzinfo=None)
        for a, b in zip(window.hours, window.hours[1:], strict=False):
            if a.end <= t < b.start:
                return SlotCheck(False, "lunch_break", status)
        if any(p.start <= t < p.end for p in window.hours):
            return SlotCheck(False, "not_slot_start", status)
        return SlotCheck(False, "outside_hours", status)
