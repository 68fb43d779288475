"""What the three forms share: the validators' base (what reads as an answer, stopping, saying answers
back, the reference code) on top of :class:`actions.form_base.TypedForm`, and clearing every slot.
Their questions are :class:`actions.form_base.AskSlot` actions, as the pre-check's are."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointment_forms import common
from actions.appointment_forms.common import ALL_SLOTS, DIGRESSIONS, find_code, iso_start, service_in
from actions.appointment_forms.formatting import slot_label, when_label, window_title
from actions.choices import is_question, short_reply
from actions.form_base import TypedForm, entity, latest_intent, typed
from actions.texts import text
from appointments.catalogue import get_catalogue
from appointments.contacts import Contact, find_contact
from appointments.dates import DateError, parse_when


class AppointmentForm(TypedForm, ABC):
    """What the three forms share: what reads as an answer, stopping, saying answers back, and the
    reference code."""

    @abstractmethod
    def name(self) -> str: ...

    #: Intents that stop this form when they answer one of :attr:`stop_slots` ("no" at "which window?").
    stop_intents: ClassVar[frozenset[str]] = frozenset({"deny", "cancel_appointment"})
    stop_slots: ClassVar[frozenset[str]] = frozenset()
    #: Intents that stop this form whichever question they answer ("取消" during a booking).
    stop_anywhere: ClassVar[frozenset[str]] = frozenset()

    def digressions(self, tracker: Tracker) -> frozenset[str]:
        return DIGRESSIONS

    def stops(self, tracker: Tracker, slot: str) -> bool:
        intent = latest_intent(tracker)
        return intent in self.stop_anywhere or (slot in self.stop_slots and intent in self.stop_intents)

    def stop(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        return {slot: None, "appointment_stopped": True}

    def need(self, slot: str, lang: str) -> str:
        return text(f"need_{slot}", lang)

    def reads(self, slot: str, reply: str, tracker: Tracker) -> bool:
        """Names, dates and codes answer their questions whatever the NLU thought ("work permit",
        "大同", "next Friday afternoon", "ABCD-2345"); a clear question ("绿卡有什么用？") does not."""
        catalogue = get_catalogue()
        if slot == "booking_service":
            return service_in(tracker, reply) is not None and not is_question(reply)
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
        if slot in ("booking_start", "reschedule_start") and iso_start(value) is not None:
            return slot_label(iso_start(value), lang)
        if slot == "booking_request" and isinstance(value, str):
            when = parse_when(value, common.now())
            return None if isinstance(when, DateError) else when_label(when, lang)
        return None

    def reopen(self, slot: str) -> dict[str, Any]:
        # a time was chosen for a window and a service: going back to either chooses the time again
        return {"booking_start": None} if slot in ("booking_service", "booking_window") else {}

    # the reference code (cancel_form, reschedule_form; who may open it: changes.CodeForm)

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
        answer = self.answer(tracker, "appointment_code")
        return {} if answer is None else {"appointment_code": answer}


def reset_events() -> list[EventType]:
    """Every slot of the appointment forms cleared: nothing of one booking is reused by the next."""
    return [SlotSet(slot, None) for slot in ALL_SLOTS]


class ActionAppointmentReset(Action):
    """Clears every booking slot (before a new booking, cancel or reschedule starts): nothing stale is reused."""

    def name(self) -> str:
        return "action_appointment_reset"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return reset_events()
