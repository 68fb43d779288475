"""👍 / 👎 under the chat page's policy answers: ``POST /api/feedback {"token", "vote": "up"|"down"}``.

A policy answer is a reply carrying the "查看原文" button (:mod:`policy_kb.article_link`).
When the proxy passes such a reply on, :func:`with_feedback` adds a ``feedback`` token to it: the question
it answered, its article and language, signed (HMAC with the web front's session secret) together with
the conversation id. So a vote needs no state on the server, holds across web replicas, and is accepted
only from the conversation that asked (its cookie) and only for a question really answered there.

👎 keeps the question for the staff as ``unhelpful`` (:mod:`policy_kb.unanswered`, masked, by the
conversation's keyed hash, deleted with the conversation and after the retention period); 👍 is thanked and
not stored. Votes count against the conversation's message rate limit. Neither the question nor the
conversation is logged.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from appointments.keys import conversation_digest
from bot.web.session import SENDER_PREFIX, SessionIds
from i18n import Catalogue
from policy_kb.article_link import cited_article
from policy_kb.unanswered import default_store

log = logging.getLogger("bot.web.feedback")
texts = Catalogue(Path(__file__).with_name("texts_article.yml"))
#: A token longer than this was not made here (a question is at most 1000 characters).
MAX_TOKEN_CHARS = 8192
VOTES = ("up", "down")

Error = Callable[..., web.Response]
Conversation = Callable[[web.Request], str | None]
#: The refusal of a request past the conversation's rate limit, or None.
Refusal = Callable[[web.Request, str], Awaitable[web.Response | None]]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _mac(sessions: SessionIds, conversation_id: str, body: str) -> str:
    """The session secret's keyed hash, under a purpose of its own, over the conversation and the body."""
    return sessions.pseudonym(f"feedback\x00{conversation_id}\x00{body}")


def sign(sessions: SessionIds, conversation_id: str, question: str, article: str, lang: str) -> str:
    body = _b64(json.dumps({"q": question, "a": article, "l": lang}, ensure_ascii=False).encode("utf-8"))
    return f"{body}.{_mac(sessions, conversation_id, body)}"


def verify(sessions: SessionIds, conversation_id: str, token: str) -> dict[str, str] | None:
    """The signed ``{"q", "a", "l"}``, or None unless this conversation's token."""
    body, _, mac = token.partition(".")
    if not hmac.compare_digest(mac.encode(), _mac(sessions, conversation_id, body).encode()):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError):
        return None
    return data if isinstance(data, dict) and all(isinstance(data.get(k), str) for k in "qal") else None


def with_feedback(replies: list[dict[str, Any]], sessions: SessionIds, conversation_id: str,
                  question: str) -> list[dict[str, Any]]:
    """The replies, each policy answer with its ``feedback`` token (a button press is no question: none)."""
    if question.startswith("/"):
        return replies
    for reply in replies:
        cited = cited_article(reply)
        if cited is not None:
            reply["feedback"] = sign(sessions, conversation_id, question, *cited)
    return replies


def register(app: web.Application, sessions_of: Callable[[web.Request], SessionIds], conversation: Conversation,
             refusal: Refusal, error: Error) -> None:
    """``POST /api/feedback``; the web front lends its cookie check, rate limit and JSON errors."""

    async def vote(request: web.Request) -> web.Response:
        conversation_id = conversation(request)
        if conversation_id is None:
            return error(403, "no_conversation")
        refused = await refusal(request, conversation_id)
        if refused is not None:
            return refused
        try:
            body = await request.json()
        except ValueError:
            return error(400, "bad_request")
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or body.get("vote") not in VOTES:
            return error(400, "bad_request")
        signed = verify(sessions_of(request), conversation_id, token)
        if signed is None:
            return error(400, "bad_feedback")
        if body["vote"] == "down":
            try:
                await asyncio.to_thread(default_store().record, signed["q"], "unhelpful", "web",
                                        conversation_digest(SENDER_PREFIX + conversation_id), signed["a"], signed["l"])
            except Exception:  # noqa: BLE001 - logged without the question; the user is told
                log.exception("could not keep an unhelpful answer's question")
                return error(503, "kb_unavailable")
        log.info("answer feedback: %s (article %s)", body["vote"], signed["a"])
        return web.json_response({"ok": True, "message": texts.both(f"thanks_{body['vote']}")},
                                 dumps=lambda o: json.dumps(o, ensure_ascii=False))

    app.router.add_post("/api/feedback", vote)
