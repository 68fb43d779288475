"""A readable text rendering of a pre-check result (``python -m bot eligibility --text``).

It renders the result dict, not the profile, so what a person reads is exactly what the JSON says;
names, headings and line layouts come from the YAML data in the requested language.
"""

from __future__ import annotations

from typing import Any

from policy_kb.citation import article_name
from policy_kb.eligibility.data import load_facts, texts
from policy_kb.eligibility.rules import DEFAULT_GROUP, load_rules


def render(result: dict[str, Any], lang: str) -> str:
    """The result of :func:`policy_kb.eligibility.engine.evaluate` as plain text in ``lang``."""
    rules = load_rules()
    by_id = {c["id"]: c for c in rules.categories}
    lines = [texts("heading_title", lang)]

    lines += ["", f"## {texts('heading_categories', lang)}"]
    for c in result["categories"]:
        name = rules.category_name(by_id[c["id"]], lang)
        status = rules.statuses[c["status"]][lang]
        lines.append("• " + texts("category_line", lang, name=name, article=article_name(c["article"], lang), status=status))
        lines += [f"    - {reason}" for reason in c["reasons"]]

    lines += _benefit_sections(result["benefits"], lang)

    wp = result["work_permit"]
    lines += ["", f"## {texts('heading_work_permit', lang)}", texts("points_line", lang, **wp)]
    lines += ["    - " + texts("item_line", lang, **item) for item in wp["items"]]
    lines.append(wp["basis"])

    lines += ["", f"## {texts('heading_next_steps', lang)}"]
    lines += [f"{n}. {step}" for n, step in enumerate(result["next_steps"], start=1)]

    lines += ["", f"## {texts('heading_missing', lang)}"]
    lines += ["• " + texts("missing_line", lang, **m) for m in result["missing"]] or [texts("none", lang)]

    lines += ["", f"## {texts('heading_notice', lang)}", result["notice"]]
    return "\n".join(lines)


def _benefit_sections(benefits: list[dict[str, Any]], lang: str) -> list[str]:
    """One heading per benefit group, in the data's order: what the policy offers on the answers
    given (always shown, "(none)" when empty), then each group of what depends on a recognition or
    selection the user does not have yet (only when it has entries), so the two are never mixed."""
    entries = load_facts().entries
    lines: list[str] = []
    for group, heading in load_rules().benefit_groups.items():
        items = [b for b in benefits if b["group"] == group]
        if not items and group != DEFAULT_GROUP:
            continue
        lines += ["", f"## {heading[lang]}"]
        lines += [
            "• " + texts("benefit_line", lang, name=entries[b["id"]].name[lang], text=b["text"]) for b in items
        ] or [texts("none", lang)]
    return lines
