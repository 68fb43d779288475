"""The one form base (actions.form_base) through every form: typed answers tried against the question
first, picks from the options offered, out-of-order answers said back, going back, short replies read
by the question, and the way out when stuck, for every slot. Rasa's side is played by
:class:`tests.assistant.form_chat.FormChat`; "now" is Friday 27 November 2026, 10:00 in Shanghai.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker

from actions.appointment_forms import common as appt
from actions.form_base import DIGRESSIONS, LEAVING
from appointments.workdays import TZ
from tests.assistant.form_chat import FORMS, ROOT, VALIDATORS, FormChat, fresh_store, payloads, text_of


@pytest.fixture(autouse=True)
def _store_and_clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    with fresh_store(monkeypatch, tmp_path):
        yield


def booking(lang: str = "zh") -> FormChat:
    chat = FormChat(lang)
    chat.start("booking_form", "我想预约" if lang == "zh" else "book an appointment", "book_appointment")
    return chat


def starts(messages: list[dict]) -> list[str]:
    return [json.loads(p.removeprefix("/inform"))["booking_start"] for p in payloads(messages) if "booking_start" in p]


# --------------------------------------------------------------------------- the question first


@pytest.mark.parametrize(("reply", "intent", "service"), [
    ("work permit", "ask_policy", "work_permit"), ("工作许可咨询", "ask_policy", "work_permit"),
    ("绿卡咨询", "ask_policy", "talent_green_card"), ("社保", "chitchat", "social_insurance"),
    ("1", "inform", "work_permit"), ("第二个", "greet", "residence_permit"), ("the last one", "goodbye", "policy_consultation"),
])
def test_a_typed_service_is_an_answer_whatever_the_nlu_thought(reply: str, intent: str, service: str) -> None:
    chat = booking("en" if reply.isascii() and not reply.isdigit() else "zh")
    chat.say(reply, intent)
    assert not chat.rejected and chat.slots["booking_service"] == service
    assert chat.slots["requested_slot"] == "booking_window"


def test_a_clear_policy_question_is_still_a_digression() -> None:
    chat = booking()
    assert chat.say("绿卡有什么用？", "ask_policy") == [] and chat.rejected
    assert chat.slots["booking_service"] is None


def test_a_city_while_the_service_is_asked_is_taken_and_said_back() -> None:
    chat = booking()
    reply = text_of(chat.say("大同", "inform"))
    assert chat.slots["booking_window"] == "datong" and chat.slots["booking_service"] is None
    assert reply.startswith("好的，大同市。请问您要办理哪项服务？")
    chat = booking("en")
    reply = text_of(chat.say("next Friday afternoon", "inform"))
    assert chat.slots["booking_request"] == "next Friday afternoon"
    assert reply.startswith("OK, Fri 4 Dec afternoon. Which service do you need?")


def test_ordinals_pick_from_the_windows_and_the_times_offered() -> None:
    chat = FormChat("en")
    chat.start("booking_form", "I'd like to book an appointment about my work permit in Taiyuan next Wednesday morning",
               "book_appointment")
    assert chat.slots["requested_slot"] == "booking_window"
    offer = chat.say("the first one", "greet")
    assert chat.slots["booking_window"] == "shanxi_provincial"
    assert "Wed 2 Dec" in text_of(offer) and starts(offer)
    chat.say("the 10:00 one", "chitchat")
    assert chat.slots["booking_start"] == "2026-12-02T10:00:00+08:00"
    assert chat.slots["requested_slot"] == "booking_consent"


@pytest.mark.parametrize(("reply", "wanted"), [("第二个", 1), ("9点半那个", 1), ("都行", 0), ("the earlier one", 0),
                                               ("最后一个", 3)])
def test_a_time_by_words(reply: str, wanted: int) -> None:
    chat = booking()
    chat.say('/inform{"service": "work_permit"}')
    chat.say("大同")
    offer = chat.say("下周二上午")
    chat.say(reply, "inform")
    assert chat.slots["booking_start"] == starts(offer)[wanted]


@pytest.mark.parametrize(("reply", "intent", "consent"), [("嗯嗯", "goodbye", True), ("yse", "out_of_scope", True),
                                                         ("不同意", "affirm", False), ("跳过", "skip", False)])
def test_the_consent_question_decides_what_a_short_reply_means(reply: str, intent: str, consent: bool) -> None:
    chat = booking()
    chat.say('/inform{"service": "work_permit"}')
    chat.say("大同")
    chat.say("下周二上午")
    chat.say("1")
    assert chat.slots["requested_slot"] == "booking_consent"
    chat.say(reply, intent)
    assert chat.slots["booking_consent"] is consent


def test_going_back_reopens_the_previous_question() -> None:
    chat = booking()
    chat.say("社保")
    reply = chat.say("返回上一步", "deny")
    assert chat.slots["booking_service"] is None and chat.slots["requested_slot"] == "booking_service"
    assert "回到上一个问题" in text_of(reply)


def test_stop_words_end_the_booking_and_the_precheck() -> None:
    chat = booking()
    stopped = chat.say("算了", "goodbye")
    assert chat.done and "没有预约" in text_of(stopped)
    chat = FormChat("en")
    chat.start("eligibility_form", "am I eligible?", "check_eligibility")
    result = chat.say("never mind", "deny")
    assert chat.done and "pre-check is stopped" in text_of(result)


def test_the_precheck_takes_numbers_positions_and_skip() -> None:
    chat = FormChat("zh")
    chat.start("eligibility_form", "我符合条件吗", "check_eligibility")
    chat.say("1", "nlu_fallback")
    assert chat.slots["degree"] == "doctorate"
    chat.say("六", "affirm")
    assert chat.slots["years_experience"] == 6
    chat.say("不知道", "goodbye")
    assert chat.slots["field"] == "unknown"
    result = chat.say("38", "inform")
    assert chat.done and "很可能符合：高级专业人才（依据：第二条）" in text_of(result)


def test_other_answers_are_said_back_in_the_precheck() -> None:
    chat = FormChat("en")
    chat.start("eligibility_form", "am I eligible?", "check_eligibility")
    reply = text_of(chat.say("6 years in big data", "inform"))
    assert chat.slots["years_experience"] == 6 and chat.slots["field"] == "big_data" and chat.slots["degree"] is None
    assert reply.startswith("OK, 6 years of experience, big data.") and "highest degree" in reply


# --------------------------------------------------------------------------- stuck is impossible


def _to(form: str, slot: str, lang: str = "zh") -> FormChat:
    """A conversation at ``slot``'s question."""
    chat = FormChat(lang)
    if form == "eligibility_form":
        chat.start(form, "我符合条件吗", "check_eligibility")
        for answer in ("博士", "6年", "大数据", "38"):
            if chat.slots["requested_slot"] == slot:
                return chat
            chat.say(answer)
    if form == "booking_form":
        chat.start(form, "我想预约", "book_appointment")
        for answer in ('/inform{"service": "work_permit"}', "大同", "1", "同意", "张伟", "13800138000"):
            if chat.slots["requested_slot"] == slot:
                return chat
            chat.say(answer, "affirm" if answer == "同意" else "inform")
    if form in ("cancel_form", "reschedule_form"):
        st = appt.store()
        booked = st.book(window_id="datong", service_id="work_permit", start=dt.datetime(2026, 12, 1, 10, tzinfo=TZ),
                         conversation_id="conv-1")
        chat.start(form, "取消预约" if form == "cancel_form" else "改期",
                   "cancel_appointment" if form == "cancel_form" else "reschedule_appointment")
        if slot != "appointment_code":
            chat.say(booked.appointment.code)
    assert chat.slots["requested_slot"] == slot
    return chat


UNUSABLE = {"booking_service": "香蕉", "booking_window": "香蕉", "booking_start": "香蕉", "booking_consent": "香蕉",
            "booking_name": "12345", "booking_contact": "明天", "booking_confirmed": "再想想", "appointment_code": "我忘了",
            "cancel_confirmed": "香蕉", "reschedule_start": "香蕉", "degree": "香蕉", "years_experience": "很多",
            "field": "42", "age": "很老"}
SLOTS = [(form, slot) for form, slots in (
    ("booking_form", ["booking_service", "booking_window", "booking_start", "booking_consent", "booking_name",
                      "booking_contact", "booking_confirmed"]),
    ("cancel_form", ["appointment_code", "cancel_confirmed"]), ("reschedule_form", ["appointment_code", "reschedule_start"]),
    ("eligibility_form", ["degree", "years_experience", "field", "age"])) for slot in slots]


@pytest.mark.parametrize(("form", "slot"), SLOTS)
def test_four_unusable_answers_never_loop(form: str, slot: str) -> None:
    chat = _to(form, slot)
    said = [text_of(chat.say(UNUSABLE[slot], "chitchat" if slot == "booking_name" else "inform")) for _ in range(4)]
    assert not chat.rejected
    assert max(Counter(said).values()) < 3, said
    assert "例如" in said[1], "the second time says what is needed, with an example"
    assert "转人工" in said[2] and "停止" in said[2], "the third time offers to stop or hand over"
    assert chat.slots["requested_slot"] != slot or chat.done, "the fourth time the question is given up"


def test_after_three_the_user_can_stop_or_hand_over_by_number() -> None:
    chat = _to("booking_form", "booking_window")
    for _ in range(3):
        chat.say("香蕉")
    handoff = chat.say("2", "inform")
    assert chat.done and "服务窗口" in text_of(handoff) and chat.slots["handoff_requested"] is True


# --------------------------------------------------------------------------- the digression rules


def _rules() -> list[dict]:
    return [r for f in sorted((ROOT / "data" / "rules").glob("*.yml"))
            for r in yaml.safe_load(f.read_text("utf-8"))["rules"]]


#: What a form does with the requests it does not answer as a digression: start that instead (the
#: actions after the form is stopped), or answer and resume (None).
SWITCHES = {
    "booking_form": {"check_eligibility": "eligibility_form", "reschedule_appointment": "reschedule_form",
                     "book_appointment": None},
    "cancel_form": {"check_eligibility": "eligibility_form", "book_appointment": "booking_form"},
    "reschedule_form": {"check_eligibility": "eligibility_form", "book_appointment": "booking_form"},
    "eligibility_form": {"check_eligibility": None, "book_appointment": "booking_form", "nlu_fallback": None},
    "registration_form": {"register_merchant": None, "my_registration": None, "delete_registration":
                          "registration_delete_form", "check_eligibility": "eligibility_form",
                          "book_appointment": "booking_form"},
    "registration_delete_form": {"my_registration": None, "register_merchant": "registration_form",
                                 "check_eligibility": "eligibility_form", "book_appointment": "booking_form"},
}
#: The action that clears a form's slots when it is stopped for another (the rules run it first).
RESETS = {"booking_form": "action_appointment_reset", "cancel_form": "action_appointment_reset",
          "reschedule_form": "action_appointment_reset", "registration_form": "action_registration_reset",
          "registration_delete_form": "action_registration_reset"}


def test_every_form_has_a_validator_on_the_one_base() -> None:
    assert set(VALIDATORS) == set(FORMS) == set(SWITCHES)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_the_digression_rules_are_the_lists_the_forms_use(form: str) -> None:
    """Every intent a form rejects has a rule for that form, and every rule for a form is one the lists
    say: each of DIGRESSIONS answered, then the form again; each of LEAVING after the form stopped;
    the form's own switches (SWITCHES) start the other form."""
    by_intent: dict[str, list[str]] = {}
    for rule in _rules():
        if {"active_loop": form} not in (rule.get("condition") or []) or "intent" not in rule["steps"][0]:
            continue
        assert rule["steps"][0]["intent"] not in by_intent, f"two rules for {rule['steps'][0]['intent']} in {form}"
        by_intent[rule["steps"][0]["intent"]] = [s["action"] for s in rule["steps"][1:] if "action" in s]
    tracker = Tracker("t", {}, {"text": "words"}, [], False, None, {}, "action_listen")
    rejected = VALIDATORS[form]().digressions(tracker)
    # button payloads that are not answers are rejected too: the booking button just asks again; and
    # the pre-check rejects the NLU's fallback only for text with nothing to read ("???")
    assert set(by_intent) == rejected | set(SWITCHES[form])
    assert rejected >= set(DIGRESSIONS) | set(LEAVING)
    stopped = ["action_deactivate_loop", *([RESETS[form]] if form in RESETS else [])]
    for intent, action in DIGRESSIONS.items():
        assert by_intent[intent] == [action, form], intent
    for intent, action in LEAVING.items():
        assert by_intent[intent] == [*stopped, action], intent
    for intent, other in SWITCHES[form].items():
        if other is None:  # answered (or said to be under way, or "please rephrase"), then the question again
            assert by_intent[intent][-1] == form and len(by_intent[intent]) <= 2, intent
        else:  # the other form's own reset too, unless it is this one's
            reset = [RESETS[other]] if other in RESETS and RESETS[other] != RESETS.get(form) else []
            assert by_intent[intent] == [*stopped, *reset, other], intent


def test_a_short_attempt_the_nlu_calls_small_talk_is_the_forms_to_explain() -> None:
    chat = booking()
    chat.say('/inform{"service": "work_permit"}')
    reply = chat.say("我家附近那个", "out_of_scope")
    assert not chat.rejected and "没找到这个城市" in text_of(reply)
    assert chat.say("天气怎么样？", "out_of_scope") == [] and chat.rejected, "a question is still small talk"


@pytest.mark.parametrize(("request_text", "service"), [("我要预约就业服务", "employment"),
                                                       ("book me for employment services in Taiyuan City", "employment")])
def test_a_service_named_inside_the_request(request_text: str, service: str) -> None:
    chat = FormChat("zh" if request_text[0] == "我" else "en")
    chat.start("booking_form", request_text, "book_appointment")
    assert chat.slots["booking_service"] == service


def test_service_words_and_numbers_in_words() -> None:
    chat = booking("en")
    chat.say("hospital appointment help", "inform")
    assert chat.slots["booking_service"] == "medical_appointment"
    chat = FormChat("en")
    chat.start("eligibility_form", "am I eligible?", "check_eligibility")
    chat.say("master's")
    chat.say("twelve years", "inform")
    assert chat.slots["years_experience"] == 12
    chat.say("cooking", "my_appointments")
    assert chat.slots["field"] == "cooking", "a few words are a field whatever the NLU thought"


def test_a_yes_is_not_a_name() -> None:
    chat = _to("booking_form", "booking_name")
    reply = chat.say("yess", "affirm")
    assert chat.slots["booking_name"] is None and "姓名" in text_of(reply)


def test_a_date_kept_from_earlier_is_not_news_every_turn() -> None:
    chat = booking("en")
    assert text_of(chat.say("next Monday", "inform")).startswith("OK, Mon 30 Nov.")
    said = [text_of(chat.say(reply, "inform")) for reply in ("the 10:30 one", "sure", "Maria Rossi")]
    assert not any(s.startswith("OK, Mon") for s in said), "the date is said back once"
    assert "e.g." in said[1] and "talk to a person" in said[2], "and unusable answers still count"


@pytest.mark.parametrize("reply", ["ok", "OK!", "好的"])
def test_ok_at_the_confirmation_books(reply: str) -> None:
    chat = _to("booking_form", "booking_confirmed")
    result = chat.say(reply, "affirm")
    assert chat.done and ("预约成功" in text_of(result) or "Booked!" in text_of(result))


def test_a_name_is_a_name_whatever_intent_the_nlu_gave_it() -> None:
    chat = _to("booking_form", "booking_name")
    chat.say("Tomasz Nowak", "deny")
    assert chat.slots["booking_name"] == "Tomasz Nowak" and chat.slots["booking_consent"] is True


def test_a_short_reply_the_kb_has_no_answer_to_is_an_attempt() -> None:
    chat = FormChat("en")
    chat.start("eligibility_form", "am I eligible?", "check_eligibility")
    reply = chat.say("hmm whatever it is called", "ask_policy")
    assert not chat.rejected and "degree" in text_of(reply)
    assert chat.say("what is the green card?", "ask_policy") == [] and chat.rejected
