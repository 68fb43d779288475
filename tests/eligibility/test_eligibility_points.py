"""The national work-permit points estimate: every band on both sides, and worked examples by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from policy_kb.eligibility import evaluate
from policy_kb.eligibility.points import class_for

Points = Callable[[dict[str, Any]], dict[str, int]]
#: Answers that settle every item a profile can settle, each at 0 points, to vary one at a time.
ZERO = {
    "annual_salary_cny": 0, "degree": "none", "years_experience": 0, "months_per_year_in_china": 0,
    "hsk_level": 0, "former_chinese_national": False, "age": 70, "fortune500_experience": False,
    "holds_ip": False, "years_in_shanxi": 0, "talent_programme": "none",
}


def wp(profile: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    return evaluate(profile, lang)["work_permit"]


def test_the_zero_profile_scores_nothing_and_can_only_gain_the_two_unknowable_items() -> None:
    w = wp(ZERO)
    assert (w["points"], w["class"]) == (0, "C")
    assert w["max_points"] == 10 + 10  # region (special area unknown) + local bonus (0-10, always unknown)


@pytest.mark.parametrize(
    ("salary", "points"),
    [(0, 0), (49_999, 0), (50_000, 5), (69_999, 5), (70_000, 8), (149_999, 8), (150_000, 11),
     (249_999, 11), (250_000, 14), (349_999, 14), (350_000, 17), (449_999, 17), (450_000, 20), (3_000_000, 20)],
)
def test_salary_bands(item_points: Points, salary: int, points: int) -> None:
    assert item_points({**ZERO, "annual_salary_cny": salary})["salary"] == points


@pytest.mark.parametrize(("degree", "points"), [("none", 0), ("bachelor", 10), ("master", 15), ("doctorate", 20)])
def test_education(item_points: Points, degree: str, points: int) -> None:
    assert item_points({**ZERO, "degree": degree})["education"] == points


@pytest.mark.parametrize(
    ("years", "points"),
    [(0, 0), (1.99, 0), (2, 5), (2.5, 5), (3, 6), (4, 7), (5, 8), (10, 13), (16, 19), (17, 20), (18, 20), (40, 20)],
)
def test_experience_5_at_2_years_plus_1_per_year_capped_at_20(item_points: Points, years: float, points: int) -> None:
    assert item_points({**ZERO, "years_experience": years})["experience"] == points


@pytest.mark.parametrize(
    ("months", "points"), [(0, 0), (2.9, 0), (3, 5), (5.9, 5), (6, 10), (8.9, 10), (9, 15), (12, 15)]
)
def test_months_in_china(item_points: Points, months: float, points: int) -> None:
    assert item_points({**ZERO, "months_per_year_in_china": months})["months_in_china"] == points


@pytest.mark.parametrize(("hsk", "points"), [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 5)])
def test_hsk_levels(item_points: Points, hsk: int, points: int) -> None:
    assert item_points({**ZERO, "hsk_level": hsk})["chinese"] == points


def test_former_chinese_nationals_get_the_full_language_points(item_points: Points) -> None:
    assert item_points({**ZERO, "hsk_level": 1, "former_chinese_national": True})["chinese"] == 5


@pytest.mark.parametrize(
    ("age", "points"),
    [(17, 0), (18, 10), (25, 10), (26, 15), (45, 15), (46, 10), (55, 10), (56, 5), (60, 5), (61, 0), (90, 0)],
)
def test_age_bands_in_whole_years(item_points: Points, age: int, points: int) -> None:
    assert item_points({**ZERO, "age": age, "years_experience": 0})["age"] == points


@pytest.mark.parametrize(
    "extra",
    [
        {"degree": "bachelor", "degree_from": "overseas_top"},
        {"fortune500_experience": True},
        {"holds_ip": True},
        {"years_in_shanxi": 5},
    ],
)
def test_each_distinction_gives_5(item_points: Points, extra: dict[str, Any]) -> None:
    assert item_points({**ZERO, **extra})["distinction"] == 5


def test_distinctions_do_not_add_up_beyond_5_and_4_years_in_shanxi_is_not_enough(item_points: Points) -> None:
    everything = {"degree": "bachelor", "degree_from": "overseas_top", "fortune500_experience": True,
                  "holds_ip": True, "years_in_shanxi": 6}
    assert item_points({**ZERO, **everything})["distinction"] == 5
    assert item_points({**ZERO, "years_in_shanxi": 4})["distinction"] == 0
    assert item_points({**ZERO, "degree": "bachelor", "degree_from": "overseas"})["distinction"] == 0


def test_region_and_local_bonus_never_score_but_always_count_toward_the_maximum(item_points: Points) -> None:
    scores = item_points(ZERO)
    assert scores["region"] == 0 and scores["local_bonus"] == 0


@pytest.mark.parametrize(("points", "klass"), [(0, "C"), (59, "C"), (60, "B"), (84, "B"), (85, "A"), (120, "A")])
def test_class_thresholds(points: int, klass: str) -> None:
    assert class_for(points) == klass


def test_worked_example_overseas_phd_researcher() -> None:
    profile = {"degree": "doctorate", "degree_from": "overseas_top", "years_experience": 6, "age": 38,
               "annual_salary_cny": 400_000, "months_per_year_in_china": 12, "hsk_level": 3}
    w = wp(profile)
    # salary 40万 in [35,45): 17; doctorate: 20; 6 years: 5 + (6 - 2) = 9; 12 months: 15; HSK 3: 3;
    # region: 0; age 38 in 26-45: 15; high-level foreign university: 5; local bonus: 0
    assert w["points"] == 17 + 20 + 9 + 15 + 3 + 0 + 15 + 5 + 0 == 84
    assert w["class"] == "B"
    # could add: Chinese up to 5 (+2, former nationality unanswered), region +10, local bonus +10
    assert w["max_points"] == 84 + 2 + 10 + 10 == 106
    assert w["class_if_max"] == "A"  # also: talent_programme unanswered, a national programme is class A
    assert "could be up to A (106 points)" in w["basis"]


def test_worked_example_recent_graduate_of_a_chinese_university() -> None:
    profile = {**ZERO, "degree": "master", "degree_from": "china", "age": 25, "annual_salary_cny": 120_000,
               "months_per_year_in_china": 12, "hsk_level": 5}
    w = wp(profile)
    # salary 12万 in [7,15): 8; master's: 15; 0 years: 0; 12 months: 15; HSK 5: 5; region: 0;
    # age 25 in 18-25: 10; no distinction: 0; local bonus: 0
    assert w["points"] == 8 + 15 + 0 + 15 + 5 + 0 + 10 + 0 + 0 == 53
    assert w["class"] == "C"
    assert w["max_points"] == 53 + 10 + 10 == 73  # only region and local bonus are unknown
    assert w["class_if_max"] == "B"


def test_worked_example_senior_expert_class_a() -> None:
    profile = {**ZERO, "degree": "doctorate", "years_experience": 20, "age": 50, "annual_salary_cny": 600_000,
               "months_per_year_in_china": 10, "former_chinese_national": True, "fortune500_experience": True}
    w = wp(profile)
    # salary 60万 >= 45: 20; doctorate: 20; 20 years: capped 20; 10 months: 15; former national: 5;
    # region: 0; age 50 in 46-55: 10; Fortune 500: 5; local bonus: 0
    assert w["points"] == 20 + 20 + 20 + 15 + 5 + 0 + 10 + 5 + 0 == 95
    assert (w["class"], w["class_if_max"], w["max_points"]) == ("A", "A", 95 + 20)


def test_the_unknowable_items_can_change_the_class_and_the_basis_says_so() -> None:
    profile = {**ZERO, "degree": "master", "degree_from": "china", "years_experience": 5, "age": 30, "annual_salary_cny": 250_000,
               "months_per_year_in_china": 12}
    w = wp(profile)
    # 14 + 15 + 8 + 15 + 0 + 0 + 15 + 0 + 0 = 67: class B; +10 region +10 local bonus = 87: class A
    assert (w["points"], w["class"], w["max_points"], w["class_if_max"]) == (67, "B", 87, "A")
    assert "could be up to A" in w["basis"]
    assert "最高可能为A类（87分）" in wp(profile, "zh")["basis"]


def test_a_national_programme_is_class_a_without_points() -> None:
    w = wp({**ZERO, "talent_programme": "national"})
    assert (w["points"], w["class"]) == (0, "A")
    assert "class A without points" in w["basis"]
    assert wp({**ZERO, "talent_programme": "provincial_key"})["class"] == "C"


def test_unknown_inputs_score_zero_and_show_what_they_could_add() -> None:
    w = wp({})
    assert (w["points"], w["class"]) == (0, "C")
    assert w["max_points"] == 20 + 20 + 20 + 15 + 5 + 10 + 15 + 5 + 10 == 120
    assert w["class_if_max"] == "A"
    missing = {m["field"] for m in evaluate({}, "en")["missing"] if "work_permit" in m["affects"]}
    assert {"annual_salary_cny", "degree", "years_experience", "months_per_year_in_china", "hsk_level", "age"} <= missing


def test_the_estimate_is_labelled_unofficial_with_its_basis_in_both_languages() -> None:
    en, zh = wp({}, "en"), wp({}, "zh")
    assert en["basis"].startswith("Unofficial estimate") and "外专发〔2017〕40号" in en["basis"]
    assert zh["basis"].startswith("非官方估算") and "外专发〔2017〕40号" in zh["basis"]
    assert [i["item"] for i in zh["items"]][0] == "年薪（在华用人单位支付）"
