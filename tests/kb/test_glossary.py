"""One English name per policy term: the KB's English texts follow ``policy_kb/data/glossary.yml``.

A reader who meets "provincial budget" in one answer and "provincial treasury" in the next, or
"高精尖缺" with and without "precision", cannot tell whether these are the same thing. The check runs
over every Chinese/English pair of the KB's own texts (articles, facts, units, the pre-check's rules and
points table); question variants and search synonyms are what people type, and are left out.
"""

from __future__ import annotations

import pytest
import yaml

from policy_kb.source import DATA_DIR, GlossaryTerm, bilingual_pairs, glossary_conflicts, load_glossary

#: The KB files whose English is ours to keep consistent.
RENDERED = ("articles.yml", "facts.yml", "units.yml", "eligibility.yml", "work_permit_points.yml", "messages.yml",
            "eligibility_texts.yml")


def kb_pairs() -> list[tuple[str, str, str]]:
    pairs = []
    for name in RENDERED:
        doc = yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8"))
        pairs += bilingual_pairs(doc, name)
    return pairs


def test_the_kb_has_enough_pairs_to_check() -> None:
    pairs = kb_pairs()
    assert len(pairs) > 400
    places = {next(n for n in RENDERED if where.startswith(n)) for where, _, _ in pairs}
    assert places == set(RENDERED)


def test_every_policy_term_has_one_english_name_across_the_kb() -> None:
    problems = glossary_conflicts(kb_pairs())
    assert not problems, "\n".join(problems)


def test_the_issue_terms_are_in_the_glossary() -> None:
    spellings = {z for t in load_glossary() for z in t.zh}
    assert {"高精尖缺", "外专百人计划", "外专千人计划", "外籍晋商晋才", "三甲", "省财政", "紧缺急需", "急需紧缺", "绿卡"} <= spellings


@pytest.mark.parametrize(
    ("pair", "found"),
    [
        (("x", "对“高精尖缺”人才", "High-end, cutting-edge and scarce talent"), True),  # a second name
        (("x", "对“高精尖缺”人才", "High-end, precision, cutting-edge and scarce talent"), False),
        (("x", "省财政厅", "Provincial Department of Finance"), False),  # a department, not the budget
        (("x", "省财政一次性奖励", "a one-off reward from the provincial treasury"), True),
        (("x", "无关", "paid by the provincial treasury"), True),  # a ruled-out name anywhere
    ],
)
def test_the_check_catches_a_second_name(pair: tuple[str, str, str], found: bool) -> None:
    assert bool(glossary_conflicts([pair])) is found


def test_pairs_are_found_in_both_key_styles() -> None:
    doc = {"a": [{"id": "x", "name_zh": "甲", "name_en": "A", "q": {"zh": "乙", "en": "B"}}], "l": {"zh": ["c"], "en": ["d"]}}
    assert bilingual_pairs(doc, "f") == [("f.a[x].name_zh", "甲", "A"), ("f.a[x].q.zh", "乙", "B")]


def test_a_term_excludes_longer_words_that_are_something_else() -> None:
    term = GlossaryTerm(zh=("绿卡",), en="green card", not_zh=("中国绿卡",))
    assert term.in_zh("山西绿卡") and not term.in_zh("中国绿卡就是永久居留")
