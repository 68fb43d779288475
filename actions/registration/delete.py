"""Deleting one's registration: asked once, then deleted everywhere (the record and its conversation).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form_base import (
    AskSlot,
    TypedForm,
    latest_intent,
    typed,
)
from actions.language import reply_language
from actions.registration.common import DIGRESSIONS, rtext, store
from actions.registration.outcomes import reset_events
from appointments.settings import retention_days


class ValidateRegistrationDeleteForm(TypedForm):
    """"Delete my registration": asked once (only when there is one), then deleted by the result action."""

    short_intents = {"affirm": "affirm", "deny": "deny", "skip": "deny", "cancel": "deny", "stop": "deny"}

    def name(self) -> str:
        return "validate_registration_delete_form"

    def digressions(self, tracker: Tracker) -> frozenset[str]:
        return DIGRESSIONS

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("reg_stopped") or store().for_conversation(tracker.sender_id) is None:
            return []
        return ["reg_delete_confirmed"]

    def stop(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        return {slot: False}

    def need(self, slot: str, lang: str) -> str:
        return rtext(f"need_{slot}", lang)

    async def extract_reg_delete_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                           domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "reg_delete_confirmed":
            return {}
        intent = latest_intent(tracker)
        if intent in ("affirm", "delete_registration"):
            return {"reg_delete_confirmed": True}
        if intent == "deny":
            return {"reg_delete_confirmed": False}
        if intent in DIGRESSIONS:
            return {}
        return {"reg_delete_confirmed": typed(tracker) or None}

    async def validate_reg_delete_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                            domain: DomainDict) -> dict[str, Any]:
        return {"reg_delete_confirmed": value if isinstance(value, bool) else None}


class AskRegDeleteConfirmed(AskSlot):
    slot = "reg_delete_confirmed"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        mine = store().for_conversation(tracker.sender_id)
        return rtext("ask_reg_delete_confirmed", lang, ref=mine.display_ref if mine else ""), [
            {"title": rtext("button_delete", lang), "payload": "/affirm"},
            {"title": rtext("button_keep", lang), "payload": "/deny"}]


class ActionRegistrationDeleteResult(Action):
    """Deletes the conversation's registration if the user confirmed; says what happened."""

    def name(self) -> str:
        return "action_registration_delete_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        mine = store().for_conversation(tracker.sender_id)
        if mine is None:
            dispatcher.utter_message(text=rtext("delete_none", lang))
        elif tracker.get_slot("reg_delete_confirmed") is True:
            store().delete_for_conversation(tracker.sender_id)
            dispatcher.utter_message(text=rtext("deleted", lang, ref=mine.display_ref, days=retention_days()))
        else:
            dispatcher.utter_message(text=rtext("delete_kept", lang))
        return reset_events()
