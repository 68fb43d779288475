"""Interpret the rules of ``eligibility.yml`` (and the points table's conditions) against a profile.

Conditions use three-valued logic: true, false, or undecided because the user has not answered
something. An undecided result carries the profile keys whose answers would decide it, which is
how the engine can say what is missing instead of guessing. The vocabulary is documented at the top
of ``eligibility.yml``; :func:`check_condition` rejects anything else when the data is loaded, so a
typo in the YAML fails the tests rather than silently never matching.

Two answers are themselves partial, and are undecided exactly where they leave the question open:
``talent_programme: unspecified`` (selected, not said by which programme) satisfies a list naming
``unspecified``, fails one that names no programme at all (``[none]``), and is undecided for a list of
particular programmes. ``{derived: name}`` reads a fact the engine works out from the whole profile
before the rules run (the work-permit class estimate), passed in as ``derived``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from datafile import path_of
from policy_kb.eligibility.data import RuleError, load_facts, load_yaml
from policy_kb.eligibility.profile import DEGREES, SCHEMA, Profile

# DEFAULT_GROUP and STATUS_RANK are re-exported: the engine and the report read them here
from policy_kb.eligibility.schema import DEFAULT_GROUP as DEFAULT_GROUP
from policy_kb.eligibility.schema import RULES_FILE, parse_rules
from policy_kb.eligibility.schema import STATUS_RANK as STATUS_RANK

Condition = dict[str, Any]
_BOUNDS = ("_at_least", "_at_most")
_ORDERED = {"degree": DEGREES}  # choice keys that `<key>_at_least` compares by position
#: A partial answer and the values it may stand for ("selected by some programme, not said which").
_PARTIAL = {("talent_programme", "unspecified"): frozenset({"provincial_regular", "provincial_key", "national"})}
#: Facts the engine derives from the whole profile (``{derived: name}``), documented in eligibility.yml.
DERIVED = ("work_permit_class_a",)


@dataclass(frozen=True)
class Verdict:
    """``value`` is True, False or None (undecided); ``missing`` are the keys that would decide it."""

    value: bool | None
    missing: frozenset[str] = frozenset()


_UNDECIDED = Verdict(None)


def _kind(key: str) -> str:
    spec = SCHEMA.get(key)
    if spec is None:
        raise RuleError(f"unknown profile key in a condition: {key!r}")
    return spec.kind


def check_condition(cond: Any, named: dict[str, Condition], seen: tuple[str, ...] = ()) -> None:
    """Raise :class:`RuleError` unless ``cond`` is well formed (known operators, keys and refs)."""
    if not isinstance(cond, dict) or len(cond) != 1:
        raise RuleError(f"a condition is a one-key mapping, got {cond!r}")
    ((op, arg),) = cond.items()
    if op in ("all", "any"):
        if not isinstance(arg, list) or not arg:
            raise RuleError(f"{op}: expected a non-empty list, got {arg!r}")
        for sub in arg:
            check_condition(sub, named, seen)
    elif op == "not":
        check_condition(arg, named, seen)
    elif op == "ref":
        if arg not in named or arg in seen:
            raise RuleError(f"ref: unknown or circular condition {arg!r}")
        check_condition(named[arg], named, (*seen, arg))
    elif op == "unassessed":
        if not isinstance(arg, str):
            raise RuleError(f"unassessed: expected a label, got {arg!r}")
    elif op == "derived":
        if arg not in DERIVED:
            raise RuleError(f"derived: expected one of {DERIVED}, got {arg!r}")
    elif op == "is_true":
        if _kind(arg) != "yes_no":
            raise RuleError(f"is_true: {arg!r} is not a yes/no answer")
    elif op == "field_in_article":
        if not isinstance(arg, int) or isinstance(arg, bool) or not 1 <= arg <= 25:
            raise RuleError(f"field_in_article: expected an article number 1..25, got {arg!r}")
    elif op == "field_listed":
        if not isinstance(arg, bool):
            raise RuleError(f"field_listed: expected true or false, got {arg!r}")
    elif op.endswith("_in"):
        key = _key_of(op, arg)
        if _kind(key) != "choice" or not isinstance(arg, list) or not set(arg) <= set(SCHEMA[key].choices):
            raise RuleError(f"{op}: expected a list of {SCHEMA[key].choices}, got {arg!r}")
    elif op.endswith(_BOUNDS):
        key = _key_of(op, arg)
        if key in _ORDERED:
            if arg not in _ORDERED[key]:
                raise RuleError(f"{op}: expected one of {_ORDERED[key]}, got {arg!r}")
        elif _kind(key) not in ("number", "whole") or isinstance(arg, bool) or not isinstance(arg, (int, float)):
            raise RuleError(f"{op}: expected a number for a numeric key, got {arg!r}")
    else:
        raise RuleError(f"unknown condition operator {op!r}")


def evaluate(cond: Condition, profile: Profile, named: dict[str, Condition],
             derived: Mapping[str, Verdict] | None = None) -> Verdict:
    """Three-valued truth of a (checked) condition for ``profile``; ``derived`` answers ``{derived: name}``."""
    ((op, arg),) = cond.items()
    if op == "all":
        return _combine([evaluate(c, profile, named, derived) for c in arg], decisive=False)
    if op == "any":
        return _combine([evaluate(c, profile, named, derived) for c in arg], decisive=True)
    if op == "not":
        inner = evaluate(arg, profile, named, derived)
        return inner if inner.value is None else Verdict(not inner.value)
    if op == "ref":
        return evaluate(named[arg], profile, named, derived)
    if op == "unassessed":
        return _UNDECIDED
    if op == "derived":
        if derived is None or arg not in derived:
            raise RuleError(f"derived fact {arg!r} is not available here")
        return derived[arg]
    if op in ("field_in_article", "field_listed"):
        return _field(op, arg, profile)
    key = _key_of(op, arg)
    value = getattr(profile, key)
    if value is None:
        return Verdict(None, frozenset({key}))
    if op == "is_true":
        return Verdict(value)
    if op.endswith("_in"):
        if value not in arg and _PARTIAL.get((key, value), frozenset()) & set(arg):
            return Verdict(None, frozenset({key}))  # "some programme": maybe one of these
        return Verdict(value in arg)
    if key in _ORDERED:
        value, arg = _ORDERED[key].index(value), _ORDERED[key].index(arg)
    return Verdict(value >= arg if op.endswith("_at_least") else value <= arg)


def _key_of(op: str, arg: Any) -> str:
    """The profile key a simple condition reads: ``is_true: k``, ``k_in``, ``k_at_least``, ``k_at_most``."""
    if op == "is_true":
        return arg
    if op.endswith("_in"):
        return op[: -len("_in")]
    return op.rsplit("_at_", 1)[0]


def _combine(verdicts: list[Verdict], decisive: bool) -> Verdict:
    """``any`` (decisive=True) or ``all`` (decisive=False) over three-valued verdicts."""
    if any(v.value is decisive for v in verdicts):
        return Verdict(decisive)
    undecided = [v for v in verdicts if v.value is None]
    if not undecided:
        return Verdict(not decisive)
    return Verdict(None, frozenset().union(*(v.missing for v in undecided)))


def _field(op: str, arg: Any, profile: Profile) -> Verdict:
    if profile.field is None:
        return Verdict(None, frozenset({"field"}))
    if op == "field_listed":
        return Verdict((profile.field_id is not None) is arg)
    if profile.field_id is None:
        return Verdict(False)
    return Verdict(load_facts().field_article(profile.field_id) == arg)


@dataclass(frozen=True)
class Choice:
    """The outcome of ordered alternatives: the first that holds, and undecided ones before it."""

    chosen: int | None
    undecided: tuple[tuple[int, frozenset[str]], ...]


def first_match(conditions: list[Condition | None], profile: Profile, named: dict[str, Condition],
                derived: Mapping[str, Verdict] | None = None) -> Choice:
    """Try ``conditions`` in order (``None`` always holds); stop at the first that holds."""
    undecided: list[tuple[int, frozenset[str]]] = []
    for i, cond in enumerate(conditions):
        verdict = Verdict(True) if cond is None else evaluate(cond, profile, named, derived)
        if verdict.value:
            return Choice(i, tuple(undecided))
        if verdict.value is None:
            undecided.append((i, verdict.missing))
    return Choice(None, tuple(undecided))


@dataclass(frozen=True)
class Rules:
    """eligibility.yml, checked: named conditions, categories, benefits, next steps, questions."""

    conditions: dict[str, Condition]
    categories: tuple[dict[str, Any], ...]
    benefits: tuple[dict[str, Any], ...]
    next_steps: tuple[dict[str, Any], ...]
    questions: dict[str, dict[str, str]]
    statuses: dict[str, dict[str, str]]
    #: Benefit group id -> its heading in each language, in the order the report shows them.
    benefit_groups: dict[str, dict[str, str]]

    def category_name(self, category: dict[str, Any], lang: str) -> str:
        if "fact" in category:
            return load_facts().entries[category["fact"]].name[lang]
        return category["name"][lang]

    def category_criteria(self, category: dict[str, Any], lang: str) -> str:
        if "fact" in category:
            return load_facts().entries[category["fact"]].text[lang]
        return category["criteria"][lang]


def _check_doc(doc: dict[str, Any]) -> None:
    """The declared shape (:mod:`policy_kb.eligibility.schema`), then every condition's vocabulary."""
    document = parse_rules(doc)
    for loc, cond in document.conditions_at():
        try:
            check_condition(cond, document.conditions)
        except RuleError as e:
            raise RuleError(f"{RULES_FILE}: {path_of(doc, loc)}: {e}") from None


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    """eligibility.yml, checked against the vocabulary, the profile schema and facts.yml."""
    doc = load_yaml("eligibility.yml")
    _check_doc(doc)
    return Rules(
        conditions=doc["conditions"],
        categories=tuple(doc["categories"]),
        benefits=tuple(doc["benefits"]),
        next_steps=tuple(doc["next_steps"]),
        questions=doc["questions"],
        statuses=doc["statuses"],
        benefit_groups=doc["benefit_groups"],
    )
