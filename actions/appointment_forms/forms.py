"""What the three forms share: the validators' base (who may answer, stopping, the reference code), the ask
actions' base (the validator's prompt or the plain question), and clearing every slot."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.appointment_forms import common
from actions.appointment_forms.common import (
    ALL_SLOTS,
    ANSWER_BUTTONS,
    DIGRESSIONS,
    _entity,
    _intent,
    _keep_language,
    _prompt,
    _take_prompt,
    _typed,
    find_code,
    store,
)
from actions.appointment_texts import atext
from actions.language import reply_language
from appointments.contacts import Invalid, format_code, normalise_code


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
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/") and _intent(tracker) not in ANSWER_BUTTONS:
            return None  # another button ("/book_appointment" under a policy answer) is not an answer
        return text

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
        elif found.start < common.now():
            problem = "code_past"
        if problem:
            return {"appointment_code": None, **keep,
                    **_prompt(tracker, "appointment_code", atext(problem, lang, code=format_code(code)))}
        return {"appointment_code": code, **keep}


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


def _reset() -> list[EventType]:
    return [SlotSet(slot, None) for slot in ALL_SLOTS]


class ActionAppointmentReset(Action):
    """Clears every booking slot (before a new booking, cancel or reschedule starts): nothing stale is reused."""

    def name(self) -> str:
        return "action_appointment_reset"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return _reset()
