"""The booking, cancel and reschedule forms' validators, ask actions and result actions.

The actions are called as the action server calls them; :class:`tests.assistant.form_chat.FormChat`
plays Rasa's part of a form so whole conversations run without a model. The store is a temp SQLite
database (``APPOINTMENTS_DATABASE_URL``) and "now" is fixed (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action

from actions.appointment_forms import (
    ActionAppointmentReset,
    ActionMyAppointments,
    clean_name,
    find_code,
    find_contact,
    resolve_service,
)
from actions.appointment_forms import common as appt
from actions.appointment_forms.common import service_in
from appointments.catalogue import get_catalogue
from appointments.contacts import Contact, Invalid, format_code
from appointments.workdays import TZ
from tests.assistant.form_chat import NOW, Clock, FormChat, fresh_store, nlu_entities, payloads, text_of
from tests.support.actions import make_tracker, run_action


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Clock]:
    """A fresh appointments database and catalogue per test, and a fixed "now" (a Friday)."""
    with fresh_store(monkeypatch, tmp_path) as c:
        yield c


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=TZ)


def inform(entity: str, value: Any) -> str:
    """A button payload, as the actions build them."""
    return "/inform" + json.dumps({entity: value.isoformat() if isinstance(value, dt.datetime) else value})


def starts(messages: list[dict]) -> list[dt.datetime]:
    return [dt.datetime.fromisoformat(json.loads(p.partition("{")[1] + p.partition("{")[2])["booking_start"])
            for p in payloads(messages) if "booking_start" in p]


def book(chat: FormChat, *, lang: str = "zh") -> str:
    """Through a whole booking with buttons; returns the reference code."""
    chat.start("booking_form", "我想预约" if lang == "zh" else "book an appointment", "book_appointment")
    chat.say('/inform{"service": "work_permit"}')
    first = starts(chat.say('/inform{"city": "datong"}'))[0]
    chat.say(inform("booking_start", first))
    chat.say("/deny")
    result = chat.say("/affirm")
    return appt.store().list_for_conversation(chat.sender)[-1].code if "预约成功" in text_of(result) or \
        "Booked" in text_of(result) else ""


# --------------------------------------------------------------------------- booking, whole conversations


def test_chinese_booking_with_consent_name_and_contact() -> None:
    chat = FormChat("zh")
    ask_service = chat.start("booking_form", "我想预约", "book_appointment")
    assert "哪项服务" in text_of(ask_service) and "（依据：第十八条）" in text_of(ask_service)
    assert '/inform{"service": "work_permit"}' in payloads(ask_service) and len(payloads(ask_service)) == 12
    ask_window = chat.say('/inform{"service": "work_permit"}')
    assert "哪个城市" in text_of(ask_window) and '/inform{"city": "datong"}' in payloads(ask_window)
    ask_time = chat.say("大同")
    assert chat.slots["booking_window"] == "datong" and "明天下午三点" in text_of(ask_time)
    assert starts(ask_time)[0] == at(2026, 11, 27, 10, 30)  # the nearest free slot after the 30-minute notice
    offer = chat.say("下周二上午")
    assert "12月1日（周二）上午可以约这些时间" in text_of(offer)
    assert starts(offer) == [at(2026, 12, 1, 9), at(2026, 12, 1, 9, 30), at(2026, 12, 1, 10), at(2026, 12, 1, 10, 30)]
    consent = chat.say('/inform{"booking_start": "2026-12-01T10:00:00+08:00"}')
    assert "个人信息保护法" in text_of(consent) and "30 天" in text_of(consent) and "匿名" in text_of(consent)
    assert payloads(consent) == ["/affirm", "/deny"]
    assert "姓名" in text_of(chat.say("/affirm"))
    assert "联系方式" in text_of(chat.say("我叫张伟"))
    summary = chat.say("138 0013 8000")
    text = text_of(summary)
    assert "请确认" in text and "姓名：张伟" in text and "12月1日（周二）10:00" in text
    assert "联系方式：138****8000" in text and "13800138000" not in text, "contacts are shown masked"
    assert "外国人来晋工作服务窗口（大同市）" in text and payloads(summary) == ["/affirm", "/deny"]
    result = chat.say("/affirm")
    assert chat.done and "预约成功" in text_of(result)
    [booked] = appt.store().list_for_conversation("conv-1")
    assert (booked.window_id, booked.service_id, booked.start) == ("datong", "work_permit", at(2026, 12, 1, 10))
    assert booked.consent and booked.name == "张伟" and booked.contact == "+8613800138000"
    assert booked.display_code in text_of(result) and "运营方配置" in text_of(result)  # honest placeholder contact
    assert f'/cancel_appointment{{"appointment_code": "{booked.code}"}}' in payloads(result)
    assert chat.slots["booking_name"] is None and chat.slots["booking_contact"] is None, "nothing personal lingers"


def test_english_request_with_everything_in_one_message_and_anonymous_booking() -> None:
    chat = FormChat("en")
    consent = chat.start("booking_form", "book a work permit consultation at the Datong window next Tuesday at 10",
                         "book_appointment")
    assert chat.slots["booking_start"] == "2026-12-01T10:00:00+08:00"
    assert "Personal Information Protection Law" in text_of(consent) and "30 days" in text_of(consent)
    summary = chat.say("no", intent="deny")
    assert chat.slots["booking_consent"] is False
    assert "anonymous booking" in text_of(summary) and "Tue 1 Dec 10:00" in text_of(summary)
    result = chat.say("yes", intent="affirm")
    assert "Booked! Your reference code is" in text_of(result)
    [booked] = appt.store().list_for_conversation("conv-1")
    assert not booked.consent and booked.name is None and booked.contact is None


def test_a_date_said_before_the_window_waits_for_it() -> None:
    chat = FormChat("en")
    chat.start("booking_form", "book me for the 3rd in the afternoon", "book_appointment")
    assert chat.slots["booking_request"] == "book me for the 3rd in the afternoon"
    chat.say('/inform{"service": "social_insurance"}')
    offer = chat.say("Yangquan")
    assert "These times are free on Thu 3 Dec afternoon" in text_of(offer)
    assert all(s.date() == dt.date(2026, 12, 3) and s.hour >= 14 for s in starts(offer))


def test_another_window_said_at_the_time_question_changes_it_and_asks_the_time_again() -> None:
    """"不对，改成大同" at "which day?" is a correction of the window, not a date that could not be read."""
    chat = FormChat("zh")
    chat.start("booking_form", "预约", "book_appointment")
    chat.say('/inform{"service": "work_permit"}')
    chat.say("太原市")
    again = text_of(chat.say("不对，改成大同"))
    assert chat.slots["booking_window"] == "datong" and chat.slots["requested_slot"] == "booking_start"
    assert "大同" in again and "您想约哪天什么时间" in again and "没看懂" not in again


def test_typed_service_and_ambiguous_taiyuan() -> None:
    chat = FormChat("zh")
    chat.start("booking_form", "预约", "book_appointment")
    assert chat.slots["requested_slot"] == "booking_service"
    retry = chat.say("香蕉")
    assert "没找到这项服务" in text_of(retry) and len(payloads(retry)) == 12
    chat.say("社保")
    assert chat.slots["booking_service"] == "social_insurance"
    which = chat.say("太原")
    assert "“太原”有两个窗口" in text_of(which)
    assert payloads(which) == ['/inform{"city": "shanxi_provincial"}', '/inform{"city": "taiyuan"}']
    chat.say('/inform{"city": "shanxi_provincial"}')
    assert chat.slots["booking_window"] == "shanxi_provincial"


def test_a_service_the_window_does_not_offer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    overrides = tmp_path / "overrides.yml"
    overrides.write_text(yaml.safe_dump({"windows": {"shuozhou": {"services": ["work_permit"]}}}), encoding="utf-8")
    monkeypatch.setenv("APPOINTMENTS_CATALOGUE_OVERRIDES", str(overrides))
    get_catalogue.cache_clear()
    chat = FormChat("zh")
    chat.start("booking_form", "预约", "book_appointment")
    chat.say('/inform{"service": "schooling"}')
    reply = chat.say("朔州")
    assert "不办理" in text_of(reply) and '/inform{"city": "shuozhou"}' not in payloads(reply)
    assert chat.slots["booking_window"] is None and chat.slots["booking_service"] == "schooling"


def _at_time_question(lang: str = "zh", window: str = "datong") -> FormChat:
    chat = FormChat(lang)
    chat.start("booking_form", "预约" if lang == "zh" else "book", "book_appointment")
    chat.say('/inform{"service": "work_permit"}')
    chat.say(inform("city", window))
    assert chat.slots["requested_slot"] == "booking_start"
    return chat


def test_holiday_offers_the_nearest_working_days(clock: Clock) -> None:
    clock.now = at(2026, 9, 28, 10)
    chat = _at_time_question()
    reply = chat.say("10月1日上午")
    assert "10月1日（周四）是国庆节，窗口不开放" in text_of(reply) and "最近的空闲时段" in text_of(reply)
    offered = starts(reply)
    assert offered and all(not dt.date(2026, 10, 1) <= s.date() <= dt.date(2026, 10, 7) for s in offered)
    assert any(s.date() == dt.date(2026, 10, 8) for s in offered) and any(s.date() == dt.date(2026, 9, 30) for s in offered)


def test_adjusted_working_saturday_is_bookable(clock: Clock) -> None:
    clock.now = at(2026, 9, 28, 10)
    chat = _at_time_question("en")
    chat.say("Oct 10 at 9am")
    assert chat.slots["booking_start"] == "2026-10-10T09:00:00+08:00" and chat.slots["requested_slot"] == "booking_consent"


def test_weekend_full_slot_past_and_impossible_dates() -> None:
    chat = _at_time_question()
    assert "11月28日（周六）是周末" in text_of(chat.say("明天上午"))
    assert "已经过去了" in text_of(chat.say("今天上午9点"))
    assert "这个日期不存在" in text_of(chat.say("2月30日"))
    assert "午休" in text_of(chat.say("下周一中午12点半"))
    assert "不在开放时间内（开放时间：09:00–12:00, 14:00–17:30）" in text_of(chat.say("下周一晚上8点"))
    assert "没看懂这个日期" in text_of(chat.say("香蕉"))
    st = appt.store()
    for _ in range(2):  # the default capacity of a city window
        assert st.book(window_id="datong", service_id="work_permit", start=at(2026, 12, 1, 10)).ok
    full = chat.say("12月1日上午10点")
    assert "12月1日（周二）10:00已经约满了" in text_of(full)
    assert at(2026, 12, 1, 10) not in starts(full) and at(2026, 12, 1, 10, 30) in starts(full)
    assert chat.slots["booking_start"] is None


def test_estimated_days_are_flagged_to_be_confirmed_by_staff(clock: Clock) -> None:
    clock.now = at(2026, 12, 20, 10)
    chat = _at_time_question()
    offer = chat.say("1月4日上午")
    titles = [b["title"] for m in offer for b in m.get("buttons") or []]
    assert titles and all("（待工作人员确认）" in t for t in titles)
    chat.say(inform("booking_start", starts(offer)[0]))
    summary = chat.say("/deny")
    assert "需工作人员确认" in text_of(summary)
    result = chat.say("/affirm")
    assert "需工作人员确认" in text_of(result)
    assert appt.store().list_for_conversation("conv-1")[0].estimated


def test_invalid_contacts_are_explained_and_asked_again() -> None:
    chat = _at_time_question("en")
    chat.say('/inform{"booking_start": "2026-12-01T10:00:00+08:00"}')
    chat.say("yes", intent="affirm")
    chat.say("Anna Schmidt")
    for bad in ("tomorrow", "anna@example", "12345"):
        reply = chat.say(bad)
        assert "e-mail address" in text_of(reply) and chat.slots["booking_contact"] is None
    chat.say("my email is Anna.Schmidt@Example.DE")
    assert chat.slots["booking_contact"] == "anna.schmidt@example.de"


def test_refusing_the_name_makes_the_booking_anonymous() -> None:
    chat = _at_time_question()
    chat.say('/inform{"booking_start": "2026-12-01T10:00:00+08:00"}')
    chat.say("/affirm")
    summary = chat.say("不想说", intent="deny")
    assert chat.slots["booking_consent"] is False and chat.slots["requested_slot"] == "booking_confirmed"
    assert "改为匿名预约" in text_of(summary) and "匿名预约，凭预约编号办理" in text_of(summary)


def test_a_name_or_contact_keeps_the_conversations_language() -> None:
    chat = _at_time_question("zh")
    chat.say('/inform{"booking_start": "2026-12-01T10:00:00+08:00"}')
    chat.say("/affirm")
    reply = chat.say("Anna Schmidt", intent="chitchat")
    assert chat.slots["booking_name"] == "Anna Schmidt" and chat.slots["language"] == "zh"
    assert "联系方式" in text_of(reply)
    summary = chat.say("anna@example.org", intent="out_of_scope")
    assert chat.slots["language"] == "zh" and "请确认" in text_of(summary)


def test_a_policy_question_is_a_digression_and_the_question_comes_back() -> None:
    chat = _at_time_question()
    assert chat.say("绿卡有什么用", intent="ask_policy") == [] and chat.rejected
    assert chat.slots["booking_service"] == "work_permit", "the KB term in the question does not change the booking"
    again = chat.resume()
    assert "您想约哪天什么时间" in text_of(again) and starts(again)


def test_no_or_cancel_stops_the_booking_and_keeps_nothing() -> None:
    chat = FormChat("zh")
    chat.start("booking_form", "预约", "book_appointment")
    result = chat.say("算了不用了", intent="deny")
    assert chat.done and "没有预约" in text_of(result)
    chat = _at_time_question("en")
    result = chat.say("cancel", intent="cancel_appointment")
    assert chat.done and "nothing was booked" in text_of(result)
    chat = _at_time_question("en")
    chat.say('/inform{"booking_start": "2026-12-01T10:00:00+08:00"}')
    chat.say("/affirm")
    chat.say("Li Wei")
    chat.say("+49 151 23456789")
    assert "nothing was booked" in text_of(chat.say("no", intent="deny"))
    assert appt.store().list_day(dt.date(2026, 12, 1)) == []


def test_unclear_answers_to_consent_and_confirmation_are_asked_again() -> None:
    chat = _at_time_question()
    chat.say('/inform{"booking_start": "2026-12-01T10:00:00+08:00"}')
    assert "请回答“同意”或“不同意”" in text_of(chat.say("嗯？"))
    chat.say("/deny")
    assert "请点“确认预约”" in text_of(chat.say("再想想"))


def test_a_slot_taken_before_confirming_sends_the_user_back_to_pick_a_time() -> None:
    chat = _at_time_question()
    chat.say('/inform{"booking_start": "2026-12-01T10:00:00+08:00"}')
    chat.say("/deny")
    st = appt.store()
    for _ in range(2):
        st.book(window_id="datong", service_id="work_permit", start=at(2026, 12, 1, 10))
    reply = chat.say("/affirm")
    assert "已经约满了" in text_of(reply) and at(2026, 12, 1, 10, 30) in starts(reply)
    assert chat.slots["requested_slot"] == "booking_start" and chat.slots["booking_confirmed"] is None
    chat.say('/inform{"booking_start": "2026-12-01T10:30:00+08:00"}')
    assert "预约成功" in text_of(chat.say("/affirm"))


def test_the_same_booking_twice_returns_the_first() -> None:
    chat = FormChat("zh")
    code = book(chat)
    assert code
    chat.start("booking_form", "预约", "book_appointment")
    chat.say('/inform{"service": "work_permit"}')
    first = starts(chat.say('/inform{"city": "datong"}'))[0]
    chat.say(inform("booking_start", first))
    chat.say("/deny")
    assert f"您已经预约过这个时段，预约编号：{format_code(code)}" in text_of(chat.say("/affirm"))


# --------------------------------------------------------------------------- cancel, reschedule, list


def book_with_contact(sender: str, contact: str = "13800138000") -> str:
    """A booking with a name and a contact, made in the store as the booking form makes it."""
    slot = appt.store().nearest_free_slots("datong", "work_permit", NOW, 1)[0]
    result = appt.store().book(window_id="datong", service_id="work_permit", start=slot.start, consent=True,
                               name="张伟", contact=contact, conversation_id=sender)
    assert result.ok
    return result.appointment.code


def test_cancel_by_code_typed_in_the_request() -> None:
    chat = FormChat("zh")
    code = book(chat)
    confirm = chat.start("cancel_form", f"取消预约 {format_code(code).lower()}", "cancel_appointment")
    assert chat.slots["appointment_code"] == code and chat.slots["requested_slot"] == "cancel_confirmed"
    assert "确定要取消这个预约吗" in text_of(confirm) and "时间：11月27日（周五）10:30" in text_of(confirm)
    result = chat.say("/affirm")
    assert f"已取消预约 {format_code(code)}" in text_of(result)
    assert appt.store().get(code).status == "cancelled"


def test_another_conversation_must_give_the_contact_and_never_sees_the_owner() -> None:
    code = book_with_contact("owner")
    other = FormChat("zh", sender="someone-else")
    ask = other.start("cancel_form", f"取消预约 {format_code(code)}", "cancel_appointment")
    assert "不是在本对话中预约的" in text_of(ask) and other.slots["requested_slot"] == "appointment_proof"
    wrong = other.say("13900000000")
    assert "没有找到可以更改的预约" in text_of(wrong) and other.slots["appointment_code"] is None
    other.say(format_code(code))
    confirm = other.say("我的手机是 138-0013-8000")
    assert other.slots["appointment_proof"] and "13800138000" not in json.dumps(other.slots)
    assert "确定要取消这个预约吗" in text_of(confirm)
    assert "张伟" not in text_of(confirm) and "8000" not in text_of(confirm), "the owner's name and contact stay hidden"
    assert f"已取消预约 {format_code(code)}" in text_of(other.say("/affirm"))
    assert appt.store().get(code).status == "cancelled"


def test_not_found_is_one_answer_whatever_the_reason() -> None:
    mine = FormChat("en", sender="me")
    cancelled = book(mine, lang="en")
    appt.store().cancel(cancelled)
    theirs = book_with_contact("them", contact="them@example.org")
    anonymous = book(FormChat("en", sender="anon"), lang="en")
    answers = []
    for code, contact in ((cancelled, None), ("ZZZZ9999", "them@example.org"), (theirs, "me@example.org"),
                          (anonymous, "me@example.org")):
        chat = FormChat("en", sender="me")
        reply = chat.start("cancel_form", f"cancel {format_code(code)}", "cancel_appointment")
        if contact:
            assert "was not booked in this conversation" in text_of(reply)
            reply = chat.say(contact)
        answers.append(text_of(reply).replace(format_code(code), "CODE"))
    assert len(set(answers)) == 1 and "found no appointment CODE that can be changed" in answers[0]


def test_failed_proofs_are_throttled_per_conversation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("APPOINTMENTS_PROOF_ATTEMPTS", "2")
    code = book_with_contact("owner")
    attacker = FormChat("en", sender=f"attacker-{uuid.uuid4().hex}")
    for guess in ("13900000001", "13900000002"):
        attacker.start("cancel_form", f"cancel {format_code(code)}", "cancel_appointment")
        assert "found no appointment" in text_of(attacker.say(guess))
        attacker.say("/deny")
    attacker.start("cancel_form", f"cancel {format_code(code)}", "cancel_appointment")
    stopped = attacker.say("13800138000")  # the right contact, but too late
    assert "Too many attempts" in text_of(stopped) and attacker.done
    assert appt.store().get(code).status == "booked"
    patient = FormChat("en", sender=f"patient-{uuid.uuid4().hex}")  # another conversation is not held back
    patient.start("cancel_form", f"cancel {format_code(code)}", "cancel_appointment")
    assert "Do you really want to cancel" in text_of(patient.say("13800138000"))


def test_cancel_asks_for_the_code_offers_this_conversations_bookings_and_checks_it() -> None:
    chat = FormChat("en")
    code = book(chat, lang="en")
    ask = chat.start("cancel_form", "cancel my appointment", "cancel_appointment")
    assert "reference code" in text_of(ask) and payloads(ask) == [f'/inform{{"appointment_code": "{code}"}}']
    assert "was not booked in this conversation" in text_of(chat.say("ZZZZ-9999"))
    chat.say("/deny")
    chat.start("cancel_form", "cancel my appointment", "cancel_appointment")
    assert "8 letters and digits" in text_of(chat.say("hmm"))
    chat.say(f'/inform{{"appointment_code": "{code}"}}')
    kept = chat.say("no", intent="deny")
    assert f"appointment {format_code(code)} stays as it is" in text_of(kept)
    assert appt.store().get(code).status == "booked"
    chat.start("cancel_form", f"cancel {code}", "cancel_appointment")
    chat.say("yes", intent="affirm")
    again = chat.start("cancel_form", f"cancel {code}", "cancel_appointment")
    assert "found no appointment" in text_of(again)


def test_booking_past_the_cap_is_refused_with_the_list_on_offer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPOINTMENTS_MAX_PER_CONVERSATION", "1")
    chat = FormChat("en")
    assert book(chat, lang="en")
    chat.start("booking_form", "book", "book_appointment")
    chat.say('/inform{"service": "work_permit"}')
    chat.say(inform("booking_start", starts(chat.say('/inform{"city": "datong"}'))[1]))
    chat.say("/deny")
    refused = chat.say("/affirm")
    assert "already 1 upcoming appointments from this conversation" in text_of(refused)
    assert payloads(refused) == ["/my_appointments", "/deny"] and len(appt.store().list_for_conversation("conv-1")) == 1


def test_reschedule_by_code_to_a_part_of_a_day() -> None:
    chat = FormChat("zh")
    code = book(chat)
    offer = chat.start("reschedule_form", f"把 {format_code(code)} 改到下周三上午", "reschedule_appointment")
    assert "12月2日（周三）上午可以约这些时间" in text_of(offer)
    target = starts(offer)[1]
    result = chat.say(inform("booking_start", target))
    assert f"已改期：预约 {format_code(code)}" in text_of(result) and "编号不变" in text_of(result)
    assert appt.store().get(code).start == target


def test_reschedule_asks_the_code_then_the_time_in_english() -> None:
    chat = FormChat("en")
    code = book(chat, lang="en")
    chat.start("reschedule_form", "reschedule my appointment", "reschedule_appointment")
    ask_time = chat.say(f"it's {code}")
    assert f"Appointment {format_code(code)} is now on" in text_of(ask_time) and starts(ask_time)
    result = chat.say("next Wednesday at 10", intent="book_appointment")
    assert "Done: appointment" in text_of(result)
    assert appt.store().get(code).start == at(2026, 12, 2, 10)


def test_my_appointments_lists_this_conversations_bookings_with_buttons() -> None:
    chat = FormChat("zh")
    messages, _ = run_action(ActionMyAppointments(), make_tracker("我的预约", intent="my_appointments"))
    assert "没有即将到来的预约" in text_of(messages) and payloads(messages) == ["/book_appointment"]
    code = book(chat)
    messages, _ = run_action(ActionMyAppointments(), chat.tracker({"text": "我的预约"}))
    assert format_code(code) in text_of(messages) and "大同市" in text_of(messages)
    assert payloads(messages) == [f'/reschedule_appointment{{"appointment_code": "{code}"}}',
                                  f'/cancel_appointment{{"appointment_code": "{code}"}}']


def test_reset_clears_every_appointment_slot() -> None:
    _, events = run_action(ActionAppointmentReset(), make_tracker("预约"))
    assert {e["name"] for e in events} == set(appt.ALL_SLOTS) and all(e["value"] is None for e in events)


# --------------------------------------------------------------------------- the pieces


@pytest.mark.parametrize(("text", "code"), [
    ("取消 abcd-2345", "ABCD2345"), ("ABCD-EFGH", "ABCDEFGH"), ("cancel k7pm4qxz please", "K7PM4QXZ"),
    ("reschedule my appointment", None), ("13800138000", None), ("next tues", None), ("2026-12-01", None),
])
def test_find_code(text: str, code: str | None) -> None:
    assert find_code(text) == code


@pytest.mark.parametrize(("text", "value"), [
    ("我的邮箱是 Zhang.Wei@Example.com。", "zhang.wei@example.com"), ("手机 138 0013 8000", "+8613800138000"),
    ("you can reach me at +49 151 23456789", "+4915123456789"),
])
def test_find_contact(text: str, value: str) -> None:
    found = find_contact(text)
    assert isinstance(found, Contact) and found.value == value


def test_find_contact_refuses_what_is_not_one() -> None:
    assert isinstance(find_contact("明天"), Invalid)


@pytest.mark.parametrize(("value", "service"), [
    ("work_permit", "work_permit"), ("green_card", "talent_green_card"), ("社保", "social_insurance"),
    ("3", "green_channel"), ("Employment", "employment"), ("visa", None), ("香蕉", None),
])
def test_resolve_service(value: str, service: str | None) -> None:
    """Ids, numbers and names by the catalogue; a KB synonym ("社保") by the entity the NLU found in it."""
    assert service_in(make_tracker(value, intent="inform", entities=nlu_entities(value)), value) == service
    if value != "社保":
        assert resolve_service(value, get_catalogue()) == service


def test_clean_name() -> None:
    assert clean_name("我叫张伟。") == "张伟" and clean_name("My name is Anna Schmidt") == "Anna Schmidt"


def test_policy_answers_and_the_eligibility_result_offer_booking() -> None:
    from actions.eligibility import ActionEligibilityResult
    from actions.policy import follow_up_buttons

    assert {"title": "预约服务窗口", "payload": "/book_appointment"} in follow_up_buttons("zh")
    messages, _ = run_action(ActionEligibilityResult(), make_tracker(
        "38", intent="inform", slots={"degree": "doctorate", "years_experience": 6, "field": "big_data", "age": 38,
                                      "language": "en"}))
    assert {"title": "Book an appointment", "payload": "/book_appointment"} in messages[0]["buttons"]


def test_the_domain_lists_exactly_the_actions_this_module_registers() -> None:
    from rasa_sdk.utils import all_subclasses

    root = Path(__file__).resolve().parents[2] / "domain"
    domain = yaml.safe_load((root / "appointments.yml").read_text("utf-8"))
    forms = yaml.safe_load((root / "forms.yml").read_text("utf-8"))
    registered = {cls().name() for cls in all_subclasses(Action)
                  if cls.__module__.startswith("actions.appointment_forms.") and not inspect.isabstract(cls)}
    assert registered == set(domain["actions"])
    assert set(appt.ALL_SLOTS) == set(domain["slots"]) | set(forms["slots"])


def test_another_button_during_a_booking_is_not_an_answer() -> None:
    chat = _at_time_question()
    assert chat.say("/book_appointment") == [] and chat.rejected
    assert chat.slots["booking_start"] is None and chat.slots["form_prompt"] is None
