"""The condition vocabulary, and the consistency of the rules with facts.yml and the profile schema."""

from __future__ import annotations

import re
from typing import Any

import pytest

from policy_kb.citation import parse_ref
from policy_kb.eligibility.data import RuleError, load_facts, load_yaml
from policy_kb.eligibility.points import load_table
from policy_kb.eligibility.profile import SCHEMA, parse_profile
from policy_kb.eligibility.rules import STATUS_RANK, Verdict, check_condition, evaluate, load_rules

NAMED = {"phd": {"degree_at_least": "doctorate"}}


def verdict(cond: dict[str, Any], **profile: Any) -> Verdict:
    return evaluate(cond, parse_profile(profile), NAMED)


def test_unanswered_keys_leave_a_condition_undecided_and_are_named() -> None:
    v = verdict({"all": [{"degree_at_least": "doctorate"}, {"years_experience_at_least": 5}]})
    assert v == Verdict(None, frozenset({"degree", "years_experience"}))


def test_all_is_false_as_soon_as_one_part_is_false_even_with_unknowns() -> None:
    assert verdict({"all": [{"ref": "phd"}, {"years_experience_at_least": 5}]}, years_experience=4).value is False


def test_any_is_true_as_soon_as_one_part_is_true_even_with_unknowns() -> None:
    assert verdict({"any": [{"ref": "phd"}, {"is_true": "holds_ip"}]}, holds_ip=True).value is True


def test_not_keeps_undecided_and_flips_decided() -> None:
    assert verdict({"not": {"ref": "phd"}}) == Verdict(None, frozenset({"degree"}))
    assert verdict({"not": {"ref": "phd"}}, degree="master").value is True


@pytest.mark.parametrize(
    ("cond", "profile", "expected"),
    [
        ({"degree_at_least": "master"}, {"degree": "master"}, True),
        ({"degree_at_least": "master"}, {"degree": "bachelor"}, False),
        ({"years_experience_at_least": 5}, {"years_experience": 5}, True),
        ({"years_experience_at_least": 5}, {"years_experience": 4.99}, False),
        ({"age_at_most": 40}, {"age": 40}, True),
        ({"age_at_most": 40}, {"age": 41}, False),
        ({"role_in": ["manager", "entrepreneur"]}, {"role": "entrepreneur"}, True),
        ({"role_in": ["manager", "entrepreneur"]}, {"role": "engineer"}, False),
        ({"is_true": "shanxi_roots"}, {"shanxi_roots": False}, False),
        ({"field_in_article": 1}, {"field": "煤层气"}, True),
        ({"field_in_article": 4}, {"field": "煤层气"}, False),
        ({"field_in_article": 1}, {"field": "basket weaving"}, False),
        ({"field_listed": False}, {"field": "basket weaving"}, True),
        ({"field_listed": True}, {"field": "tourism"}, True),
    ],
)
def test_simple_conditions(cond: dict[str, Any], profile: dict[str, Any], expected: bool) -> None:
    assert verdict(cond, **profile).value is expected


def test_unassessed_is_never_decided_and_asks_nothing() -> None:
    assert verdict({"unassessed": "local_bonus"}) == Verdict(None, frozenset())


@pytest.mark.parametrize(
    ("programmes", "expected"),
    [
        (["unspecified"], Verdict(True)),
        (["none"], Verdict(False)),
        (["national"], Verdict(None, frozenset({"talent_programme"}))),
        (["national", "provincial_key", "provincial_regular"], Verdict(None, frozenset({"talent_programme"}))),
        (["none", "unspecified"], Verdict(True)),
    ],
)
def test_a_programme_not_named_is_undecided_for_particular_programmes(programmes: list[str], expected: Verdict) -> None:
    assert verdict({"talent_programme_in": programmes}, talent_programme=True) == expected


def test_derived_facts_come_from_the_engine() -> None:
    profile = parse_profile({})
    assert evaluate({"derived": "work_permit_class_a"}, profile, NAMED, {"work_permit_class_a": Verdict(False)}) == Verdict(False)
    with pytest.raises(RuleError):  # the points table has no derived facts: asking for one is a bug
        evaluate({"derived": "work_permit_class_a"}, profile, NAMED)


@pytest.mark.parametrize(
    "cond",
    [
        {"degree_at_least": "phd"},
        {"yeers_experience_at_least": 5},
        {"is_true": "degree"},
        {"role_in": ["astronaut"]},
        {"ref": "nowhere"},
        {"field_in_article": 26},
        {"any": []},
        {"maybe": "degree"},
        {"age_at_most": 40, "degree_at_least": "master"},
        {"derived": "class_b"},
    ],
)
def test_malformed_conditions_are_rejected_when_loading(cond: dict[str, Any]) -> None:
    with pytest.raises((RuleError, ValueError)):
        check_condition(cond, NAMED)


def test_circular_refs_are_rejected() -> None:
    with pytest.raises(RuleError):
        check_condition({"ref": "a"}, {"a": {"ref": "b"}, "b": {"ref": "a"}})


def test_rules_load_and_check() -> None:
    rules = load_rules()
    assert [c["id"] for c in rules.categories] == [
        "high_end_researcher", "senior_professional", "senior_manager", "urgently_needed",
        "shanxi_merchant", "graduate_route", "hk_macao_taiwan",
    ]
    assert load_table()["items"]


def test_every_id_the_rules_reference_exists_in_facts_yml() -> None:
    doc = load_yaml("eligibility.yml")
    facts = load_yaml("facts.yml")
    fact_ids = {e["id"] for key in ("categories", "benefits", "procedures") for e in facts[key]}
    referenced = [c["fact"] for c in doc["categories"] if "fact" in c] + [b["id"] for b in doc["benefits"]]
    assert referenced and set(referenced) <= fact_ids, sorted(set(referenced) - fact_ids)
    # the four categories of articles 1-4 are facts.yml's own, with matching articles
    for c in doc["categories"][:4]:
        assert c["fact"] == c["id"] and load_facts().entries[c["id"]].article == c["article"]


def test_every_field_article_a_rule_asks_about_has_fields_in_facts() -> None:
    text = (load_yaml("eligibility.yml"), load_yaml("work_permit_points.yml"))
    articles = {int(n) for n in re.findall(r"field_in_article': (\d+)", repr(text))}
    assert articles == {1, 3, 4}
    for article in articles:
        assert any(f["article"] == article for f in load_facts().fields)


def _bilingual_texts(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    out = []
    for c in doc["categories"]:
        out += [(c["id"], o["reason"]["zh"], o["reason"]["en"]) for o in c["outcomes"]]
        out += [(c["id"], n["reason"]["zh"], n["reason"]["en"]) for n in c.get("notes", ())]
    for b in doc["benefits"]:
        out += [(b["id"], v["note"]["zh"], v["note"]["en"]) for v in b.get("variants", ()) if "note" in v]
    out += [("next_steps", s["text"]["zh"], s["text"]["en"]) for s in doc["next_steps"]]
    return out


def test_every_rule_text_exists_in_both_languages_and_has_no_citation_of_its_own() -> None:
    texts = _bilingual_texts(load_yaml("eligibility.yml"))
    assert len(texts) > 30
    for where, zh, en in texts:
        assert zh.strip() and en.strip(), where
        assert re.search(r"[\u4e00-\u9fff]", zh), where
        assert "依据：" not in zh and "(Source:" not in en, where  # the engine appends the citation


def test_every_category_names_its_article_and_orders_outcomes_best_first() -> None:
    for c in load_yaml("eligibility.yml")["categories"]:
        parse_ref(c["article"])
        ranks = [STATUS_RANK[o["status"]] for o in c["outcomes"]]
        assert ranks == sorted(ranks, reverse=True), c["id"]


def test_vague_articles_can_never_be_likely() -> None:
    """Articles 3, 4 and 10 (优秀, 高水平, 高层次) set no measurable bar; the data must not offer `likely`."""
    for c in load_yaml("eligibility.yml")["categories"]:
        if c["article"] in (3, 4, 10):
            assert {o["status"] for o in c["outcomes"]} <= {"possible", "unlikely"}, c["id"]


def test_every_profile_key_has_a_question_in_both_languages() -> None:
    questions = load_yaml("eligibility.yml")["questions"]
    assert set(questions) == set(SCHEMA)
    assert all(q["zh"] and q["en"] for q in questions.values())


def test_benefit_groups_are_known_and_offers_come_first() -> None:
    rules = load_rules()
    assert next(iter(rules.benefit_groups)) == "offers"
    assert all(set(h) == {"zh", "en"} for h in rules.benefit_groups.values())
    used = {v.get("group", "offers") for b in rules.benefits for v in b.get("variants", ())}
    assert used == set(rules.benefit_groups)  # every heading is used, and only those
