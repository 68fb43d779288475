"""A WeChat retry that lands on another replica while the first is still answering: one turn, one reply.

The platform retries a push it got no answer to within 5 s; behind nginx the retry can reach the other
Rasa replica. Both deliveries go out at once here, one to each replica; the dedupe keys in the shared
Redis make the second wait for the first's answer instead of running the turn again.
"""

from __future__ import annotations

import re
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.scale.stack import WECHAT_TOKEN, ScaleStack
from tools.wechat_platform import WeChatPlatform

CONTENT = re.compile(r"<Content><!\[CDATA\[(.*?)\]\]></Content>", re.S)
TURNS = re.compile(r'^jincai_turns_total\{channel="wechat",component="rasa"\} (\S+)$', re.M)

#: the session's stack starts in this module's first test (two Rasa replicas load the model)
pytestmark = pytest.mark.timeout(1800)


def wechat_turns(stack: ScaleStack, replica: int) -> float:
    with urllib.request.urlopen(f"{stack.services.replica_url(replica)}/webhooks/wechat/metrics", timeout=30) as r:
        found = TURNS.search(r.read().decode())
    return float(found[1]) if found else 0.0


def test_one_message_delivered_to_two_replicas_is_one_turn_and_one_reply(stack: ScaleStack) -> None:
    urls = [f"{stack.services.replica_url(i)}/webhooks/wechat/webhook" for i in range(2)]
    platform = WeChatPlatform(urls, WECHAT_TOKEN, timeout=60)
    openid = "o" + uuid.uuid4().hex[:27]
    before = wechat_turns(stack, 0) + wechat_turns(stack, 1)
    fields = platform.fields(openid, "text", Content="绿卡有什么用？")

    def deliver(url: str) -> requests.Response:
        params, body = platform.request(fields)
        return requests.post(url, params=params, data=body, timeout=60, headers={"Content-Type": "text/xml"})

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(deliver, urls)

    assert first.status_code == second.status_code == 200
    # whichever try the platform is still waiting for shows the same answer (a try past the 4.5 s reply
    # window answers "success" and the answer goes out once by the customer-service API instead)
    replies = {m[1] for m in (CONTENT.search(r.text) for r in (first, second)) if m}
    assert len(replies) <= 1 and all("依据" in r for r in replies)
    events = stack.tracker(f"wx:{openid}")["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["绿卡有什么用？"]
    assert wechat_turns(stack, 0) + wechat_turns(stack, 1) == before + 1
