"""Evaluate a profile: categories with cited reasons, benefits, the work-permit estimate, next steps.

The result is the stable JSON interface shared by the CLI and the chat actions::

    {"categories": [{"id", "article", "status", "reasons"}],
     "benefits": [{"id", "article", "group", "text"}],
     "work_permit": {"points", "max_points", "class", "class_if_max", "items": [{"item", "points"}], "basis"},
     "next_steps": [str], "missing": [{"field", "question", "affects"}], "notice": str}

``article`` is 1..25, or null for the closing clause on Hong Kong, Macao and Taiwan talent. Every
reason and benefit text ends with its citation. ``missing`` lists the unanswered questions that would
sharpen the result and what each affects (category ids, benefit ids, ``work_permit``).

``group`` says under which heading a benefit belongs (``benefit_groups`` in eligibility.yml):
``offers`` is what the policy offers on the answers given; the others hold what depends on a
recognition or a selection the user does not have yet (as "高精尖缺" talent, by a talent programme,
or another decision of the authorities), so that nothing conditional is listed as offered.

The work-permit estimate is computed first: whether it reaches class A is a derived fact the rules
read (``{derived: work_permit_class_a}``), because the national standard's class A (外国高端人才) is
the one measurable reading of "高精尖缺" besides article 1's stated criteria.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy_kb.citation import cite, cite_many, parse_ref
from policy_kb.eligibility import points
from policy_kb.eligibility.data import RuleError, load_facts, sentences, texts
from policy_kb.eligibility.profile import SCHEMA, Profile, parse_profile
from policy_kb.eligibility.rules import DEFAULT_GROUP, STATUS_RANK, Choice, Rules, Verdict, first_match, load_rules
from policy_kb.eligibility.rules import evaluate as holds
from policy_kb.lang import LANGS

_STATUSES = sorted(STATUS_RANK, key=STATUS_RANK.__getitem__)  # unlikely, possible, likely
_POSSIBLE = STATUS_RANK["possible"]
Missing = dict[str, list[str]]  # profile key -> ids of what its answer could change


class _Context:
    """What every part of one evaluation shares: profile, language, rules, and the missing answers."""

    def __init__(self, profile: Profile, lang: str, estimate: points.Estimate) -> None:
        self.profile = profile
        self.lang = lang
        self.rules: Rules = load_rules()
        self.missing: Missing = {}
        self.derived = {"work_permit_class_a": _class_a(estimate)}

    def needs(self, keys: frozenset[str], affected: str) -> None:
        for key in keys:
            ids = self.missing.setdefault(key, [])
            if affected not in ids:
                ids.append(affected)

    def holds(self, cond: Any) -> bool:
        return cond is None or holds(cond, self.profile, self.rules.conditions, self.derived).value is True

    def first_match(self, conditions: list[Any]) -> Choice:
        return first_match(conditions, self.profile, self.rules.conditions, self.derived)

    def text(self, entry: Mapping[str, Any], key: str) -> str:
        """A bilingual text of the rules, with ``{field}`` filled in."""
        return entry[key][self.lang].format(field=self.field_label())

    def field_label(self) -> str:
        """The policy's name of the field; for a match through an alias, the user's words read as it."""
        if self.profile.field_id is not None:
            name = load_facts().field_name(self.profile.field_id, self.lang)
            if self.profile.field_named:
                return name
            return texts("field_read_as", self.lang, text=self.profile.field, name=name)
        return self.profile.field or texts("field_not_given", self.lang)

    def questions(self, keys: set[str]) -> str:
        labels = [self.rules.questions[k][self.lang] for k in SCHEMA if k in keys]
        return texts("list_sep", self.lang).join(labels)


def _category(category: dict[str, Any], ctx: _Context) -> dict[str, Any]:
    """Status and reasons: the first outcome that holds, softened to `possible` at most while a
    better outcome still depends on unanswered questions (those are reported as missing)."""
    outcomes = category["outcomes"]
    choice = ctx.first_match([o["when"] for o in outcomes])
    chosen = None if choice.chosen is None else outcomes[choice.chosen]
    chosen_rank = -1 if chosen is None else STATUS_RANK[chosen["status"]]
    better = [(i, keys) for i, keys in choice.undecided if STATUS_RANK[outcomes[i]["status"]] > chosen_rank]
    if chosen is None and not better:
        raise RuleError(f"category {category['id']}: no outcome covers this profile")
    best_pending = max((STATUS_RANK[outcomes[i]["status"]] for i, _ in better), default=-1)
    rank = max(chosen_rank, min(_POSSIBLE, best_pending))
    article = parse_ref(category["article"])
    reasons = []
    if chosen is not None and STATUS_RANK[chosen["status"]] == rank:
        reasons.append(ctx.text(chosen, "reason"))
    if better:
        keys = set().union(*(k for _, k in better))
        ctx.needs(frozenset(keys), category["id"])
        pending = texts("pending", ctx.lang, criteria=ctx.rules.category_criteria(category, ctx.lang),
                        questions=ctx.questions(keys))
        reasons.append(pending)
    reasons += [ctx.text(n, "reason") for n in category.get("notes", ()) if ctx.holds(n["when"])]
    return {
        "id": category["id"],
        "article": article,
        "status": _STATUSES[rank],
        "reasons": [sentences([r, cite(article, ctx.lang)], ctx.lang) for r in reasons],
    }


def _benefits(ctx: _Context) -> list[dict[str, Any]]:
    """Benefits and procedures quoted from facts.yml, each with the note of its first variant that holds."""
    out = []
    for benefit in ctx.rules.benefits:
        fact = load_facts().entries[benefit["id"]]
        variants = benefit.get("variants", [{"when": None}])
        choice = ctx.first_match([v["when"] for v in variants])
        for _, keys in choice.undecided:
            ctx.needs(keys, benefit["id"])
        if choice.chosen is None:
            continue
        variant = variants[choice.chosen]
        note = ctx.text(variant, "note") if "note" in variant else ""
        text = sentences([fact.text[ctx.lang], note, cite(fact.article, ctx.lang)], ctx.lang)
        group = variant.get("group", DEFAULT_GROUP)
        out.append({"id": benefit["id"], "article": fact.article, "group": group, "text": text})
    return out


def _class_a(estimate: points.Estimate) -> Verdict:
    """Class A by the estimate: yes, no (not even at the maximum), or undecided with what would decide it."""
    if estimate.klass == "A":
        return Verdict(True)
    if estimate.class_if_max != "A":
        return Verdict(False)
    return Verdict(None, estimate.missing)


def _next_steps(ctx: _Context) -> list[str]:
    steps = []
    for step in ctx.rules.next_steps:
        if ctx.holds(step.get("when")):
            refs = [parse_ref(a) for a in step.get("articles", ())]
            steps.append(sentences([ctx.text(step, "text"), cite_many(refs, ctx.lang) if refs else ""], ctx.lang))
    return steps


def evaluate(profile: Profile | Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The pre-check result for ``profile`` (validated here if given as a mapping) in ``lang``.

    Raises :class:`~policy_kb.eligibility.profile.ProfileError` for an invalid profile and
    ``ValueError`` for a language other than ``zh``/``en``.
    """
    if lang not in LANGS:
        raise ValueError(f"lang: expected one of {'|'.join(LANGS)}, got {lang!r}")
    if not isinstance(profile, Profile):
        profile = parse_profile(profile)
    estimate = points.estimate(profile)
    ctx = _Context(profile, lang, estimate)
    categories = [_category(c, ctx) for c in ctx.rules.categories]
    benefits = _benefits(ctx)
    ctx.needs(estimate.missing, "work_permit")
    return {
        "categories": categories,
        "benefits": benefits,
        "work_permit": points.as_dict(estimate, lang),
        "next_steps": _next_steps(ctx),
        "missing": [
            {"field": key, "question": ctx.rules.questions[key][lang], "affects": ctx.missing[key]}
            for key in SCHEMA
            if key in ctx.missing
        ],
        "notice": texts("notice", lang),
    }
