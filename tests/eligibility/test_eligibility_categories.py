"""Talent categories (articles 1-4) and routes (articles 9, 10, closing clause), both sides of each threshold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from policy_kb.eligibility import evaluate

Category = Callable[..., dict[str, Any]]
RESEARCHER = {"degree": "doctorate", "years_experience": 5, "field": "大数据"}


def test_article_1_doctorate_with_5_years_in_a_listed_field_is_likely(category: Category) -> None:
    c = category(RESEARCHER, "high_end_researcher")
    assert (c["article"], c["status"]) == (1, "likely")
    assert "big data" in c["reasons"][0]


def test_article_1_four_years_is_unlikely_five_is_likely(category: Category) -> None:
    four = category({**RESEARCHER, "years_experience": 4}, "high_end_researcher")
    assert four["status"] == "unlikely"
    assert "5 or more years" in four["reasons"][0]
    assert category({**RESEARCHER, "years_experience": 4.99}, "high_end_researcher")["status"] == "unlikely"
    assert category({**RESEARCHER, "years_experience": 5}, "high_end_researcher")["status"] == "likely"


def test_article_1_needs_a_doctorate(category: Category) -> None:
    c = category({**RESEARCHER, "degree": "master", "years_experience": 20}, "high_end_researcher")
    assert c["status"] == "unlikely" and "doctorate" in c["reasons"][0]


def test_article_1_other_field_is_only_possible_and_says_the_list_is_open(category: Category) -> None:
    c = category({**RESEARCHER, "field": "tourism"}, "high_end_researcher")
    assert c["status"] == "possible"
    assert "such as" in c["reasons"][0] and "tourism" in c["reasons"][0]


def test_an_unmapped_field_is_kept_and_called_not_a_priority_field(category: Category) -> None:
    c = category({**RESEARCHER, "field": "basket weaving"}, "high_end_researcher")
    assert c["status"] == "possible"
    assert any("basket weaving" in r and "not one of the priority fields" in r for r in c["reasons"])
    zh = category({**RESEARCHER, "field": "量子纺织"}, "high_end_researcher", "zh")
    assert any("量子纺织" in r and "不是本政策列举的重点领域" in r for r in zh["reasons"])


def test_article_1_unknown_field_is_possible_and_asks_for_it() -> None:
    result = evaluate({"degree": "doctorate", "years_experience": 8}, "en")
    c = result["categories"][0]
    assert c["status"] == "possible"
    assert "Please tell us: your field" in c["reasons"][0]
    missing = {m["field"]: m["affects"] for m in result["missing"]}
    assert "high_end_researcher" in missing["field"]


def test_article_2_masters_is_likely_bachelors_is_not(category: Category) -> None:
    assert category({"degree": "master"}, "senior_professional")["status"] == "likely"
    assert category({"degree": "doctorate"}, "senior_professional")["status"] == "likely"
    bachelor = category({"degree": "bachelor", "advanced_technology": False}, "senior_professional")
    assert bachelor["status"] == "unlikely"


def test_article_2_advanced_technology_alone_is_only_possible(category: Category) -> None:
    c = category({"degree": "bachelor", "advanced_technology": True}, "senior_professional")
    assert c["status"] == "possible" and "does not say how" in c["reasons"][0]


def test_article_2_unknown_degree_with_advanced_technology_stays_possible_and_asks() -> None:
    result = evaluate({"advanced_technology": True}, "en")
    c = result["categories"][1]
    assert c["status"] == "possible" and len(c["reasons"]) == 2
    assert "your highest degree" in c["reasons"][1]


def test_article_2_ip_priority_note(category: Category) -> None:
    assert any("intellectual property" in r for r in category({"degree": "master", "holds_ip": True}, "senior_professional")["reasons"])
    assert not any("intellectual property" in r for r in category({"degree": "master", "holds_ip": False}, "senior_professional")["reasons"])


@pytest.mark.parametrize("role", ["manager", "entrepreneur"])
def test_article_3_managers_are_possible_at_best(category: Category, role: str) -> None:
    c = category({"role": role, "degree": "doctorate", "years_experience": 30, "field": "capital operations"}, "senior_manager")
    assert c["status"] == "possible" and "no measurable criteria" in c["reasons"][0]
    assert "capital operations" in c["reasons"][0]


def test_article_3_other_roles_outside_its_fields_are_unlikely(category: Category) -> None:
    assert category({"role": "engineer", "field": "basket weaving"}, "senior_manager")["status"] == "unlikely"
    assert category({"role": "engineer"}, "senior_manager")["status"] == "possible"  # its fields: ask which


def test_article_4_focus_field_with_experience_is_possible_never_likely(category: Category) -> None:
    c = category({"field": "医生", "years_experience": 10, "degree": "bachelor"}, "urgently_needed")
    assert c["status"] == "possible" and "no measurable bar" in c["reasons"][0]


def test_article_4_focus_field_without_attainment_is_unlikely(category: Category) -> None:
    c = category({"field": "education", "years_experience": 4, "degree": "master", "degree_from": "overseas"}, "urgently_needed")
    assert c["status"] == "unlikely"
    assert category({"role": "teacher", "years_experience": 5, "degree": "master"}, "urgently_needed")["status"] == "possible"


YOUNG = {"field": "education", "degree": "doctorate", "degree_from": "overseas_top", "years_experience": 1}


@pytest.mark.parametrize(("age", "priority"), [(39, True), (40, True), (41, False)])
def test_article_4_under_40_priority_includes_40(category: Category, age: int, priority: bool) -> None:
    """"40岁以下" includes 40, as 以下 does in Chinese legal texts; 41 is outside."""
    c = category({**YOUNG, "age": age}, "urgently_needed")
    assert c["status"] == "possible"
    assert any("aged 40 or under" in r for r in c["reasons"]) is priority


@pytest.mark.parametrize(("age", "status"), [(39, "possible"), (40, "possible"), (41, "unlikely")])
def test_article_4_priority_alone_outside_the_focus_fields(category: Category, age: int, status: str) -> None:
    profile = {"field": "big data", "degree": "bachelor", "degree_from": "overseas_top", "years_experience": 1, "age": age}
    assert category(profile, "urgently_needed")["status"] == status


def test_article_4_priority_needs_a_high_level_overseas_degree(category: Category) -> None:
    profile = {"field": "big data", "degree": "bachelor", "degree_from": "overseas", "years_experience": 1, "age": 30}
    assert category(profile, "urgently_needed")["status"] == "unlikely"


def test_article_10_chinese_university_graduates_may_work_directly(category: Category) -> None:
    c = category({"degree": "bachelor", "degree_from": "china"}, "graduate_route")
    assert (c["article"], c["status"]) == (10, "possible") and "up to 2 years" in c["reasons"][0]
    assert category({"degree": "none"}, "graduate_route")["status"] == "unlikely"
    assert category({"degree": "master", "degree_from": "overseas_top"}, "graduate_route")["status"] == "possible"
    assert category({"degree": "master", "degree_from": "overseas"}, "graduate_route")["status"] == "unlikely"


def test_article_9_shanxi_roots(category: Category) -> None:
    assert category({"shanxi_roots": True}, "shanxi_merchant")["status"] == "likely"
    assert category({"shanxi_roots": False}, "shanxi_merchant")["status"] == "unlikely"


def test_closing_clause_has_no_article_number_and_is_cited_by_name(category: Category) -> None:
    c = category({"hk_macao_taiwan": True}, "hk_macao_taiwan")
    assert (c["article"], c["status"]) == (None, "likely")
    assert c["reasons"][0].endswith("(Source: closing clause on Hong Kong, Macao and Taiwan talent)")
    assert category({"hk_macao_taiwan": True}, "hk_macao_taiwan", "zh")["reasons"][0].endswith("（依据：港澳台人才条款）")
    assert category({"hk_macao_taiwan": False}, "hk_macao_taiwan")["status"] == "unlikely"


def test_an_empty_profile_decides_nothing_and_asks_for_everything_relevant() -> None:
    result = evaluate({}, "en")
    assert {c["status"] for c in result["categories"]} == {"possible"}
    assert all("Please tell us" in c["reasons"][0] for c in result["categories"])
    asked = [m["field"] for m in result["missing"]]
    for key in ("degree", "years_experience", "field", "age", "role", "shanxi_roots", "hk_macao_taiwan"):
        assert key in asked
