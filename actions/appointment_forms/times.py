"""Picking a time: a button's start or typed text ("下周二上午") becomes an exact free slot, or a reason why
not with the nearest free slots to offer instead."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

from actions.appointment_forms import common
from actions.appointment_forms.common import CODE_IN_TEXT, N_OPTIONS, find_code, iso_start, store
from actions.appointment_forms.formatting import date_error_text, date_label, hours_text, slot_label, when_label
from actions.texts import text
from appointments.catalogue import Window
from appointments.dates import DateError, parse_when
from appointments.results import BookingStatus
from appointments.store import AppointmentStore, FreeSlot
from appointments.workdays import DayStatus


@dataclass(frozen=True)
class Pick:
    """An exact free slot start, or why not and what to offer instead."""

    start: dt.datetime | None
    text: str = ""
    slots: tuple[FreeSlot, ...] = ()


def unavailable_reason(st: AppointmentStore, status: BookingStatus, day: DayStatus | None, asked: str,
                       date: dt.date, window: Window, lang: str) -> str:
    """Why ``asked`` cannot be booked, from the store's ``status`` (and the day's, for a closed day)."""
    rules = st.catalogue.rules
    match status:
        case BookingStatus.FULL:
            return text("reason_full", lang, when=asked)
        case BookingStatus.PAST:
            return text("reason_past", lang, when=asked, minutes=rules.min_notice_minutes)
        case BookingStatus.BEYOND_HORIZON:
            return text("reason_beyond_horizon", lang, days=rules.horizon_days)
        case BookingStatus.CLOSED:
            label = date_label(date, lang)
            if day is not None and day.kind == "holiday" and day.holiday(lang):
                reason = text("reason_holiday", lang, day=label, holiday=day.holiday(lang))
            elif day is not None and day.kind == "weekend":
                reason = text("reason_weekend", lang, day=label)
            else:
                reason = text("reason_closed", lang, day=label)
            return reason + (text("reason_closed_estimated", lang) if day is not None and day.estimated else "")
        case BookingStatus.LUNCH_BREAK:
            return text("reason_lunch_break", lang, when=asked)
        case BookingStatus.OUTSIDE_HOURS:
            return text("reason_outside_hours", lang, when=asked, hours=hours_text(window))
        case _:
            return text("reason_not_slot_start", lang, minutes=window.slot_minutes)


def with_options(reason: str, slots: tuple[FreeSlot, ...], st: AppointmentStore, lang: str) -> str:
    """``reason``, then the free slots offered instead (or that there are none in the horizon)."""
    tail = text("nearest_slots", lang) if slots else text("no_free_slots", lang, days=st.catalogue.rules.horizon_days)
    return f"{reason}\n{tail}"


def pick_start(st: AppointmentStore, window_id: str, service_id: str, value: Any, lang: str) -> Pick:
    """Turn a button's ISO start or typed text ("下周二上午", "next Tuesday at 10") into a free slot."""
    window = st.catalogue.window(window_id)
    start = iso_start(value)
    if start is not None:
        a = st.check_slot(window_id, service_id, start, N_OPTIONS)
        if a.ok:
            return Pick(start)
        reason = unavailable_reason(st, a.status, a.day, slot_label(start, lang), start.date(), window, lang)
        return Pick(None, with_options(reason, a.alternatives, st, lang), a.alternatives)
    typed_when = str(value or "")
    code = find_code(typed_when)
    if code:  # "把 ABCD-2345 改到下周三" : the code is not a date
        typed_when = CODE_IN_TEXT.sub(" ", unicodedata.normalize("NFKC", typed_when))
    when = parse_when(typed_when, common.now())
    if isinstance(when, DateError):
        slots = tuple(st.nearest_free_slots(window_id, service_id, common.now(), N_OPTIONS))
        return Pick(None, with_options(date_error_text(when, lang), slots, st, lang), slots)
    offer = st.offer(window_id, service_id, when, N_OPTIONS)
    if offer.ok:
        if when.time is not None:
            return Pick(offer.slots[0].start)
        return Pick(None, text("offer_day", lang, day=when_label(when, lang)), offer.slots)
    reason = unavailable_reason(st, offer.status, offer.day, when_label(when, lang), when.date, window, lang)
    return Pick(None, with_options(reason, offer.slots, st, lang), offer.slots)


def nearest_slots(window_id: str, service_id: str) -> list[FreeSlot]:
    """The free slots to offer first: the nearest ones from now."""
    return store().nearest_free_slots(window_id, service_id, common.now(), N_OPTIONS)
