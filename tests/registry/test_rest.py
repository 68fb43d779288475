"""The sign-up over Rasa's REST channel against the trained model and the real action server, in both
languages: typed answers, a skip, ordinals, a correction at the review, the cited offers, "see my
registration", "delete my registration", and a refusal that stores nothing. The stack is the session's
(``tests/support/fixtures.py``: its own tracker and appointments database, beside which the register lives)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from registry.store import RegistryStore, close_stores, open_store
from tests.support.net import http


@pytest.fixture
def registry(stack) -> Iterator[RegistryStore]:
    url = stack.appointments_url  # the register sits beside the appointments
    yield open_store(url)
    close_stores([url])


def say(stack, sender: str, message: str) -> str:
    r = http("POST", stack.rest_url, {"sender": sender, "message": message}, timeout=120)
    assert r.status == 200, r.body
    return "\n".join(m.get("text") or "" for m in r.json())


def test_chinese_sign_up_review_see_and_delete(stack, registry: RegistryStore) -> None:
    sender = f"web:{uuid.uuid4().hex}"
    consent = say(stack, sender, "我是外籍晋商，想登记")
    assert "第八条" in consent and "第九条" in consent and "保存30天" in consent
    assert "市、县" in say(stack, sender, "同意")
    assert "国家" in say(stack, sender, "运城 临猗县")
    assert "行业" in say(stack, sender, "加拿大")
    assert "发展状况" in say(stack, sender, "跳过")
    assert "感兴趣" in say(stack, sender, "在温哥华做软件，十几个人")
    assert "联系" in say(stack, sender, "第一个和第三个")
    review = say(stack, sender, "wang.li@example.com")
    assert "运城市临猗县" in review and "wan***@example.com" in review and "（未填）" in review
    assert "· 行业：软件" in say(stack, sender, "行业改成软件")
    assert not registry.list("test")
    done = say(stack, sender, "确认")
    assert "已为您登记" in done and "可参照省级常规引才项目的标准给予补助" in done and "（依据：第九条、第六条）" in done
    record = registry.for_conversation(sender)
    assert record.county_code == "140821" and record.interests == ("return_visit", "investing")
    mine = say(stack, sender, "查看我的登记")
    assert record.display_ref in mine and "wan***@example.com" in mine and "wang.li@" not in mine
    assert "确定删除" in say(stack, sender, "删除我的登记")
    assert "已删除" in say(stack, sender, "是的")
    assert registry.for_conversation(sender) is None


def test_english_sign_up_with_a_field_reopened(stack, registry: RegistryStore) -> None:
    sender = f"web:{uuid.uuid4().hex}"
    assert "Article 8" in say(stack, sender, "register as a Shanxi-origin entrepreneur")
    say(stack, sender, "I agree")
    assert "country" in say(stack, sender, "Xiaodian, Taiyuan")
    say(stack, sender, "I live in Malaysia")
    say(stack, sender, "restaurants")
    say(stack, sender, "I run two restaurants in Kuala Lumpur")
    say(stack, sender, "all of them")
    review = say(stack, sender, "+60 12 345 6789")
    assert "Xiaodian District, Taiyuan" in review and "Malaysia" in review
    assert "Which country" in say(stack, sender, "change the country")
    assert "Country of residence: Singapore" in say(stack, sender, "Singapore")
    done = say(stack, sender, "confirm")
    assert "You are registered" in done and "(Source: Articles 9, 6)" in done and "(Source: Article 9)" in done
    record = registry.for_conversation(sender)
    assert record.country_code == "SG" and len(record.interests) == 5 and record.lang == "en"


def test_refusing_consent_stores_nothing(stack, registry: RegistryStore) -> None:
    sender = f"web:{uuid.uuid4().hex}"
    say(stack, sender, "我是外籍晋商，想登记")
    assert "没有保存任何信息" in say(stack, sender, "不同意")
    assert registry.for_conversation(sender) is None
    assert "还没有登记" in say(stack, sender, "查看我的登记")
