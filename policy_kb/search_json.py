"""The stable JSON shape of a search answer, shared by the staff CLI (``python -m bot faq --json``) and
the staff page's API (``bot.web``): scripts and the page read the same fields.

``{"query", "lang", "results": [{"article", "title", "answer", "score", "units"}]}``, plus ``message``
when there is no result, so a script can show why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policy_kb.messages import message

if TYPE_CHECKING:
    from policy_kb.search import Response


def response_json(resp: Response) -> dict[str, Any]:
    out: dict[str, Any] = {
        "query": resp.query,
        "lang": resp.lang,
        "results": [
            {"article": r.article, "title": r.title, "answer": r.answer, "score": r.score, "units": r.units}
            for r in resp.results
        ],
    }
    if resp.status != "ok":
        out["message"] = message(resp.status, resp.lang)
    return out
