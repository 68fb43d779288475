"""The sign-up conversation through the one form base, Rasa's side played by
:class:`tests.assistant.form_chat.FormChat` (the intent is given as the NLU might get it, often wrong):
typed answers, ordinals, skips, corrections at the review, consent refused, stopping, seeing and deleting."""

from __future__ import annotations

import inspect
from collections import Counter
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.utils import all_subclasses

from actions.form_base import AskSlot
from actions.registration import common, delete, form, outcomes
from registry.store import open_store
from tests.assistant import form_chat
from tests.assistant.form_chat import FormChat, payloads, run, text_of


@pytest.fixture(autouse=True)
def _registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", f"sqlite:///{tmp_path / 'registry.sqlite3'}")
    monkeypatch.setenv("APPOINTMENTS_HASH_KEY", "test-key")
    monkeypatch.setenv("APPOINTMENTS_RETENTION_DAYS", "30")
    monkeypatch.setitem(form_chat.VALIDATORS, "registration_form", form.ValidateRegistrationForm)
    monkeypatch.setitem(form_chat.RESULTS, "registration_form", outcomes.ActionRegistrationResult)
    monkeypatch.setitem(form_chat.VALIDATORS, "registration_delete_form", delete.ValidateRegistrationDeleteForm)
    monkeypatch.setitem(form_chat.RESULTS, "registration_delete_form", delete.ActionRegistrationDeleteResult)
    for cls in all_subclasses(AskSlot):
        if cls.__module__.startswith("actions.registration.") and not inspect.isabstract(cls):
            monkeypatch.setitem(form_chat.ASK, cls().name(), cls)


def test_the_consent_names_the_purpose_and_the_retention_rules_period(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPOINTMENTS_RETENTION_DAYS", "45")
    consent = text_of(FormChat("zh").start("registration_form", "我是外籍晋商，想登记", "register_merchant"))
    assert "第八条" in consent and "外籍晋商晋才数据库" in consent and "第九条" in consent and "保存45天" in consent


def signup(lang: str = "zh", sender: str = "wx:openid-1") -> FormChat:
    chat = FormChat(lang, sender=sender)
    chat.start("registration_form", "我是外籍晋商，想登记" if lang == "zh" else "register as a Shanxi-origin entrepreneur",
               "register_merchant")
    return chat


def saved(sender: str = "wx:openid-1"):
    return open_store().for_conversation(sender)


def test_chinese_sign_up_typed_with_ordinals_a_correction_and_the_cited_offers() -> None:
    chat = signup()
    chat.say("同意", "affirm")
    assert "加拿大" in text_of(chat.say("太原小店，现在住在加拿大"))  # the country in passing, said back
    assert chat.slots["requested_slot"] == "reg_industry"
    chat.say("国际贸易", "ask_policy")  # the NLU's guess does not matter: the question decides
    chat.say("在多伦多开了一家进出口公司，大约30人", "out_of_scope")
    chat.say("第一个和第三个")
    review = text_of(chat.say("我的邮箱是 wang.li@example.com"))
    assert "太原市小店区" in review and "wan***@example.com" in review and "wang.li@" not in review
    again = text_of(chat.say("国家改成马来西亚"))
    assert again.startswith("好的，马来西亚。") and "· 所在国：马来西亚" in again
    assert saved() is None, "nothing is saved before the review is confirmed"
    result = text_of(chat.say("确认", "affirm"))
    record = saved()
    assert record.country_code == "MY" and record.county_code == "140105" and record.interests == ("return_visit", "investing")
    assert record.contact == "wang.li@example.com" and record.industry == "国际贸易"
    assert record.display_ref in result
    assert "可参照省级常规引才项目的标准给予补助" in result and "（依据：第九条、第六条）" in result
    assert "工作许可、居留、用地、融资" in result and "元" not in result, "article 9 names no amount"
    assert all(chat.slots[s] is None for s in common.FORM_SLOTS), "no personal answer lingers in the slots"


def test_english_sign_up_with_skips_and_a_field_reopened_at_the_review() -> None:
    chat = FormChat("en", sender="web:visitor-1")
    consent = text_of(chat.start("registration_form", "register as a Shanxi-origin entrepreneur", "register_merchant"))
    assert "Article 8" in consent and "Article 9" in consent and "kept for 30 days" in consent
    chat.say("I agree", "affirm")
    assert text_of(chat.say("Linyi County, Yuncheng")).startswith("OK, Linyi County, Yuncheng.")
    chat.say("Canada", "inform")
    chat.say("skip", "skip")
    chat.say("I run a software company in Vancouver, 12 people", "chitchat")
    chat.say("investing and family contact")
    assert "Official Account" not in text_of(chat.say("+1 604 555 0199"))  # on the web: no WeChat option
    reopened = text_of(chat.say("change the industry"))
    assert reopened.startswith("OK, let's redo that one. What industry")
    assert "Industry: software" in text_of(chat.say("software", "chitchat"))
    result = text_of(chat.say("confirm", "affirm"))
    record = saved("web:visitor-1")
    assert record.lang == "en" and record.industry == "software" and record.contact == "+16045550199"
    assert "(Source: Article 9)" in result and "work permits, residence, land use and financing" in result


def test_refusing_consent_stores_nothing() -> None:
    chat = signup()
    result = text_of(chat.say("不同意", "deny"))
    assert chat.done and "没有保存任何信息" in result
    assert saved() is None and open_store().list("test") == []


def test_stopping_midway_stores_nothing() -> None:
    chat = signup("zh")
    chat.say("同意", "affirm")
    chat.say("运城 临猗县")
    result = text_of(chat.say("算了，不登记了"))
    assert chat.done and "没有登记" in result and saved() is None


def test_a_city_alone_asks_the_county_by_number_and_an_ambiguous_name_asks_which() -> None:
    chat = signup()
    chat.say("同意", "affirm")
    asked = chat.say("大同")
    assert chat.slots["requested_slot"] == "reg_county" and "大同市的哪个县" in text_of(asked)
    chat.say("第二个")
    assert chat.slots["reg_county"] == "140213"  # 平城区, the second in the list
    chat = signup("en", sender="web:v2")
    chat.say("yes", "affirm")
    which = chat.say("Pinglu")
    assert "Several places" in text_of(which) and len(payloads(which)) == 3
    chat.say("2")
    assert (chat.slots["reg_city"], chat.slots["reg_county"]) == ("1408", "140829")


def test_answers_keep_the_conversations_language() -> None:
    chat = signup()
    chat.say("同意", "affirm")
    chat.say("Xiaodian, Taiyuan")
    assert chat.slots["language"] == "zh"
    assert "您从事什么行业" in text_of(chat.say("Canada"))


def test_wechat_followers_may_choose_the_official_account() -> None:
    chat = signup()
    for answer, intent in (("同意", "affirm"), ("跳过", "skip"), ("跳过", "skip"), ("跳过", "skip"), ("跳过", "skip"),
                           ("都感兴趣", "inform")):
        chat.say(answer, intent)
    review = text_of(chat.say("微信联系我就行"))
    assert "通过公众号微信联系" in review
    chat.say("1")  # the first button: confirm and save
    record = saved()
    assert record.contact_kind == "wechat" and record.contact is None and len(record.interests) == 5


UNUSABLE = {"reg_consent": "香蕉", "reg_city": "香蕉", "reg_county": "香蕉", "reg_country": "香蕉", "reg_industry": "？？",
            "reg_situation": "？？", "reg_interests": "香蕉", "reg_contact": "明天", "reg_confirmed": "香蕉"}


def _at(slot: str) -> FormChat:
    chat = signup()
    for answer, intent in (("同意", "affirm"), ("大同", "inform"), ("平城区", "inform"), ("加拿大", "inform"),
                           ("餐饮", "inform"), ("开饭店", "inform"), ("投资", "inform"), ("a@b.cn", "inform")):
        if chat.slots["requested_slot"] == slot:
            break
        chat.say(answer, intent)
    assert chat.slots["requested_slot"] == slot
    return chat


@pytest.mark.parametrize("slot", list(UNUSABLE))
def test_four_unusable_answers_never_loop(slot: str) -> None:
    chat = _at(slot)
    said = [text_of(chat.say(UNUSABLE[slot], "inform")) for _ in range(4)]
    assert max(Counter(said).values()) < 3, said
    assert "例如" in said[1] or "“" in said[1], "the second time says what is needed"
    assert "转人工" in said[2], "the third time offers to stop or hand over"
    assert chat.slots["requested_slot"] != slot or chat.done
    assert saved() is None


def _tracker(sender: str, lang: str = "zh") -> Tracker:
    return Tracker(sender, {"language": lang}, {"text": "查看我的登记"}, [], False, None, {}, "action_listen")


def test_see_my_registration_masked_and_only_mine_then_delete_it() -> None:
    chat = signup()
    for answer, intent in (("同意", "affirm"), ("临猗", "inform"), ("加拿大", "inform"), ("跳过", "skip"), ("跳过", "skip"),
                           ("2", "inform"), ("13800138000", "inform"), ("确认", "affirm")):
        chat.say(answer, intent)
    mine = text_of(run(outcomes.ActionMyRegistration(), _tracker("wx:openid-1"))[0])
    assert "运城市临猗县" in mine and "138****8000" in mine and "13800138000" not in mine
    assert "还没有登记" in text_of(run(outcomes.ActionMyRegistration(), _tracker("wx:someone-else"))[0])
    delete = FormChat("zh", sender="wx:openid-1")
    asked = text_of(delete.start("registration_delete_form", "删除我的登记", "delete_registration"))
    assert saved().display_ref in asked
    assert "保留不变" in text_of(delete.say("不", "deny")) and saved() is not None
    delete = FormChat("zh", sender="wx:openid-1")
    delete.start("registration_delete_form", "删除我的登记", "delete_registration")
    assert "已删除" in text_of(delete.say("是的", "affirm")) and saved() is None
    nothing = FormChat("zh", sender="wx:openid-1")
    assert "无需删除" in text_of(nothing.start("registration_delete_form", "删除我的登记", "delete_registration"))
