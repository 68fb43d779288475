"""The REST channel's polite replies say whether the turn was processed, and its bounded turn queue.

No Rasa here: the channel's handler is given a stand-in for Rasa's ``on_new_message``. A turn that
raises (no conversation lock, tracker store down) was never saved by Rasa, so its user must be told
to send the message again, and the reply must be told apart from an answer (``custom.turn``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.lock_store import LockError

from bot.channels.safe_rest import BUSY, NOT_PROCESSED, UNANSWERED, Busy, SafeRestInput, TurnGate, outcome
from bot.channels.turn_texts import turn_texts
from policy_kb.messages import message

Turn = Callable[[UserMessage], Awaitable[Any]]


def handler(monkeypatch: pytest.MonkeyPatch, turn: Turn) -> Callable[[UserMessage], Awaitable[None]]:
    handlers: list = []
    monkeypatch.setattr(RestInput, "blueprint", lambda self, h: handlers.append(h))
    SafeRestInput().blueprint(turn)
    return handlers[0]


def reply(monkeypatch: pytest.MonkeyPatch, turn: Turn, text: str = "What is Article 6 about?") -> list[dict]:
    collector = CollectingOutputChannel()
    asyncio.run(handler(monkeypatch, turn)(UserMessage(text, collector, sender_id="web:polite-test")))
    return collector.messages


async def no_lock(msg: UserMessage) -> None:
    raise LockError("lock store unreachable: TimeoutError")


async def fails_after_answering(msg: UserMessage) -> None:
    await msg.output_channel.send_text_message(msg.sender_id, "an answer the tracker never got")
    raise OSError("tracker store: connection closed")


async def silent(msg: UserMessage) -> None:
    return None


async def answers(msg: UserMessage) -> None:
    await msg.output_channel.send_text_message(msg.sender_id, "Article 6: ...")


@pytest.mark.parametrize("turn", [no_lock, fails_after_answering])
def test_a_turn_that_raised_is_answered_as_not_processed(monkeypatch: pytest.MonkeyPatch, turn: Turn) -> None:
    replies = reply(monkeypatch, turn)
    assert [outcome(r) for r in replies] == [NOT_PROCESSED]
    assert replies[0]["text"] == turn_texts("not_processed", "en")
    # not the "your message was not lost" of a stored turn: nothing of this one is in the conversation
    assert replies[0]["text"] != message("service_unavailable", "en") and "again" in replies[0]["text"]


def test_a_stored_turn_without_an_answer_is_unanswered_not_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    replies = reply(monkeypatch, silent, "你好")
    assert [(r["text"], outcome(r)) for r in replies] == [(message("service_unavailable", "zh"), UNANSWERED)]


def test_an_answer_carries_no_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    assert [outcome(r) for r in reply(monkeypatch, answers)] == [None]


# --------------------------------------------------------------------------- the bounded turn queue


def test_turns_past_the_queue_wait_are_answered_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TURN_CONCURRENCY", "1")
    monkeypatch.setenv("TURN_QUEUE_WAIT_S", "0.2")
    ran: list[str] = []

    async def slow(msg: UserMessage) -> None:
        ran.append(msg.text)
        await asyncio.sleep(0.5)
        await msg.output_channel.send_text_message(msg.sender_id, f"answer to {msg.text}")

    handle = handler(monkeypatch, slow)

    async def both() -> list[list[dict]]:
        collectors = [CollectingOutputChannel(), CollectingOutputChannel()]
        await asyncio.gather(*(handle(UserMessage(t, c, sender_id=f"web:{t}")) for t, c in zip(("one", "two"),
                                                                                              collectors, strict=True)))
        return [c.messages for c in collectors]

    first, second = asyncio.run(both())
    assert ran == ["one"]  # the second turn never reached Rasa
    assert [outcome(r) for r in first] == [None]
    assert [(r["text"], outcome(r)) for r in second] == [(turn_texts("busy", "en"), BUSY)]


def test_the_gate_serves_first_come_first_served_and_bounds_the_queue() -> None:
    async def run() -> tuple[list[int], bool]:
        gate = TurnGate(slots=1, queue=3, wait_s=5)
        order: list[int] = []

        async def turn(i: int) -> None:
            async with gate.slot():
                order.append(i)
                await asyncio.sleep(0.01)

        tasks = [asyncio.create_task(turn(i)) for i in range(4)]  # one runs, three wait
        await asyncio.sleep(0)
        full = False
        try:
            async with gate.slot():
                pass
        except Busy:
            full = True
        await asyncio.gather(*tasks)
        # a newcomer after the queue drained does not jump anyone: the slot is free again
        async with gate.slot():
            pass
        assert gate.free == 1 and not gate.waiters
        return order, full

    order, full = asyncio.run(run())
    assert order == [0, 1, 2, 3] and full


def test_a_cancelled_waiter_gives_its_place_up() -> None:
    async def run() -> int:
        gate = TurnGate(slots=1, queue=10, wait_s=5)
        release = asyncio.Event()

        async def holder() -> None:
            async with gate.slot():
                await release.wait()

        async def waiter() -> None:
            async with gate.slot():
                pass

        held = asyncio.create_task(holder())
        await asyncio.sleep(0)
        gone = asyncio.create_task(waiter())  # a client that disconnects while waiting
        await asyncio.sleep(0)
        gone.cancel()
        await asyncio.gather(gone, return_exceptions=True)
        release.set()
        await held
        async with gate.slot():
            return gate.free

    assert asyncio.run(run()) == 0  # the one slot is held by the last turn, nobody left waiting


def test_the_gate_is_off_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TURN_CONCURRENCY", raising=False)
    assert TurnGate.from_environ() is None
    monkeypatch.setenv("TURN_CONCURRENCY", "4")
    gate = TurnGate.from_environ()
    assert gate is not None and (gate.slots, gate.queue, gate.wait_s) == (4, 500, 20.0)
