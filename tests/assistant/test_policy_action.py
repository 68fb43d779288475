"""action_answer_policy: cited answers in the user's language, clarification, honest misses."""

from __future__ import annotations

from actions.policy import ActionAnswerPolicy, article_payload, ranked_answers
from actions.texts import text
from policy_kb.citation import cite
from tests.support.actions import make_tracker, run_action


def answer(text: str, **kw):
    messages, events = run_action(ActionAnswerPolicy(), make_tracker(text, **kw))
    assert len(messages) == 1
    return messages[0]


def test_chinese_question_gets_a_chinese_cited_answer() -> None:
    msg = answer("友谊奖奖金多少")
    assert msg["text"].endswith("（依据：第十四条）") and "10万" in msg["text"]
    assert [b.get("payload") or b["url"] for b in msg["buttons"]] == [
        "/check_eligibility", "/book_appointment", "/handoff", "/article/14?lang=zh"]


def test_english_question_gets_an_english_cited_answer() -> None:
    msg = answer("How much is the Friendship Award?")
    assert msg["text"].endswith("(Source: Article 14)") and "100,000" in msg["text"]
    assert msg["buttons"][0]["title"] == "Am I eligible?"


def test_mixed_question_answers_in_the_dominant_language() -> None:
    assert "（依据：第一条）" in answer("我是PhD，能申请吗")["text"]


def test_explicit_language_preference_wins() -> None:
    msg = answer("友谊奖奖金多少", slots={"language_pref": "en"})
    assert msg["text"].endswith("(Source: Article 14)")


def test_policy_silence_is_said_honestly_with_the_window() -> None:
    msg = answer("红烧肉怎么做")
    assert "没有找到" in msg["text"] and "服务窗口" in msg["text"]
    assert msg["buttons"] == [{"title": "转人工", "payload": "/handoff"}]


def test_low_confidence_nlu_without_kb_match_gets_the_default_reply() -> None:
    msg = answer("asdfgh qwerty", intent="nlu_fallback")
    assert msg["response"] == "utter_default" and msg["text"] is None


def test_chosen_article_from_a_clarification_button() -> None:
    msg = answer('/ask_policy{"article": "19"}', entities=[{"entity": "article", "value": "19"}],
                 slots={"language": "en"})
    assert msg["text"].endswith("(Source: Article 19)")
    closing = answer("", entities=[{"entity": "article", "value": "closing"}], slots={"language": "zh"})
    assert closing["text"].endswith("（依据：港澳台人才条款）")


def test_a_forged_article_payload_is_not_an_error() -> None:
    assert answer("", entities=[{"entity": "article", "value": "99"}], slots={"language": "en"})["response"] == "utter_default"


def test_article_payload_round_trips() -> None:
    assert article_payload(17) == '/ask_policy{"article": "17"}'
    assert article_payload(None) == '/ask_policy{"article": "closing"}'


def test_empty_and_huge_messages_get_a_clear_answer() -> None:
    assert "请输入" in answer("   ", slots={"language": "zh"})["text"]
    assert "too long" in answer("visa " * 300)["text"]


def test_a_close_call_answers_the_best_article_and_offers_the_others() -> None:
    question = "green card or permanent residence?"
    _, candidates = ranked_answers(question, "en")
    assert len(candidates) > 1, "precondition: the search finds this question ambiguous"
    msg = answer(question)
    best_answer, offer = msg["text"].rsplit("\n", 1)
    assert best_answer == candidates[0].answer and best_answer.endswith(cite(candidates[0].article, "en"))
    assert offer == text("also_relevant", "en")
    assert [b.get("payload") or b["url"] for b in msg["buttons"]] == [
        *(article_payload(r.article) for r in candidates[1:]), f"/article/{candidates[0].article}?lang=en"]


def test_a_clear_answer_offers_no_other_article() -> None:
    _, candidates = ranked_answers("友谊奖奖金多少", "zh")
    assert len(candidates) == 1


# --- issue 17: out of scope said plainly, and a policy question never taken for out of scope ---------------

def test_out_of_scope_intent_still_answers_a_policy_question_in_unusual_words() -> None:
    msg = answer("洋专家领了省里的课题，钱咋花能自己拍板不", intent="out_of_scope")
    assert msg["text"].endswith("（依据：第十二条）")


def test_out_of_scope_intent_with_nothing_in_the_policy_gets_the_out_of_scope_reply() -> None:
    assert answer("广州给外籍博士多少住房补贴", intent="out_of_scope")["response"] == "utter_out_of_scope"


def test_a_near_miss_the_nlu_took_for_a_policy_question_is_not_given_an_unrelated_article() -> None:
    for question in ("外国人在太原开个银行户头要带啥", "上海的外国人才绿卡怎么办"):
        msg = answer(question)
        assert "没有涉及" in msg["text"] and "服务窗口（第十八条设立）" in msg["text"], question
        assert "依据" not in msg["text"], "the not-covered answer is not a policy answer: it cites no source"


def test_a_real_question_the_nlu_did_not_understand_is_told_the_policy_does_not_cover_it() -> None:
    msg = answer("How do I renew my passport at my embassy in Beijing?", intent="nlu_fallback")
    assert "does not cover this" in msg["text"] and "Service Window" in msg["text"]
    assert "(set up under Article 18)" in msg["text"] and "Source:" not in msg["text"]


def test_the_not_covered_answers_name_the_window_by_the_article_that_sets_it_up_not_as_a_source() -> None:
    from pathlib import Path

    import yaml

    from policy_kb.messages import message

    domain = Path(__file__).resolve().parents[2] / "domain" / "core.yml"
    out_of_scope = yaml.safe_load(domain.read_text(encoding="utf-8"))["responses"]["utter_out_of_scope"]
    for lang, window in (("zh", "（第十八条设立）"), ("en", "(set up under Article 18)")):
        [said] = [r["text"] for r in out_of_scope if r.get("condition", [{}])[0].get("value") == lang]
        for reply in (message("not_found", lang), said):
            assert window in reply and cite(18, lang) not in reply, reply
