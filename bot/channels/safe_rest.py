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

**Processed or not, the reply says so.** Rasa stores a turn only at its very end (the tracker is saved
after the last action), so a turn that *raises* (no conversation lock: Redis down or the lock still held;
the tracker store unreachable) left nothing in the conversation. Its user is told that this message was
not processed and should be sent again (``turn_texts.yml``: ``not_processed``), never policy_kb's
"your message was not lost", which is kept for a turn that was stored but produced no message (the action
server down). Every such reply carries ``custom: {"turn": <outcome>}`` (``not_processed``, ``busy``,
``unanswered``), which the chat page ignores and tests and load runs count, so "answered politely but
not processed" is never mistaken for an answer.

**Bounded queue** (both profiles: ``bot.runner.TURN_DEFAULTS``; off where ``TURN_CONCURRENCY`` is unset):
at most ``TURN_CONCURRENCY`` turns of this replica run at once, the others wait in arrival order
(:class:`TurnGate`). A turn that waited ``TURN_QUEUE_WAIT_S`` (default 20 s, below nginx's 30 s) or
found ``TURN_QUEUE`` (default 500) turns already waiting is not run: its user gets the polite ``busy``
answer, counted as ``jincai_errors_total{component="rasa",kind="busy"}``. Without it one event loop
shares the CPU among every waiting turn, all of them finish late together and nginx cuts them off after
work was done.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic.request import Request

from bot import metrics
from bot.channels.script import match_script
from bot.channels.turn_texts import turn_texts
from bot.web.texts import texts
from lexicon.user_text import MAX_MESSAGE_CHARS, clean_user_text
from policy_kb.lang import detect
from policy_kb.messages import message

logger = logging.getLogger(__name__)

#: Longest sender id taken (web ids are ``web:`` + 32 characters, WeChat openids 28).
MAX_SENDER_CHARS = 128
#: ``custom: {TURN_OUTCOME: ...}`` on a polite reply: the turn was not run (raised, or no room), or ran unanswered.
TURN_OUTCOME = "turn"
NOT_PROCESSED, BUSY, UNANSWERED = "not_processed", "busy", "unanswered"


def polite(sender: str | None, text: str, outcome: str) -> dict[str, Any]:
    """A reply of the channel's own, marked with what happened to the turn."""
    return {"recipient_id": sender, "text": text, "custom": {TURN_OUTCOME: outcome}}


def outcome(reply: dict[str, Any]) -> str | None:
    """``not_processed`` / ``busy`` / ``unanswered`` for the channel's polite replies, None for an answer."""
    custom = reply.get("custom")
    return custom.get(TURN_OUTCOME) if isinstance(custom, dict) else None


class Busy(Exception):
    """No room for the turn in this replica: the queue is full or the wait ran out."""


class TurnGate:
    """At most ``slots`` turns at once; the others wait first come, first served, at most ``wait_s``.

    Not ``asyncio.Semaphore``: in Python 3.10 a newcomer can take a slot released for a woken waiter,
    which then queues again at the back, so a bounded wait could run out for the wrong turn. Here a
    released slot is handed to the oldest waiter directly.
    """

    def __init__(self, slots: int, queue: int, wait_s: float) -> None:
        if slots < 1 or queue < 0 or wait_s <= 0:
            raise ValueError("TURN_CONCURRENCY must be >= 1, TURN_QUEUE >= 0 and TURN_QUEUE_WAIT_S > 0")
        self.slots, self.queue, self.wait_s = slots, queue, wait_s
        self.free = slots
        self.waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @classmethod
    def from_environ(cls) -> TurnGate | None:
        slots = int(os.environ.get("TURN_CONCURRENCY") or 0)
        if slots <= 0:
            return None
        return cls(slots, int(os.environ.get("TURN_QUEUE") or 500), float(os.environ.get("TURN_QUEUE_WAIT_S") or 20))

    def _release(self) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot goes to it, never back to the pool
                return
        self.free += 1

    async def _acquire(self) -> None:
        if self.free and not self.waiters:
            self.free -= 1
            return
        if len(self.waiters) >= self.queue:
            raise Busy(f"{len(self.waiters)} turns already waiting")
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), self.wait_s)
        except (asyncio.TimeoutError, asyncio.CancelledError) as e:
            if waiter.done():  # handed the slot just as the wait ended: give it on, or keep it
                if isinstance(e, asyncio.CancelledError):
                    self._release()
                    raise
                return
            waiter.cancel()
            with contextlib.suppress(ValueError):
                self.waiters.remove(waiter)
            if isinstance(e, asyncio.CancelledError):
                raise
            raise Busy(f"no turn slot within {self.wait_s:g} s") from None

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._acquire()
        try:
            yield
        finally:
            self._release()


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
        gate = TurnGate.from_environ()

        async def run(msg: UserMessage, turn: str | None) -> None:
            if gate is None:
                await metrics.observed("rasa", "rest", turn, on_new_message(msg))
                return
            async with gate.slot():
                await metrics.observed("rasa", "rest", turn, on_new_message(msg))

        async def answered(msg: UserMessage) -> None:
            text, problem = checked_text(msg.text)
            if problem or not msg.sender_id:
                lang = detect(text, default="zh")
                reply = texts(problem, lang, max=MAX_MESSAGE_CHARS) if problem else texts("bad_request", lang)
                await msg.output_channel.send_text_message(msg.sender_id, reply)
                return
            msg.text = text
            turn = (msg.metadata or {}).get(metrics.TURN_KEY)
            lang = detect(text, default="zh")
            collector = msg.output_channel
            reply: dict[str, Any] | None = None
            try:
                await run(msg, turn)
            except Busy as e:
                metrics.error("rasa", "busy")
                metrics.log_turn("rasa", turn, channel="rest", outcome=BUSY, reason=str(e))
                reply = polite(msg.sender_id, turn_texts("busy", lang), BUSY)
            except Exception:  # noqa: BLE001 - whatever failed, the user still gets an answer
                # Rasa saves a turn only once it is done: one that raised left nothing in the conversation
                logger.exception("turn failed for %s: not processed", msg.sender_id)
                metrics.log_turn("rasa", turn, channel="rest", outcome=NOT_PROCESSED)
                reply = polite(msg.sender_id, turn_texts("not_processed", lang), NOT_PROCESSED)
            if isinstance(collector, CollectingOutputChannel):
                if reply is not None:  # whatever the turn said before it failed is not what the user gets
                    collector.messages[:] = [reply]
                elif not collector.messages:
                    collector.messages.append(polite(msg.sender_id, message("service_unavailable", lang), UNANSWERED))
                match_script(collector.messages, text)
            elif reply is not None:
                await collector.send_text_message(msg.sender_id, reply["text"])

        return super().blueprint(answered)
