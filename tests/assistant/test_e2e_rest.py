"""End to end: the trained model, the action server and the Rasa server, talking over REST.

Trains only when the training data changed (the model is cached by content hash), and holds real
conversations with the session's stack (``stack``, :mod:`tests.support.fixtures`).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from tests.support.chat import Chat
from tests.support.stack import Stack


@pytest.fixture
def services(stack: Stack) -> Iterator[Stack]:
    """The session's stack; its action server started again after a test that kills it."""
    yield stack
    stack.revive_actions()



def test_chinese_policy_question_is_answered_in_chinese_with_citation(services) -> None:
    reply = Chat(services).text("绿卡有什么用")
    assert "（依据：第十八条）" in reply and "绿卡" in reply


@pytest.mark.parametrize("simplified", ["绿卡有什么用", "博士来晋有哪些资助", "配偶可以一起来吗"])
def test_a_question_in_traditional_characters_is_understood_like_its_simplified_twin(services, simplified: str) -> None:
    """The NLU reads simplified characters: "綠卡有什麼用" got the help menu where "绿卡有什么用" got article 18."""
    from lexicon.normalize import to_simplified, to_traditional

    twin, typed = Chat(services).text(simplified), Chat(services).text(to_traditional(simplified))
    assert "（依据：" in twin and "（依據：" in typed
    assert to_simplified(typed) == twin


def test_english_policy_question_is_answered_in_english_with_citation(services) -> None:
    chat = Chat(services)
    reply = chat.say("How much is the Friendship Award?")
    assert reply[0]["text"].endswith("(Source: Article 14)") and "100,000" in reply[0]["text"]
    assert {b.get("payload") for b in reply[0]["buttons"]} >= {"/check_eligibility", "/handoff"}  # and a link


def test_eligibility_conversation_in_chinese(services) -> None:
    chat = Chat(services)
    assert "学位" in chat.text("我符合条件吗？")
    assert "多少年" in chat.text("博士")
    assert "领域" in chat.text("干了6年")
    assert "多大" in chat.text("大数据")
    result = chat.text("38岁")
    assert "很可能符合：高端科研人才（依据：第一条）" in result and len(result) <= 500, "a short summary first"


def test_eligibility_with_several_answers_a_digression_and_a_correction(services) -> None:
    chat = Chat(services)
    assert "degree" in chat.text("Am I eligible?")
    assert "how old" in chat.text("I have a PhD and 6 years in big data").lower()
    digression = chat.say("what is the green card?")
    assert "(Source: Article 18)" in digression[0]["text"]
    assert "how old" in digression[-1]["text"].lower(), "the form resumes after the digression"
    assert "Likely: High-end research talent (Source: Article 1)" in chat.text("45")
    assert "Likely: High-end research talent" not in chat.text("actually I only have 3 years")


def test_a_question_that_starts_the_precheck_is_answered_first(services) -> None:
    chat = Chat(services)
    reply = chat.say("我是PhD，做大数据的，能申请吗")
    assert reply[0]["text"].startswith("先看政策怎么说") and reply[0]["text"].endswith("（依据：第一条）")
    assert "多少年" in reply[-1]["text"], "then the pre-check asks what the message did not say"


def test_language_switch_and_handoff(services) -> None:
    chat = Chat(services)
    assert "English" in chat.text("please reply in English")
    handoff = chat.text("转人工")
    assert "Service Window" in handoff and "recorded" in handoff, "the explicit preference holds"


def test_out_of_scope_is_honest(services) -> None:
    reply = Chat(services).text("What's the weather in Taiyuan tomorrow?")
    assert "outside" in reply and "Article 18" in reply


def test_a_dead_action_server_still_gets_a_polite_answer(services) -> None:
    actions = services.services.named["actions"]
    os.killpg(actions.pid, signal.SIGKILL)
    actions.wait(timeout=30)
    assert "稍后再试" in Chat(services).text("绿卡有什么用")
    assert "try again" in Chat(services).text("How much is the Friendship Award?")
