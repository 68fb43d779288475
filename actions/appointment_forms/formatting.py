"""Saying dates, windows and appointments back to the user, and the buttons that go with them: the
appointments library returns dates, slots and reason codes, and these functions word them from the
actions' catalogue (``actions/texts.yml``)."""

from __future__ import annotations

import datetime as dt
import json

from actions.appointment_forms.common import offered_services
from actions.texts import text
from appointments.catalogue import Catalogue, Window, get_catalogue
from appointments.contacts import NAME_MAX, Invalid, mask_contact
from appointments.dates import DateError, When
from appointments.store import Appointment, FreeSlot
from appointments.workdays import to_local


def date_label(date: dt.date, lang: str) -> str:
    """``12月1日（周二）`` / ``Tue 1 Dec`` (weekday and month names from the catalogue, not the locale)."""
    return text("date_label", lang, month=text(f"month_{date.month}", lang), day=date.day,
                weekday=text(f"weekday_{date.weekday()}", lang))


def slot_label(start: dt.datetime, lang: str) -> str:
    """A slot as a button title shows it: ``12月1日（周二）10:00`` / ``Tue 1 Dec 10:00`` (Asia/Shanghai);
    typed back, the date parser reads it as the same slot."""
    start = to_local(start)
    return text("slot_label", lang, date=date_label(start.date(), lang), time=f"{start:%H:%M}")


def when_label(when: When, lang: str) -> str:
    """What the user asked for, said back: ``12月1日（周二）上午`` / ``Tue 1 Dec 10:00``."""
    day = date_label(when.date, lang)
    if when.time is not None:
        return text("slot_label", lang, date=day, time=f"{when.time:%H:%M}")
    if when.part:
        return text("date_with_part", lang, date=day, part=text(f"part_{when.part}", lang))
    return day


def date_error_text(error: DateError, lang: str) -> str:
    """Why a typed date cannot be used (:attr:`appointments.dates.DateError.reason`), with an example."""
    return text(f"date_{error.reason}", lang, detail=error.detail)


def invalid_text(invalid: Invalid, lang: str) -> str:
    """What a refused contact, name or code should look like (:attr:`appointments.contacts.Invalid.field`)."""
    return text(f"invalid_{invalid.field}", lang, max=NAME_MAX)


def window_title(window: Window, lang: str) -> str:
    return text("provincial_window", lang) if window.level == "provincial" else window.city(lang)


def hours_text(window: Window) -> str:
    return ", ".join(f"{p.start:%H:%M}–{p.end:%H:%M}" for p in window.hours)


def slot_buttons(slots: tuple[FreeSlot, ...] | list[FreeSlot], lang: str, entity: str = "booking_start") -> list[dict]:
    return [{"title": slot_label(s.start, lang) + (text("estimated_mark", lang) if s.estimated else ""),
             "payload": "/inform" + json.dumps({entity: s.start.isoformat()})} for s in slots]


def window_buttons(catalogue: Catalogue, lang: str, service_id: str | None = None,
                   windows: list[Window] | None = None) -> list[dict]:
    windows = windows if windows is not None else list(catalogue.windows.values())
    return [{"title": window_title(w, lang), "payload": "/inform" + json.dumps({"city": w.id})}
            for w in windows if service_id is None or w.offers(service_id)]


def service_buttons(catalogue: Catalogue, lang: str, window_id: str | None = None) -> list[dict]:
    return [{"title": s.name(lang), "payload": "/inform" + json.dumps({"service": s.id})}
            for s in offered_services(catalogue, window_id)]


def code_buttons(appointments: list[Appointment], lang: str) -> list[dict]:
    catalogue = get_catalogue()
    out = []
    for a in appointments:
        window = catalogue.windows.get(a.window_id)
        place = window_title(window, lang) if window else a.window_id
        out.append({"title": f"{a.display_code} · {slot_label(a.start, lang)} · {place}",
                    "payload": "/inform" + json.dumps({"appointment_code": a.code})})
    return out


def appointment_lines(a: Appointment, lang: str, with_code: bool = True, personal: bool = True) -> list[str]:
    """The summary of a booking, one fact a line: with ``personal``, the name and the masked contact
    (for the conversation that just booked); without, neither (for cancelling and rescheduling,
    which another conversation may do once it proved the contact)."""
    catalogue = get_catalogue()
    lines = [text("line_code", lang, value=a.display_code)] if with_code else []
    lines += [
        text("line_service", lang, value=catalogue.service(a.service_id).name(lang)),
        text("line_window", lang, value=catalogue.window(a.window_id).name(lang)),
        text("line_time", lang, value=slot_label(a.start, lang), minutes=int((a.end - a.start).seconds / 60)),
    ]
    if personal and a.name:
        lines.append(text("line_name", lang, value=a.name))
    if personal and a.contact:
        lines.append(text("line_contact", lang, value=mask_contact(a.contact)))
    if a.estimated:
        lines.append(text("estimated_note", lang))
    return lines


def after_booking_buttons(code: str, lang: str) -> list[dict]:
    return [
        {"title": text("button_my_appointments", lang), "payload": "/my_appointments"},
        {"title": text("button_reschedule", lang), "payload": "/reschedule_appointment" + json.dumps({"appointment_code": code})},
        {"title": text("button_cancel", lang), "payload": "/cancel_appointment" + json.dumps({"appointment_code": code})},
    ]

