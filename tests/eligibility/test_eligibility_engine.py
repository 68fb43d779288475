"""The result's shape and the properties that must hold for every valid profile (hypothesis)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_kb.citation import cite
from policy_kb.eligibility import evaluate
from policy_kb.eligibility.profile import DEGREES, SCHEMA
from policy_kb.eligibility.rules import load_rules

REALISTIC = {"degree": "doctorate", "degree_from": "overseas_top", "years_experience": 7, "field": "coal-bed methane",
             "age": 41, "role": "researcher", "annual_salary_cny": 300_000, "months_per_year_in_china": 10}


def assert_schema(result: dict[str, Any], lang: str) -> None:
    assert set(result) == {"categories", "benefits", "work_permit", "next_steps", "missing", "notice"}
    for c in result["categories"]:
        assert set(c) == {"id", "article", "status", "reasons"}
        assert c["status"] in ("likely", "possible", "unlikely")
        assert c["article"] is None or isinstance(c["article"], int)
        assert c["reasons"], c["id"]
        for reason in c["reasons"]:
            assert reason.endswith(cite(c["article"], lang)), reason
    groups = set(load_rules().benefit_groups)
    for b in result["benefits"]:
        assert set(b) == {"id", "article", "group", "text"} and b["group"] in groups
        assert b["text"].endswith(cite(b["article"], lang))
    wp = result["work_permit"]
    assert set(wp) == {"points", "max_points", "class", "class_if_max", "items", "basis"}
    assert all(set(i) == {"item", "points"} for i in wp["items"])
    assert sum(i["points"] for i in wp["items"]) == wp["points"] <= wp["max_points"] <= 120
    assert wp["class"] in "ABC" and wp["class_if_max"] <= wp["class"]  # "A" < "B" < "C"
    assert all(isinstance(s, str) and s for s in result["next_steps"])
    for m in result["missing"]:
        assert set(m) == {"field", "question", "affects"} and m["field"] in SCHEMA and m["affects"]
    assert result["notice"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_realistic_profile_has_exactly_the_documented_shape(lang: str) -> None:
    result = evaluate(REALISTIC, lang)
    assert_schema(result, lang)
    statuses = {c["id"]: c["status"] for c in result["categories"]}
    assert statuses["high_end_researcher"] == "likely"
    assert statuses["urgently_needed"] == "unlikely"  # 41: outside the under-40 priority, and not a focus field


def test_next_steps_name_documents_the_service_window_and_who_decides() -> None:
    en = evaluate({}, "en")["next_steps"]
    assert any("passport" in s and "criminal record" in s for s in en)
    window = next(s for s in en if "Service Window for Foreigners Working in Shanxi" in s)
    assert window.endswith("(Source: Article 18)") and "does not hold its address or phone" in window
    decides = next(s for s in en if "employer applies" in s)
    assert "human resources and social security" in decides and "exit-entry" in decides
    assert decides.endswith("(Source: Articles 17, 19)")
    zh = evaluate({}, "zh")["next_steps"]
    assert any("外国人来晋工作服务窗口" in s and s.endswith("（依据：第十八条）") for s in zh)


def test_conditional_next_steps() -> None:
    steps = evaluate({"degree": "bachelor", "degree_from": "china", "shanxi_roots": True}, "en")["next_steps"]
    assert any("Chinese university" in s for s in steps) and any("Shanxi origin" in s for s in steps)
    assert not any("Chinese university" in s for s in evaluate({"degree": "bachelor"}, "en")["next_steps"])


def test_the_notice_says_pre_check_not_decision() -> None:
    assert "pre-check" in evaluate({}, "en")["notice"] and "not a decision" in evaluate({}, "en")["notice"]
    assert "不是审批决定" in evaluate({}, "zh")["notice"]


def test_languages_differ_only_in_words() -> None:
    zh, en = evaluate(REALISTIC, "zh"), evaluate(REALISTIC, "en")
    strip = lambda r: ([(c["id"], c["article"], c["status"]) for c in r["categories"]],  # noqa: E731
                       [b["id"] for b in r["benefits"]], r["work_permit"]["points"], [m["field"] for m in r["missing"]])
    assert strip(zh) == strip(en)


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        evaluate({}, "fr")


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_valid_profile_evaluates_in_both_languages(profiles: st.SearchStrategy, data: st.DataObject) -> None:
    profile = data.draw(profiles)
    for lang in ("zh", "en"):
        assert_schema(evaluate(profile, lang), lang)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_a_complete_profile_decides_every_category(complete_profiles: st.SearchStrategy, data: st.DataObject) -> None:
    """The outcomes of each category cover every combination of answers: nothing left pending."""
    result = evaluate(data.draw(complete_profiles), "en")
    category_ids = {c["id"] for c in result["categories"]}
    assert not any(category_ids & set(m["affects"]) for m in result["missing"])
    assert all("Please tell us" not in r for c in result["categories"] for r in c["reasons"])


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_vague_categories_are_never_likely(profiles: st.SearchStrategy, data: st.DataObject) -> None:
    for c in evaluate(data.draw(profiles), "en")["categories"]:
        if c["id"] in ("senior_manager", "urgently_needed", "graduate_route"):
            assert c["status"] != "likely"


@settings(max_examples=150, deadline=None)
@given(data=st.data(), extra=st.floats(0, 100, allow_nan=False))
def test_more_experience_never_lowers_the_points(profiles: st.SearchStrategy, data: st.DataObject, extra: float) -> None:
    profile = data.draw(profiles)
    base = profile.get("years_experience", 0)
    ceiling = min(profile.get("age", 100), 100)
    more = {**profile, "years_experience": min(base + extra, ceiling)}
    before, after = evaluate(profile, "en")["work_permit"], evaluate(more, "en")["work_permit"]
    assert after["points"] >= before["points"]  # also from unanswered (0 points) to answered


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_a_higher_degree_never_lowers_the_points(profiles: st.SearchStrategy, data: st.DataObject) -> None:
    profile = data.draw(profiles)
    degree = profile.get("degree", "none")
    before = evaluate(profile, "en")["work_permit"]["points"]
    for higher in DEGREES[DEGREES.index(degree) + 1:]:
        assert evaluate({**profile, "degree": higher}, "en")["work_permit"]["points"] >= before
