"""The eligibility form's validators and the result action."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.eligibility import (
    ActionEligibilityResult,
    AskDegree,
    AskField,
    ValidateEligibilityForm,
    profile_from_slots,
)
from tests.assistant.form_chat import nlu_entities
from tests.support.actions import make_tracker, run_action

FORM = ValidateEligibilityForm()


def validate(slot: str, value, text: str = "", slots: dict | None = None) -> tuple[dict, list[str]]:
    """(the slot's value, the re-ask left for the question if any)."""
    dispatcher = CollectingDispatcher()
    method = getattr(FORM, f"validate_{slot}")
    said = text or str(value)  # the latest message, with the entities the NLU puts on it
    tracker = make_tracker(said, intent="inform", entities=nlu_entities(said), slots=slots)
    result = asyncio.run(method(value, dispatcher, tracker, {}))
    prompt = (result.pop("form_prompt", None) or {}).get(slot)
    assert not dispatcher.messages, "the validator leaves its re-ask for the question, it does not speak"
    return result, [prompt["text"]] if prompt else []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("doctorate", "doctorate"), ("unknown", "unknown"), ("我是博士", "doctorate"), ("a master's degree", "master"),
     ("no degree", "none")],
)
def test_degree_accepts_entities_typed_answers_and_skip(value, expected) -> None:
    assert validate("degree", value)[0] == {"degree": expected}


def test_degree_reasks_in_the_users_language() -> None:
    result, messages = validate("degree", "banana")
    assert result == {"degree": None}
    assert "doctorate" in messages[0]
    result, messages = validate("degree", "香蕉")
    assert "博士" in messages[0]


@pytest.mark.parametrize(("value", "expected"), [(6, 6.0), ("6年", 6.0), ("六年", 6.0), ("about 12 years", 12.0), ("0", 0.0)])
def test_years_parsed(value, expected) -> None:
    assert validate("years_experience", value)[0] == {"years_experience": expected}


@pytest.mark.parametrize("value", ["200", "-3", "lots", "61"])
def test_years_out_of_range_reasks(value) -> None:
    result, messages = validate("years_experience", value)
    assert result == {"years_experience": None} and messages


def test_years_cannot_exceed_age() -> None:
    assert validate("years_experience", 30, slots={"age": 25})[0] == {"years_experience": None}
    assert validate("years_experience", 20, slots={"age": 25})[0] == {"years_experience": 20.0}


@pytest.mark.parametrize(("value", "expected"), [(38, 38), ("38岁", 38), ("三十八", 38), ("I'm 45", 45), ("16", 16), ("100", 100)])
def test_age_parsed(value, expected) -> None:
    assert validate("age", value)[0] == {"age": expected}


@pytest.mark.parametrize("value", ["15", "101", "38.5", "old", "-5"])
def test_age_out_of_range_reasks(value) -> None:
    result, messages = validate("age", value)
    assert result == {"age": None} and messages


def test_field_accepts_free_text_but_not_numbers_or_essays() -> None:
    assert validate("field", "robotics")[0] == {"field": "robotics"}
    assert validate("field", "big_data")[0] == {"field": "big_data"}
    assert validate("field", "42")[0] == {"field": None}
    assert validate("field", "x" * 500)[0] == {"field": None}


def test_profile_from_slots_leaves_out_unknowns_and_maps_field_ids() -> None:
    tracker = make_tracker("", slots={"degree": "doctorate", "years_experience": "unknown", "age": "38岁",
                                      "field": "big_data", "shanxi_roots": True})
    assert profile_from_slots(tracker) == {"degree": "doctorate", "age": 38, "field": "big data", "shanxi_roots": True}


def test_result_is_cited_in_the_users_language() -> None:
    slots = {"degree": "doctorate", "years_experience": 6, "field": "big_data", "age": 38}
    messages, events = run_action(ActionEligibilityResult(), make_tracker("38岁", slots=slots))
    assert "（依据：第一条）" in messages[0]["text"] and "高端科研人才" in messages[0]["text"]
    assert {"event": "slot", "timestamp": None, "name": "eligibility_result_shown", "value": True} in events
    messages, _ = run_action(ActionEligibilityResult(), make_tracker("38", slots={**slots, "language": "en"}))
    assert "(Source: Article 1)" in messages[0]["text"]


def test_result_below_threshold_changes_the_verdict() -> None:
    slots = {"degree": "doctorate", "field": "big_data", "age": 38, "language": "en"}
    five, _ = run_action(ActionEligibilityResult(), make_tracker("", slots={**slots, "years_experience": 5}))
    four, _ = run_action(ActionEligibilityResult(), make_tracker("", slots={**slots, "years_experience": 4}))
    assert "Likely: High-end research talent (Source: Article 1)" in five[0]["text"]
    assert "High-end research talent" not in four[0]["text"], "unlikely categories are left out"


def test_inconsistent_answers_are_asked_again() -> None:
    slots = {"degree": "master", "years_experience": 30, "age": 25, "language": "en"}
    messages, events = run_action(ActionEligibilityResult(), make_tracker("", slots=slots))
    assert "years of work experience cannot be more than your age" in messages[0]["text"]
    assert events == [{"event": "slot", "timestamp": None, "name": "years_experience", "value": None}]


def _starting_form(text: str, entities: list[dict], events: list[dict] | None = None,
                   intent: str = "check_eligibility") -> Tracker:
    tracker = make_tracker(text, intent=intent, entities=entities, active_loop="eligibility_form")
    tracker.events = events or [{"event": "user", "text": text}, {"event": "active_loop", "name": "eligibility_form"}]
    return tracker


def test_a_question_that_starts_the_precheck_gets_the_cited_article_first() -> None:
    tracker = _starting_form("我是PhD，做大数据的，能申请吗",
                             [{"entity": "degree", "value": "doctorate"}, {"entity": "field", "value": "big_data"}])
    messages, _ = run_action(AskField(), tracker)
    assert messages[0]["text"].startswith("先看政策怎么说：") and messages[0]["text"].endswith("（依据：第一条）")
    assert messages[1]["text"].startswith("您从事什么专业领域？")


def test_a_bare_am_i_eligible_gets_only_the_question_with_its_choices() -> None:
    tracker = _starting_form("am I eligible?", [{"entity": "language", "value": "en"}])
    tracker.slots["language"] = "en"
    messages, events = run_action(AskDegree(), tracker)
    assert len(messages) == 1 and messages[0]["text"].endswith("what is your highest degree?")
    assert [b["payload"] for b in messages[0]["buttons"]][-1] == "/skip"
    offered = next(e["value"] for e in events if e["name"] == "form_options")
    assert offered["slot"] == "degree" and offered["options"][0]["payload"] == '/inform{"degree": "doctorate"}'


def test_no_article_again_once_the_precheck_is_under_way() -> None:
    events = [{"event": "active_loop", "name": "eligibility_form"}, {"event": "user", "text": "phd in big data, eligible?"}]
    tracker = _starting_form("phd in big data, eligible?", [{"entity": "degree", "value": "doctorate"}], events)
    messages, _ = run_action(AskField(), tracker)
    assert len(messages) == 1 and messages[0]["text"].startswith("What is your professional field?")


@pytest.mark.parametrize(("text", "asks"), [("我是master学位，机票补贴怎么申请", True), ("硕士", False),
                                           ("master's, any airfare subsidy?", True), ("master's, 6 years", False)])
def test_profile_facts_that_start_the_precheck_get_the_article_only_when_they_ask(text: str, asks: bool) -> None:
    tracker = _starting_form(text, [{"entity": "degree", "value": "master"}], intent="inform")
    messages, _ = run_action(AskField(), tracker)
    assert (len(messages) == 2) is asks


def test_a_whole_sentence_asks_the_policy_without_naming_a_kb_term() -> None:
    tracker = _starting_form("I work at a company - can I also hold a part-time post at a university?", [])
    messages, _ = run_action(AskDegree(), tracker)
    assert messages[0]["text"].endswith("(Source: Article 16)") and "highest degree" in messages[1]["text"]


@pytest.mark.parametrize(("text", "lang", "cited"), [("team members 我自己选可以吗", "zh", "（依据：第十二条）"),
                                                   ("can I pick my own team members?", "en", "(Source: Article 12)"),
                                                   ("團隊成員可唔可以我自己揀", "zh", "（依据：第十二条）")])
def test_a_short_policy_question_taken_for_a_precheck_request_keeps_its_answer(text: str, lang: str,
                                                                              cited: str) -> None:
    # the action writes simplified characters; the channel turns a traditional question's reply traditional
    tracker = _starting_form(text, [{"entity": "language", "value": lang}])
    tracker.slots["language"] = lang
    messages, _ = run_action(AskDegree(), tracker)
    assert len(messages) == 2 and messages[0]["text"].endswith(cited)


PROFILES = [{"degree": "doctorate", "years_experience": 6, "field": "big_data", "age": 38},
            {"degree": "bachelor", "years_experience": 2, "field": "tourism", "age": 25}, {},
            {"degree": "master", "years_experience": 10, "field": "new_materials", "age": 45, "shanxi_roots": True}]


@pytest.mark.parametrize("slots", PROFILES)
@pytest.mark.parametrize(("lang", "most"), [("zh", 500), ("en", 900)])
def test_the_verdict_leads_with_a_summary_that_fits_one_wechat_reply(slots: dict, lang: str, most: int) -> None:
    from bot.channels.wechat_format import MAX_REPLY_BYTES, render, utf8_len

    messages, events = run_action(ActionEligibilityResult(), make_tracker("", slots={**slots, "language": lang}))
    [verdict] = messages
    assert len(verdict["text"]) <= most and "你" not in verdict["text"]
    assert utf8_len(render(messages).text) <= MAX_REPLY_BYTES, "the summary and its numbered choices in one passive reply"
    assert [b["payload"] for b in verdict["buttons"]][:3] == [
        '/precheck_more{"part": "details"}', '/precheck_more{"part": "documents"}', '/precheck_more{"part": "sharpen"}']
    assert any(e["name"] == "form_options" for e in events), "a typed 1/2/3 picks a part"


@pytest.mark.parametrize(("part", "heading"), [("details", "人才类别"), ("documents", "准备材料"), ("sharpen", "补充这些信息")])
def test_each_part_of_the_verdict_on_request_politely(part: str, heading: str) -> None:
    from actions.eligibility import ActionPrecheckMore

    slots = {**PROFILES[0], "eligibility_result_shown": True, "language": "zh"}
    messages, _ = run_action(ActionPrecheckMore(), make_tracker(
        "/precheck_more", intent="precheck_more", entities=[{"entity": "part", "value": part}], slots=slots))
    assert heading in messages[0]["text"] and "你" not in messages[0]["text"]


def test_a_typed_number_after_the_verdict_picks_a_part() -> None:
    slots = {**PROFILES[0], "eligibility_result_shown": True}
    _, events = run_action(ActionEligibilityResult(), make_tracker("", slots=slots))
    offered = next(e["value"] for e in events if e["name"] == "form_options")
    messages, _ = run_action(ActionEligibilityResult(), make_tracker("２", slots={**slots, "form_options": offered}))
    assert messages[0]["text"].startswith("下一步") and "准备材料" in messages[0]["text"]
