"""Booking, rescheduling and cancelling visits to the service windows (article 18), in either language.

Three forms, all on top of :mod:`appointments` (the catalogue, the date parser and the store):

* ``booking_form``: service -> window -> date and time -> consent -> (name -> contact, only with
  consent) -> a confirmation summary. The booking is made when the user confirms, inside the form,
  so a slot taken in the meantime sends the user straight back to pick another time.
* ``cancel_form``: reference code -> "really cancel?"; ``reschedule_form``: reference code -> new time
  (the move happens as soon as an exact free slot is chosen; the code stays the same).
* ``action_my_appointments`` lists this conversation's upcoming appointments with buttons.

How answers reach the forms. Every form slot has a ``custom`` mapping and is extracted here
(``extract_<slot>``) rather than by Rasa, because what counts as an answer depends on the question:

* an answer to the *question being asked* is taken whatever the NLU thought it was, unless its intent
  is a digression (:data:`DIGRESSIONS`): then nothing is extracted, the form is rejected and the
  digression rules (``data/rules/appointments.yml``) answer and resume the form;
* besides that, the opening request and the answers to the first three questions may carry the service
  (entity ``service``), the window (a city) and a date ("帮我约明天下午去大同办工作许可"): those fill
  their slots too; a date said before the window is known waits in ``booking_request``;
* buttons send ``/inform{"service"|"city"|"booking_start"|"appointment_code": ...}``.

Validators turn what was extracted into catalogue ids, an exact slot start (ISO, Asia/Shanghai) or a
reference code. When an answer cannot be used, the validator leaves a *prompt* (text and buttons) in
``appointment_prompt`` and the next question's ``action_ask_*`` shows it instead of the plain question,
so each turn is one message: "周六是周末，窗口不开放。离您要的时间最近的空闲时段：[buttons]".

Stopping: "不预约了"/"no" at a question, or "取消" (cancel_appointment) during a booking, sets
``appointment_stopped`` and the form ends with nothing saved. Refusing consent, or refusing to give a
name or contact, makes the booking anonymous.

Name, contact and code answers keep the conversation's language: "Anna Schmidt" typed in a Chinese
conversation is an answer, not a switch to English.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.appointment_texts import atext
from actions.language import reply_language
from appointments.catalogue import Catalogue, Window, get_catalogue
from appointments.contacts import Contact, Invalid, format_code, normalise_code, normalise_contact, normalise_name
from appointments.dates import DateError, When, parse_when, slot_label
from appointments.store import Appointment, AppointmentStore, FreeSlot, database_url, open_store, retention_days
from appointments.workdays import DayStatus, now_local, to_local
from bot.nlu.extraction import extractor

#: How many slots to offer as buttons.
N_OPTIONS = 4

#: Intents that are never an answer: the digression rules answer them and the form resumes.
DIGRESSIONS = frozenset({
    "ask_policy", "help", "chitchat", "out_of_scope", "switch_language", "handoff", "goodbye", "greet", "thank",
    "my_appointments", "check_eligibility",
})
#: A name can look like anything to the NLU ("Anna Schmidt" as chitchat): only clear requests are not names.
NAME_DIGRESSIONS = DIGRESSIONS - {"chitchat", "out_of_scope", "greet"}
#: Intents that may carry the service, window or date of a booking in passing.
CARRIERS = frozenset({"book_appointment", "inform", "nlu_fallback", "reschedule_appointment"})

#: The NLU's ``service`` entity values (KB concepts) that name a catalogue service under another id.
SERVICE_ENTITY = {"green_card": "talent_green_card", "hospital": "medical_appointment"}

BOOKING_SLOTS = ("booking_service", "booking_window", "booking_start", "booking_consent", "booking_name",
                 "booking_contact", "booking_confirmed")
#: Every slot of this module, cleared before a new booking/cancel/reschedule and after each one.
ALL_SLOTS = (*BOOKING_SLOTS, "booking_request", "booking_code", "booking_repeated", "appointment_code",
             "cancel_confirmed", "reschedule_start", "appointment_prompt", "appointment_stopped")


# --------------------------------------------------------------------------- the store and the clock


def now() -> dt.datetime:
    """The current time in Asia/Shanghai (tests replace this)."""
    return now_local()


_stores: dict[str, AppointmentStore] = {}


def store() -> AppointmentStore:
    """The store for ``APPOINTMENTS_DATABASE_URL``, opened once per URL and catalogue."""
    url = database_url()
    cached = _stores.get(url)
    if cached is None or cached.catalogue is not get_catalogue():
        cached = _stores[url] = open_store(url, clock=lambda: now())
    return cached


# --------------------------------------------------------------------------- reading answers


def _intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _typed(tracker: Tracker) -> str:
    """The latest message's text, or "" for a button payload ("/inform{...}")."""
    text = (tracker.latest_message.get("text") or "").strip()
    return "" if text.startswith("/") else text


def _entity(tracker: Tracker, name: str) -> Any:
    return next(tracker.get_latest_entity_values(name), None)


def _previous_language(tracker: Tracker) -> str | None:
    """The conversation's language before the latest user message."""
    events = tracker.events or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=None)
    if last_user is None:
        return None
    return next((e.get("value") for e in reversed(events[:last_user])
                 if e.get("event") == "slot" and e.get("name") == "language" and e.get("value")), None)


def _keep_language(tracker: Tracker) -> tuple[str, dict[str, Any]]:
    """For answers that are names, contacts or codes: the language before them, and the slot to restore it."""
    if tracker.get_slot("language_pref"):
        return tracker.get_slot("language_pref"), {}
    before = _previous_language(tracker)
    if before in ("zh", "en") and before != tracker.get_slot("language"):
        return before, {"language": before}
    return reply_language(tracker), {}


_CODE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{4}[-\s]?[A-Za-z0-9]{4}(?![A-Za-z0-9])")


def find_code(text: str) -> str | None:
    """A reference code in ``text`` ("取消 abcd-2345"), normalised; words like "schedule" are not codes:
    a code has a digit, a dash or is typed in capitals."""
    text = unicodedata.normalize("NFKC", text or "")
    for m in _CODE_IN_TEXT.finditer(text):
        raw = m.group(0)
        if any(ch.isdigit() for ch in raw) or "-" in raw or raw.isupper():
            code = normalise_code(raw)
            if code:
                return code
    return None


_EMAIL_IN_TEXT = re.compile(r"[^\s<>()\[\],;:，；：（）“”\"']+@[^\s<>()\[\],;:，；：（）“”\"'。]+")
_PHONE_IN_TEXT = re.compile(r"(?:\+|00)?\d[\d\s\-()]{6,}\d")


def find_contact(text: str) -> Contact | Invalid:
    """An e-mail address or phone number in ``text`` ("我的邮箱是 a@b.cn"), normalised."""
    text = unicodedata.normalize("NFKC", text or "").strip().rstrip("。.!！")
    whole = normalise_contact(text)
    if isinstance(whole, Contact):
        return whole
    for pattern in (_EMAIL_IN_TEXT, _PHONE_IN_TEXT):
        for m in pattern.finditer(text):
            found = normalise_contact(m.group(0).rstrip("."))
            if isinstance(found, Contact):
                return found
    return whole


_NAME_PREFIX = re.compile(
    r"^(?:我的名字是|我的名字叫|我名字叫|名字是|名字叫|我叫|姓名是|姓名[:：]?|我是|"
    r"my name is|my name's|name is|name:|i am|i'm|this is)\s*", re.I)


def clean_name(text: str) -> str:
    """"我叫张伟。" -> "张伟"; "My name is Anna Schmidt" -> "Anna Schmidt"."""
    return _NAME_PREFIX.sub("", (text or "").strip()).strip().rstrip("。.!！")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold().strip()


def resolve_service(value: Any, catalogue: Catalogue, window_id: str | None = None) -> str | None:
    """A catalogue service id from a button id, an NLU entity value, a typed name or a button number."""
    v = str(value or "").strip()
    if v in catalogue.services:
        return v
    if v in SERVICE_ENTITY:
        return SERVICE_ENTITY[v]
    offered = _services(catalogue, window_id)
    if v.isdigit():
        n = int(v)
        return offered[n - 1].id if 1 <= n <= len(offered) else None
    for e in extractor().extract(v):
        if e.entity == "service":
            sid = e.value if e.value in catalogue.services else SERVICE_ENTITY.get(e.value)
            if sid:
                return sid
    folded = _fold(v)
    if len(folded) < 2:
        return None
    hits = [s for s in offered if folded in _fold(s.name_zh) or folded in _fold(s.name_en)]
    return hits[0].id if len(hits) == 1 else None


def _services(catalogue: Catalogue, window_id: str | None) -> list:
    window = catalogue.windows.get(window_id) if window_id else None
    return [s for s in catalogue.services.values() if window is None or window.offers(s.id)]


def _iso(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", value):
        return None
    try:
        return to_local(dt.datetime.fromisoformat(value))
    except ValueError:
        return None


# --------------------------------------------------------------------------- formatting


def date_label(date: dt.date, lang: str) -> str:
    """``12月1日（周二）`` / ``Tue 1 Dec``."""
    weekday = "一二三四五六日"[date.weekday()]
    if lang == "zh":
        return f"{date.month}月{date.day}日（周{weekday}）"
    month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")[date.month - 1]
    return f"{('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')[date.weekday()]} {date.day} {month}"


_PART_LABEL = {"morning": ("上午", "morning"), "noon": ("中午", "noon"), "afternoon": ("下午", "afternoon"),
               "evening": ("晚上", "evening")}


def when_label(when: When, lang: str) -> str:
    """What the user asked for, said back: ``12月1日（周二）上午`` / ``Tue 1 Dec 10:00``."""
    day = date_label(when.date, lang)
    if when.time is not None:
        return f"{day}{'' if lang == 'zh' else ' '}{when.time:%H:%M}"
    if when.part:
        zh, en = _PART_LABEL[when.part]
        return f"{day}{zh}" if lang == "zh" else f"{day} {en}"
    return day


def window_title(window: Window, lang: str) -> str:
    return atext("provincial_window", lang) if window.level == "provincial" else window.city(lang)


def hours_text(window: Window) -> str:
    return ", ".join(f"{p.start:%H:%M}–{p.end:%H:%M}" for p in window.hours)


def slot_buttons(slots: tuple[FreeSlot, ...] | list[FreeSlot], lang: str, entity: str = "booking_start") -> list[dict]:
    return [{"title": slot_label(s.start, lang) + (atext("estimated_mark", lang) if s.estimated else ""),
             "payload": "/inform" + json.dumps({entity: s.start.isoformat()})} for s in slots]


def window_buttons(catalogue: Catalogue, lang: str, service_id: str | None = None,
                   windows: list[Window] | None = None) -> list[dict]:
    windows = windows if windows is not None else list(catalogue.windows.values())
    return [{"title": window_title(w, lang), "payload": "/inform" + json.dumps({"city": w.id})}
            for w in windows if service_id is None or w.offers(service_id)]


def service_buttons(catalogue: Catalogue, lang: str, window_id: str | None = None) -> list[dict]:
    return [{"title": s.name(lang), "payload": "/inform" + json.dumps({"service": s.id})}
            for s in _services(catalogue, window_id)]


def code_buttons(appointments: list[Appointment], lang: str) -> list[dict]:
    catalogue = get_catalogue()
    out = []
    for a in appointments:
        window = catalogue.windows.get(a.window_id)
        place = window_title(window, lang) if window else a.window_id
        out.append({"title": f"{a.display_code} · {slot_label(a.start, lang)} · {place}",
                    "payload": "/inform" + json.dumps({"appointment_code": a.code})})
    return out


def appointment_lines(a: Appointment, lang: str, with_code: bool = True) -> list[str]:
    """The summary of a booking, one fact a line."""
    catalogue = get_catalogue()
    lines = [atext("line_code", lang, value=a.display_code)] if with_code else []
    lines += [
        atext("line_service", lang, value=catalogue.service(a.service_id).name(lang)),
        atext("line_window", lang, value=catalogue.window(a.window_id).name(lang)),
        atext("line_time", lang, value=slot_label(a.start, lang), minutes=int((a.end - a.start).seconds / 60)),
    ]
    if a.name:
        lines.append(atext("line_name", lang, value=a.name))
    if a.contact:
        lines.append(atext("line_contact", lang, value=a.contact))
    if a.estimated:
        lines.append(atext("estimated_note", lang))
    return lines


def after_booking_buttons(code: str, lang: str) -> list[dict]:
    return [
        {"title": atext("button_my_appointments", lang), "payload": "/my_appointments"},
        {"title": atext("button_reschedule", lang), "payload": "/reschedule_appointment" + json.dumps({"appointment_code": code})},
        {"title": atext("button_cancel", lang), "payload": "/cancel_appointment" + json.dumps({"appointment_code": code})},
    ]


# --------------------------------------------------------------------------- picking a time


@dataclass(frozen=True)
class Pick:
    """An exact free slot start, or why not and what to offer instead."""

    start: dt.datetime | None
    text: str = ""
    slots: tuple[FreeSlot, ...] = ()


def _unavailable(st: AppointmentStore, status: str, day: DayStatus | None, asked: str, date: dt.date,
                 window: Window, lang: str) -> str:
    rules = st.catalogue.rules
    if status == "full":
        return atext("reason_full", lang, when=asked)
    if status == "past":
        return atext("reason_past", lang, when=asked, minutes=rules.min_notice_minutes)
    if status == "beyond_horizon":
        return atext("reason_beyond_horizon", lang, days=rules.horizon_days)
    if status == "closed":
        label = date_label(date, lang)
        if day is not None and day.kind == "holiday" and day.holiday(lang):
            reason = atext("reason_holiday", lang, day=label, holiday=day.holiday(lang))
        elif day is not None and day.kind == "weekend":
            reason = atext("reason_weekend", lang, day=label)
        else:
            reason = atext("reason_closed", lang, day=label)
        return reason + (atext("reason_closed_estimated", lang) if day is not None and day.estimated else "")
    if status == "lunch_break":
        return atext("reason_lunch_break", lang, when=asked)
    if status == "outside_hours":
        return atext("reason_outside_hours", lang, when=asked, hours=hours_text(window))
    return atext("reason_not_slot_start", lang, minutes=window.slot_minutes)


def _with_options(reason: str, slots: tuple[FreeSlot, ...], st: AppointmentStore, lang: str) -> str:
    tail = atext("nearest_slots", lang) if slots else atext("no_free_slots", lang, days=st.catalogue.rules.horizon_days)
    return f"{reason}\n{tail}"


def pick_start(st: AppointmentStore, window_id: str, service_id: str, value: Any, lang: str) -> Pick:
    """Turn a button's ISO start or typed text ("下周二上午", "next Tuesday at 10") into a free slot."""
    window = st.catalogue.window(window_id)
    start = _iso(value)
    if start is not None:
        a = st.check_slot(window_id, service_id, start, N_OPTIONS)
        if a.ok:
            return Pick(start)
        reason = _unavailable(st, a.status, a.day, slot_label(start, lang), start.date(), window, lang)
        return Pick(None, _with_options(reason, a.alternatives, st, lang), a.alternatives)
    text = str(value or "")
    code = find_code(text)
    if code:  # "把 ABCD-2345 改到下周三" : the code is not a date
        text = _CODE_IN_TEXT.sub(" ", unicodedata.normalize("NFKC", text))
    when = parse_when(text, now())
    if isinstance(when, DateError):
        slots = tuple(st.nearest_free_slots(window_id, service_id, now(), N_OPTIONS))
        return Pick(None, _with_options(when.message(lang), slots, st, lang), slots)
    offer = st.offer(window_id, service_id, when, N_OPTIONS)
    if offer.ok:
        if when.time is not None:
            return Pick(offer.slots[0].start)
        return Pick(None, atext("offer_day", lang, day=when_label(when, lang)), offer.slots)
    reason = _unavailable(st, offer.status, offer.day, when_label(when, lang), when.date, window, lang)
    return Pick(None, _with_options(reason, offer.slots, st, lang), offer.slots)


# --------------------------------------------------------------------------- prompts


def _prompt(tracker: Tracker, slot: str, text: str, buttons: list[dict] | None = None) -> dict[str, Any]:
    """Leave ``text`` (and buttons) for the next ``action_ask_<slot>``, in place of its plain question."""
    prompts = dict(tracker.get_slot("appointment_prompt") or {})
    prompts[slot] = {"text": text, "buttons": buttons or []}
    return {"appointment_prompt": prompts}


def _take_prompt(tracker: Tracker, slot: str) -> tuple[dict | None, list[EventType]]:
    prompts = dict(tracker.get_slot("appointment_prompt") or {})
    found = prompts.pop(slot, None)
    return found, ([SlotSet("appointment_prompt", prompts or None)] if found else [])


# --------------------------------------------------------------------------- the forms' validators


class _AppointmentForm(FormValidationAction, ABC):
    """What the three forms share: who may answer, stopping, and the reference code."""

    @abstractmethod
    def name(self) -> str: ...

    #: Intents that stop this form when they answer one of ``stop_slots``.
    stop_intents: frozenset[str] = frozenset({"deny", "cancel_appointment"})
    stop_slots: frozenset[str] = frozenset()

    def digressions(self, tracker: Tracker) -> frozenset[str]:
        return DIGRESSIONS

    def _answer(self, tracker: Tracker, slot: str, excluded: frozenset[str] | None = None) -> str | None:
        """The latest message as an answer to ``slot``, if that is the question being asked."""
        if tracker.get_slot("requested_slot") != slot:
            return None
        if _intent(tracker) in (excluded if excluded is not None else self.digressions(tracker)):
            return None
        return tracker.latest_message.get("text") or ""

    def _stopping(self, tracker: Tracker, slot: str) -> bool:
        return (tracker.get_slot("requested_slot") == slot and slot in self.stop_slots
                and _intent(tracker) in self.stop_intents)

    @staticmethod
    def _stop(slot: str) -> dict[str, Any]:
        return {slot: None, "appointment_stopped": True}

    # the reference code (cancel_form, reschedule_form)

    async def extract_appointment_code(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        button = _entity(tracker, "appointment_code")
        if button:
            return {"appointment_code": str(button)}
        if _intent(tracker) in ("handoff", "goodbye"):
            return {}
        code = find_code(_typed(tracker))
        if code:
            return {"appointment_code": code}
        answer = self._answer(tracker, "appointment_code")
        return {} if answer is None else {"appointment_code": answer}

    async def validate_appointment_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        if self._stopping(tracker, "appointment_code"):
            return self._stop("appointment_code")
        lang, keep = _keep_language(tracker)
        code = find_code(str(value or "")) or normalise_code(str(value or ""))
        if code is None:
            return {"appointment_code": None, **keep,
                    **_prompt(tracker, "appointment_code", Invalid("code", "bad_code").message(lang))}
        found = store().get(code)
        problem = None
        if found is None:
            problem = "code_not_found"
        elif found.status != "booked":
            problem = "code_cancelled"
        elif found.start < now():
            problem = "code_past"
        if problem:
            return {"appointment_code": None, **keep,
                    **_prompt(tracker, "appointment_code", atext(problem, lang, code=format_code(code)))}
        return {"appointment_code": code, **keep}


class ValidateBookingForm(_AppointmentForm):
    stop_slots = frozenset({"booking_service", "booking_window", "booking_start", "booking_confirmed"})

    def name(self) -> str:
        return "validate_booking_form"

    def digressions(self, tracker: Tracker) -> frozenset[str]:
        return DIGRESSIONS | {"reschedule_appointment"}

    def _stopping(self, tracker: Tracker, slot: str) -> bool:
        # "取消" stops a booking at any question; "no" only where it cannot mean something else
        return tracker.get_slot("requested_slot") == slot and (
            _intent(tracker) == "cancel_appointment" or super()._stopping(tracker, slot))

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("appointment_stopped"):
            return []
        slots = ["booking_service", "booking_window", "booking_start", "booking_consent"]
        if tracker.get_slot("booking_consent") is True:
            slots += ["booking_name", "booking_contact"]
        return [*slots, "booking_confirmed"]

    def _in_passing(self, tracker: Tracker) -> bool:
        """May this message carry the service, window or date although another question is asked?"""
        return tracker.get_slot("requested_slot") in (None, "booking_service", "booking_window", "booking_start") \
            and _intent(tracker) in CARRIERS

    # service

    async def extract_booking_service(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        answer = self._answer(tracker, "booking_service")
        if answer is not None or self._in_passing(tracker):
            entity = _entity(tracker, "service")
            sid = resolve_service(entity, get_catalogue()) if entity else None
            if sid:
                return {"booking_service": sid}
        return {} if answer is None else {"booking_service": answer}

    async def validate_booking_service(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        if self._stopping(tracker, "booking_service"):
            return self._stop("booking_service")
        lang = reply_language(tracker)
        catalogue = get_catalogue()
        window_id = tracker.get_slot("booking_window")
        sid = resolve_service(value, catalogue)
        if sid is None:
            return {"booking_service": None, **_prompt(
                tracker, "booking_service", atext("unknown_service", lang), service_buttons(catalogue, lang, window_id))}
        window = catalogue.windows.get(window_id) if window_id else None
        if window is not None and not window.offers(sid):  # keep the service, ask for another window
            text = atext("service_not_offered", lang, window=window.name(lang), service=catalogue.service(sid).name(lang))
            return {"booking_service": sid, "booking_window": None,
                    **_prompt(tracker, "booking_window", text, window_buttons(catalogue, lang, sid))}
        return {"booking_service": sid}

    # window

    async def extract_booking_window(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> dict[str, Any]:
        button = _entity(tracker, "city") if (tracker.latest_message.get("text") or "").startswith("/") else None
        if button:
            return {"booking_window": str(button)}
        answer = self._answer(tracker, "booking_window")
        if answer is not None:
            return {"booking_window": answer}
        found = get_catalogue().find_windows(_typed(tracker)) if self._in_passing(tracker) else []
        if len(found) == 1 or (found and tracker.get_slot("booking_window") is None):
            return {"booking_window": _typed(tracker)}  # ambiguous "太原" only while no window is chosen
        return {}

    async def validate_booking_window(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        if self._stopping(tracker, "booking_window"):
            return self._stop("booking_window")
        lang = reply_language(tracker)
        catalogue = get_catalogue()
        service_id = tracker.get_slot("booking_service")
        text = str(value or "")
        found = [catalogue.windows[text]] if text in catalogue.windows else catalogue.find_windows(text)
        if len(found) > 1:
            return {"booking_window": None, **_prompt(
                tracker, "booking_window", atext("ambiguous_window", lang, text=found[0].city(lang)),
                window_buttons(catalogue, lang, service_id, found))}
        if not found:
            return {"booking_window": None, **_prompt(
                tracker, "booking_window", atext("unknown_window", lang), window_buttons(catalogue, lang, service_id))}
        window = found[0]
        if service_id and not window.offers(service_id):
            text = atext("service_not_offered", lang, window=window.name(lang),
                         service=catalogue.service(service_id).name(lang))
            return {"booking_window": None,
                    **_prompt(tracker, "booking_window", text, window_buttons(catalogue, lang, service_id))}
        return {"booking_window": window.id}

    # date and time

    async def extract_booking_start(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        button = _entity(tracker, "booking_start")
        if button:
            return {"booking_start": str(button)}
        answer = self._answer(tracker, "booking_start")
        if answer is not None:
            return {"booking_start": answer}
        if self._in_passing(tracker) and _typed(tracker) and not isinstance(parse_when(_typed(tracker), now()), DateError):
            return {"booking_start": _typed(tracker)}
        pending = tracker.get_slot("booking_request")
        if pending and tracker.get_slot("booking_start") is None and _intent(tracker) not in self.digressions(tracker):
            return {"booking_start": pending}
        return {}

    async def validate_booking_start(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> dict[str, Any]:
        if self._stopping(tracker, "booking_start"):
            return self._stop("booking_start")
        window_id, service_id = tracker.get_slot("booking_window"), tracker.get_slot("booking_service")
        if not (window_id and service_id):  # "明天下午" before the window is known: keep it for later
            return {"booking_start": None, "booking_request": value}
        lang = reply_language(tracker)
        pick = pick_start(store(), window_id, service_id, value, lang)
        if pick.start is not None:
            return {"booking_start": pick.start.isoformat(), "booking_request": None}
        return {"booking_start": None, "booking_request": None,
                **_prompt(tracker, "booking_start", pick.text, slot_buttons(pick.slots, lang))}

    # consent, name, contact

    async def extract_booking_consent(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        answer = self._answer(tracker, "booking_consent")
        if answer is None:
            return {}
        intent = _intent(tracker)
        return {"booking_consent": True if intent == "affirm" else False if intent in ("deny", "skip") else answer}

    async def validate_booking_consent(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        if self._stopping(tracker, "booking_consent"):
            return self._stop("booking_consent")
        if isinstance(value, bool):
            return {"booking_consent": value, **({} if value else {"booking_name": None, "booking_contact": None})}
        return {"booking_consent": None,
                **_prompt(tracker, "booking_consent", atext("consent_unclear", reply_language(tracker)))}

    async def extract_booking_name(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        answer = self._answer(tracker, "booking_name", NAME_DIGRESSIONS)
        return {} if answer is None else {"booking_name": answer}

    def _anonymous(self, tracker: Tracker, lang: str) -> dict[str, Any]:
        """The user would rather not give a name or contact: no personal data at all."""
        return {"booking_consent": False, "booking_name": None, "booking_contact": None,
                **_prompt(tracker, "booking_confirmed", atext("name_refused", lang))}

    async def validate_booking_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        if self._stopping(tracker, "booking_name"):
            return self._stop("booking_name")
        lang, keep = _keep_language(tracker)
        if _intent(tracker) in ("deny", "skip"):
            return {**self._anonymous(tracker, lang), **keep}
        name = normalise_name(clean_name(str(value or "")))
        if isinstance(name, Invalid):
            return {"booking_name": None, **keep, **_prompt(tracker, "booking_name", name.message(lang))}
        return {"booking_name": name, **keep}

    async def extract_booking_contact(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        answer = self._answer(tracker, "booking_contact")
        if answer is None and tracker.get_slot("requested_slot") == "booking_contact" \
                and _intent(tracker) not in ("handoff", "goodbye") and isinstance(find_contact(_typed(tracker)), Contact):
            answer = _typed(tracker)  # an e-mail or phone number is an answer whatever the NLU thought
        return {} if answer is None else {"booking_contact": answer}

    async def validate_booking_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        if self._stopping(tracker, "booking_contact"):
            return self._stop("booking_contact")
        lang, keep = _keep_language(tracker)
        if _intent(tracker) in ("deny", "skip"):
            return {**self._anonymous(tracker, lang), **keep}
        contact = find_contact(str(value or ""))
        if isinstance(contact, Invalid):
            return {"booking_contact": None, **keep, **_prompt(tracker, "booking_contact", contact.message(lang))}
        return {"booking_contact": contact.value, **keep}

    # confirmation: the booking itself

    async def extract_booking_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        answer = self._answer(tracker, "booking_confirmed")
        if answer is None:
            return {}
        intent = _intent(tracker)
        return {"booking_confirmed": True if intent == "affirm" else False if intent == "deny" else answer}

    async def validate_booking_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                         domain: DomainDict) -> dict[str, Any]:
        if self._stopping(tracker, "booking_confirmed") or value is False:
            return {"booking_confirmed": False, "appointment_stopped": True}
        lang = reply_language(tracker)
        if value is not True:
            return {"booking_confirmed": None, **_prompt(tracker, "booking_confirmed", atext("confirm_unclear", lang))}
        consent = tracker.get_slot("booking_consent") is True
        st = store()
        result = st.book(
            window_id=tracker.get_slot("booking_window"), service_id=tracker.get_slot("booking_service"),
            start=_iso(tracker.get_slot("booking_start")), consent=consent,
            name=tracker.get_slot("booking_name") if consent else None,
            contact=tracker.get_slot("booking_contact") if consent else None,
            lang=lang, conversation_id=tracker.sender_id,
        )
        if result.ok:
            assert result.appointment is not None
            return {"booking_confirmed": True, "booking_code": result.appointment.code,
                    "booking_repeated": result.repeated}
        if result.status == "busy":
            return {"booking_confirmed": None, **_prompt(tracker, "booking_confirmed", atext("busy", lang))}
        # taken in the meantime (or no longer bookable): choose again
        window = st.catalogue.window(tracker.get_slot("booking_window"))
        start = _iso(tracker.get_slot("booking_start"))
        reason = _unavailable(st, result.status, result.day, slot_label(start, lang), start.date(), window, lang) \
            if start is not None else atext("confirm_unclear", lang)
        return {"booking_confirmed": None, "booking_start": None, **_prompt(
            tracker, "booking_start", _with_options(reason, result.alternatives, st, lang),
            slot_buttons(result.alternatives, lang))}


class ValidateCancelForm(_AppointmentForm):
    stop_slots = frozenset({"appointment_code", "cancel_confirmed"})

    def name(self) -> str:
        return "validate_cancel_form"

    def digressions(self, tracker: Tracker) -> frozenset[str]:
        return DIGRESSIONS | {"book_appointment"}

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        return [] if tracker.get_slot("appointment_stopped") else ["appointment_code", "cancel_confirmed"]

    async def extract_cancel_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        answer = self._answer(tracker, "cancel_confirmed")
        if answer is None:
            return {}
        intent = _intent(tracker)
        return {"cancel_confirmed": True if intent in ("affirm", "cancel_appointment") else False if intent == "deny" else answer}

    def _stopping(self, tracker: Tracker, slot: str) -> bool:
        return tracker.get_slot("requested_slot") == slot and slot in self.stop_slots and _intent(tracker) == "deny"

    async def validate_cancel_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        if value is True:
            return {"cancel_confirmed": True}
        if value is False:
            return {"cancel_confirmed": False, "appointment_stopped": True}
        return {"cancel_confirmed": None,
                **_prompt(tracker, "cancel_confirmed", atext("cancel_confirm_unclear", reply_language(tracker)))}


class ValidateRescheduleForm(_AppointmentForm):
    stop_slots = frozenset({"appointment_code", "reschedule_start"})

    def name(self) -> str:
        return "validate_reschedule_form"

    def digressions(self, tracker: Tracker) -> frozenset[str]:
        # a date answer may look like a booking request ("下周二上午"): it is one only at the code question
        extra = set() if tracker.get_slot("requested_slot") == "reschedule_start" else {"book_appointment"}
        return DIGRESSIONS | extra

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        return [] if tracker.get_slot("appointment_stopped") else ["appointment_code", "reschedule_start"]

    async def extract_reschedule_start(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        button = _entity(tracker, "booking_start")
        if button:
            return {"reschedule_start": str(button)}
        answer = self._answer(tracker, "reschedule_start")
        if answer is not None:
            return {"reschedule_start": answer}
        typed = _typed(tracker)
        if tracker.get_slot("requested_slot") in (None, "appointment_code") and _intent(tracker) in CARRIERS | {"inform"} \
                and typed and not isinstance(parse_when(_CODE_IN_TEXT.sub(" ", typed), now()), DateError):
            return {"reschedule_start": typed}
        pending = tracker.get_slot("booking_request")
        if pending and tracker.get_slot("reschedule_start") is None and _intent(tracker) not in self.digressions(tracker):
            return {"reschedule_start": pending}
        return {}

    async def validate_reschedule_start(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        if self._stopping(tracker, "reschedule_start"):
            return self._stop("reschedule_start")
        code = tracker.get_slot("appointment_code")
        st = store()
        current = st.get(code) if code else None
        if current is None:  # the time came with the request, before the code was checked
            return {"reschedule_start": None, "booking_request": value}
        lang = reply_language(tracker)
        pick = pick_start(st, current.window_id, current.service_id, value, lang)
        if pick.start is not None:
            result = st.reschedule(code, pick.start)
            if result.ok:
                return {"reschedule_start": pick.start.isoformat(), "booking_request": None}
            window = st.catalogue.window(current.window_id)
            if result.status == "busy":
                text = atext("busy", lang)
            else:
                reason = _unavailable(st, result.status, result.day, slot_label(pick.start, lang), pick.start.date(),
                                      window, lang)
                text = _with_options(reason, result.alternatives, st, lang)
            pick = Pick(None, text, result.alternatives)
        return {"reschedule_start": None, "booking_request": None,
                **_prompt(tracker, "reschedule_start", pick.text, slot_buttons(pick.slots, lang))}


# --------------------------------------------------------------------------- asking


class _Ask(Action, ABC):
    """Asks for one slot: the validator's prompt if it left one, else the plain question."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    @abstractmethod
    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        prompt, events = _take_prompt(tracker, self.slot)
        if prompt and prompt["buttons"]:
            dispatcher.utter_message(text=prompt["text"], buttons=prompt["buttons"])
            return events
        text, buttons = self.question(tracker, lang)
        if prompt:
            text = f"{prompt['text']}\n{text}"
        dispatcher.utter_message(text=text, buttons=buttons or None)
        return events


class AskBookingService(_Ask):
    slot = "booking_service"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return atext("ask_service", lang), service_buttons(get_catalogue(), lang, tracker.get_slot("booking_window"))


class AskBookingWindow(_Ask):
    slot = "booking_window"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return atext("ask_window", lang), window_buttons(get_catalogue(), lang, tracker.get_slot("booking_service"))


def _nearest(window_id: str, service_id: str) -> list[FreeSlot]:
    return store().nearest_free_slots(window_id, service_id, now(), N_OPTIONS)


class AskBookingStart(_Ask):
    slot = "booking_start"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        slots = _nearest(tracker.get_slot("booking_window"), tracker.get_slot("booking_service"))
        return atext("ask_start" if slots else "ask_start_none", lang), slot_buttons(slots, lang)


class AskBookingConsent(_Ask):
    slot = "booking_consent"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return atext("ask_consent", lang, days=retention_days()), [
            {"title": atext("button_agree", lang), "payload": "/affirm"},
            {"title": atext("button_anonymous", lang), "payload": "/deny"},
        ]


class AskBookingName(_Ask):
    slot = "booking_name"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return atext("ask_name", lang), []


class AskBookingContact(_Ask):
    slot = "booking_contact"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return atext("ask_contact", lang), []


class AskBookingConfirmed(_Ask):
    slot = "booking_confirmed"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        catalogue = get_catalogue()
        start = _iso(tracker.get_slot("booking_start"))
        window = catalogue.window(tracker.get_slot("booking_window"))
        lines = [
            atext("ask_confirm", lang),
            atext("line_service", lang, value=catalogue.service(tracker.get_slot("booking_service")).name(lang)),
            atext("line_window", lang, value=window.name(lang)),
            atext("line_time", lang, value=slot_label(start, lang) if start else "?", minutes=window.slot_minutes),
        ]
        if tracker.get_slot("booking_consent") is True:
            lines += [atext("line_name", lang, value=tracker.get_slot("booking_name") or ""),
                      atext("line_contact", lang, value=tracker.get_slot("booking_contact") or "")]
        else:
            lines.append(atext("line_anonymous", lang))
        if start is not None and store().schedule.day(window.id, start.date()).estimated:
            lines.append(atext("estimated_note", lang))
        return "\n".join(lines), [
            {"title": atext("button_confirm", lang), "payload": "/affirm"},
            {"title": atext("button_no_booking", lang), "payload": "/deny"},
        ]


class _AskCode(_Ask, ABC):
    slot = "appointment_code"
    key = ""

    @abstractmethod
    def name(self) -> str: ...

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        mine = store().list_for_conversation(tracker.sender_id)
        text = atext(self.key, lang)
        if mine:
            text += "\n" + atext("ask_code_yours", lang)
        return text, code_buttons(mine, lang)


class AskCancelCode(_AskCode):
    key = "ask_code_cancel"

    def name(self) -> str:
        return "action_ask_cancel_form_appointment_code"


class AskRescheduleCode(_AskCode):
    key = "ask_code_reschedule"

    def name(self) -> str:
        return "action_ask_reschedule_form_appointment_code"


class AskCancelConfirmed(_Ask):
    slot = "cancel_confirmed"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        current = store().get(tracker.get_slot("appointment_code") or "")
        lines = [atext("ask_cancel_confirm", lang), *(appointment_lines(current, lang) if current else [])]
        return "\n".join(lines), [
            {"title": atext("button_cancel_it", lang), "payload": "/affirm"},
            {"title": atext("button_keep_it", lang), "payload": "/deny"},
        ]


class AskRescheduleStart(_Ask):
    slot = "reschedule_start"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        current = store().get(tracker.get_slot("appointment_code") or "")
        if current is None:
            return atext("ask_start_none", lang), []
        slots = [s for s in _nearest(current.window_id, current.service_id) if s.start != current.start]
        window = get_catalogue().window(current.window_id)
        return atext("ask_reschedule_start", lang, code=current.display_code, slot=slot_label(current.start, lang),
                     window=window_title(window, lang)), slot_buttons(slots, lang)


# --------------------------------------------------------------------------- outcomes


def _reset() -> list[EventType]:
    return [SlotSet(slot, None) for slot in ALL_SLOTS]


class ActionAppointmentReset(Action):
    """Clears every booking slot (before a new booking, cancel or reschedule starts): nothing stale is reused."""

    def name(self) -> str:
        return "action_appointment_reset"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return _reset()


class ActionBookingResult(Action):
    """After booking_form: the reference code and the window's details, or "nothing was booked"."""

    def name(self) -> str:
        return "action_booking_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        code = tracker.get_slot("booking_code")
        booked = store().get(code) if code and tracker.get_slot("booking_confirmed") else None
        if booked is None:
            dispatcher.utter_message(text=atext("booking_stopped", lang),
                                     buttons=[{"title": atext("button_book", lang), "payload": "/book_appointment"}])
            return _reset()
        head = atext("booked_repeated" if tracker.get_slot("booking_repeated") else "booked", lang,
                     code=booked.display_code)
        body = appointment_lines(booked, lang, with_code=False)
        contact = get_catalogue().contact_text(booked.window_id, lang)
        dispatcher.utter_message(text="\n".join([head, *body, contact]),
                                 buttons=after_booking_buttons(booked.code, lang))
        return _reset()


class ActionCancelResult(Action):
    def name(self) -> str:
        return "action_cancel_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        code = tracker.get_slot("appointment_code")
        if not code or tracker.get_slot("cancel_confirmed") is not True:
            dispatcher.utter_message(text=atext("kept", lang, code=format_code(code)) if code
                                     else atext("nothing_changed", lang))
            return _reset()
        result = store().cancel(code)
        shown = format_code(code)
        if result.ok:
            a = result.appointment
            assert a is not None
            text = atext("cancelled", lang, code=shown, slot=slot_label(a.start, lang),
                         window=window_title(get_catalogue().window(a.window_id), lang))
        else:
            text = atext(f"cancel_failed_{result.status}", lang, code=shown)
        dispatcher.utter_message(text=text, buttons=[{"title": atext("button_book", lang), "payload": "/book_appointment"}])
        return _reset()


class ActionRescheduleResult(Action):
    def name(self) -> str:
        return "action_reschedule_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        code = tracker.get_slot("appointment_code")
        moved = store().get(code) if code and tracker.get_slot("reschedule_start") else None
        if moved is None:
            dispatcher.utter_message(text=atext("kept", lang, code=format_code(code)) if code
                                     else atext("nothing_changed", lang))
            return _reset()
        text = atext("rescheduled", lang, code=moved.display_code, slot=slot_label(moved.start, lang),
                     window=window_title(get_catalogue().window(moved.window_id), lang))
        if moved.estimated:
            text += "\n" + atext("estimated_note", lang)
        dispatcher.utter_message(text=text, buttons=after_booking_buttons(moved.code, lang))
        return _reset()


class ActionMyAppointments(Action):
    """This conversation's upcoming appointments, each with reschedule and cancel buttons."""

    def name(self) -> str:
        return "action_my_appointments"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        mine = store().list_for_conversation(tracker.sender_id)
        if not mine:
            dispatcher.utter_message(text=atext("my_none", lang),
                                     buttons=[{"title": atext("button_book", lang), "payload": "/book_appointment"}])
            return []
        catalogue = get_catalogue()
        lines = [atext("my_list", lang)]
        buttons: list[dict] = []
        for i, a in enumerate(mine, 1):
            mark = atext("estimated_mark", lang) if a.estimated else ""
            lines.append(f"{i}. {a.display_code} · {slot_label(a.start, lang)}{mark} · "
                         f"{window_title(catalogue.window(a.window_id), lang)} · {catalogue.service(a.service_id).name(lang)}")
            code = json.dumps({"appointment_code": a.code})
            buttons += [
                {"title": atext("button_reschedule_code", lang, code=a.display_code), "payload": f"/reschedule_appointment{code}"},
                {"title": atext("button_cancel_code", lang, code=a.display_code), "payload": f"/cancel_appointment{code}"},
            ]
        dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
        return []
