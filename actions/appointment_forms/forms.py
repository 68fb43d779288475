"""What the three forms share: the validators' base (who may answer, stopping, saying answers back, the
reference code) on top of :class:`actions.form_base.TypedForm`, the ask actions' base, and clearing
every slot."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointment_forms import common
from actions.appointment_forms.common import (
    ALL_SLOTS,
    ANSWER_BUTTONS,
    DIGRESSIONS,
    _iso,
    find_code,
    resolve_service,
)
from actions.appointment_forms.formatting import when_label, window_title
from actions.appointment_texts import atext
from actions.choices import is_question, short_reply
from actions.form_base import AskSlot, TypedForm, entity, latest_intent, typed
from appointments.catalogue import get_catalogue
from appointments.contacts import Contact, find_contact
from appointments.dates import DateError, parse_when, slot_label

#: The appointment forms ask through the one base of every form's questions.
_Ask = AskSlot


class _AppointmentForm(TypedForm, ABC):
    """What the three forms share: who may answer, stopping, saying answers back, and the reference code."""

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
        if latest_intent(tracker) in (excluded if excluded is not None else self.digressions(tracker)):
            return None
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/") and latest_intent(tracker) not in ANSWER_BUTTONS:
            return None  # another button ("/book_appointment" under a policy answer) is not an answer
        return text

    def _stopping(self, tracker: Tracker, slot: str) -> bool:
        return (tracker.get_slot("requested_slot") == slot and slot in self.stop_slots
                and latest_intent(tracker) in self.stop_intents)

    @staticmethod
    def _stop(slot: str) -> dict[str, Any]:
        return {slot: None, "appointment_stopped": True}

    def stop(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        return self._stop(slot)

    def need(self, slot: str, lang: str) -> str:
        return atext(f"need_{slot}", lang)

    def reads(self, slot: str, reply: str, tracker: Tracker) -> bool:
        """Names, dates and codes answer their questions whatever the NLU thought ("work permit",
        "大同", "next Friday afternoon", "ABCD-2345"); a clear question ("绿卡有什么用？") does not."""
        catalogue = get_catalogue()
        if slot == "booking_service":
            return resolve_service(reply, catalogue) is not None and not is_question(reply)
        if slot == "booking_window":
            return bool(catalogue.find_windows(reply))
        if slot in ("booking_start", "reschedule_start"):
            return self.unavailable(slot, reply, tracker)
        if slot == "appointment_code":
            return find_code(reply) is not None
        if slot == "booking_name":  # "Tomasz Nowak" is a name, whatever intent the NLU gave it
            return short_reply(reply) is None and not is_question(reply)
        if slot in ("booking_contact", "appointment_proof"):
            return isinstance(find_contact(reply), Contact)
        return False

    def unavailable(self, slot: str, reply: str, tracker: Tracker) -> bool:
        # a date, even one that cannot be booked ("2月30日", a Saturday): the validator says why, with times
        if slot not in ("booking_start", "reschedule_start"):
            return False
        when = parse_when(reply, common.now())
        return not isinstance(when, DateError) or when.reason != "unrecognised"

    def said_back(self, slot: str, value: Any, tracker: Tracker, lang: str) -> str | None:
        catalogue = get_catalogue()
        if slot == "booking_service" and value in catalogue.services:
            return catalogue.service(value).name(lang)
        if slot == "booking_window" and value in catalogue.windows:
            return window_title(catalogue.window(value), lang)
        if slot in ("booking_start", "reschedule_start") and _iso(value) is not None:
            return slot_label(_iso(value), lang)
        if slot == "booking_request" and isinstance(value, str):
            when = parse_when(value, common.now())
            return None if isinstance(when, DateError) else when_label(when, lang)
        return None

    def reopen(self, slot: str) -> dict[str, Any]:
        # a time was chosen for a window and a service: going back to either chooses the time again
        return {"booking_start": None} if slot in ("booking_service", "booking_window") else {}

    # the reference code (cancel_form, reschedule_form; who may open it: changes._CodeForm)

    async def extract_appointment_code(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        button = entity(tracker, "appointment_code")
        if button:
            return {"appointment_code": str(button)}
        if latest_intent(tracker) in ("handoff", "goodbye"):
            return {}
        code = find_code(typed(tracker))
        if code:
            return {"appointment_code": code}
        answer = self._answer(tracker, "appointment_code")
        return {} if answer is None else {"appointment_code": answer}



def _reset() -> list[EventType]:
    return [SlotSet(slot, None) for slot in ALL_SLOTS]


class ActionAppointmentReset(Action):
    """Clears every booking slot (before a new booking, cancel or reschedule starts): nothing stale is reused."""

    def name(self) -> str:
        return "action_appointment_reset"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return _reset()
