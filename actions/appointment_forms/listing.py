"""\"My appointments\": this conversation's upcoming appointments, each with reschedule and cancel buttons."""

from __future__ import annotations

import json

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointment_forms.common import store
from actions.appointment_forms.formatting import slot_label, window_title
from actions.language import reply_language
from actions.texts import book_button, text
from appointments.catalogue import get_catalogue


class ActionMyAppointments(Action):
    """This conversation's upcoming appointments, each with reschedule and cancel buttons."""

    def name(self) -> str:
        return "action_my_appointments"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        mine = store().list_for_conversation(tracker.sender_id)
        if not mine:
            dispatcher.utter_message(text=text("my_none", lang), buttons=[book_button(lang)])
            return []
        catalogue = get_catalogue()
        lines = [text("my_list", lang)]
        buttons: list[dict] = []
        for i, a in enumerate(mine, 1):
            mark = text("estimated_mark", lang) if a.estimated else ""
            lines.append(f"{i}. {a.display_code} · {slot_label(a.start, lang)}{mark} · "
                         f"{window_title(catalogue.window(a.window_id), lang)} · {catalogue.service(a.service_id).name(lang)}")
            code = json.dumps({"appointment_code": a.code})
            buttons += [
                {"title": text("button_reschedule_code", lang, code=a.display_code), "payload": f"/reschedule_appointment{code}"},
                {"title": text("button_cancel_code", lang, code=a.display_code), "payload": f"/cancel_appointment{code}"},
            ]
        dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
        return []
