"""Profile validation and the mapping of free-text fields to the policy's fields."""

from __future__ import annotations

import dataclasses

import pytest

from policy_kb.eligibility import Profile, ProfileError, parse_profile
from policy_kb.eligibility.profile import SCHEMA, match_field


def test_schema_and_profile_have_the_same_keys() -> None:
    assert set(SCHEMA) | {"field_id", "field_named"} == {f.name for f in dataclasses.fields(Profile)}


def test_empty_profile_and_nulls_mean_unanswered() -> None:
    assert parse_profile({}) == Profile()
    assert parse_profile({"age": None, "degree": None}) == Profile()


def test_valid_values_are_kept() -> None:
    p = parse_profile({"degree": "master", "age": 30.0, "years_experience": 4.5, "hsk_level": 4, "holds_ip": False})
    assert (p.degree, p.age, p.years_experience, p.hsk_level, p.holds_ip) == ("master", 30, 4.5, 4, False)
    assert isinstance(p.age, int)


@pytest.mark.parametrize(
    ("data", "field", "expected_part"),
    [
        ({"salary": 1}, "salary", "a known key"),
        ({"age": -5}, "age", "from 0 to 120"),
        ({"age": 121}, "age", "from 0 to 120"),
        ({"age": 30.5}, "age", "whole number"),
        ({"age": "30"}, "age", "whole number"),
        ({"age": True}, "age", "whole number"),
        ({"hsk_level": 9}, "hsk_level", "from 0 to 6"),
        ({"hsk_level": -1}, "hsk_level", "from 0 to 6"),
        ({"years_experience": -1}, "years_experience", "a number from 0"),
        ({"years_experience": False}, "years_experience", "a number"),
        ({"years_experience": float("nan")}, "years_experience", "a number"),
        ({"annual_salary_cny": float("inf")}, "annual_salary_cny", "a number >= 0"),
        ({"months_per_year_in_china": 13}, "months_per_year_in_china", "from 0 to 12"),
        ({"years_in_shanxi": -0.5}, "years_in_shanxi", "a number"),
        ({"degree": "phd"}, "degree", "none|bachelor|master|doctorate"),
        ({"degree_from": "mars"}, "degree_from", "china|overseas_top|overseas"),
        ({"role": "astronaut"}, "role", "researcher"),
        ({"talent_programme": "yes"}, "talent_programme", "provincial_key"),
        ({"shanxi_roots": "yes"}, "shanxi_roots", "true or false"),
        ({"holds_ip": 1}, "holds_ip", "true or false"),
        ({"field": ""}, "field", "non-empty text"),
        ({"field": "   "}, "field", "non-empty text"),
        ({"field": 42}, "field", "non-empty text"),
        ({"field": "x" * 201}, "field", "at most 200"),
        ({"age": 30, "years_experience": 31}, "years_experience", "at most the age (30)"),
        ({"age": 20, "years_in_shanxi": 21}, "years_in_shanxi", "at most the age (20)"),
        ({"degree": "none", "degree_from": "china"}, "degree_from", "no value when degree is 'none'"),
    ],
)
def test_impossible_values_name_the_field_and_what_is_expected(data: dict, field: str, expected_part: str) -> None:
    with pytest.raises(ProfileError) as err:
        parse_profile(data)
    assert err.value.field == field
    assert expected_part in err.value.expected
    assert str(err.value).startswith(f"{field}: expected ")
    assert "\n" not in str(err.value)


def test_huge_integers_are_compared_not_converted() -> None:
    assert parse_profile({"annual_salary_cny": 10**400}).annual_salary_cny == 10**400
    with pytest.raises(ProfileError):
        parse_profile({"age": 10**400})


def test_years_equal_to_age_is_still_possible() -> None:
    assert parse_profile({"age": 30, "years_experience": 30}).years_experience == 30


def test_a_non_object_is_rejected() -> None:
    with pytest.raises(ProfileError) as err:
        parse_profile(["degree", "master"])  # type: ignore[arg-type]
    assert err.value.field == "profile"


def test_long_bad_values_stay_on_one_short_line() -> None:
    with pytest.raises(ProfileError) as err:
        parse_profile({"role": "a\nb" * 500})
    assert "\n" not in str(err.value) and len(str(err.value)) < 200


@pytest.mark.parametrize(
    ("text", "field_id"),
    [
        ("大数据", "big_data"),
        ("big data", "big_data"),
        ("BIG DATA", "big_data"),
        ("ＢＩＧ　ＤＡＴＡ", "big_data"),  # full-width letters and space
        ("PhD in Data Science", "big_data"),
        ("煤层气", "coal_bed_methane"),
        ("Coal-Bed Methane", "coal_bed_methane"),
        ("coalbed methane", "coal_bed_methane"),
        ("新能源汽车", "new_energy_vehicles"),  # not new_energy: the longer name wins
        ("new energy vehicles", "new_energy_vehicles"),
        ("新能源", "new_energy"),
        ("医疗卫生", "healthcare"),
        ("healthcare", "healthcare"),
        ("English teacher", "education"),
        ("风险管理", "risk_assessment"),
    ],
)
def test_fields_map_through_facts_aliases(text: str, field_id: str) -> None:
    assert match_field(text)[0] == field_id
    assert parse_profile({"field": text}).field_id == field_id


@pytest.mark.parametrize("text", ["basket weaving", "retail", "量子纺织"])
def test_unmapped_fields_keep_their_text(text: str) -> None:
    p = parse_profile({"field": text})
    assert p.field == text and p.field_id is None
