"""The WeChat channel end to end: the platform simulator pushes over loopback HTTP to the channel,
which talks to the trained assistant and its action server; late answers go to the stand-in
customer-service API.

Turns are counted in the assistant's tracker (``UserUttered`` events), so "one turn" means the
assistant really saw the message once. Where a test needs a slow turn it holds the turn at a gate in
the test's agent wrapper and gives the channel a short reply window; nothing sleeps in the channel.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from bot.channels.turn_texts import turn_texts
from bot.channels.wechat import WeChatInput, sender_id
from i18n.responses import response as domain_response
from policy_kb.messages import message
from policy_kb.source import load_source
from tests.support.net import free_port
from tests.support.wechat import ChannelServer, GatedAgent, LoopThread, ScriptedAgent, new_openid, platform_for
from tools.wechat_api_standin import FakeWeChatAPI

CITE_ZH = "（依据：第"
CITE_EN = "(Source: Article"
HINT = "（回复“更多”查看后续内容）"


def user_turns(loop: LoopThread, agent: Any, openid: str) -> list:
    from rasa.shared.core.events import UserUttered

    tracker = loop.run(agent.tracker_store.retrieve(sender_id(openid)))
    return [e for e in tracker.events if isinstance(e, UserUttered)] if tracker else []


def eventually(condition: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def when(condition: Callable[[], bool], then: Callable[[], None], timeout: float = 60) -> threading.Thread:
    """Run ``then`` once ``condition`` holds (polled from a helper thread)."""
    def watch() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not condition():
            time.sleep(0.02)
        then()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def gated(assistant: Any, loop_thread: LoopThread) -> GatedAgent:
    return GatedAgent(assistant, loop_thread)


def echo(msg: Any) -> list[dict]:
    return [{"text": f"收到：{msg.text}"}]


# ------------------------------------------------------------- verification


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_url_verification_and_forged_checks(make_server: Callable[..., ChannelServer], mode: str) -> None:
    server = make_server(ScriptedAgent(echo), mode=mode)
    platform = platform_for(server, mode)
    r = platform.verify("1789234567891234")
    assert (r.status_code, r.text) == (200, "1789234567891234")
    assert platform.verify("x", signature="0" * 40).status_code == 403
    assert requests.get(server.url, params={"timestamp": "1", "nonce": "2", "echostr": "x"}, timeout=5).status_code == 403
    assert requests.get(server.url, timeout=5).status_code == 403
    assert server.channel.counters["forbidden"] == 3


@pytest.mark.parametrize("mode, forge", [("plain", "signature"), ("plain", "no_signature"),
                                         ("safe", "signature"), ("safe", "msg_signature"), ("safe", "appid"),
                                         ("safe", "plain")])
def test_forged_pushes_get_403_and_no_turn(make_server: Callable[..., ChannelServer], mode: str, forge: str) -> None:
    agent = ScriptedAgent(echo)
    server = make_server(agent, mode=mode)
    delivery = platform_for(server, mode).text(new_openid(), "你好", tries=1, forge=forge)
    assert [a.status for a in delivery.attempts] == [403]
    assert agent.received == [] and delivery.reply is None


def test_unconfigured_channel_answers_503_and_rasa_keeps_running(loop_thread: LoopThread) -> None:
    server = ChannelServer(loop_thread, WeChatInput(token="", mode="plain"), ScriptedAgent(echo))
    try:
        assert requests.get(server.url, timeout=5).status_code == 503
        assert requests.post(server.url, data=b"<xml/>", timeout=5).status_code == 503
        assert requests.get(server.url.removesuffix("webhook"), timeout=5).json() == {"status": "not configured"}
    finally:
        server.stop()


# ---------------------------------------------------- conversations (model)


@pytest.mark.parametrize("mode", ["plain", "compat", "safe"])
def test_round_trip_with_the_trained_model(make_server: Callable[..., ChannelServer], gated: GatedAgent,
                                           loop_thread: LoopThread, fake_api: FakeWeChatAPI, mode: str) -> None:
    server = make_server(gated, mode=mode)
    platform = platform_for(server, mode)
    openid = new_openid()

    zh = platform.text(openid, "绿卡有什么用？")
    assert zh.error is None and zh.tries == 1
    # the green card is article 18's Shanxi card, not permanent residence (article 19): issue 18
    assert "（依据：第十八条）" in zh.reply and "绿卡" in zh.reply

    en = platform.text(openid, "What does the green card give me?")
    assert en.error is None and CITE_EN in en.reply

    turns = user_turns(loop_thread, gated.agent, openid)
    assert [t.text for t in turns] == ["绿卡有什么用？", "What does the green card give me?"]
    assert {t.input_channel for t in turns} == {"wechat"}
    assert turns[0].metadata["wechat"]["msg_id"] == str(zh.fields["MsgId"])
    assert turns[0].metadata["wechat"]["account"] == platform.account
    assert fake_api.sends() == []


def test_numbered_buttons_are_answered_with_a_number(make_server: Callable[..., ChannelServer], gated: GatedAgent,
                                                     loop_thread: LoopThread) -> None:
    server = make_server(gated)
    platform = platform_for(server)
    openid = new_openid()

    help_ = platform.text(openid, "你能做什么")
    options = help_.reply.split("回复数字选择：\n", 1)[1].splitlines()
    assert options[0] == "1. 我符合条件吗？" and "转人工" in options[-1]
    assert [line.split(". ", 1)[0] for line in options] == [str(n) for n in range(1, len(options) + 1)]

    degree = platform.text(openid, "1")
    assert "最高学位" in degree.reply
    assert "1. 博士" in degree.reply and "5. 跳过" in degree.reply
    last = user_turns(loop_thread, gated.agent, openid)[-1]
    assert last.text == "/check_eligibility" and last.intent["name"] == "check_eligibility"
    assert last.metadata["wechat"]["option"] == {"number": 1, "title": "我符合条件吗？"}

    years = platform.text(openid, "１")  # full-width digits count too
    assert "多少年" in years.reply and "回复数字选择" not in years.reply
    tracker = loop_thread.run(gated.agent.tracker_store.retrieve(sender_id(openid)))
    assert tracker.get_slot("degree") == "doctorate"

    platform.text(openid, "6")  # no options pending now: the number is the user's answer
    assert user_turns(loop_thread, gated.agent, openid)[-1].text == "6"


def test_subscribe_welcome_then_article_9_by_number_then_unsubscribe(
        make_server: Callable[..., ChannelServer], gated: GatedAgent, loop_thread: LoopThread) -> None:
    server = make_server(gated)
    platform = platform_for(server)
    openid = new_openid()
    art9 = load_source().article(9)

    fields = platform.fields(openid, "event", Event="subscribe")
    welcome = platform.push(fields)
    assert welcome.error is None
    assert welcome.reply.startswith("欢迎关注晋才助手")
    assert art9.summary.zh + "（依据：第九条）" in welcome.reply
    assert "晋发〔2017〕47号" in welcome.reply and "回复数字选择：" in welcome.reply
    assert domain_response("utter_help", "zh")["text"] in welcome.reply  # the assistant's own help, not a copy
    assert user_turns(loop_thread, gated.agent, openid) == []  # the greeting is the channel's own

    again = platform.push(fields, tries=1)  # the platform delivering the same event again
    assert again.reply == welcome.reply and server.channel.counters["turns"] == 1

    article = platform.text(openid, "4")  # after utter_help's three buttons
    assert "（依据：第九条）" in article.reply and art9.summary.zh in article.reply
    assert user_turns(loop_thread, gated.agent, openid)[-1].text == '/ask_policy{"article": "9", "language": "zh"}'

    bye = platform.event(openid, "unsubscribe")
    assert bye.error is None and bye.reply is None and bye.attempts[0].body == "success"
    assert loop_thread.run(server.channel.store.get(f"user:{openid}")) is None


@pytest.mark.parametrize("msg_type, extra, words", [
    ("image", {"PicUrl": "http://mmbiz.qpic.cn/x.jpg", "MediaId": "m1"}, "图片"),
    ("voice", {"MediaId": "m2", "Format": "amr"}, "语音"),
    ("video", {"MediaId": "m3", "ThumbMediaId": "t3"}, "视频"),
    ("shortvideo", {"MediaId": "m4", "ThumbMediaId": "t4"}, "视频"),
    ("location", {"Location_X": "37.87", "Location_Y": "112.55", "Scale": "15", "Label": "太原市"}, "位置"),
    ("link", {"Title": "标题", "Description": "描述", "Url": "https://example.org"}, "链接"),
    ("miniprogrampage", {"Title": "小程序"}, "文字消息"),
    ("file", {"Title": "申请表.pdf"}, "文件"),
])
def test_other_message_types_get_a_polite_text(make_server: Callable[..., ChannelServer], msg_type: str,
                                               extra: dict, words: str) -> None:
    agent = ScriptedAgent(echo)
    server = make_server(agent, mode="safe")
    delivery = platform_for(server, "safe").push(platform_for(server, "safe").fields(new_openid(), msg_type, **extra))
    assert delivery.error is None
    assert words in delivery.reply and "请直接用文字提问" in delivery.reply
    assert agent.received == []


def test_qr_code_follow_is_welcomed_and_other_events_pass_quietly(make_server: Callable[..., ChannelServer]) -> None:
    agent = ScriptedAgent(echo)
    server = make_server(agent, mode="safe")
    platform = platform_for(server, "safe")
    scan = platform.push(platform.fields(new_openid(), "event", Event="subscribe", EventKey="qrscene_47",
                                         Ticket="gQH47"))
    assert scan.reply.startswith("欢迎关注晋才助手")
    for event in ("CLICK", "VIEW", "LOCATION", "TEMPLATESENDJOBFINISH", "SOME_FUTURE_EVENT"):
        delivery = platform.push(platform.fields(new_openid(), "event", Event=event, EventKey="k"))
        assert delivery.error is None and delivery.reply is None, event
        assert delivery.attempts[0].body == "success"
    assert agent.received == []


def test_a_signed_push_without_sender_is_a_bad_request(make_server: Callable[..., ChannelServer]) -> None:
    agent = ScriptedAgent(echo)
    server = make_server(agent)
    platform = platform_for(server)
    fields = platform.fields(new_openid(), "text", Content="hi")
    del fields["FromUserName"]
    params, body = platform.request({**fields, "FromUserName": ""})
    assert requests.post(server.url, params=params, data=body, timeout=5).status_code == 400
    assert agent.received == []


def test_recognised_voice_is_a_question(make_server: Callable[..., ChannelServer]) -> None:
    agent = ScriptedAgent(echo)
    server = make_server(agent)
    platform = platform_for(server)
    delivery = platform.push(platform.fields(new_openid(), "voice", MediaId="m", Format="amr", Recognition="绿卡有什么用"))
    assert delivery.reply == "收到：绿卡有什么用"
    assert agent.received[0].metadata["wechat"]["msg_type"] == "voice"


def test_a_failing_or_silent_turn_still_gets_an_answer(make_server: Callable[..., ChannelServer]) -> None:
    def reply(msg: Any) -> list[dict]:
        if msg.text.startswith("boom"):
            raise RuntimeError("tracker store down")
        return []  # e.g. the action server is down: Rasa logs it and says nothing

    server = make_server(ScriptedAgent(reply))
    platform = platform_for(server)
    # a turn that raised left nothing in the conversation (Rasa stores a turn at its end): "send it again"
    assert platform.text(new_openid(), "boom 你好").reply == turn_texts("not_processed", "zh")
    assert platform.text(new_openid(), "boom, anyone?").reply == turn_texts("not_processed", "en")
    # a stored turn without an answer (the action server down): "your message was not lost"
    assert platform.text(new_openid(), "anyone there?").reply == message("service_unavailable", "en")


# ------------------------------------------------------------ 5-second rule


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_retries_make_one_turn_and_one_reply(make_server: Callable[..., ChannelServer], gated: GatedAgent,
                                             loop_thread: LoopThread, fake_api: FakeWeChatAPI,
                                             request: pytest.FixtureRequest, store: str) -> None:
    redis_url = request.getfixturevalue("redis_url") if store == "redis" else None
    # the platform gives up on a try after 3 s here (5 s on the real one); the channel would wait longer
    server = make_server(gated, redis_url=redis_url, reply_window=30)
    platform = platform_for(server, timeout=3)
    openid = new_openid()
    gated.close()
    when(lambda: server.channel.counters["duplicates"] >= 2, gated.open)

    delivery = platform.text(openid, "绿卡有什么用？")

    assert [a.status for a in delivery.attempts] == [None, None, 200]
    assert CITE_ZH in delivery.reply
    assert len(user_turns(loop_thread, gated.agent, openid)) == 1 and gated.turns == 1
    counters = server.channel.counters
    assert (counters["turns"], counters["duplicates"], counters["passive"]) == (1, 2, 1)
    time.sleep(0.5)  # the answer task settles: nothing goes out by the API as well
    assert fake_api.sends() == []


def test_a_retry_on_another_worker_waits_for_the_first_workers_answer(
        make_server: Callable[..., ChannelServer], gated: GatedAgent, loop_thread: LoopThread,
        fake_api: FakeWeChatAPI, redis_url: str) -> None:
    prefix = f"wechat-test:{time.time_ns()}:"
    first = make_server(gated, redis_url=redis_url, reply_window=30, key_prefix=prefix)
    second = make_server(gated, redis_url=redis_url, reply_window=30, key_prefix=prefix)
    platform = platform_for([first, second, second], timeout=3)  # try 1 on the first worker, 2 and 3 on the second
    openid = new_openid()
    gated.close()
    when(lambda: second.channel.counters["duplicates"] >= 2, gated.open)

    delivery = platform.text(openid, "What does the green card give me?")

    assert [a.status for a in delivery.attempts] == [None, None, 200]
    assert CITE_EN in delivery.reply
    assert first.channel.counters["turns"] == 1 and second.channel.counters["turns"] == 0
    assert len(user_turns(loop_thread, gated.agent, openid)) == 1
    time.sleep(0.5)
    assert fake_api.sends() == []


def test_a_late_redelivery_gets_the_same_reply_without_a_turn(
        make_server: Callable[..., ChannelServer], gated: GatedAgent, loop_thread: LoopThread) -> None:
    server = make_server(gated)
    platform = platform_for(server)
    openid = new_openid()
    fields = platform.fields(openid, "text", Content="绿卡有什么用？")
    first = platform.push(fields)
    again = platform.push(fields, tries=1)
    assert again.reply == first.reply and CITE_ZH in again.reply
    assert len(user_turns(loop_thread, gated.agent, openid)) == 1


def test_a_slow_turn_answers_success_then_sends_by_the_customer_service_api(
        make_server: Callable[..., ChannelServer], gated: GatedAgent, loop_thread: LoopThread,
        fake_api: FakeWeChatAPI) -> None:
    server = make_server(gated, reply_window=0.3)
    platform = platform_for(server)
    openid = new_openid()

    gated.close()
    fields = platform.fields(openid, "text", Content="绿卡有什么用？")
    delivery = platform.push(fields)
    assert delivery.error is None and delivery.reply is None  # "success": the platform will not retry
    assert [a.body for a in delivery.attempts] == ["success"]
    assert fake_api.sends() == []
    gated.open()

    [call] = fake_api.wait_for_sends(1)
    assert call.query["access_token"] == "TOKEN-1"
    assert call.json["touser"] == openid and CITE_ZH in call.json["text"]["content"]
    assert len(user_turns(loop_thread, gated.agent, openid)) == 1

    again = platform.push(fields, tries=1)  # already sent by the API: never a second copy
    assert again.reply is None and again.error is None

    gated.close()
    platform.text(openid, "What does the green card give me?")
    gated.open()
    calls = fake_api.wait_for_sends(2)
    assert CITE_EN in calls[1].json["text"]["content"]
    assert len(fake_api.token_fetches()) == 1  # the token is cached
    assert eventually(lambda: server.channel.counters["sent"] == 2)  # counted once the API has answered


def test_a_late_answer_the_api_refuses_is_logged(make_server: Callable[..., ChannelServer], loop_thread: LoopThread,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    agent = GatedAgent(ScriptedAgent(echo), loop_thread)
    server = make_server(agent, reply_window=0.2, api_base=f"http://127.0.0.1:{free_port()}", http_timeout=1)
    agent.close()
    delivery = platform_for(server).text(new_openid(), "你好")
    agent.open()
    assert delivery.reply is None and delivery.error is None
    assert eventually(lambda: server.channel.counters["send_failed"] == 1)
    assert any("unreachable" in r.getMessage() for r in caplog.records)


# --------------------------------------------------------- long replies


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_long_replies_are_cut_at_2048_bytes_with_more(make_server: Callable[..., ChannelServer], mode: str) -> None:
    kb = load_source()
    long_text = "\n".join(f"{a.title.zh}：{a.text.zh}" for a in kb.articles[:12])
    assert len(long_text.encode()) > 3 * 2048

    def reply(msg: Any) -> list[dict]:
        if msg.text == "全文":
            return [{"text": long_text, "buttons": [{"title": "转人工", "payload": "/handoff"}]}]
        return [{"text": f"收到：{msg.text}"}]

    agent = ScriptedAgent(reply)
    server = make_server(agent, mode=mode)
    platform = platform_for(server, mode)
    openid = new_openid()

    pages = [platform.text(openid, "全文")]
    while pages[-1].reply.endswith(HINT):
        pages.append(platform.text(openid, "更多"))
    texts = [p.reply for p in pages]
    assert len(texts) >= 4 and all(p.error is None for p in pages)
    assert all(len(t.encode()) <= 2048 for t in texts)
    assert max(len(t.encode()) for t in texts) > 1900  # pages are filled, not cut early
    joined = "".join(t.removesuffix(HINT) for t in texts)
    assert "".join(joined.split()).startswith("".join(long_text.split()))
    assert texts[-1].endswith("回复数字选择：\n1. 转人工")
    assert [m.text for m in agent.received] == ["全文"]  # "更多" is served by the channel

    assert platform.text(openid, "1").reply == "收到：/handoff"
    assert platform.text(openid, "更多").reply == "收到：更多"  # nothing left to page through
