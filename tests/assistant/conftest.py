"""Trackers and a dispatcher for calling actions directly, as the action server does, and a REST chat client."""

from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.runner import Services
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


@pytest.fixture
def tracker_factory():
    return make_tracker


class Chat:
    """One conversation over the REST channel; ``transcript`` keeps it for failure messages."""

    def __init__(self, services: Services, prefix: str = "e2e") -> None:
        self.url = services.rest_url
        self.sender = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.transcript: list[str] = []

    def say(self, message: str) -> list[dict]:
        body = json.dumps({"sender": self.sender, "message": message}).encode()
        req = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            reply = json.loads(r.read())
        self.transcript.append(f"> {message}")
        for m in reply:
            buttons = " ".join(f"[{b['title']}]" for b in m.get("buttons") or [])
            self.transcript.append(f"< {m.get('text') or ''} {buttons}".rstrip())
        return reply

    def text(self, message: str) -> str:
        return text_of(self.say(message))


def text_of(reply: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in reply)
