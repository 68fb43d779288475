"""Rasa's REST channel, but a user never gets silence and no text goes in unchecked.

When a turn produces no message (the action server is down or slow, an action crashed, the tracker
store is locked), Rasa logs the error and returns an empty list; a person at the chat page would be
left waiting. This channel answers instead with a short apology in the user's language and the way
to the service window. The URL stays ``/webhooks/rest/webhook``.

The web proxy checks its input, but Rasa's own port takes the same rules itself (anything that reaches
it, not only the proxy, is bounded): a message over ``MAX_MESSAGE_CHARS`` or empty once cleaned
(:func:`lexicon.user_text.clean_user_text`: no control characters, no lone surrogates) gets a polite
answer and never reaches NLU or the tracker store; a missing or unprintable ``sender`` is refused
the same way instead of falling into Rasa's shared ``default`` conversation; the client's ``metadata`` and
``input_channel`` are not taken. Message text is never logged. A question in traditional characters is
answered in traditional characters (:mod:`bot.channels.script`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic.request import Request

from bot import metrics
from bot.channels.script import match_script
from bot.web.texts import texts
from lexicon.user_text import MAX_MESSAGE_CHARS, clean_user_text
from policy_kb.lang import detect
from policy_kb.messages import message

logger = logging.getLogger(__name__)

#: Longest sender id taken (web ids are ``web:`` + 32 characters, WeChat openids 28).
MAX_SENDER_CHARS = 128


def checked_text(raw: object) -> tuple[str, str | None]:
    """``(cleaned text, None)``, or ``(text to detect the language on, problem key)`` for bad input."""
    if not isinstance(raw, str):
        return "", "empty_message"
    if len(raw) > MAX_MESSAGE_CHARS:
        return clean_user_text(raw[:MAX_MESSAGE_CHARS]), "message_too_long"
    text = clean_user_text(raw)
    return text, None if text else "empty_message"


class SafeRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    @staticmethod
    def _body(req: Request) -> dict[str, Any]:
        body = req.json
        return body if isinstance(body, dict) else {}  # a JSON list or string is refused, not a 500

    async def _extract_sender(self, req: Request) -> str | None:
        """The body's sender if it is a printable string of 1-128 characters, else "" (refused below)."""
        sender = self._body(req).get("sender")
        if isinstance(sender, str) and 0 < len(sender) <= MAX_SENDER_CHARS and sender.isprintable():
            return sender
        return ""

    def _extract_message(self, req: Request) -> str | None:
        return self._body(req).get("message")

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()  # not the client's to choose: actions may format by channel

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        # a client's metadata would be stored in the tracker unbounded and unchecked: only the turn id
        # (nginx's X-Request-ID, or a fresh one), which the action server logs with its work
        return {metrics.TURN_KEY: metrics.turn_id(request.headers.get(metrics.TURN_HEADER))}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Any:
        async def answered(msg: UserMessage) -> None:
            text, problem = checked_text(msg.text)
            if problem or not msg.sender_id:
                lang = detect(text, default="zh")
                reply = texts(problem, lang, max=MAX_MESSAGE_CHARS) if problem else texts("bad_request", lang)
                await msg.output_channel.send_text_message(msg.sender_id, reply)
                return
            msg.text = text
            try:
                await metrics.observed("rasa", "rest", (msg.metadata or {}).get(metrics.TURN_KEY), on_new_message(msg))
            except Exception:  # noqa: BLE001 - whatever failed, the user still gets an answer
                logger.exception("turn failed for %s", msg.sender_id)
            collector = msg.output_channel
            if isinstance(collector, CollectingOutputChannel) and not collector.messages:
                await collector.send_text_message(msg.sender_id, message("service_unavailable", detect(text, default="zh")))
            if isinstance(collector, CollectingOutputChannel):
                match_script(collector.messages, text)

        return super().blueprint(answered)
