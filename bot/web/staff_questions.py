"""The staff page's list of questions the assistant did not answer well (the staff loop), behind the staff token.

* ``GET /api/staff/unanswered?status=open|attached|out_of_scope``: the kept questions grouped by
  similarity (:func:`policy_kb.unanswered.group_questions`) with counts and dates, and the articles to
  attach them to;
* ``POST /api/staff/unanswered/attach {"id", "article", "ids"}``: question ``id`` becomes a question variant
  of ``article`` in the reviewable file (:mod:`policy_kb.staff_variants`), it and the rest of its group
  (``ids``) are marked attached; the search uses it after ``python -m bot kb build``;
* ``POST /api/staff/unanswered/dismiss {"ids"}``: out of scope.

Every call is logged with counts, ids and articles only: never a question's text.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.web.article import policy_source
from policy_kb.citation import article_name
from policy_kb.source import staff_variants_file
from policy_kb.unanswered import STATUSES, attach, default_store, group_questions, ref_from_label, ref_label

log = logging.getLogger("bot.web.staff")
#: The most ids one call may name.
MAX_IDS = 500

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_dumps = json.JSONEncoder(ensure_ascii=False).encode


def register(app: web.Application, staff_only: Callable[[Handler], Handler], error: Callable[..., web.Response]) -> None:
    """The staff routes; ``staff_only`` and ``error`` are the web front's token check and JSON errors."""

    def with_ids(handler: Callable[[web.Request, dict[str, Any], list[int]], Awaitable[web.Response]]) -> Handler:
        """A staff POST whose JSON body names question ``ids``: 400 unless it does."""

        @staff_only
        async def wrapped(request: web.Request) -> web.Response:
            try:
                body = await request.json()
            except ValueError:
                return error(400, "bad_request")
            ids = body.get("ids", []) if isinstance(body, dict) else None
            if not isinstance(ids, list) or len(ids) > MAX_IDS or not all(type(i) is int for i in ids):
                return error(400, "bad_request")
            return await handler(request, body, ids)

        return wrapped

    @staff_only
    async def listing(request: web.Request) -> web.Response:
        status = request.query.get("status") or "open"
        if status not in STATUSES:
            return error(400, "bad_request")
        groups = await asyncio.to_thread(lambda: group_questions(default_store().questions(status)))
        kb = await policy_source(request.app)
        articles = [{"ref": ref_label(a.number), "name": {lang: article_name(a.number, lang) for lang in ("zh", "en")},
                     "title": {"zh": a.title.zh, "en": a.title.en}} for a in kb.articles]
        log.info("staff viewed %d %s question(s) in %d group(s)", sum(g.count for g in groups), status, len(groups))
        return web.json_response({"status": status, "groups": [g.to_json() for g in groups], "articles": articles},
                                 dumps=_dumps)

    @with_ids
    async def attach_question(request: web.Request, body: dict[str, Any], ids: list[int]) -> web.Response:
        if type(body.get("id")) is not int or not isinstance(body.get("article"), str):
            return error(400, "bad_request")
        try:
            article = ref_from_label(body["article"])
        except ValueError:
            return error(404, "no_article")
        try:
            question = await asyncio.to_thread(attach, default_store(), body["id"], article, ids)
        except KeyError:
            return error(404, "no_question")
        log.info("staff attached question %d (and %d similar) to article %s", question.id, len(ids), body["article"])
        return web.json_response({"ok": True, "file": staff_variants_file().name, "article": body["article"]})

    @with_ids
    async def dismiss(request: web.Request, body: dict[str, Any], ids: list[int]) -> web.Response:
        changed = await asyncio.to_thread(default_store().resolve, ids, "out_of_scope")
        log.info("staff marked %d question(s) out of scope", changed)
        return web.json_response({"ok": True, "changed": changed})

    app.router.add_get("/api/staff/unanswered", listing)
    app.router.add_post("/api/staff/unanswered/attach", attach_question)
    app.router.add_post("/api/staff/unanswered/dismiss", dismiss)
