"""The pre-check's verdict in chat: a short summary first, the rest on request.

The full report (:func:`policy_kb.eligibility.report.render`) is about 6,000 characters in English
and 3,200 in Chinese: five WeChat pages before the next step. The chat leads with :func:`summary`
instead (the categories that are likely or possible with their articles, the work-permit class
estimate, the next step; within one WeChat passive reply of 2,048 bytes) and offers three parts by
button or number: the details (the full report), the document checklist with the next steps, and
the answers that would sharpen the result. Everything is the engine's result, worded by the KB;
Chinese is said with the polite 您 the form's questions use.
"""

from __future__ import annotations

import json
from typing import Any

from actions.texts import book_button, text
from policy_kb.citation import cite
from policy_kb.eligibility.data import messages
from policy_kb.eligibility.report import render
from policy_kb.eligibility.rules import load_rules

#: The parts of a verdict a user can ask for, in the order they are offered.
PARTS = ("details", "documents", "sharpen")
#: What one WeChat passive reply holds (UTF-8 bytes); the summary stays within it.
WECHAT_REPLY_BYTES = 2048


def polite(said: str, lang: str) -> str:
    """The KB's Chinese says 你; the assistant says 您 throughout."""
    return said.replace("你", "您") if lang == "zh" else said


def summary(result: dict[str, Any], lang: str) -> str:
    """The verdict in a few lines: likely and possible categories with their articles, the class
    estimate, the next step, and what can be asked for next."""
    msg = messages(lang)
    rules = load_rules()
    by_id = {c["id"]: c for c in rules.categories}
    lines = [text("verdict_heading", lang)]
    for status in ("likely", "possible"):
        names = [f"{rules.category_name(by_id[c['id']], lang)}{'' if lang == 'zh' else ' '}{cite(c['article'], lang)}"
                 for c in result["categories"] if c["status"] == status]
        if names:
            lines.append(text(f"verdict_{status}", lang, names=msg["list_sep"].join(names)))
    if not any(c["status"] in ("likely", "possible") for c in result["categories"]):
        lines.append(text("verdict_none", lang))
    lines.append(text("verdict_work_permit", lang, line=msg["points_line"].format(**result["work_permit"])))
    steps = result["next_steps"]
    if steps:
        lines.append(text("verdict_next", lang, step=min(steps, key=len)))
    lines.append(text("verdict_more", lang))
    return polite("\n".join(lines), lang)


def part(result: dict[str, Any], which: str, lang: str) -> str:
    """One part on request: ``details`` (the full report), ``documents`` (next steps, the checklist
    first) or ``sharpen`` (the unanswered questions that would change the result)."""
    msg = messages(lang)
    if which == "documents":
        lines = [msg["heading_next_steps"], *(f"{n}. {s}" for n, s in enumerate(result["next_steps"], start=1))]
    elif which == "sharpen":
        lines = [msg["heading_missing"], *("• " + m["question"] for m in result["missing"])] if result["missing"] \
            else [msg["heading_missing"], msg["none"]]
        lines.append(text("verdict_sharpen_hint", lang))
    else:
        lines = [render(result, lang)]
    return polite("\n".join(lines), lang)


def part_buttons(lang: str) -> list[dict[str, str]]:
    """The three parts, then booking and a person: the same choices as numbers on WeChat."""
    return [*({"title": text(f"button_verdict_{p}", lang), "payload": "/precheck_more" + json.dumps({"part": p})}
              for p in PARTS),
            book_button(lang),
            {"title": text("button_handoff", lang), "payload": "/handoff"}]
