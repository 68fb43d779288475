"""eligibility.yml is checked against its declared shape when the rules load: a mistake names the file,
the path inside it and the problem."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from policy_kb.eligibility.data import RuleError, load_yaml
from policy_kb.eligibility.rules import _check_doc
from policy_kb.eligibility.schema import RULES_FILE


def _error(change: Callable[[dict[str, Any]], None]) -> str:
    doc = copy.deepcopy(load_yaml("eligibility.yml"))
    change(doc)
    with pytest.raises(RuleError) as err:
        _check_doc(doc)
    return str(err.value)


def _benefit(doc: dict[str, Any], benefit_id: str) -> dict[str, Any]:
    return next(b for b in doc["benefits"] if b["id"] == benefit_id)


def test_the_shipped_rules_pass() -> None:
    _check_doc(load_yaml("eligibility.yml"))


def test_a_misspelt_status_names_the_outcome() -> None:
    message = _error(lambda d: d["categories"][0]["outcomes"][0].update(status="likley"))
    assert message == (f"{RULES_FILE}: categories.high_end_researcher.outcomes[0].status: unexpected value; "
                       "permitted: 'likely', 'possible', 'unlikely' (got 'likley')")


def test_an_unknown_condition_names_where_it_is_used() -> None:
    message = _error(lambda d: d["categories"][0]["outcomes"][0].update(when={"ref": "art1_mett"}))
    assert message == (f"{RULES_FILE}: categories.high_end_researcher.outcomes[0].when: "
                       "ref: unknown or circular condition 'art1_mett'")


def test_an_unknown_benefit_group_and_fact_are_named() -> None:
    message = _error(lambda d: _benefit(d, "key_programme_funding")["variants"][1].update(group="if_rich"))
    assert message == (f"{RULES_FILE}: benefits.key_programme_funding.variants[1].group: unknown group 'if_rich' "
                       "(got 'if_rich')")
    message = _error(lambda d: _benefit(d, "key_programme_funding").update(id="key_programme_fund"))
    assert message == f"{RULES_FILE}: benefits.key_programme_fund.id: not in facts.yml (got 'key_programme_fund')"


def test_outcomes_out_of_order_and_a_missing_question_label() -> None:
    message = _error(lambda d: d["categories"][0]["outcomes"].reverse())
    assert message.startswith(f"{RULES_FILE}: categories.high_end_researcher.outcomes: outcomes must be given, ordered")
    message = _error(lambda d: d["questions"].pop("hsk_level"))
    assert message == f"{RULES_FILE}: questions: no label for ['hsk_level']"
