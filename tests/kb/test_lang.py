"""Which language a mixed message is answered in: the one whose grammar frames it (policy_kb.lang.detect)."""

from __future__ import annotations

import pytest

from policy_kb.lang import detect


@pytest.mark.parametrize(("text", "lang"), [
    # English frame, Chinese terms: however many Han characters the term has
    ("where is the 外国人来晋工作服务窗口?", "en"),
    ("does 新能源汽车 count as a priority field", "en"),
    ("what's 三晋引才 exactly", "en"),
    ("Can I get 绿卡 in Shanxi?", "en"),
    # Chinese frame, English terms: however many Latin words
    ("relocation allowance 有多少？", "zh"),
    ("补贴 tax free 吗", "zh"),
    ("team members 我自己选可以吗", "zh"),
    ("我是PhD，能申请吗", "zh"),
    # capitals are terms, not grammar words
    ("IT行业人才", "zh"),
    ("A类人才是什么", "zh"),
    # neither language's grammar words: the count decides
    ("高端人才 green card", "zh"),
    ("green card shanxi 绿卡", "en"),
    # one script only
    ("高端人才引进", "zh"),
    ("talent visa", "en"),
])
def test_the_language_whose_grammar_frames_the_message_is_the_reply_language(text: str, lang: str) -> None:
    assert detect(text) == lang


def test_text_without_letters_keeps_the_callers_language() -> None:
    assert detect("👍 123", default="en") == "en"
    assert detect("👍") is None


@pytest.mark.parametrize(("text", "lang"), [
    ("lilei@example.com", None), (" a.b+c@mail.example.cn。", None),  # a word of neither language
    ("我的邮箱是lilei@example.com", "zh"), ("我的邮箱：lilei@example.com，电话13800138000", "zh"),
    ("my e-mail is 王伟@example.cn", "en"), ("a@b.cn 和 c@d.cn 都可以吗", "zh"),
])
def test_an_email_address_is_not_a_word_of_either_language(text: str, lang: str | None) -> None:
    assert detect(text) == lang


def test_removing_addresses_stays_linear_on_long_runs_without_an_at_sign() -> None:
    """Two "@" around 100,000 letters: the bounded address pattern reads a fixed stretch from each position
    (an unbounded one, ``[...]+@[...]+``, would take minutes here)."""
    assert detect("x@" + "a" * 100_000 + " 你好吗 " + "b" * 100_000 + "@y") == "zh"
