"""The sign-up through the WeChat platform simulator (signed pushes, passive replies, numbered options),
against the trained model and the session stack's action server: the welcome's menu entry by number, typed
answers, skips, the Official Account as the contact, the review, "see my registration" and deleting it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from registry.store import close_stores, open_store
from tests.support.wechat import ChannelServer, new_openid, platform_for


def test_a_follower_registers_from_the_welcome_menu_sees_and_deletes_it(
        assistant: Any, make_server: Callable[..., ChannelServer], stack) -> None:
    platform = platform_for(make_server(assistant))
    openid = new_openid()
    welcome = platform.push(platform.fields(openid, "event", Event="subscribe")).reply
    entry = next(line for line in welcome.splitlines() if line.endswith("外籍晋商晋才登记") and line[0].isdigit())
    consent = platform.text(openid, entry.split(".", 1)[0]).reply
    assert "第八条" in consent and "回复数字选择" in consent
    for answer, expected in (("1", "祖籍地"), ("太原小店", "国家"), ("美国", "行业"), ("跳过", "发展状况"),
                             ("跳过", "感兴趣"), ("都感兴趣", "公众号")):
        reply = platform.text(openid, answer).reply
        assert expected in reply, (answer, reply)
    review = platform.text(openid, "1").reply  # 1. 通过公众号联系我
    assert "太原市小店区" in review and "美国" in review and "通过公众号微信联系" in review
    done = platform.text(openid, "确认").reply
    assert "已为您登记" in done and "（依据：第九条）" in done
    store = open_store(stack.appointments_url)  # the stack's action server keeps the register beside the bookings
    try:
        record = store.for_conversation(f"wx:{openid}")
        assert record.channel == "wechat" and record.contact_kind == "wechat" and record.country_code == "US"
        assert openid not in str(record) and record.display_ref in done
        assert record.display_ref in platform.text(openid, "查看我的登记").reply
        assert "确定删除" in platform.text(openid, "删除我的登记").reply
        assert "已删除" in platform.text(openid, "1").reply
        assert store.for_conversation(f"wx:{openid}") is None
    finally:
        close_stores([stack.appointments_url])
