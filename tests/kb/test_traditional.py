"""Traditional characters answered in kind (issue 17, item 6): detection, OpenCC conversion, both channels.

The assistant writes simplified characters; a question in traditional characters gets its reply, button
titles and policy terms included, converted where the reply leaves the assistant. The channels are run
with a scripted turn (what the assistant would say) so only the conversion is under test.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput

from bot.channels.safe_rest import SafeRestInput
from bot.channels.script import match_script
from bot.channels.wechat import WeChatInput
from policy_kb.lang import is_traditional, to_simplified, to_traditional

ANSWER = "省财政一次性奖励10万元。晋发〔2017〕47号（依据：第十四条）"
ANSWER_HANT = "省財政一次性獎勵10萬元。晉發〔2017〕47號（依據：第十四條）"


@pytest.mark.parametrize(("text", "expected"), [
    ("友誼獎獎金多少", True),
    ("臺灣博士來晉工作有什麼政策", True),
    ("我係香港人，來山西做嘢有冇優惠", True),
    ("友谊奖奖金多少", False),
    ("台湾博士来晋工作有什么政策", False),
    ("港澳台人才", False),  # the same in both scripts
    ("我是PhD，能申请吗", False),
    ("How much is the Friendship Award?", False),
    ("👍 123", False),
])
def test_the_script_is_read_from_the_characters(text: str, expected: bool) -> None:
    assert is_traditional(text) is expected


def test_policy_terms_and_citations_are_converted_both_ways() -> None:
    assert to_traditional(ANSWER) == ANSWER_HANT
    assert to_simplified(ANSWER_HANT) == ANSWER


def scripted_turn(messages: list[dict[str, Any]]):
    """An ``on_new_message`` that answers every turn with ``messages`` (simplified, as the assistant writes)."""
    async def turn(msg: UserMessage) -> None:
        for m in messages:
            await msg.output_channel.send_text_with_buttons(msg.sender_id, m["text"], m.get("buttons") or [])
    return turn


REPLY = [{"text": ANSWER, "buttons": [{"title": "我符合条件吗？", "payload": "/check_eligibility"}]}]


def test_match_script_converts_text_and_button_titles_not_payloads() -> None:
    # characters only (s2tw), not Taiwan vocabulary (s2twp): the service 窗口 must not become a 視窗 (GUI window)
    messages = [{"text": ANSWER, "buttons": [{"title": "预约窗口", "payload": "/book_appointment"}]}]
    match_script(messages, "友誼獎獎金多少")
    assert messages == [{"text": ANSWER_HANT, "buttons": [{"title": "預約窗口", "payload": "/book_appointment"}]}]
    unchanged = [{"text": ANSWER}]
    match_script(unchanged, "友谊奖奖金多少")
    assert unchanged == [{"text": ANSWER}]


def rest_reply(monkeypatch: pytest.MonkeyPatch, text: str) -> list[dict[str, Any]]:
    """What the REST channel sends back for ``text``: its handler, as Rasa's RestInput would call it."""
    handlers = []
    monkeypatch.setattr(RestInput, "blueprint", lambda self, handler: handlers.append(handler))
    SafeRestInput().blueprint(scripted_turn(REPLY))
    collector = CollectingOutputChannel()
    asyncio.run(handlers[0](UserMessage(text, collector, sender_id="web:traditional-test")))
    return collector.messages


def test_rest_answers_a_traditional_question_in_traditional_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    reply = rest_reply(monkeypatch, "友誼獎獎金多少")
    assert reply[0]["text"] == ANSWER_HANT
    assert reply[0]["buttons"] == [{"title": "我符合條件嗎？", "payload": "/check_eligibility"}]


def test_rest_answers_a_simplified_question_in_simplified_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    assert rest_reply(monkeypatch, "友谊奖奖金多少")[0]["text"] == ANSWER


def test_wechat_answers_a_traditional_question_in_traditional_characters() -> None:
    channel = WeChatInput(token="t" * 32, mode="plain", key_prefix="test-traditional:")
    reply = asyncio.run(channel._converse("o-traditional", "友誼獎獎金多少", {"wechat": {}}, scripted_turn(REPLY)))  # noqa: SLF001
    assert ANSWER_HANT in reply and "我符合條件嗎？" in reply


def test_wechat_converts_its_own_catalogue_words_with_the_reply() -> None:
    """The numbered options' head and the "更多" hint come from the channel's catalogue, after the
    assistant's messages: they are converted with the reply, not left in simplified characters."""
    from bot.channels.wechat_texts import texts

    channel = WeChatInput(token="t" * 32, mode="plain", key_prefix="test-traditional-own:")
    long_reply = [{"text": ANSWER * 60, "buttons": REPLY[0]["buttons"]}]
    first = asyncio.run(channel._converse("o-traditional-own", "友誼獎獎金多少", {"wechat": {}}, scripted_turn(long_reply)))  # noqa: SLF001
    assert first.endswith(to_traditional(texts("more_hint", "zh")))
    pages = [first]
    while pages[-1].endswith(to_traditional(texts("more_hint", "zh"))):
        pages.append(asyncio.run(channel._converse("o-traditional-own", "更多", {"wechat": {}}, scripted_turn(long_reply))))  # noqa: SLF001
    assert to_traditional(texts("options_head", "zh")) in pages[-1] and texts("options_head", "zh") not in pages[-1]
    assert all(len(page.encode()) <= 2048 for page in pages)
    simplified = asyncio.run(channel._converse("o-simplified-own", "友谊奖奖金多少", {"wechat": {}}, scripted_turn(REPLY)))  # noqa: SLF001
    assert texts("options_head", "zh") in simplified


def test_the_channels_own_apology_follows_the_script_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A turn that says nothing gets the KB catalogue's apology, in the script of the question."""
    from policy_kb.messages import message

    handlers = []
    monkeypatch.setattr(RestInput, "blueprint", lambda self, handler: handlers.append(handler))
    SafeRestInput().blueprint(scripted_turn([]))
    collector = CollectingOutputChannel()
    asyncio.run(handlers[0](UserMessage("友誼獎獎金多少", collector, sender_id="web:traditional-silent")))
    assert [m["text"] for m in collector.messages] == [to_traditional(message("service_unavailable", "zh"))]
