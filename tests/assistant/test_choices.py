"""Picking from the options just offered and reading short replies (actions.choices), without Rasa."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from actions.choices import clock_time, is_question, pick, short_reply

SLOTS = [{"title": f"12月2日（周三）{h}", "payload": "/inform" + json.dumps({"booking_start": f"2026-12-02T{h}:00+08:00"})}
         for h in ("09:00", "09:30", "10:00", "14:30")]
WINDOWS = [{"title": "省级窗口（太原）", "payload": '/inform{"city": "shanxi_provincial"}'},
           {"title": "太原市", "payload": '/inform{"city": "taiyuan"}'}]


@pytest.mark.parametrize(("reply", "index"), [
    ("1", 0), ("１", 0), ("2.", 1), ("第一个", 0), ("第二个", 1), ("第2个吧", 1), ("选第三", 2), ("选3", 2), ("三", 2),
    ("the first one", 0), ("the second", 1), ("second one please", 1), ("the 2nd", 1), ("number 4", 3),
    ("option 3", 2), ("the last one", 3), ("最后一个", 3), ("the 10:00 one", 2), ("9点那个", 0), ("9点半那个", 1),
    ("下午两点半那个", 3), ("2:30", 3), ("10点", 2), ("the earlier one", 0), ("the later one", 3), ("最早的那个", 0),
])
def test_a_pick_by_position_time_or_order(reply: str, index: int) -> None:
    assert pick(reply, SLOTS) == index


@pytest.mark.parametrize("reply", ["第五个", "5", "今天上午9点", "next Tuesday at 10", "随便", "hello", "", "x" * 2000])
def test_what_is_not_a_pick(reply: str) -> None:
    assert pick(reply, SLOTS) is None


def test_a_pick_by_title() -> None:
    assert pick("太原市那个", WINDOWS) == 1 and pick("省级", WINDOWS) == 0 and pick("太原", WINDOWS) is None
    confirm = [{"title": "Confirm", "payload": "/affirm"}, {"title": "Don't book", "payload": "/deny"}]
    assert pick("ok", confirm) is None, "a Latin word is matched as a whole word, not inside 'book'"
    assert pick("the top one", SLOTS) == 0
    assert pick("省級窗口", WINDOWS) == 0 and pick("第二個", WINDOWS) == 1, "traditional characters pick alike"


@pytest.mark.parametrize(("reply", "kind"), [
    ("yes", "affirm"), ("ｙｅｓ！", "affirm"), ("yse", "affirm"), ("yesss", "affirm"), ("OK please", "affirm"),
    ("嗯嗯", "affirm"), ("好的吧", "affirm"), ("确认", "affirm"), ("no", "deny"), ("nooo", "deny"), ("不用了", "deny"),
    ("跳过", "skip"), ("不知道", "skip"), ("idk", "skip"), ("算了", "stop"), ("never mind", "stop"),
    ("取消", "cancel"), ("go back", "back"), ("返回上一步", "back"), ("都行", "any"), ("随便吧", "any"),
    ("any time", "any"), ("whatever", "any"), ("先留着", "keep"), ("don't cancel it", "keep"),
    # several short replies: the last one decides (people correct themselves)
    ("算了，先留着", "keep"), ("嗯，不对", "deny"), ("ok, cancel it", "cancel"), ("no, keep it", "deny"),
    ("算了，大同", None), ("好，明天下午三点", None), ("嗯，什么？", None),
    ("I want to go to Datong", None), ("绿卡有什么用", None), ("", None),
    # typed in traditional characters (the closing clause invites Hong Kong, Macao and Taiwan talent)
    ("確認", "affirm"), ("對", "affirm"), ("不預約了", "stop"), ("隨便", "any"),
])
def test_short_replies(reply: str, kind: str | None) -> None:
    assert short_reply(reply) == kind


@pytest.mark.parametrize(("text", "when"), [("10:00", dt.time(10)), ("2pm", dt.time(14)), ("9点半", dt.time(9, 30)),
                                            ("下午两点", dt.time(14)), ("3点", dt.time(15)), ("hello", None)])
def test_clock_time(text: str, when: dt.time | None) -> None:
    assert clock_time(text) == when


def test_questions_are_not_answers() -> None:
    assert is_question("绿卡有什么用？") and is_question("what is the green card")
    assert not is_question("绿卡") and not is_question("work permit")


@pytest.mark.parametrize("text", ["綠卡有什麼用", "我係香港博士，可唔可以申請", "有冇安家費", "博士是不是一定要五年经验",
                                  "外国人才咋申请", "可以申請嗎"])
def test_traditional_cantonese_and_colloquial_questions_are_questions(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize("text", ["硕士", "下周二下午", "太原", "第二个", "6年", "随便哪个都行", "哪天都行"])
def test_answers_are_not_questions(text: str) -> None:
    assert not is_question(text)


def test_long_text_is_never_a_pick_or_a_short_reply() -> None:
    # the patterns only ever see MAX_SHORT characters, so their backtracking stays bounded
    for text in ("a" * 5000 + " 1", "9" * 5000, "第" * 5000 + "一个", "yes " * 2000):
        assert pick(text, SLOTS) is None and short_reply(text) is None
