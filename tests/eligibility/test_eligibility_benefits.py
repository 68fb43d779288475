"""Benefits and procedures that follow from a profile, quoted from facts.yml with their articles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from policy_kb.citation import cite
from policy_kb.eligibility import evaluate
from policy_kb.eligibility.data import load_facts

Ids = Callable[[dict[str, Any]], list[str]]


def _benefit(profile: dict[str, Any], benefit_id: str, lang: str = "en") -> dict[str, Any]:
    return next(b for b in evaluate(profile, lang)["benefits"] if b["id"] == benefit_id)


def test_benefit_texts_are_quoted_from_facts_and_cited() -> None:
    for lang in ("zh", "en"):
        for b in evaluate({"degree": "master", "years_in_shanxi": 2, "shanxi_roots": True}, lang)["benefits"]:
            fact = load_facts().entries[b["id"]]
            assert b["article"] == fact.article
            assert b["text"].startswith(fact.text[lang])
            assert b["text"].endswith(cite(fact.article, lang))


def test_travel_subsidy_needs_a_masters_and_a_year_in_shanxi(benefit_ids: Ids) -> None:
    assert "international_travel_subsidy" not in benefit_ids({"degree": "bachelor", "years_in_shanxi": 3})
    now = _benefit({"degree": "master", "years_in_shanxi": 1}, "international_travel_subsidy")
    later = _benefit({"degree": "master", "years_in_shanxi": 0.5}, "international_travel_subsidy")
    assert "on either reading of the policy you can apply" in now["text"] and now["group"] == "offers"
    assert "once you have worked in Shanxi for a year" in later["text"] and later["group"] == "if_recognised"
    assert now["article"] == 6


def test_programme_funding_is_never_promised(benefit_ids: Ids) -> None:
    unknown = evaluate({"degree": "doctorate"}, "en")
    assert "key_programme_funding" not in [b["id"] for b in unknown["benefits"]]
    assert "key_programme_funding" in {a for m in unknown["missing"] if m["field"] == "talent_programme" for a in m["affects"]}
    not_selected = _benefit({"degree": "doctorate", "talent_programme": "none"}, "key_programme_funding")
    assert "Not automatic" in not_selected["text"]
    selected = _benefit({"degree": "doctorate", "talent_programme": "provincial_key"}, "key_programme_funding")
    assert "100,000" in selected["text"] and "you were selected" in selected["text"]
    assert "regular_programme_funding" not in benefit_ids({"degree": "doctorate", "talent_programme": "provincial_key"})
    assert "key_programme_funding" not in benefit_ids({"degree": "bachelor", "talent_programme": "none", "advanced_technology": False, "role": "other", "field": "retail"})


def test_permanent_residence_priority_needs_programme_selection() -> None:
    assert _benefit({"degree": "master", "talent_programme": "national"}, "permanent_residence_priority")["group"] == "offers"
    assert _benefit({"degree": "master", "talent_programme": "none"}, "permanent_residence_priority")["group"] == "if_programme"
    assert _benefit({"degree": "master", "talent_programme": "provincial_key"}, "permanent_residence_priority")["group"] == "if_high_end"


def test_green_channel_residence_and_green_card_follow_a_category(benefit_ids: Ids) -> None:
    talent = benefit_ids({"degree": "master"})
    assert {"work_permit_green_channel", "residence_permit_5_years", "green_card"} <= set(talent)
    nobody = benefit_ids({"degree": "bachelor", "years_experience": 1, "advanced_technology": False, "role": "other", "field": "retail"})
    assert not {"work_permit_green_channel", "residence_permit_5_years", "green_card"} & set(nobody)


def test_service_window_for_family_always_applies(benefit_ids: Ids) -> None:
    assert "service_window" in benefit_ids({})
    zh = _benefit({}, "service_window", "zh")
    assert "配偶、未成年子女" in zh["text"] and zh["article"] == 18


def test_tech_transfer_reward_for_ip_holders_and_researchers(benefit_ids: Ids) -> None:
    assert "tech_transfer_reward" in benefit_ids({"holds_ip": True})
    assert "tech_transfer_reward" in benefit_ids({"role": "researcher", "holds_ip": False})
    assert "tech_transfer_reward" not in benefit_ids({"role": "manager", "holds_ip": False})
    assert "70%" in _benefit({"holds_ip": True}, "tech_transfer_reward")["text"]


def test_graduate_routes_and_merchant_support(benefit_ids: Ids) -> None:
    china = benefit_ids({"degree": "bachelor", "degree_from": "china"})
    assert {"graduate_direct_work", "graduate_permit_2_years"} <= set(china)
    top = benefit_ids({"degree": "bachelor", "degree_from": "overseas_top"})
    assert "graduate_permit_2_years" in top and "graduate_direct_work" not in top
    assert {"merchant_visit_subsidy", "merchant_policy_support"} <= set(benefit_ids({"shanxi_roots": True}))
    assert "merchant_visit_subsidy" not in benefit_ids({"shanxi_roots": False})


def test_hk_macao_taiwan_procedure_cites_the_closing_clause() -> None:
    b = _benefit({"hk_macao_taiwan": True}, "hk_macao_taiwan", "zh")
    assert b["article"] is None and b["text"].endswith("（依据：港澳台人才条款）")
