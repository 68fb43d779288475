"""End to end: booking, rescheduling and cancelling over REST, in Chinese and in English.

The trained model, the action server and the Rasa server are the session's stack (``stack``,
:mod:`tests.support.fixtures`), with its own tracker and appointments databases. "Now" is the real time, so whatever day the tests run
on (a weekend, a holiday week), they type natural dates and then pick from the slots the assistant
offers, as a user would.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re

import pytest

from appointments.contacts import normalise_code
from appointments.store import open_store
from tests.support.chat import Chat, text_of
from tests.support.stack import Stack

CODE = re.compile(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}")


@pytest.fixture
def services(stack_environ: Stack) -> Stack:
    """The session's stack, its appointments database in ``APPOINTMENTS_DATABASE_URL`` for :func:`store`."""
    return stack_environ



def slot_payloads(reply: list[dict]) -> list[str]:
    return [b["payload"] for m in reply for b in m.get("buttons") or [] if "booking_start" in b["payload"]]


def pick_a_slot(chat: Chat, reply: list[dict]) -> list[dict]:
    """When the assistant offers slots rather than taking the typed time, choose the first one."""
    offered = slot_payloads(reply)
    return chat.say(offered[0]) if offered else reply


def code_in(text: str) -> str:
    found = CODE.search(text)
    assert found, text
    return normalise_code(found.group(0))


def store():
    return open_store(os.environ["APPOINTMENTS_DATABASE_URL"])


def test_booking_reschedule_and_cancel_in_chinese(services, capsys) -> None:
    chat = Chat(services, "e2e-booking")
    ask_service = chat.say("我想预约服务窗口")
    assert "哪项服务" in text_of(ask_service)
    assert "哪个城市" in chat.text('/inform{"service": "work_permit"}')
    ask_time = chat.say("大同")
    assert "哪天什么时间" in text_of(ask_time) and slot_payloads(ask_time)

    digression = chat.say("绿卡有什么用")  # a policy question in the middle of the booking
    assert "（依据：第十八条）" in text_of(digression) and "绿卡" in text_of(digression)
    assert "哪天什么时间" in digression[-1]["text"], "the booking resumes after the answer"

    consent = pick_a_slot(chat, chat.say("下周二上午"))
    assert "个人信息保护法" in text_of(consent) and "匿名" in text_of(consent)
    assert "姓名" in chat.text("同意")
    assert "联系方式" in chat.text("张伟")
    summary = chat.text("13800138000")
    assert "请确认" in summary and "张伟" in summary and "138****8000" in summary and "13800138000" not in summary
    booked = chat.text("确认")
    assert "预约成功" in booked
    code = code_in(booked)
    saved = store().get(code)
    assert saved.status == "booked" and saved.window_id == "datong" and saved.name == "张伟"

    mine = chat.text("我的预约")
    assert CODE.search(mine).group(0).replace("-", "") == code

    ask_new_time = chat.say(f"我想改期 {code[:4]}-{code[4:]}")
    assert "想改到什么时间" in text_of(ask_new_time)
    moved = chat.text(slot_payloads(ask_new_time)[0])
    assert "已改期" in moved and code_in(moved) == code
    new_start = dt.datetime.fromisoformat(json.loads(slot_payloads(ask_new_time)[0].removeprefix("/inform"))["booking_start"])
    assert store().get(code).start == new_start

    assert "确定要取消" in chat.text(f"取消预约 {code}")
    assert "已取消预约" in chat.text("确定取消")
    assert store().get(code).status == "cancelled"
    with capsys.disabled():
        print("\n--- zh transcript ---\n" + "\n".join(chat.transcript))


def test_booking_reschedule_and_cancel_in_english(services, capsys) -> None:
    chat = Chat(services, "e2e-booking")
    reply = chat.say("I'd like to book an appointment for a work permit consultation at the Datong window")
    assert "When would you like to come?" in text_of(reply)
    consent = pick_a_slot(chat, chat.say("next Tuesday at 10"))
    assert "Personal Information Protection Law" in text_of(consent)

    digression = chat.say("How much is the Friendship Award?")
    assert "(Source: Article 14)" in text_of(digression)
    assert "Do you agree?" in digression[-1]["text"], "the consent question comes back"

    summary = chat.text("no, I'd rather not")
    assert "anonymous booking" in summary
    booked = chat.text("yes")
    assert "Booked!" in booked
    code = code_in(booked)
    saved = store().get(code)
    assert saved.status == "booked" and not saved.consent and saved.name is None and saved.contact is None

    assert code[:4] in chat.text("show my appointments")

    assert "reference code" in chat.text("I need to reschedule my appointment")
    ask_time = chat.say(f"{code[:4]}-{code[4:]}")
    assert "When would you like to move it to?" in text_of(ask_time)
    moved = pick_a_slot(chat, chat.say("the day after tomorrow in the afternoon"))
    if "Done" not in text_of(moved):  # typed times that are free are taken at once; else a button was needed
        moved = pick_a_slot(chat, moved)
    assert "Done: appointment" in text_of(moved) and code_in(text_of(moved)) == code

    assert "Do you really want to cancel" in chat.text(f"please cancel appointment {code}")
    assert "is cancelled" in chat.text("yes")
    assert store().get(code).status == "cancelled"
    with capsys.disabled():
        print("\n--- en transcript ---\n" + "\n".join(chat.transcript))


def test_stopping_a_booking_and_a_handoff_in_the_middle(services) -> None:
    chat = Chat(services, "e2e-booking")
    chat.say("book an appointment")
    assert "nothing was booked" in chat.text("cancel")
    chat.say("预约")
    handoff = chat.text("转人工")
    assert "服务窗口" in handoff and "已记录" in handoff
