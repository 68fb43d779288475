"""Which language to reply in, and the user's explicit switch.

The NLU's language detector sets the ``language`` slot from every message with words in it. An
explicit switch ("please reply in English", the web page's 中文/English toggle) is remembered in
``language_pref`` and wins over detection until the user switches again, so someone who asked for
English keeps English even when they paste a Chinese term: the actions answer in
:func:`reply_language`, and the domain's responses are chosen by the same rule in the Rasa server
(``bot/nlg.py``, configured in ``endpoints.yml``). ``language`` itself keeps what was detected; no
action runs after every message to overwrite it.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.texts import text
from policy_kb.lang import Lang, detect


def reply_language(tracker: Tracker) -> Lang:
    """The language to answer in now: explicit preference, else the detected one, else Chinese."""
    return (
        tracker.get_slot("language_pref")
        or tracker.get_slot("language")
        or detect(tracker.latest_message.get("text") or "", default="zh")
    )


class ActionSwitchLanguage(Action):
    def name(self) -> str:
        return "action_switch_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        target = next(tracker.get_latest_entity_values("target_language"), None)
        if target not in ("zh", "en"):  # "switch language" without saying which: the other one
            target = "en" if reply_language(tracker) == "zh" else "zh"
        dispatcher.utter_message(text=text("language_switched", target))
        return [SlotSet("language_pref", target), SlotSet("language", target)]

