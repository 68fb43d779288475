"""The eleven readings of issue 18, one table per finding: profile in, statuses and benefit headings out.

Each finding's table holds profiles on both sides of the reading it fixes, so it fails on the code
before the fix (checked against a copy of the earlier commit) and pins the line the policy draws.
`groups` maps a benefit to the heading it must appear under (``None``: not listed at all); `says` and
`never` are words that must (not) appear in a category's reasons or a benefit's text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.cli import main
from policy_kb.eligibility import evaluate, parse_profile, render
from policy_kb.eligibility.data import load_facts
from policy_kb.source import load_source
from policy_kb.text import concept_terms

#: The profile the issue starts from: 35, an ordinary overseas bachelor's, 5 years, a teacher (class C, 33 points).
TEACHER = {"age": 35, "degree": "bachelor", "degree_from": "overseas", "years_experience": 5, "role": "teacher"}
RESEARCHER = {"degree": "doctorate", "years_experience": 6, "field": "big data"}  # article 1's stated criteria
CLASS_A = {"degree": "doctorate", "degree_from": "overseas_top", "years_experience": 6, "field": "basket weaving",
           "age": 35, "role": "researcher", "annual_salary_cny": 600_000, "months_per_year_in_china": 12, "hsk_level": 3}
HIGH_END = ("work_permit_green_channel", "residence_permit_5_years", "green_card")


@dataclass(frozen=True)
class Row:
    profile: dict[str, Any]
    statuses: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str | None] = field(default_factory=dict)
    says: tuple[tuple[str, str], ...] = ()  # (category or benefit id, words), English
    never: tuple[tuple[str, str], ...] = ()


def check(row: Row) -> None:
    result = evaluate(row.profile, "en")
    statuses = {c["id"]: c["status"] for c in result["categories"]}
    groups = {b["id"]: b["group"] for b in result["benefits"]}
    texts = {c["id"]: " ".join(c["reasons"]) for c in result["categories"]}
    for b in result["benefits"]:  # a procedure may share its category's id (hk_macao_taiwan): read both
        texts[b["id"]] = (texts.get(b["id"], "") + " " + b["text"]).strip()
    for category, status in row.statuses.items():
        assert statuses[category] == status, (row.profile, category, texts[category])
    for benefit, group in row.groups.items():
        assert groups.get(benefit) == group, (row.profile, benefit, texts.get(benefit))
    for where, words in row.says:
        assert words in texts[where], (row.profile, where, texts[where])
    for where, words in row.never:
        assert words not in texts.get(where, ""), (row.profile, where)


FINDINGS: dict[str, list[Row]] = {
    "1-high-end-is-article-1-or-class-a": [
        Row(TEACHER, groups=dict.fromkeys(HIGH_END, "if_high_end"),
            says=(("green_card", "Only for talent recognised as high-end, precision, cutting-edge and scarce"),)),
        Row({"degree": "master"}, groups=dict.fromkeys(HIGH_END, "if_high_end")),
        Row({"degree": "bachelor", "advanced_technology": True}, groups=dict.fromkeys(HIGH_END, "if_high_end")),
        Row(RESEARCHER, groups=dict.fromkeys(HIGH_END, "offers"), says=(("green_card", "You meet article 1's stated criteria"),)),
        Row(CLASS_A, statuses={"high_end_researcher": "possible"}, groups=dict.fromkeys(HIGH_END, "offers"),
            says=(("work_permit_green_channel", "class A of the national work-permit classification"),)),
        Row({"degree": "bachelor", "talent_programme": "national"}, groups=dict.fromkeys(HIGH_END, "offers")),
        Row({"degree": "bachelor", "years_experience": 1, "advanced_technology": False, "role": "other", "field": "retail",
             "age": 30, "talent_programme": "none", "annual_salary_cny": 100_000, "months_per_year_in_china": 12,
             "hsk_level": 0, "former_chinese_national": False, "fortune500_experience": False, "holds_ip": False,
             "degree_from": "overseas", "years_in_shanxi": 0},
            groups=dict.fromkeys(HIGH_END)),
    ],
    "2-article-10-outstanding-is-not-any-graduate": [
        Row({"age": 23, "degree": "bachelor", "degree_from": "china", "years_experience": 0, "field": "marketing"},
            statuses={"graduate_route": "possible"},
            groups={"graduate_direct_work": "if_recognised", "graduate_permit_2_years": "if_recognised"},
            says=(("graduate_route", "does not define \"outstanding\""), ("graduate_route", "authorities decide"))),
        Row({"degree": "master", "degree_from": "overseas_top"}, statuses={"graduate_route": "possible"},
            groups={"graduate_direct_work": None, "graduate_permit_2_years": "if_recognised"}),
        Row({"degree": "master", "degree_from": "overseas"}, statuses={"graduate_route": "unlikely"},
            groups={"graduate_direct_work": None, "graduate_permit_2_years": None}),
        Row({"degree": "none"}, statuses={"graduate_route": "unlikely"}),
    ],
    "3-income-tax-as-the-law-provides": [
        Row({"degree": "master"}, groups={"income_tax_exemption": "if_recognised"},
            says=(("income_tax_exemption", "the tax authority decides which payments qualify"),),
            never=(("income_tax_exemption", "covers the government subsidies and funding listed above"),)),
        Row({"talent_programme": True}, groups={"income_tax_exemption": "if_recognised"}),
        Row({"degree": "bachelor", "talent_programme": "none", "shanxi_roots": False}, groups={"income_tax_exemption": None}),
    ],
    "4-permanent-residence-within-the-national-framework": [
        Row(TEACHER, statuses={"urgently_needed": "possible"}, groups={"permanent_residence_no_quota": "if_recognised"},
            says=(("permanent_residence_no_quota", "Within the national permanent residence framework"),),
            never=(("permanent_residence_no_quota", "under article 4"),)),
        Row({"role": "other", "field": "retail", "age": 45, "degree": "bachelor"}, statuses={"urgently_needed": "unlikely"},
            groups={"permanent_residence_no_quota": "if_recognised"}),
        Row({"degree": "master", "talent_programme": "national"}, groups={"permanent_residence_priority": "offers"},
            says=(("permanent_residence_priority", "it is not guaranteed"),)),
        Row({"degree": "master", "talent_programme": "provincial_regular"}, groups={"permanent_residence_priority": "if_high_end"}),
    ],
    "6-travel-subsidy-either-reading-of-a-year": [
        Row({"degree": "master", "years_in_shanxi": 0}, groups={"international_travel_subsidy": "if_recognised"},
            says=(("international_travel_subsidy", "coming to work in Shanxi for a year or more"),
                  ("international_travel_subsidy", "a contract of a year or more is enough"))),
        Row({"degree": "master"}, groups={"international_travel_subsidy": "if_recognised"}),
        Row({"degree": "master", "years_in_shanxi": 1}, groups={"international_travel_subsidy": "offers"}),
        Row({"degree": "bachelor", "years_in_shanxi": 3}, groups={"international_travel_subsidy": None}),
    ],
    "7-the-green-card-is-not-permanent-residence": [
        Row(RESEARCHER, groups={"green_card": "offers"}, says=(("green_card", "not permanent residence"),
                                                               ("green_card", "China green card"))),
        Row(TEACHER, groups={"green_card": "if_high_end"}, says=(("green_card", "not permanent residence"),)),
    ],
    "8-hong-kong-macao-taiwan-by-reference": [
        Row({**RESEARCHER, "hk_macao_taiwan": True}, statuses={"hk_macao_taiwan": "likely"},
            groups={"work_permit_green_channel": "if_recognised", "residence_permit_5_years": "if_recognised",
                    "permanent_residence_no_quota": "if_recognised", "green_card": "offers"},
            says=(("hk_macao_taiwan", "by reference"), ("hk_macao_taiwan", "since 2018"),
                  ("work_permit_green_channel", "applies to you only by reference")),
            never=(("hk_macao_taiwan", "apply to you in the same way"),)),
        Row({**RESEARCHER, "hk_macao_taiwan": False}, statuses={"hk_macao_taiwan": "unlikely"},
            groups={"work_permit_green_channel": "offers", "residence_permit_5_years": "offers"}),
    ],
    "9-article-3-names-fields-not-only-managers": [
        Row({"role": "engineer", "field": "product design", "years_experience": 8}, statuses={"senior_manager": "possible"},
            says=(("senior_manager", "not only for entrepreneurs"), ("senior_manager", "the employer and the authorities judge"))),
        Row({"role": "other", "field": "知识产权", "years_experience": 6}, statuses={"senior_manager": "possible"}),
        Row({"role": "engineer", "field": "product design", "years_experience": 1, "degree": "bachelor"},
            statuses={"senior_manager": "unlikely"}),
        Row({"role": "engineer", "field": "basket weaving"}, statuses={"senior_manager": "unlikely"}),
        Row({"role": "manager", "field": "retail"}, statuses={"senior_manager": "possible"}),
    ],
    "10-fields-read-as-the-policy-names-them": [
        Row({"field": "law", "degree": "doctorate", "years_experience": 6, "role": "other", "age": 45},
            statuses={"urgently_needed": "unlikely"}),
        Row({"field": "social science research", "degree": "doctorate", "years_experience": 6, "role": "other", "age": 45},
            statuses={"urgently_needed": "possible"}),
        Row({"field": "banking", "degree": "doctorate", "years_experience": 6}, statuses={"high_end_researcher": "possible"},
            groups={"work_to_permanent_residence": None}),
        Row({"field": "tour guide", "years_experience": 8, "role": "other", "age": 45}, statuses={"urgently_needed": "unlikely"}),
        Row({"field": "English teacher", "years_experience": 8}, statuses={"urgently_needed": "possible"},
            groups={"work_to_permanent_residence": "if_recognised"},
            says=(("work_to_permanent_residence", "English teacher, which we read as education"),)),
        Row({"field": "big data"}, groups={"work_to_permanent_residence": "if_recognised"},
            says=(("work_to_permanent_residence", "does not list its \"key fields and industries\""),),
            never=(("work_to_permanent_residence", "Your field is one of the fields this policy names."),)),
    ],
    "11-a-plain-yes-to-the-talent-programme": [
        Row({"degree": "doctorate", "talent_programme": True},
            groups={"key_programme_funding": "if_programme", "regular_programme_funding": "if_programme",
                    "permanent_residence_priority": "if_programme"},
            says=(("key_programme_funding", "not which one"),)),
        Row({"degree": "doctorate", "talent_programme": "unspecified"}, groups={"key_programme_funding": "if_programme"}),
        Row({"degree": "doctorate", "talent_programme": "provincial_key"},
            groups={"key_programme_funding": "offers", "regular_programme_funding": None}),
        Row({"degree": "doctorate", "talent_programme": False},
            groups={"key_programme_funding": "if_programme", "permanent_residence_priority": "if_programme"},
            says=(("key_programme_funding", "Not automatic"),)),
    ],
}


@pytest.mark.parametrize("finding", FINDINGS)
def test_each_reading_on_both_sides(finding: str) -> None:
    for row in FINDINGS[finding]:
        check(row)


def _sections(text: str) -> dict[str, str]:
    """The report's sections by heading (``## heading`` lines)."""
    parts = text.split("\n## ")
    return {p.split("\n", 1)[0].lstrip("# "): p for p in parts[1:]}


@pytest.mark.parametrize(
    ("lang", "offers", "if_high_end"),
    [("en", "What the policy offers you", "If you are recognised as high-end, precision, cutting-edge and scarce (高精尖缺) talent"),
     ("zh", "可能享受的政策", "若被认定为“高精尖缺”人才")],
)
def test_1_the_teacher_is_not_offered_what_needs_recognition(lang: str, offers: str, if_high_end: str) -> None:
    """Finding 1 in the report the user reads: the green channel and the green card under their own heading."""
    sections = _sections(render(evaluate(TEACHER, lang), lang))
    names = [load_facts().entries[b].name[lang] for b in HIGH_END]
    assert not any(name in sections[offers] for name in names)
    assert all(name in sections[if_high_end] for name in names)
    assert evaluate(TEACHER, lang)["work_permit"]["class"] == "C"


def test_5_article_16_supports_part_time_posts_and_permits_still_apply() -> None:
    """Finding 5 (article 16 is not a benefit of the pre-check): the KB's words and its search synonyms."""
    fact = next(f for f in load_source().facts if f.id == "flexible_mobility")
    assert "supports (支持)" in fact.text.en and "guides (引导)" in fact.text.en
    assert "work permit" in fact.text.en and "may take part-time posts" not in fact.text.en
    assert "超出工作许可范围" in fact.text.zh
    summary = load_source().article(16).summary
    assert "supports" in summary.en and "work permit" in summary.en and "可以到高校" not in summary.zh
    part_time = concept_terms(load_source())["part_time"]
    assert "part-time" in part_time
    assert not {"moonlighting", "side job", "second job"} & set(part_time)


def test_7_the_green_card_is_explained_in_english() -> None:
    article = load_source().article(18)
    assert "not permanent residence" in article.summary.en
    assert "permanent_residence" in {c["id"] for c in load_source().synonyms if "中国绿卡" in c["zh"]}


def test_11_a_plain_yes_is_a_programme_not_yet_named(tmp_path, capsys) -> None:
    assert parse_profile({"talent_programme": True}).talent_programme == "unspecified"
    assert parse_profile({"talent_programme": False}).talent_programme == "none"
    result = evaluate({"degree": "doctorate", "talent_programme": True}, "en")
    assert "talent_programme" in {m["field"] for m in result["missing"]}  # which one is still worth asking
    assert result["work_permit"]["class_if_max"] == "A"  # a national programme would be class A
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({**TEACHER, "talent_programme": True}), encoding="utf-8")
    assert main(["eligibility", "--text", "--lang", "en", str(path)]) == 0
    out = capsys.readouterr().out
    assert "## If you are selected by a talent programme (depending on which)" in out
