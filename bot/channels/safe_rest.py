"""Rasa's REST channel, but a user never gets silence.

When a turn produces no message (the action server is down or slow, an action crashed, the tracker
store is locked), Rasa logs the error and returns an empty list; a person at the chat page would be
left waiting. This channel answers instead with a short apology in the user's language and the way
to the service window. The URL stays ``/webhooks/rest/webhook``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput

from policy_kb.lang import detect
from policy_kb.messages import message

logger = logging.getLogger(__name__)


class SafeRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Any:
        async def answered(msg: UserMessage) -> None:
            try:
                await on_new_message(msg)
            except Exception:  # noqa: BLE001 - whatever failed, the user still gets an answer
                logger.exception("turn failed for %s", msg.sender_id)
            collector = msg.output_channel
            if isinstance(collector, CollectingOutputChannel) and not collector.messages:
                lang = detect(msg.text or "", default="zh")
                await collector.send_text_message(msg.sender_id, message("service_unavailable", lang))

        return super().blueprint(answered)
