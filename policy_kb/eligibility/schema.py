"""The declared shape of ``eligibility.yml``: what the engine relies on, checked when the rules load.

The models declare the structure (ids, statuses, conditions and where they sit, benefit groups, the
facts they name, a question label for every profile key); the texts beside it (reasons, notes, step
texts: ``{zh, en}`` mappings) are kept as written for the engine and checked by the glossary and i18n tests.
:meth:`RulesDocument.conditions_at` lists every condition with its place, so that
:func:`policy_kb.eligibility.rules.check_condition` (the condition vocabulary) can say where a bad one is.
A :class:`~policy_kb.eligibility.data.RuleError` names the file, the path inside it and the problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Extra, Field, StrictInt, root_validator, validator

from datafile import Model, Text, ValidationError, fail_at, problems
from policy_kb.citation import parse_ref
from policy_kb.eligibility.data import RuleError, load_facts
from policy_kb.eligibility.profile import SCHEMA
from policy_kb.source import DATA_DIR

RULES_FILE = DATA_DIR / "eligibility.yml"
STATUS_RANK = {"unlikely": 0, "possible": 1, "likely": 2}
#: The group of a benefit variant without ``group``: what the policy offers on the answers given.
DEFAULT_GROUP = "offers"
Status = Literal["likely", "possible", "unlikely"]
Loc = tuple[int | str, ...]


class _WithTexts(Model):
    """An entry whose texts (``reason``, ``note``, ``text``, ...) sit beside its structure."""

    class Config:
        extra = Extra.allow


class _Outcome(_WithTexts):
    status: Status
    when: Any = Field(...)


class _Note(_WithTexts):
    when: Any = Field(...)


class _Category(_WithTexts):
    id: Text
    article: int | None = Field(...)  # "closing": the closing clause
    fact: Text | None = None  # the facts.yml entry whose name and criteria it quotes
    outcomes: tuple[_Outcome, ...]
    notes: tuple[_Note, ...] = ()

    _article = validator("article", pre=True, allow_reuse=True)(parse_ref)

    @validator("outcomes")
    @classmethod
    def _best_first(cls, outcomes: tuple[_Outcome, ...]) -> tuple[_Outcome, ...]:
        ranks = [STATUS_RANK[o.status] for o in outcomes]
        if not ranks or ranks != sorted(ranks, reverse=True):
            raise ValueError("outcomes must be given, ordered best first")
        return outcomes


class _Variant(_WithTexts):
    when: Any = Field(...)  # null: always
    group: Text = Field(default=DEFAULT_GROUP)


class _Benefit(_WithTexts):
    id: Text  # a benefit or procedure of facts.yml
    variants: tuple[_Variant, ...] = ()


class _Step(_WithTexts):
    when: Any = None
    articles: tuple[StrictInt, ...] = ()


class RulesDocument(Model):
    conditions: dict[str, Any]
    statuses: dict[Status, Any]
    categories: tuple[_Category, ...]
    benefit_groups: dict[str, Any]
    shared_notes: dict[str, Any] = {}
    benefits: tuple[_Benefit, ...]
    next_steps: tuple[_Step, ...]
    questions: dict[str, Any]

    @validator("benefit_groups")
    @classmethod
    def _offers_first(cls, groups: dict[str, Any]) -> dict[str, Any]:
        if next(iter(groups), None) != DEFAULT_GROUP:
            raise ValueError(f"{DEFAULT_GROUP!r} must come first")
        return groups

    @validator("questions")
    @classmethod
    def _a_label_per_key(cls, questions: dict[str, Any]) -> dict[str, Any]:
        missing = sorted(set(SCHEMA) - set(questions))
        if missing:
            raise ValueError(f"no label for {missing}")
        return questions

    @root_validator(skip_on_failure=True)
    @classmethod
    def _references(cls, values: dict[str, Any]) -> dict[str, Any]:
        entries = load_facts().entries
        for i, c in enumerate(values["categories"]):
            if c.fact is not None and c.fact not in entries:
                fail_at(cls, ("categories", i, "fact"), f"no fact {c.fact!r} in facts.yml")
        for i, b in enumerate(values["benefits"]):
            if b.id not in entries:
                fail_at(cls, ("benefits", i, "id"), "not in facts.yml")
            for j, v in enumerate(b.variants):
                if v.group not in values["benefit_groups"]:
                    fail_at(cls, ("benefits", i, "variants", j, "group"), f"unknown group {v.group!r}")
        return values

    def conditions_at(self) -> Iterator[tuple[Loc, Any]]:
        """Every condition of the document and where it is (``None`` conditions, "always", left out)."""
        for name, cond in self.conditions.items():
            yield ("conditions", name), cond
        for i, c in enumerate(self.categories):
            yield from ((("categories", i, "outcomes", j, "when"), o.when) for j, o in enumerate(c.outcomes))
            yield from ((("categories", i, "notes", j, "when"), n.when) for j, n in enumerate(c.notes))
        for i, b in enumerate(self.benefits):
            yield from ((("benefits", i, "variants", j, "when"), v.when) for j, v in enumerate(b.variants)
                        if v.when is not None)
        yield from ((("next_steps", i, "when"), s.when) for i, s in enumerate(self.next_steps) if s.when is not None)


def parse_rules(doc: Any) -> RulesDocument:
    """``eligibility.yml`` (parsed) checked against its declared shape, or :class:`RuleError`."""
    try:
        return RulesDocument.parse_obj(doc)
    except ValidationError as e:
        raise RuleError("; ".join(f"{RULES_FILE}: {p}" for p in problems(e, doc))) from None
