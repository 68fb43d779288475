"""Booking a visit: booking_form's validator, the questions it asks, and the outcome (the reference code)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointment_forms import common
from actions.appointment_forms.common import (
    CARRIERS,
    DIGRESSIONS,
    NAME_DIGRESSIONS,
    clean_name,
    iso_start,
    keep_language,
    resolve_service,
    service_in,
    store,
)
from actions.appointment_forms.formatting import (
    after_booking_buttons,
    appointment_lines,
    invalid_text,
    service_buttons,
    slot_buttons,
    slot_label,
    window_buttons,
)
from actions.appointment_forms.forms import AppointmentForm, reset_events
from actions.appointment_forms.times import nearest_slots, pick_start, unavailable_reason, with_options
from actions.choices import is_question, short_reply
from actions.form_base import AskSlot, entity, latest_intent, leave_prompt, typed
from actions.language import reply_language
from actions.texts import book_button, text
from appointments.catalogue import get_catalogue
from appointments.contacts import Contact, Invalid, find_contact, mask_contact, normalise_name
from appointments.dates import DateError, parse_when
from appointments.results import BookingStatus
from appointments.settings import max_per_contact, max_per_conversation
from appointments.store import retention_days


class ValidateBookingForm(AppointmentForm):
    # "取消" stops a booking at any question; "no" only where it cannot mean something else
    stop_slots = frozenset({"booking_service", "booking_window", "booking_start", "booking_confirmed"})
    stop_anywhere = frozenset({"cancel_appointment"})

    def name(self) -> str:
        return "validate_booking_form"

    def digressions(self, tracker: Tracker) -> frozenset[str]:
        if tracker.get_slot("requested_slot") == "booking_name":
            return NAME_DIGRESSIONS  # a name can look like anything to the NLU ("Anna Schmidt" as chitchat)
        return DIGRESSIONS | {"reschedule_appointment"}

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
            and latest_intent(tracker) in CARRIERS

    def carries(self, reply: str, tracker: Tracker) -> bool:
        """A city or a date typed while the service, window or time is asked ("Datong", "next Friday
        afternoon"): an answer in passing, not a question for the rules."""
        if tracker.get_slot("requested_slot") not in ("booking_service", "booking_window", "booking_start") \
                or is_question(reply):
            return False
        return bool(get_catalogue().find_windows(reply)) or not isinstance(parse_when(reply, common.now()), DateError)

    def answers_another(self, slot: str, reply: str, tracker: Tracker) -> bool:
        """"Datong" while the service is asked, "next Friday" while the window is, "不对，改成大同" while
        the time is: the city or the date, said back, and the question asked again."""
        if slot == "booking_start":
            return self.carries(reply, tracker) and isinstance(parse_when(reply, common.now()), DateError)
        return slot in ("booking_service", "booking_window") and not self.reads(slot, reply, tracker) \
            and self.carries(reply, tracker)

    def takes_any(self, slot: str) -> bool:
        return slot == "booking_start"  # "都行", "any time": the earliest slot offered

    # service

    async def extract_booking_service(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        answer = self.answer(tracker, "booking_service")
        if answer is not None or self._in_passing(tracker):
            # the service the NLU found, or one named in the request ("我要预约就业服务")
            sid = service_in(tracker, typed(tracker) if answer is None else "")
            if sid:
                return {"booking_service": sid}
        return {} if answer is None else {"booking_service": answer}

    async def validate_booking_service(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        lang = reply_language(tracker)
        catalogue = get_catalogue()
        window_id = tracker.get_slot("booking_window")
        sid = resolve_service(value, catalogue)
        if sid is None:
            return {"booking_service": None, **leave_prompt(
                tracker, "booking_service", text("unknown_service", lang), service_buttons(catalogue, lang, window_id))}
        window = catalogue.windows.get(window_id) if window_id else None
        if window is not None and not window.offers(sid):  # keep the service, ask for another window
            said = text("service_not_offered", lang, window=window.name(lang), service=catalogue.service(sid).name(lang))
            return {"booking_service": sid, "booking_window": None,
                    **leave_prompt(tracker, "booking_window", said, window_buttons(catalogue, lang, sid))}
        return {"booking_service": sid}

    # window

    async def extract_booking_window(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> dict[str, Any]:
        button = entity(tracker, "city") if (tracker.latest_message.get("text") or "").startswith("/") else None
        if button:
            return {"booking_window": str(button)}
        answer = self.answer(tracker, "booking_window")
        if answer is not None:
            return {"booking_window": answer}
        found = get_catalogue().find_windows(typed(tracker)) if self._in_passing(tracker) else []
        if len(found) == 1 or (found and tracker.get_slot("booking_window") is None):
            return {"booking_window": typed(tracker)}  # ambiguous "太原" only while no window is chosen
        return {}

    async def validate_booking_window(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        lang = reply_language(tracker)
        catalogue = get_catalogue()
        service_id = tracker.get_slot("booking_service")
        typed_window = str(value or "")
        found = [catalogue.windows[typed_window]] if typed_window in catalogue.windows \
            else catalogue.find_windows(typed_window)
        if len(found) > 1:
            return {"booking_window": None, **leave_prompt(
                tracker, "booking_window", text("ambiguous_window", lang, text=found[0].city(lang)),
                window_buttons(catalogue, lang, service_id, found))}
        if not found:
            return {"booking_window": None, **leave_prompt(
                tracker, "booking_window", text("unknown_window", lang), window_buttons(catalogue, lang, service_id))}
        window = found[0]
        if service_id and not window.offers(service_id):
            said = text("service_not_offered", lang, window=window.name(lang),
                        service=catalogue.service(service_id).name(lang))
            return {"booking_window": None,
                    **leave_prompt(tracker, "booking_window", said, window_buttons(catalogue, lang, service_id))}
        return {"booking_window": window.id}

    # date and time

    async def extract_booking_start(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        button = entity(tracker, "booking_start")
        if button:
            return {"booking_start": str(button)}
        answer = self.answer(tracker, "booking_start")
        if answer is not None:
            return {"booking_start": answer}
        if self._in_passing(tracker) and typed(tracker) and not isinstance(parse_when(typed(tracker), common.now()), DateError):
            return {"booking_start": typed(tracker)}
        pending = tracker.get_slot("booking_request")
        if pending and tracker.get_slot("booking_start") is None and latest_intent(tracker) not in self.digressions(tracker):
            return {"booking_start": pending}
        return {}

    async def validate_booking_start(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> dict[str, Any]:
        window_id, service_id = tracker.get_slot("booking_window"), tracker.get_slot("booking_service")
        if not (window_id and service_id):  # "明天下午" before the window is known: keep it for later
            return {"booking_start": None, "booking_request": value}
        lang = reply_language(tracker)
        pick = pick_start(store(), window_id, service_id, value, lang)
        if pick.start is not None:
            return {"booking_start": pick.start.isoformat(), "booking_request": None}
        return {"booking_start": None, "booking_request": None,
                **leave_prompt(tracker, "booking_start", pick.text, slot_buttons(pick.slots, lang))}

    # consent, name, contact

    async def extract_booking_consent(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        answer = self.answer(tracker, "booking_consent")
        if answer is None:
            return {}
        intent = latest_intent(tracker)
        return {"booking_consent": True if intent == "affirm" else False if intent in ("deny", "skip") else answer}

    async def validate_booking_consent(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        if isinstance(value, bool):
            return {"booking_consent": value, **({} if value else {"booking_name": None, "booking_contact": None})}
        return {"booking_consent": None,
                **leave_prompt(tracker, "booking_consent", text("consent_unclear", reply_language(tracker)))}

    async def extract_booking_name(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        answer = self.answer(tracker, "booking_name")
        return {} if answer is None else {"booking_name": answer}

    def _anonymous(self, tracker: Tracker, lang: str) -> dict[str, Any]:
        """The user would rather not give a name or contact: no personal data at all."""
        return {"booking_consent": False, "booking_name": None, "booking_contact": None,
                **leave_prompt(tracker, "booking_confirmed", text("name_refused", lang))}

    async def validate_booking_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        lang, keep = keep_language(tracker)
        if latest_intent(tracker) in ("deny", "skip"):
            return {**self._anonymous(tracker, lang), **keep}
        if short_reply(str(value or "")) in ("affirm", "any"):  # "yess" at "your name?" is not a name
            return {"booking_name": None, **keep, **leave_prompt(tracker, "booking_name", text("need_booking_name", lang))}
        name = normalise_name(clean_name(str(value or "")))
        if isinstance(name, Invalid):
            return {"booking_name": None, **keep, **leave_prompt(tracker, "booking_name", invalid_text(name, lang))}
        return {"booking_name": name, **keep}

    async def extract_booking_contact(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        answer = self.answer(tracker, "booking_contact")
        if answer is None and tracker.get_slot("requested_slot") == "booking_contact" \
                and latest_intent(tracker) not in ("handoff", "goodbye") and isinstance(find_contact(typed(tracker)), Contact):
            answer = typed(tracker)  # an e-mail or phone number is an answer whatever the NLU thought
        return {} if answer is None else {"booking_contact": answer}

    async def validate_booking_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        lang, keep = keep_language(tracker)
        if latest_intent(tracker) in ("deny", "skip"):
            return {**self._anonymous(tracker, lang), **keep}
        contact = find_contact(str(value or ""))
        if isinstance(contact, Invalid):
            return {"booking_contact": None, **keep, **leave_prompt(tracker, "booking_contact", invalid_text(contact, lang))}
        return {"booking_contact": contact.value, **keep}

    # confirmation: the booking itself

    async def extract_booking_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        answer = self.answer(tracker, "booking_confirmed")
        if answer is None:
            return {}
        intent = latest_intent(tracker)
        return {"booking_confirmed": True if intent == "affirm" else False if intent == "deny" else answer}

    async def validate_booking_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                         domain: DomainDict) -> dict[str, Any]:
        if value is False:
            return {"booking_confirmed": False, "appointment_stopped": True}
        lang = reply_language(tracker)
        if value is not True:
            return {"booking_confirmed": None, **leave_prompt(tracker, "booking_confirmed", text("confirm_unclear", lang))}
        consent = tracker.get_slot("booking_consent") is True
        st = store()
        result = st.book(
            window_id=tracker.get_slot("booking_window"), service_id=tracker.get_slot("booking_service"),
            start=iso_start(tracker.get_slot("booking_start")), consent=consent,
            name=tracker.get_slot("booking_name") if consent else None,
            contact=tracker.get_slot("booking_contact") if consent else None,
            lang=lang, conversation_id=tracker.sender_id,
        )
        match result.status:
            case BookingStatus.BOOKED:
                assert result.appointment is not None
                return {"booking_confirmed": True, "booking_code": result.appointment.code,
                        "booking_repeated": result.repeated}
            case BookingStatus.BUSY:
                return {"booking_confirmed": None, **leave_prompt(tracker, "booking_confirmed", text("busy", lang))}
            case BookingStatus.LIMIT:  # the cap on active bookings (appointments.settings): list them, or stop
                cap = max_per_conversation() if result.limit == "conversation" else max_per_contact()
                return {"booking_confirmed": None, **leave_prompt(
                    tracker, "booking_confirmed", text(f"booking_limit_{result.limit}", lang, n=cap),
                    [{"title": text("button_my_appointments", lang), "payload": "/my_appointments"},
                     {"title": text("button_no_booking", lang), "payload": "/deny"}])}
        # taken in the meantime (or no longer bookable): choose again
        window = st.catalogue.window(tracker.get_slot("booking_window"))
        start = iso_start(tracker.get_slot("booking_start"))
        reason = unavailable_reason(st, result.status, result.day, slot_label(start, lang), start.date(), window, lang) \
            if start is not None else text("confirm_unclear", lang)
        return {"booking_confirmed": None, "booking_start": None, **leave_prompt(
            tracker, "booking_start", with_options(reason, result.alternatives, st, lang),
            slot_buttons(result.alternatives, lang))}


class AskBookingService(AskSlot):
    slot = "booking_service"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        # the article comes with the first question; after a note ("好的，大同。") only the question
        key = "ask_service_again" if tracker.get_slot("form_prompt") else "ask_service"
        return text(key, lang), service_buttons(get_catalogue(), lang, tracker.get_slot("booking_window"))


class AskBookingWindow(AskSlot):
    slot = "booking_window"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return text("ask_window", lang), window_buttons(get_catalogue(), lang, tracker.get_slot("booking_service"))


class AskBookingStart(AskSlot):
    slot = "booking_start"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        slots = nearest_slots(tracker.get_slot("booking_window"), tracker.get_slot("booking_service"))
        return text("ask_start" if slots else "ask_start_none", lang), slot_buttons(slots, lang)


class AskBookingConsent(AskSlot):
    slot = "booking_consent"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return text("ask_consent", lang, days=retention_days()), [
            {"title": text("button_agree", lang), "payload": "/affirm"},
            {"title": text("button_anonymous", lang), "payload": "/deny"},
        ]


class AskBookingName(AskSlot):
    slot = "booking_name"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return text("ask_name", lang), []


class AskBookingContact(AskSlot):
    slot = "booking_contact"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return text("ask_contact", lang), []


class AskBookingConfirmed(AskSlot):
    slot = "booking_confirmed"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        catalogue = get_catalogue()
        start = iso_start(tracker.get_slot("booking_start"))
        window = catalogue.window(tracker.get_slot("booking_window"))
        lines = [
            text("ask_confirm", lang),
            text("line_service", lang, value=catalogue.service(tracker.get_slot("booking_service")).name(lang)),
            text("line_window", lang, value=window.name(lang)),
            text("line_time", lang, value=slot_label(start, lang) if start else "?", minutes=window.slot_minutes),
        ]
        if tracker.get_slot("booking_consent") is True:
            lines += [text("line_name", lang, value=tracker.get_slot("booking_name") or ""),
                      text("line_contact", lang, value=mask_contact(tracker.get_slot("booking_contact")))]
        else:
            lines.append(text("line_anonymous", lang))
        if start is not None and store().schedule.day(window.id, start.date()).estimated:
            lines.append(text("estimated_note", lang))
        return "\n".join(lines), [
            {"title": text("button_confirm", lang), "payload": "/affirm"},
            {"title": text("button_no_booking", lang), "payload": "/deny"},
        ]


class ActionBookingResult(Action):
    """After booking_form: the reference code and the window's details, or "nothing was booked"."""

    def name(self) -> str:
        return "action_booking_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        code = tracker.get_slot("booking_code")
        booked = store().get(code) if code and tracker.get_slot("booking_confirmed") else None
        if booked is None:
            dispatcher.utter_message(text=text("booking_stopped", lang), buttons=[book_button(lang)])
            return reset_events()
        head = text("booked_repeated" if tracker.get_slot("booking_repeated") else "booked", lang,
                    code=booked.display_code)
        body = appointment_lines(booked, lang, with_code=False)
        contact = get_catalogue().contact_text(booked.window_id, lang)
        dispatcher.utter_message(text="\n".join([head, *body, contact]),
                                 buttons=after_booking_buttons(booked.code, lang))
        return reset_events()
