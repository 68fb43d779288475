"""Calling an action directly, as the action server does: a tracker for a message, and a dispatcher."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from policy_kb.lang import detect


def make_tracker(text: str = "", intent: str = "ask_policy", entities: list[dict] | None = None,
                 slots: dict[str, Any] | None = None, active_loop: str | None = None) -> Tracker:
    """A tracker whose latest user message is ``text``; the language slot follows the text as the NLU sets it."""
    slots = {"language": detect(text), **(slots or {})}
    return Tracker(
        sender_id="test",
        slots=slots,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run_action(action: Action, tracker: Tracker) -> tuple[list[dict], list[dict]]:
    """(messages sent, events returned)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events
