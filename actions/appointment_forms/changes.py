"""Cancelling and rescheduling by reference code: cancel_form's and reschedule_form's validators, their
questions and their outcomes.

A reference code alone is not enough: it is read off screens and typed back, so it leaks. A booking
opens to the conversation that made it; any other conversation must also give the contact left at
booking (``appointment_proof``: the store checks it in constant time and hands back a grant bound to
this conversation, :meth:`appointments.store.AppointmentStore.prove`). The contact is asked for every
code this conversation did not book, whether it exists or not, and every failure - unknown,
cancelled, past, someone else's, wrong contact - gets the same "not found", so the answers reveal
nothing. Failed attempts are limited per conversation (``APPOINTMENTS_PROOF_ATTEMPTS`` per
``APPOINTMENTS_PROOF_WINDOW_MINUTES``, shared through Redis when ``REDIS_URL`` is set). Nothing
personal of the booking is ever shown here: no name, no contact.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import Any

import redis
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointment_forms import common
from actions.appointment_forms.common import CARRIERS, CODE_IN_TEXT, DIGRESSIONS, keep_language, store
from actions.appointment_forms.formatting import (
    after_booking_buttons,
    appointment_lines,
    code_buttons,
    invalid_text,
    slot_buttons,
    slot_label,
    window_title,
)
from actions.appointment_forms.forms import AppointmentForm, reset_events
from actions.appointment_forms.times import Pick, nearest_slots, pick_start, unavailable_reason, with_options
from actions.form_base import AskSlot, entity, join, latest_intent, leave_note, leave_prompt, take_prompt, typed
from actions.language import reply_language
from actions.texts import book_button, text
from appointments.catalogue import get_catalogue
from appointments.contacts import Contact, Invalid, find_contact, format_code, normalise_code
from appointments.dates import DateError, parse_when
from appointments.keys import conversation_digest
from appointments.results import AccessStatus, BookingStatus
from appointments.settings import proof_attempts, proof_window_s
from appointments.store import Appointment
from ratelimit.limiter import RateLimiter

_limiters: dict[tuple[int, int, str | None], RateLimiter] = {}


def _may_try_proof(tracker: Tracker) -> bool:
    """Whether this conversation has an attempt left (one limiter per setting, in Redis when configured).

    Fails closed: when Redis cannot be reached nobody may try, since an unlimited guess is what the
    limit is there to stop (the conversation's own bookings never need a proof)."""
    key = (proof_attempts(), proof_window_s(), os.environ.get("REDIS_URL") or None)
    if key not in _limiters:
        _limiters[key] = RateLimiter(key[0], key[1], redis_url=key[2], prefix="appointments:proof")
    try:
        return _limiters[key].allow(conversation_digest(tracker.sender_id))
    except redis.RedisError:
        return False


def opened(tracker: Tracker) -> Appointment | None:
    """The booking of ``appointment_code`` if this conversation may change it (its own, or proven)."""
    code = tracker.get_slot("appointment_code")
    if not code:
        return None
    return store().access(code, tracker.sender_id, tracker.get_slot("appointment_proof")).appointment


def _not_found(tracker: Tracker, code: str, lang: str, keep: dict[str, Any]) -> dict[str, Any]:
    """The one answer for every booking this conversation cannot change, whatever the reason."""
    return {"appointment_code": None, "appointment_proof": None, **keep,
            **leave_prompt(tracker, "appointment_code", text("code_not_found", lang, code=format_code(code)))}


class CodeForm(AppointmentForm, ABC):
    """cancel_form and reschedule_form: the code, the proof when the booking is not this conversation's,
    then the form's own last question (:attr:`last_slot`)."""

    last_slot = ""

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("appointment_stopped"):
            return []
        code = tracker.get_slot("appointment_code")
        proof = ["appointment_proof"] if code and store().access(code, tracker.sender_id).status is AccessStatus.PROOF else []
        return ["appointment_code", *proof, self.last_slot]

    def reads(self, slot: str, reply: str, tracker: Tracker) -> bool:
        if slot == "appointment_proof":
            return isinstance(find_contact(reply), Contact)
        return super().reads(slot, reply, tracker)

    async def extract_appointment_code(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") == "appointment_proof":
            return {}  # "zhang.e79c2864@example.com" holds something shaped like a code: it is the proof
        return await super().extract_appointment_code(dispatcher, tracker, domain)

    async def validate_appointment_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        lang, keep = keep_language(tracker)
        code = common.find_code(str(value or "")) or normalise_code(str(value or ""))
        if code is None:
            return {"appointment_code": None, **keep,
                    **leave_prompt(tracker, "appointment_code", invalid_text(Invalid("code", "bad_code"), lang))}
        if store().access(code, tracker.sender_id).status is AccessStatus.NOT_FOUND:
            return _not_found(tracker, code, lang, keep)
        return {"appointment_code": code, "appointment_proof": None, **keep}  # open, or ask for the proof

    async def extract_appointment_proof(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        answer = self.answer(tracker, "appointment_proof")
        if answer is None and tracker.get_slot("requested_slot") == "appointment_proof" \
                and isinstance(find_contact(typed(tracker)), Contact):
            answer = typed(tracker)  # an e-mail or phone number is the answer whatever the NLU thought
        return {} if answer is None else {"appointment_proof": answer}

    async def validate_appointment_proof(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                         domain: DomainDict) -> dict[str, Any]:
        lang, keep = keep_language(tracker)
        code = tracker.get_slot("appointment_code") or ""
        contact = find_contact(str(value or ""))
        if isinstance(contact, Invalid):
            return {"appointment_proof": None, **keep, **leave_prompt(tracker, "appointment_proof", invalid_text(contact, lang))}
        if not _may_try_proof(tracker):
            return {"appointment_proof": None, "appointment_code": None, "appointment_stopped": True, **keep,
                    **leave_note(tracker, text("proof_throttled", lang))}
        grant = store().prove(code, tracker.sender_id, contact.value)
        if grant is None:
            return _not_found(tracker, code, lang, keep)
        return {"appointment_proof": grant, **keep}


class ValidateCancelForm(CodeForm):
    # "取消" answers "really cancel?" (yes) and names the form: only "no" stops it; "算了" / "never mind"
    # and "先留着" / "keep it" are a no here, never a yes to cancelling
    short_intents = {**CodeForm.short_intents, "stop": "deny", "keep": "deny"}
    stop_intents = frozenset({"deny"})
    stop_slots = frozenset({"appointment_code", "appointment_proof"})
    last_slot = "cancel_confirmed"

    def name(self) -> str:
        return "validate_cancel_form"

    def digressions(self, tracker: Tracker) -> frozenset[str]:
        return DIGRESSIONS | {"book_appointment"}

    async def extract_cancel_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        answer = self.answer(tracker, "cancel_confirmed")
        if answer is None:
            return {}
        intent = latest_intent(tracker)
        return {"cancel_confirmed": True if intent in ("affirm", "cancel_appointment") else False if intent == "deny" else answer}

    async def validate_cancel_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        if value is True:
            return {"cancel_confirmed": True}
        if value is False:
            return {"cancel_confirmed": False, "appointment_stopped": True}
        return {"cancel_confirmed": None,
                **leave_prompt(tracker, "cancel_confirmed", text("cancel_confirm_unclear", reply_language(tracker)))}


class ValidateRescheduleForm(CodeForm):
    stop_slots = frozenset({"appointment_code", "appointment_proof", "reschedule_start"})
    last_slot = "reschedule_start"

    def name(self) -> str:
        return "validate_reschedule_form"

    def digressions(self, tracker: Tracker) -> frozenset[str]:
        # a date answer may look like a booking request ("下周二上午"): it is one only at the code question
        extra = set() if tracker.get_slot("requested_slot") == "reschedule_start" else {"book_appointment"}
        return DIGRESSIONS | extra

    async def extract_reschedule_start(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        button = entity(tracker, "booking_start")
        if button:
            return {"reschedule_start": str(button)}
        answer = self.answer(tracker, "reschedule_start")
        if answer is not None:
            return {"reschedule_start": answer}
        reply = typed(tracker)
        if tracker.get_slot("requested_slot") in (None, "appointment_code") and latest_intent(tracker) in CARRIERS \
                and reply and not isinstance(parse_when(CODE_IN_TEXT.sub(" ", reply), common.now()), DateError):
            return {"reschedule_start": reply}
        pending = tracker.get_slot("booking_request")
        if pending and tracker.get_slot("reschedule_start") is None and latest_intent(tracker) not in self.digressions(tracker):
            return {"reschedule_start": pending}
        return {}

    async def validate_reschedule_start(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        code = tracker.get_slot("appointment_code")
        st = store()
        current = opened(tracker)
        if current is None:  # the time came with the request, before the code was checked (and proven)
            return {"reschedule_start": None, "booking_request": value}
        lang = reply_language(tracker)
        pick = pick_start(st, current.window_id, current.service_id, value, lang)
        if pick.start is not None:
            result = st.reschedule(code, pick.start, conversation_id=tracker.sender_id,
                                   grant=tracker.get_slot("appointment_proof"))
            match result.status:
                case BookingStatus.RESCHEDULED:
                    return {"reschedule_start": pick.start.isoformat(), "booking_request": None}
                case BookingStatus.NOT_FOUND | BookingStatus.NOT_ACTIVE:  # cancelled or past in the meantime
                    return {"reschedule_start": None, "booking_request": None,
                            **_not_found(tracker, code, lang, {})}
                case BookingStatus.BUSY:
                    said = text("busy", lang)
                case _:
                    reason = unavailable_reason(st, result.status, result.day, slot_label(pick.start, lang),
                                                pick.start.date(), st.catalogue.window(current.window_id), lang)
                    said = with_options(reason, result.alternatives, st, lang)
            pick = Pick(None, said, result.alternatives)
        return {"reschedule_start": None, "booking_request": None,
                **leave_prompt(tracker, "reschedule_start", pick.text, slot_buttons(pick.slots, lang))}


class AskCode(AskSlot, ABC):
    """The reference code's question, in the cancel or the reschedule form's words (:attr:`key`)."""

    slot = "appointment_code"
    key = ""

    @abstractmethod
    def name(self) -> str: ...

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        mine = store().list_for_conversation(tracker.sender_id)
        question = text(self.key, lang)
        if mine:
            question += "\n" + text("ask_code_yours", lang)
        return question, code_buttons(mine, lang)


class AskCancelCode(AskCode):
    key = "ask_code_cancel"

    def name(self) -> str:
        return "action_ask_cancel_form_appointment_code"


class AskRescheduleCode(AskCode):
    key = "ask_code_reschedule"

    def name(self) -> str:
        return "action_ask_reschedule_form_appointment_code"


class AskAppointmentProof(AskSlot):
    slot = "appointment_proof"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return text("ask_proof", lang, code=format_code(tracker.get_slot("appointment_code") or "????????")), []


class AskCancelConfirmed(AskSlot):
    slot = "cancel_confirmed"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        current = opened(tracker)
        lines = [text("ask_cancel_confirm", lang),
                 *(appointment_lines(current, lang, personal=False) if current else [])]
        return "\n".join(lines), [
            {"title": text("button_cancel_it", lang), "payload": "/affirm"},
            {"title": text("button_keep_it", lang), "payload": "/deny"},
        ]


class AskRescheduleStart(AskSlot):
    slot = "reschedule_start"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        current = opened(tracker)
        if current is None:
            return text("ask_start_none", lang), []
        slots = [s for s in nearest_slots(current.window_id, current.service_id) if s.start != current.start]
        window = get_catalogue().window(current.window_id)
        return text("ask_reschedule_start", lang, code=current.display_code, slot=slot_label(current.start, lang),
                    window=window_title(window, lang)), slot_buttons(slots, lang)


def _unchanged(tracker: Tracker, code: str | None, lang: str) -> str:
    """The outcome when the user kept the appointment (or never named one), after the note the form
    left when it ended (too many attempts, or gave up)."""
    _, note, _ = take_prompt(tracker, "")
    return join(lang, note, text("kept", lang, code=format_code(code)) if code else text("nothing_changed", lang))


class ActionCancelResult(Action):
    def name(self) -> str:
        return "action_cancel_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        code = tracker.get_slot("appointment_code")
        if not code or tracker.get_slot("cancel_confirmed") is not True:
            dispatcher.utter_message(text=_unchanged(tracker, code, lang))
            return reset_events()
        result = store().cancel(code, conversation_id=tracker.sender_id, grant=tracker.get_slot("appointment_proof"))
        shown = format_code(code)
        if result.ok:
            a = result.appointment
            assert a is not None
            said = text("cancelled", lang, code=shown, slot=slot_label(a.start, lang),
                        window=window_title(get_catalogue().window(a.window_id), lang))
        else:  # one answer whatever the reason
            said = text("code_not_found", lang, code=shown)
        dispatcher.utter_message(text=said, buttons=[book_button(lang)])
        return reset_events()


class ActionRescheduleResult(Action):
    def name(self) -> str:
        return "action_reschedule_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        code = tracker.get_slot("appointment_code")
        moved = opened(tracker) if tracker.get_slot("reschedule_start") else None
        if moved is None:
            dispatcher.utter_message(text=_unchanged(tracker, code, lang))
            return reset_events()
        said = text("rescheduled", lang, code=moved.display_code, slot=slot_label(moved.start, lang),
                    window=window_title(get_catalogue().window(moved.window_id), lang))
        if moved.estimated:
            said += "\n" + text("estimated_note", lang)
        dispatcher.utter_message(text=said, buttons=after_booking_buttons(moved.code, lang))
        return reset_events()
