"""Cancelling and rescheduling by reference code: cancel_form's and reschedule_form's validators, their
questions and their outcomes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointment_forms import common
from actions.appointment_forms.common import (
    _CODE_IN_TEXT,
    CARRIERS,
    DIGRESSIONS,
    _entity,
    _intent,
    _prompt,
    _typed,
    store,
)
from actions.appointment_forms.formatting import (
    after_booking_buttons,
    appointment_lines,
    book_button,
    code_buttons,
    slot_buttons,
    window_title,
)
from actions.appointment_forms.forms import _AppointmentForm, _Ask, _reset
from actions.appointment_forms.times import Pick, _nearest, _unavailable, _with_options, pick_start
from actions.appointment_texts import atext
from actions.language import reply_language
from appointments.catalogue import get_catalogue
from appointments.contacts import format_code
from appointments.dates import DateError, parse_when, slot_label


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
        if tracker.get_slot("requested_slot") in (None, "appointment_code") and _intent(tracker) in CARRIERS \
                and typed and not isinstance(parse_when(_CODE_IN_TEXT.sub(" ", typed), common.now()), DateError):
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


def _unchanged(code: str | None, lang: str) -> str:
    """The outcome when the user kept the appointment (or never named one)."""
    return atext("kept", lang, code=format_code(code)) if code else atext("nothing_changed", lang)


class ActionCancelResult(Action):
    def name(self) -> str:
        return "action_cancel_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        code = tracker.get_slot("appointment_code")
        if not code or tracker.get_slot("cancel_confirmed") is not True:
            dispatcher.utter_message(text=_unchanged(code, lang))
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
        dispatcher.utter_message(text=text, buttons=[book_button(lang)])
        return _reset()


class ActionRescheduleResult(Action):
    def name(self) -> str:
        return "action_reschedule_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        code = tracker.get_slot("appointment_code")
        moved = store().get(code) if code and tracker.get_slot("reschedule_start") else None
        if moved is None:
            dispatcher.utter_message(text=_unchanged(code, lang))
            return _reset()
        text = atext("rescheduled", lang, code=moved.display_code, slot=slot_label(moved.start, lang),
                     window=window_title(get_catalogue().window(moved.window_id), lang))
        if moved.estimated:
            text += "\n" + atext("estimated_note", lang)
        dispatcher.utter_message(text=text, buttons=after_booking_buttons(moved.code, lang))
        return _reset()
