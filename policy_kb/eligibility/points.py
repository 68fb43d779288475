"""The national work-permit class (A/B/C) as an unofficial estimate from the points table.

Each item of ``work_permit_points.yml`` scores the best of its sources whose condition holds. A
source that cannot be decided scores nothing now but counts toward the item's maximum: unanswered
questions, and the two things no profile can settle (the province's local bonus and whether the post
is in a designated special area). So ``points`` is what the answers prove and ``max_points`` what they
could reach, and the user sees when the class could change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from policy_kb.eligibility.data import RuleError, load_yaml, sentences
from policy_kb.eligibility.profile import Profile
from policy_kb.eligibility.rules import check_condition, evaluate

_NO_NAMES: dict[str, Any] = {}  # the points table uses no named conditions


@dataclass(frozen=True)
class ItemScore:
    id: str
    name: dict[str, str]
    points: int
    max_points: int
    missing: frozenset[str]  # profile keys whose answers could raise this item


@dataclass(frozen=True)
class Estimate:
    items: tuple[ItemScore, ...]
    points: int
    max_points: int
    klass: str
    class_if_max: str
    class_a_direct: bool | None  # selected for a national programme: class A without points
    missing: frozenset[str]


@lru_cache(maxsize=1)
def load_table() -> dict[str, Any]:
    """work_permit_points.yml, checked: known conditions, sources within each item's maximum."""
    table = load_yaml("work_permit_points.yml")
    check_condition(table["class_a_without_points"]["when"], _NO_NAMES)
    for item in table["items"]:
        for source in item["sources"]:
            check_condition(source["when"], _NO_NAMES)
            if not 0 < source["points"] <= item["max"]:
                raise RuleError(f"points item {item['id']}: {source['points']} outside 1..{item['max']}")
    return table


def _score(item: dict[str, Any], profile: Profile) -> ItemScore:
    verdicts = [(source["points"], evaluate(source["when"], profile, _NO_NAMES)) for source in item["sources"]]
    points = max((p for p, v in verdicts if v.value), default=0)
    # undecided sources raise the maximum, and their keys are missing only if they would beat `points`
    could = [(p, v) for p, v in verdicts if v.value is None and p > points]
    return ItemScore(
        id=item["id"],
        name=dict(item["name"]),
        points=points,
        max_points=max([points, *(p for p, _ in could)]),
        missing=frozenset().union(*(v.missing for _, v in could)),
    )


def class_for(points: int) -> str:
    """A at 85 or more, B at 60 or more, C below (from the table's ``classes``)."""
    return next(c["class"] for c in load_table()["classes"] if points >= c["at_least"])


def estimate(profile: Profile) -> Estimate:
    table = load_table()
    items = tuple(_score(item, profile) for item in table["items"])
    points = sum(i.points for i in items)
    max_points = sum(i.max_points for i in items)
    direct = evaluate(table["class_a_without_points"]["when"], profile, _NO_NAMES)
    missing = frozenset().union(*(i.missing for i in items))
    if direct.value is None:
        missing |= direct.missing
    return Estimate(
        items=items,
        points=points,
        max_points=max_points,
        klass="A" if direct.value else class_for(points),
        class_if_max="A" if direct.value is not False else class_for(max_points),
        class_a_direct=direct.value,
        missing=missing,
    )


def as_dict(est: Estimate, lang: str) -> dict[str, Any]:
    """The ``work_permit`` part of the pre-check result, in ``lang``."""
    table = load_table()
    notes = [table["basis"][lang]]
    if est.class_a_direct:
        notes.append(table["class_a_without_points"]["note"][lang])
    if est.class_if_max != est.klass:
        notes.append(table["could_change"][lang].format(class_if_max=est.class_if_max, max_points=est.max_points))
    return {
        "points": est.points,
        "max_points": est.max_points,
        "class": est.klass,
        "class_if_max": est.class_if_max,
        "items": [{"item": i.name[lang], "points": i.points} for i in est.items],
        "basis": sentences(notes, lang),
    }
