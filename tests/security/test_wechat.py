"""Attacks on the WeChat channel, run against the real channel over loopback HTTP (issue 12).

Each test is one finding of the issue, tried the way an attacker on the network (or one who has read
a logged push URL) would: the platform simulator signs what the platform would sign, and the attack
changes what an attacker can change. Where a finding is about the conversation itself, the trained
assistant answers, with its action server and an SQL tracker store (Rasa's ``SQLTrackerStore``).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.channels.wechat import texts
from lexicon.user_text import MAX_MESSAGE_CHARS
from tests.support.wechat import SECRET, ChannelServer, GatedAgent, LoopThread, ScriptedAgent, new_openid, platform_for
from tools.wechat_api_standin import FakeWeChatAPI
from tools.wechat_platform import Delivery, WeChatPlatform

#: The timestamp of the platform's published sample push (September 2014).
STALE = 1409735669


def echo(msg: Any) -> list[dict]:
    return [{"text": f"收到：{msg.text}"}]


def post(server: ChannelServer, params: dict[str, str], body: bytes) -> requests.Response:
    return requests.post(server.url, params=params, data=body, timeout=10, headers={"Content-Type": "text/xml"})


def shown(platform: WeChatPlatform, fields: dict, answer: requests.Response) -> str | None:
    """What the follower sees of a passive reply (decrypted and checked like the platform does)."""
    delivery = Delivery(fields)
    platform._read_reply(delivery, answer.content, fields)
    assert delivery.error is None, delivery.error
    return delivery.reply


def stored_senders(path: Path, said: str) -> set[str]:
    """Sender ids of the tracker store whose events hold this text (as Rasa stores it: JSON with
    ASCII escapes)."""
    with sqlite3.connect(path) as db:
        return {s for (s,) in db.execute("SELECT DISTINCT sender_id FROM events WHERE data LIKE ?",
                                         [f"%{json.dumps(said)[1:-1]}%"])}


def events_of(path: Path, *senders: str) -> int:
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT COUNT(*) FROM events WHERE sender_id IN ({','.join('?' * len(senders))})",
                          senders).fetchone()[0]


# ------------------------------------------------------- stale and replayed pushes


@pytest.mark.parametrize("mode", ["plain", "compat", "safe"])
@pytest.mark.parametrize("timestamp", [STALE, "future"])
def test_a_stale_or_future_signature_is_refused(make_server: Callable[..., ChannelServer], mode: str,
                                               timestamp: int | str) -> None:
    """A push signed in 2014 (or 10 minutes ahead) is refused, however well signed: URL check too."""
    agent = ScriptedAgent(echo)
    server = make_server(agent, mode=mode)
    platform = platform_for(server, mode)
    ts = int(time.time()) + 600 if timestamp == "future" else timestamp
    params, body = platform.request(platform.fields(new_openid(), "text", Content="我是谁都可以"), timestamp=ts)
    assert post(server, params, body).status_code == 403
    assert platform.verify("echo", timestamp=ts).status_code == 403
    params, _ = platform.request(platform.fields(new_openid(), "text", Content="x"), timestamp=ts)
    assert post(server, params, b"<xml>" + b" " * 1_000_000).status_code == 403  # refused unread, not 413
    assert agent.received == []
    # the same push signed now is answered: the refusal is about the time, nothing else
    params, body = platform.request(platform.fields(new_openid(), "text", Content="你好"))
    assert post(server, params, body).status_code == 200 and len(agent.received) == 1


@pytest.mark.parametrize("mode, store", [("plain", "memory"), ("plain", "redis"), ("compat", "memory")])
def test_a_used_signature_carries_no_other_body(make_server: Callable[..., ChannelServer],
                                                request: pytest.FixtureRequest, mode: str, store: str) -> None:
    """One logged push URL: the platform's retry of that message is still one turn and one reply;
    another body (another follower, other words) under the same signed (timestamp, nonce) is refused,
    on another worker too when they share Redis."""
    agent = ScriptedAgent(echo)
    shared = request.getfixturevalue("redis_url") if store == "redis" else None
    prefix = f"wechat-test:{time.time_ns()}:"
    first = make_server(agent, mode=mode, redis_url=shared, key_prefix=prefix)
    other = make_server(agent, mode=mode, redis_url=shared, key_prefix=prefix) if shared else first
    platform = platform_for(first, mode)
    victim = new_openid()
    fields = platform.fields(victim, "text", Content="绿卡有什么用？")
    params, body = platform.request(fields)
    genuine = post(first, params, body)
    assert genuine.status_code == 200 and shown(platform, fields, genuine) == "收到：绿卡有什么用？"

    ts, nonce = int(params["timestamp"]), params["nonce"]
    for forged in ({**fields, "FromUserName": victim, "Content": "取消我的预约", "MsgId": platform.new_msg_id()},
                   {**fields, "FromUserName": new_openid()}):
        # compat mode also takes plaintext pushes: the attacker drops the ciphertext
        f_params, f_body = platform.request(forged, timestamp=ts, nonce=nonce,
                                            forge="plain" if mode == "compat" else None)
        assert post(other, f_params, f_body).status_code == 403

    retry = post(other, params, body)  # the platform's own retry, same signature and body
    assert retry.status_code == 200 and shown(platform, fields, retry) == "收到：绿卡有什么用？"
    assert [m.text for m in agent.received] == ["绿卡有什么用？"]


# ------------------------------------------------------------- identities


def test_a_web_visitor_who_knows_an_openid_reaches_no_followers_conversation(
        make_server: Callable[..., ChannelServer], assistant: Any, loop_thread: LoopThread,
        tracker_path: Path) -> None:
    """The web front forwarded a 28-character openid unchanged: the follower's conversation was the
    web visitor's too. Now whatever id a web request names, it is not the follower's."""
    server = make_server(assistant)
    openid = new_openid()
    said = platform_for(server).text(openid, "我想预约")
    assert said.error is None and said.reply
    for web_sender in (openid, "web:" + openid):  # what a web visitor could make the web front send
        loop_thread.run(assistant.handle_text("我叫攻击者", sender_id=web_sender), timeout=120)
    # the in-process assistant's store is the session's (tests/wechat's followers say 我想预约 too): this openid's
    followers = {s for s in stored_senders(tracker_path, "我想预约") if openid in s}
    assert len(followers) == 1
    [follower] = followers
    assert follower not in stored_senders(tracker_path, "我叫攻击者")


# ------------------------------------------------------------- numbered choices


def test_a_number_presses_a_button_of_the_last_question_only(make_server: Callable[..., ChannelServer]) -> None:
    """An answer with related articles as buttons, then a form question with its choices: "2" is the
    question's second choice, not the second related article."""
    def reply(msg: Any) -> list[dict]:
        if msg.text == "我符合条件吗？":
            return [{"text": "第六条说……", "buttons": [{"title": "第五条", "payload": "/ask_policy{\"article\": \"5\"}"},
                                                      {"title": "第七条", "payload": "/ask_policy{\"article\": \"7\"}"}]},
                    {"text": "您的最高学位是？", "buttons": [{"title": "博士", "payload": "/inform{\"degree\": \"doctorate\"}"},
                                                          {"title": "硕士", "payload": "/inform{\"degree\": \"master\"}"}]}]
        return echo(msg)

    agent = ScriptedAgent(reply)
    server = make_server(agent)
    platform = platform_for(server)
    openid = new_openid()
    question = platform.text(openid, "我符合条件吗？")
    assert question.reply.endswith("回复数字选择：\n1. 博士\n2. 硕士")
    platform.text(openid, "2")
    assert agent.received[-1].text == '/inform{"degree": "master"}'


# ------------------------------------------------------------- hostile input


def test_hostile_text_gets_a_polite_answer_and_reaches_the_assistant_clean(
        make_server: Callable[..., ChannelServer]) -> None:
    """Oversize, NUL and other control characters, emoji, HTML: each gets an answer the platform can
    show, and what reaches the assistant is bounded and clean."""
    agent = ScriptedAgent(echo)
    server = make_server(agent)
    platform = platform_for(server)
    openid = new_openid()

    oversize = platform.text(openid, "长" * (MAX_MESSAGE_CHARS + 1))
    assert oversize.reply == texts("too_long", "zh", max_chars=MAX_MESSAGE_CHARS)
    assert agent.received == []  # no turn for a text nobody could answer

    cases = {"你好\x00\x01\x1b[31m\x7f\x85世界": "你好[31m世界",
             "  😀🎉👍  ": "😀🎉👍",
             "<script>alert(1)</script><b>&amp;</b>": "<script>alert(1)</script><b>&amp;</b>"}
    for sent, seen in cases.items():
        delivery = platform.text(openid, sent)
        assert delivery.error is None and delivery.reply == f"收到：{seen}", repr(sent)
        assert agent.received[-1].text == seen
    longest = platform.text(openid, "长" * MAX_MESSAGE_CHARS)  # the limit itself is fine
    assert longest.reply.startswith("收到：长") and agent.received[-1].text == "长" * MAX_MESSAGE_CHARS

    params, body = platform.request(platform.fields(openid, "text", Content="长" * 20_000))
    assert post(server, params, body).status_code == 413  # 60 KB: not read to the end
    assert len(agent.received) == len(cases) + 1


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_one_follower_cannot_flood_the_assistant(make_server: Callable[..., ChannelServer],
                                                 request: pytest.FixtureRequest, store: str) -> None:
    """Past the per-follower limit the channel answers "please wait" itself, in the follower's
    language, on every worker alike; other followers are not affected."""
    agent = ScriptedAgent(echo)
    shared = request.getfixturevalue("redis_url") if store == "redis" else None
    prefix = f"wechat-test:{time.time_ns()}:"
    workers = [make_server(agent, redis_url=shared, key_prefix=prefix, rate_limit=3, rate_window_s=3600)
               for _ in range(2 if shared else 1)]
    platform = platform_for(workers)
    flooder = new_openid()
    replies = [platform.text(flooder, f"问题{i}", url=i % len(workers)).reply for i in range(3)]
    assert replies == ["收到：问题0", "收到：问题1", "收到：问题2"]
    assert platform.text(flooder, "问题3", url=1 % len(workers)).reply == texts("rate_limited", "zh")
    assert platform.text(flooder, "one more question?").reply == texts("rate_limited", "en")
    assert platform.text(new_openid(), "你好").reply == "收到：你好"
    assert [m.text for m in agent.received] == ["问题0", "问题1", "问题2", "你好"]


# ------------------------------------------------------------- secrets in logs


@pytest.mark.parametrize("path", ["/cgi-bin/token", "/cgi-bin/message/custom/send"])
def test_a_failed_api_call_logs_no_secret(make_server: Callable[..., ChannelServer], loop_thread: LoopThread,
                                          fake_api: FakeWeChatAPI, caplog: pytest.LogCaptureFixture,
                                          path: str) -> None:
    """A late answer whose API call fails on a bad redirect (aiohttp quotes the whole URL): the log
    names the call, never the AppSecret or the access token."""
    agent = GatedAgent(ScriptedAgent(echo), loop_thread)
    server = make_server(agent, reply_window=0.2)
    fake_api.redirect_paths = {path}
    agent.close()
    with caplog.at_level(logging.INFO, logger="bot.channels"):
        delivery = platform_for(server).text(new_openid(), "你好")
        agent.open()
        deadline = time.monotonic() + 30
        while server.channel.counters["send_failed"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert delivery.reply is None and server.channel.counters["send_failed"] == 1
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert f"WeChat API {path} unreachable" in text
    for secret in ("secret=", "access_token=", SECRET, "TOKEN-1"):
        assert secret not in text


# ------------------------------------------------------------- retention


def test_an_unfollow_deletes_the_followers_stored_conversation(
        make_server: Callable[..., ChannelServer], assistant: Any, tracker_path: Path) -> None:
    """What a follower told the assistant stays in Rasa's tracker store until they unfollow: then it
    goes, with the channel's own state about them."""
    server = make_server(assistant)
    platform = platform_for(server)
    openid, bystander = new_openid(), new_openid()
    platform.text(openid, "我叫张伟，电话 13800138000")
    platform.text(openid, "你能做什么")  # a reply with numbered choices: state in the channel's store
    platform.text(bystander, "绿卡有什么用？")
    [follower] = stored_senders(tracker_path, "13800138000")
    assert events_of(tracker_path, follower) > 0
    assert server.loop.run(server.channel.store.get(f"user:{openid}")) is not None

    bye = platform.event(openid, "unsubscribe")

    assert bye.error is None and bye.attempts[0].body == "success"
    assert events_of(tracker_path, follower) == 0 and stored_senders(tracker_path, "13800138000") == set()
    assert server.loop.run(server.channel.store.get(f"user:{openid}")) is None
    assert stored_senders(tracker_path, "绿卡有什么用？")  # nobody else's conversation went
