"""WeChat follow-ups of a cited answer: "原文" (the article's text, with 更多) and "没帮到" (kept for the staff).

Most tests answer with a scripted agent that replies as ``action_answer_policy`` does (a cited answer with
its "查看原文" button), so they can count what reached the assistant; one runs the trained model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from appointments.keys import conversation_digest
from bot.channels.wechat import sender_id
from bot.channels.wechat_followups import article_text, is_read_article, is_unhelpful
from policy_kb.article_link import read_article_button
from policy_kb.db import make_engine
from policy_kb.source import load_source
from policy_kb.unanswered import UnansweredStore
from tests.support.wechat import ChannelServer, GatedAgent, LoopThread, ScriptedAgent, new_openid, platform_for

HINT = "（回复“更多”查看后续内容）"


def policy_reply(msg: Any) -> list[dict]:
    """Article 18 for a question in Chinese, article 6 in English; anything else is not a policy answer."""
    if msg.text.startswith("绿卡"):
        return [{"text": "……（依据：第十八条）", "buttons": [{"title": "转人工", "payload": "/handoff"},
                                                       read_article_button(18, "zh", "查看原文")]}]
    if msg.text.startswith("Relocation"):
        return [{"text": "... (Source: Article 6)", "buttons": [read_article_button(6, "en", "Read the article")]}]
    return [{"text": f"收到：{msg.text}"}]


@pytest.fixture
def store() -> Iterator[UnansweredStore]:
    s = UnansweredStore(make_engine())
    yield s
    s.engine.dispose()


def kept_by(store: UnansweredStore, openid: str) -> list:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from policy_kb.unanswered import UnansweredRow

    with Session(store.engine) as s:
        return list(s.scalars(select(UnansweredRow).where(
            UnansweredRow.conversation == conversation_digest(sender_id(openid)))))


def test_the_words_are_recognised_in_either_language_and_script() -> None:
    assert all(is_read_article(w) for w in ("原文", "查看原文！", "Read the article", "  read the article. "))
    assert all(is_unhelpful(w) for w in ("没帮到", "沒幫到", "没帮到。", "Not helpful", "👎"))
    assert not is_read_article("原文在哪里下载") and not is_unhelpful("这个没帮到我什么，还有别的吗")


def test_article_text_holds_both_languages_in_the_followers_order() -> None:
    a = load_source().article(18)
    zh, en = article_text("18", "zh"), article_text("18", "en")
    assert a.text.zh in zh and a.text.en in zh and zh.index(a.text.zh) < zh.index(a.text.en)
    assert en.index(a.text.en) < en.index(a.text.zh)
    assert "【第十八条 " in zh and "[Article 18" not in zh


def test_read_the_article_by_number_and_by_word_with_more(make_server: Callable[..., ChannelServer]) -> None:
    agent = ScriptedAgent(policy_reply)
    platform = platform_for(make_server(agent))
    openid = new_openid()
    answer = platform.text(openid, "绿卡有什么用？").reply
    assert answer.endswith("回复数字选择：\n1. 转人工\n2. 查看原文")

    pages = [platform.text(openid, "2")]
    while pages[-1].reply.endswith(HINT):
        pages.append(platform.text(openid, "更多"))
    texts = [p.reply for p in pages]
    assert len(texts) >= 2 and all(len(t.encode()) <= 2048 for t in texts)
    joined = "".join("".join(t.removesuffix(HINT).split()) for t in texts)
    a = load_source().article(18)
    assert "".join(a.text.zh.split()) in joined and "".join(a.text.en.split()) in joined
    assert [m.text for m in agent.received] == ["绿卡有什么用？"]  # the channel answered the rest

    again = platform.text(openid, "原文").reply
    assert again == texts[0]
    assert platform.text(openid, "1").reply == "收到：/handoff"  # the answer's choices are still there
    assert platform.text(openid, "原文").reply == "收到：原文"  # no cited answer before it: the assistant's


def test_english_follower_reads_english_first(make_server: Callable[..., ChannelServer]) -> None:
    platform = platform_for(make_server(ScriptedAgent(policy_reply)))
    openid = new_openid()
    platform.text(openid, "Relocation bonus?")
    page = platform.text(openid, "read the article").reply
    assert page.startswith(load_source().code) and "Article 6: " not in page
    assert "English rendering" in page and "政策原文" not in page[:page.index("English rendering")]


def test_not_helpful_right_after_an_answer_keeps_the_question_masked(make_server: Callable[..., ChannelServer],
                                                                     store: UnansweredStore) -> None:
    agent = ScriptedAgent(policy_reply)
    platform = platform_for(make_server(agent))
    openid = new_openid()
    platform.text(openid, "绿卡能不能给我老婆办？我叫王芳，电话13912345678")
    thanks = platform.text(openid, "没帮到").reply
    assert "谢谢" in thanks and "转人工" in thanks
    (row,) = kept_by(store, openid)
    assert (row.reason, row.channel, row.answered, row.lang) == ("unhelpful", "wechat", "18", "zh")
    assert "王芳" not in row.text and "13912345678" not in row.text and "绿卡能不能给我老婆办" in row.text
    assert platform.text(openid, "没帮到").reply == "收到：没帮到"  # one vote per answer; then it is text again
    assert len(kept_by(store, openid)) == 1
    assert [m.text for m in agent.received][-1] == "没帮到"


def test_not_helpful_after_other_replies_is_just_text(make_server: Callable[..., ChannelServer],
                                                      store: UnansweredStore) -> None:
    agent = ScriptedAgent(policy_reply)
    platform = platform_for(make_server(agent))
    openid = new_openid()
    platform.text(openid, "绿卡有什么用？")
    platform.text(openid, "你好")  # not a cited answer: the follow-up is over
    assert platform.text(openid, "not helpful").reply == "收到：not helpful"
    assert kept_by(store, openid) == []


def test_unfollow_forgets_the_last_answer(make_server: Callable[..., ChannelServer], loop_thread: LoopThread) -> None:
    server = make_server(ScriptedAgent(policy_reply))
    platform = platform_for(server)
    openid = new_openid()
    platform.text(openid, "绿卡有什么用？")
    assert loop_thread.run(server.channel.store.get(f"last:{openid}")) is not None
    platform.event(openid, "unsubscribe")
    assert loop_thread.run(server.channel.store.get(f"last:{openid}")) is None


def test_with_the_trained_model_an_answer_offers_its_article_and_takes_not_helpful(
        make_server: Callable[..., ChannelServer], assistant: Any, loop_thread: LoopThread,
        store: UnansweredStore) -> None:
    platform = platform_for(make_server(GatedAgent(assistant, loop_thread)))
    openid = new_openid()
    answer = platform.text(openid, "绿卡有什么用？").reply
    assert "（依据：第十八条）" in answer and "查看原文" in answer
    article = platform.text(openid, "原文").reply
    assert load_source().article(18).text.zh[:40] in article
    assert "谢谢" in platform.text(openid, "没帮到").reply
    assert [(r.reason, r.answered) for r in kept_by(store, openid)] == [("unhelpful", "18")]
