"""Dates and times as people type them, in Chinese or English, relative to a given "now".

Why our own parser: measured on this project (issue 5), ``dateparser`` read none of 明天下午三点,
下周二上午10点, 12月3日下午, 后天, nor "next Tuesday at 10" or "the 3rd in the afternoon";
``jionlp`` reads the Chinese ones but drags in a large dependency tree and picked the *past* 3rd for
"3号上午九点". Booking needs a small, predictable grammar, always resolved into the future, with
"now" passed in so tests are deterministic. Slot buttons remain the main path; this parser only has
to turn what users type into a date plus an optional time or part of the day.

What it reads (any mix of the two languages):

- dates: 今天 明天 后天 大后天, N天后; 周五 / 星期五 / 礼拜五, 这周五, 下周二, 下下周一;
  12月3日, 十二月三日, 2026年12月3日, 下个月3号, 3号 / 三日; today, tomorrow,
  the day after tomorrow, in 3 days, Friday, this Friday, next Tuesday, Dec 3, 3 December,
  the 3rd, 2026-12-03;
- times: 三点, 10点半, 3点一刻, 十点三十分, 14:00; at 10, 2pm, 2:30 p.m., 10 o'clock, noon,
  half past two;
- parts of the day: 上午 早上 中午 下午 傍晚 晚上 今晚; morning, noon, afternoon, evening, tonight.

Resolution rules (documented because they are choices):

- a day of the month or a month/day without a year means the next such date from today
  (today included); a weekday alone means the next such weekday, today included;
- 下周二 / "next Tuesday" is the Tuesday of next calendar week (weeks start on Monday), so said on
  a Monday it is eight days away, not tomorrow; 这周二 is this calendar week's (possibly past),
  while "this Tuesday" is the upcoming one, as English speakers use it;
- an hour from 1 to 6 without 上午/下午 or am/pm means the afternoon: these are office hours.

Anything unreadable, impossible (2月30日, "the 32nd", 25点) or already past comes back as a
:class:`DateError` value with a reason code, never an exception. Saying a date or a reason to the user
is the assistant's (``actions/appointment_forms/formatting.py``, from its catalogue): this module
returns dates and codes only.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from appointments.workdays import TZ, to_local
from lexicon.numerals import WHOLE_NUMBER as NUM
from lexicon.numerals import cn_int

PARTS = ("morning", "noon", "afternoon", "evening")
#: The hours each part of the day covers, for filtering slots: [start, end).
PART_BOUNDS = {
    "morning": (dt.time(0, 0), dt.time(12, 0)),
    "noon": (dt.time(11, 0), dt.time(14, 0)),
    "afternoon": (dt.time(12, 0), dt.time(18, 0)),
    "evening": (dt.time(18, 0), dt.time.max),
}


@dataclass(frozen=True)
class When:
    """A resolved date, with the time (if one was given) and the part of the day (if one was said)."""

    date: dt.date
    time: dt.time | None = None
    part: str | None = None  # morning | noon | afternoon | evening

    def start(self) -> dt.datetime | None:
        """The exact moment asked for (aware, Asia/Shanghai), or None when no time was given."""
        return dt.datetime.combine(self.date, self.time, TZ) if self.time is not None else None

    def covers(self, moment: dt.datetime) -> bool:
        """Whether a slot starting at ``moment`` fits what was asked (same day, same part of day)."""
        moment = to_local(moment)
        if moment.date() != self.date:
            return False
        if self.part is None:
            return True
        lo, hi = PART_BOUNDS[self.part]
        return lo <= moment.time() < hi


@dataclass(frozen=True)
class DateError:
    """Why ``text`` gave no usable date.

    ``reason``: unrecognised | no_date (a time but no day: ``time``/``part`` keep what was read) |
    vague ("next week") | invalid_date | invalid_time | past.
    """

    reason: str
    text: str
    detail: str = ""  # what was impossible, as typed ("2月30日", "25点"), for the reason's wording
    time: dt.time | None = None
    part: str | None = None


#: Every :attr:`DateError.reason` (the assistant words each one).
REASONS = ("unrecognised", "no_date", "vague", "invalid_date", "invalid_time", "past")

# --------------------------------------------------------------------------- normalising

_WEEKDAY_CN = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6,
               "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_WEEKDAY_EN = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_MONTHS_EN = ("january|jan|february|feb|march|mar|april|apr|may|june|jun|july|jul|august|aug|"
              "september|sept|sep|october|oct|november|nov|december|dec")
_WEEKDAYS_EN = "monday|mon|tuesday|tues|tue|wednesday|wed|thursday|thurs|thur|thu|friday|fri|saturday|sat|sunday|sun"


def _normalise(text: str) -> str:
    """NFKC, lower case, one spelling per word (周, 号, 点, 后) and single spaces: the patterns below
    then need at most one space between words, which keeps every one of them linear-time."""
    t = unicodedata.normalize("NFKC", text or "").lower()
    t = t.replace("星期", "周").replace("礼拜", "周").replace("禮拜", "周")
    t = t.replace("週", "周").replace("號", "号").replace("點", "点").replace("後", "后")
    return " ".join(t.split())


def _blank(t: str, span: tuple[int, int]) -> str:
    """``t`` with the date at ``span`` taken out, so "3号" or "Dec 3" is not read as a time."""
    return " ".join((t[:span[0]] + " " + t[span[1]:]).split())


def _month_en(name: str) -> int:
    return ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec").index(name[:3]) + 1


# --------------------------------------------------------------------------- dates

@dataclass(frozen=True)
class _DateRule:
    pattern: re.Pattern[str]
    resolve: Callable[[re.Match[str], dt.date], dt.date | DateError]


def _offset(days: int) -> Callable[[re.Match[str], dt.date], dt.date]:
    return lambda m, today: today + dt.timedelta(days=days)


def _in_days(m: re.Match[str], today: dt.date) -> dt.date | DateError:
    n = cn_int(m["n"])
    if n is None or n > 366:
        return DateError("invalid_date", m[0], m[0])
    return today + dt.timedelta(days=n)


def _ymd(year: int, month: int, day: int, shown: str) -> dt.date | DateError:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return DateError("invalid_date", shown, shown)


def _month_day(month: int | None, day: int | None, year: int | None, today: dt.date, shown: str) -> dt.date | DateError:
    """A month and day, in the given year or else the next time it comes round (today included)."""
    if month is None or day is None or not 1 <= month <= 12 or not 1 <= day <= 31:
        return DateError("invalid_date", shown, shown)
    if year is not None:
        return _ymd(year, month, day, shown)
    for y in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
        try:
            d = dt.date(y, month, day)
        except ValueError:
            if (month, day) != (2, 29):
                return DateError("invalid_date", shown, shown)
            continue
        if d >= today:
            return d
    return DateError("invalid_date", shown, shown)


def _add_months(today: dt.date, k: int) -> tuple[int, int]:
    return today.year + (today.month - 1 + k) // 12, (today.month - 1 + k) % 12 + 1


def _day_of_month(day: int | None, today: dt.date, shown: str, months_ahead: int | None = None) -> dt.date | DateError:
    """The ``day``-th of a month: of this (0) or next (1) month if said, else the next one from today."""
    if day is None or not 1 <= day <= 31:
        return DateError("invalid_date", shown, shown)
    if months_ahead is not None:
        return _ymd(*_add_months(today, months_ahead), day, shown)
    for k in range(13):
        yy, mm = _add_months(today, k)
        if day <= calendar.monthrange(yy, mm)[1] and dt.date(yy, mm, day) >= today:
            return dt.date(yy, mm, day)
    return DateError("invalid_date", shown, shown)


def _weekday(target: int, qualifier: str | None, today: dt.date) -> dt.date:
    monday = today - dt.timedelta(days=today.weekday())
    if qualifier in ("next", "下", "下个"):
        return monday + dt.timedelta(days=7 + target)
    if qualifier == "下下":
        return monday + dt.timedelta(days=14 + target)
    if qualifier in ("this", "这", "这个", "本"):
        return monday + dt.timedelta(days=target)
    if qualifier in ("last", "上", "上个"):
        return monday + dt.timedelta(days=target - 7)
    return today + dt.timedelta(days=(target - today.weekday()) % 7)


def _r_iso(m: re.Match[str], today: dt.date) -> dt.date | DateError:
    return _ymd(int(m["y"]), int(m["mo"]), int(m["d"]), m[0])


def _r_cn_md(m: re.Match[str], today: dt.date) -> dt.date | DateError:
    year = cn_int(m["y"]) if m["y"] else None
    return _month_day(cn_int(m["mo"]), cn_int(m["d"]), year, today, m[0])


def _r_cn_month_rel(m: re.Match[str], today: dt.date) -> dt.date | DateError:
    return _day_of_month(cn_int(m["d"]), today, m[0], 1 if m["rel"].startswith("下") else 0)


def _r_cn_day(m: re.Match[str], today: dt.date) -> dt.date | DateError:
    return _day_of_month(cn_int(m["d"]), today, m[0])


def _r_cn_weekday(m: re.Match[str], today: dt.date) -> dt.date:
    return _weekday(_WEEKDAY_CN[m["wd"]], m["q"], today)


def _r_en_md(m: re.Match[str], today: dt.date) -> dt.date | DateError:
    return _month_day(_month_en(m["mon"]), int(m["d"]), int(m["y"]) if m["y"] else None, today, m[0])


def _r_en_ordinal(m: re.Match[str], today: dt.date) -> dt.date | DateError:
    return _day_of_month(int(m["d"]), today, m[0], 1 if m["next"] else None)


def _r_en_weekday(m: re.Match[str], today: dt.date) -> dt.date:
    # English "this Friday" / "coming Friday" means the upcoming one (unlike 这周五, this week's)
    qualifier = m["q"] or ("next" if m["nw"] else None)
    return _weekday(_WEEKDAY_EN[m["wd"][:3]], None if qualifier in ("this", "coming") else qualifier, today)


def _rule(pattern: str, resolve: Callable[[re.Match[str], dt.date], dt.date | DateError]) -> _DateRule:
    return _DateRule(re.compile(pattern), resolve)


_DATE_RULES = (
    _rule(r"(?<!\d)(?P<y>\d{4})[-/.](?P<mo>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)", _r_iso),
    _rule(rf"(?:(?P<y>{NUM})\s?年\s?)?(?P<mo>{NUM})\s?月\s?(?P<d>{NUM})\s?(?:日|号)?", _r_cn_md),
    _rule(rf"(?P<rel>下个?月|本月|这个?月)\s?(?P<d>{NUM})\s?(?:日|号)", _r_cn_month_rel),
    _rule(rf"(?<![\d月])(?P<d>{NUM})\s?(?:日|号)", _r_cn_day),
    _rule(r"大后天", _offset(3)),
    _rule(r"后天", _offset(2)),
    _rule(r"明天|明日|明早|明晚", _offset(1)),
    _rule(r"今天|今日|今早|今晚", _offset(0)),
    _rule(r"大前天|前天|昨天|昨日", _offset(-1)),
    _rule(rf"(?P<n>{NUM})\s?天(?:以)?后", _in_days),
    _rule(r"(?P<q>下下|下个|下|这个|这|本|上个|上)?\s?周(?P<wd>[一二三四五六日天1-7])", _r_cn_weekday),
    _rule(rf"\b(?P<mon>{_MONTHS_EN})\.?\s(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s?(?P<y>\d{{4}})\b)?", _r_en_md),
    _rule(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s(?:of\s)?(?P<mon>{_MONTHS_EN})\b\.?(?:,?\s?(?P<y>\d{{4}})\b)?", _r_en_md),
    _rule(r"\b(?:the\s)?(?P<d>\d{1,2})(?:st|nd|rd|th)\b(?P<next>\s(?:of\s)?next\smonth)?", _r_en_ordinal),
    _rule(r"\b(?:the\s)?day\safter\stomorrow\b", _offset(2)),
    _rule(r"\btomorrow\b|\btmr\b", _offset(1)),
    _rule(r"\btoday\b|\btonight\b", _offset(0)),
    _rule(r"\byesterday\b", _offset(-1)),
    _rule(r"\bin\s(?P<n>\d{1,3})\sdays?\b", _in_days),
    _rule(rf"\b(?:(?P<q>this|next|coming|last)\s)?(?P<wd>{_WEEKDAYS_EN})\b(?P<nw>\snext\sweek)?", _r_en_weekday),
)
_VAGUE = re.compile(r"下个?周|下个?礼拜|\bnext\sweek\b")


def _find_date(t: str, today: dt.date) -> tuple[dt.date | DateError, tuple[int, int]] | None:
    """The leftmost (then longest) date expression in ``t``, resolved, with its span."""
    best: tuple[int, int, int, re.Match[str], _DateRule] | None = None
    for order, rule in enumerate(_DATE_RULES):
        m = rule.pattern.search(t)
        if m is None:
            continue
        key = (m.start(), -(m.end() - m.start()), order)
        if best is None or key < best[:3]:
            best = (*key, m, rule)
    if best is None:
        return None
    m, rule = best[3], best[4]
    return rule.resolve(m, today), m.span()


# --------------------------------------------------------------------------- times

_PART_WORDS = tuple((re.compile(pattern), part) for pattern, part in (
    (r"凌晨|早上|早晨|清晨|上午|明早|今早|\bmorning\b|\bin the morning\b", "morning"),
    (r"中午|\bnoon\b|\bmidday\b|\blunchtime\b", "noon"),
    (r"下午|午后|\bafternoon\b", "afternoon"),
    (r"傍晚|晚上|夜里|今晚|明晚|\bevening\b|\btonight\b", "evening"),
))
_AMPM = r"(?P<ap>a\.?\s?m\.?|p\.?\s?m\.?)"
_TIME_RULES = (
    # Chinese: 三点, 10点半, 3点一刻, 十点三十分, 十点零五, 9时
    re.compile(rf"(?P<h>{NUM})\s?(?:点钟|点|时)\s?(?P<m>半|一刻|1刻|三刻|3刻|{NUM}(?=\s?分|\D|$))?"),
    # 14:00, 2:30 pm
    re.compile(rf"(?<![\d:])(?P<h>\d{{1,2}}):(?P<m>\d{{2}})(?!\d)\s?{_AMPM}?"),
    # 2pm, 10 am
    re.compile(rf"(?<![\d:])(?P<h>\d{{1,2}})\s?{_AMPM}(?![a-z])"),
    # at 10, at 10 o'clock
    re.compile(r"\bat\s(?P<h>\d{1,2})(?!\d)(?:\s?o'?clock)?"),
    re.compile(r"(?<![\d:])(?P<h>\d{1,2})\s?o'?clock"),
    re.compile(r"\b(?P<frac>half|quarter)\spast\s(?P<h>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b"),
)
_EN_HOURS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_NOON = re.compile(r"\bnoon\b|\bmidday\b|中午12点|中午十二点")


def _part_of_day(t: str) -> str | None:
    found = [(m.start(), part) for pattern, part in _PART_WORDS if (m := pattern.search(t))]
    return min(found)[1] if found else None


def _time_of_day(t: str, part: str | None) -> dt.time | DateError | None:
    for rule in _TIME_RULES:
        m = rule.search(t)
        if not m:
            continue
        groups = m.groupdict()
        raw_h = groups["h"]
        hour = _EN_HOURS.index(raw_h) + 1 if raw_h in _EN_HOURS else cn_int(raw_h)
        minute = _minutes(groups.get("m"), groups.get("frac"))
        if hour is None or minute is None or hour > 24 or minute > 59:
            return DateError("invalid_time", m[0], m[0].strip())
        ap = (groups.get("ap") or "").replace(".", "").replace(" ", "")
        if ap and not 1 <= hour <= 12:
            return DateError("invalid_time", m[0], m[0].strip())
        hour = _resolve_hour(hour, ap, part)
        if hour == 24:
            return DateError("invalid_time", m[0], m[0].strip())
        return dt.time(hour, minute)
    if _NOON.search(t):
        return dt.time(12, 0)
    return None


def _minutes(raw: str | None, frac: str | None) -> int | None:
    if frac == "half" or raw == "半":
        return 30
    if frac == "quarter" or raw in ("一刻", "1刻"):
        return 15
    if raw in ("三刻", "3刻"):
        return 45
    if not raw:
        return 0
    return cn_int(raw)


def _resolve_hour(hour: int, ap: str, part: str | None) -> int:
    """12-hour clock to 24: am/pm first, then the part of the day, then office hours (1–6 is p.m.)."""
    if ap == "pm":
        return hour if hour == 12 else hour + 12
    if ap == "am":
        return 0 if hour == 12 else hour
    if part in ("afternoon", "evening") and 1 <= hour < 12:
        return hour + 12
    if part == "noon" and 1 <= hour <= 3:
        return hour + 12
    if part is None and 1 <= hour <= 6:
        return hour + 12
    return hour


def parse_time_of_day(text: str) -> tuple[dt.time | None, str | None] | DateError:
    """Only the time and part of the day in ``text`` (for when the day is already known)."""
    t = _normalise(text)
    part = _part_of_day(t)
    found = _find_date(t, dt.date(2000, 1, 1))
    if found is not None:
        t = _blank(t, found[1])
    time = _time_of_day(t, part)
    if isinstance(time, DateError):
        return time
    return time, part


# --------------------------------------------------------------------------- the entry point


def parse_when(text: str, now: dt.datetime, default_date: dt.date | None = None) -> When | DateError:
    """Read a date and optional time/part of day from ``text``, relative to ``now``.

    ``now`` is taken in Asia/Shanghai (a naive value is Shanghai wall-clock time). ``default_date``
    fills in the day when the text only gives a time (the conversation already knows the day).
    The result is never in the past: a past date, or today with a time or part of the day that has
    gone by, gives ``DateError("past")``.
    """
    now = to_local(now)
    today = now.date()
    t = _normalise(text)
    if not t:
        return DateError("unrecognised", text or "")
    part = _part_of_day(t)
    found = _find_date(t, today)
    rest = t
    date: dt.date | None
    if found is None:
        date = None
    else:
        resolved, span = found
        if isinstance(resolved, DateError):
            return DateError(resolved.reason, text, resolved.detail)
        date = resolved
        rest = _blank(t, span)
    time = _time_of_day(rest, part)
    if isinstance(time, DateError):
        return DateError(time.reason, text, time.detail)
    if date is None:
        if default_date is None:
            if time is None and part is None:
                return DateError("vague" if _VAGUE.search(t) else "unrecognised", text)
            return DateError("no_date", text, time=time, part=part)
        date = default_date
    when = When(date, time, part)
    if _is_past(when, now):
        return DateError("past", text, f"{date.isoformat()}{' ' + time.strftime('%H:%M') if time else ''}")
    return when


def _is_past(when: When, now: dt.datetime) -> bool:
    if when.date != now.date():
        return when.date < now.date()
    if when.time is not None:
        return dt.datetime.combine(when.date, when.time, TZ) <= now
    if when.part is not None:
        return now.time() >= PART_BOUNDS[when.part][1]
    return False
