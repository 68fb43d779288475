"""Handoff to a person: the service window's contact path, from the operator's configuration.

Nothing here is invented: contact details come from the appointments catalogue (operators fill them
in through ``APPOINTMENTS_CATALOGUE_OVERRIDES``); until they do, the assistant says they are being
configured. The request is recorded in the conversation (``handoff_requested`` slot, with the window)
so staff reviewing conversations can follow up. The reply offers a booking: meeting someone at the
window is what most people asking for a person want ("I need to talk to someone, can I book?").
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.language import reply_language
from actions.texts import book_button, text
from appointments.catalogue import get_catalogue


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        catalogue = get_catalogue()
        city = next(tracker.get_latest_entity_values("city"), None) or tracker.get_slot("city")
        window = catalogue.windows.get(city) if city else None
        window = window or next(iter(catalogue.windows.values()))  # the provincial window
        dispatcher.utter_message(
            text="\n".join([text("handoff_intro", lang), catalogue.contact_text(window.id, lang),
                            text("handoff_recorded", lang)]),
            buttons=[book_button(lang)],
        )
        return [SlotSet("handoff_requested", True), SlotSet("city", window.id)]
