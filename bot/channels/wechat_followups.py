"""Follow-ups to a cited answer on WeChat, answered by the channel itself (no assistant turn).

Right after a cited answer (one with the "查看原文" button of :mod:`policy_kb.article_link`), a follower may reply:

* "原文" / "查看原文" / "read the article" (or the number of that choice, whose title is sent back): the
  article's verbatim Chinese text and its English rendering, the follower's language first, as pages of at
  most 2048 bytes continued with "更多" like any long reply;
* "没帮到" / "not helpful": the question is kept for the staff as ``unhelpful`` (:mod:`policy_kb.unanswered`,
  masked, by the conversation's keyed hash) and the follower is thanked and pointed to a person.

What "right after" refers to is kept per follower in the channel's store (:data:`LAST_TTL`, the channel's
48 h window): the question, its article and language. Any other turn replaces or clears it; an unfollow
deletes it (:meth:`Followups.forget`). Anything else, or these words with no answer before them, goes to the
assistant as usual.
"""

from __future__ import annotations

import asyncio
import json
import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appointments.keys import conversation_digest
from bot.channels.wechat_store import Store
from i18n import Catalogue
from policy_kb.article_link import cited_article
from policy_kb.citation import article_name
from policy_kb.lang import to_simplified
from policy_kb.source import load_source
from policy_kb.unanswered import default_store, ref_from_label

logger = logging.getLogger(__name__)
texts = Catalogue(Path(__file__).with_name("wechat_followups.yml"))
#: How long the last answer is remembered (the platform's 48 h customer-service window).
LAST_TTL = 2 * 24 * 3600
READ_WORDS = {"原文", "查看原文", "看原文", "条款原文", "政策原文", "read the article", "read article", "the article",
              "full text", "article text"}
UNHELPFUL_WORDS = {"没帮到", "没帮助", "没有帮助", "没帮上", "没用", "不满意", "not helpful", "unhelpful", "no help", "👎"}
_PUNCT = " \t\r\n。.!！?？~～"


@dataclass(frozen=True)
class LastAnswer:
    question: str | None  # None: the answer followed a numbered choice, no typed question
    article: str
    lang: str

    def to_json(self) -> str:
        return json.dumps({"q": self.question, "a": self.article, "l": self.lang}, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | None) -> LastAnswer | None:
        try:
            data = json.loads(raw) if raw else None
            return cls(data.get("q"), str(data["a"]), data.get("l", "zh")) if isinstance(data, dict) else None
        except (ValueError, KeyError, TypeError):
            return None


def _words(text: str) -> str:
    return to_simplified(unicodedata.normalize("NFKC", text)).strip(_PUNCT).casefold()


def is_read_article(text: str) -> bool:
    return _words(text) in READ_WORDS


def is_unhelpful(text: str) -> bool:
    return _words(text) in UNHELPFUL_WORDS


def article_text(label: str, lang: str) -> str:
    """The article in both languages, ``lang`` first: heading, text, responsible units."""
    kb = load_source()
    ref = ref_from_label(label)
    a = kb.article(ref)
    blocks = []
    for each in (lang, "zh" if lang == "en" else "en"):
        units = texts("unit_separator", each).join(kb.units[u].get(each) for u in a.units_zh) or "—"
        heading = f"【{article_name(ref, each)} {a.title.get(each)}】"
        blocks.append(f"{texts('verbatim' if each == 'zh' else 'rendering', each)}{heading}\n{a.text.get(each)}\n"
                      f"{texts('units', each)}{units}")
    return f"{kb.code}\n\n" + "\n\n".join(blocks)


@dataclass(frozen=True)
class Reply:
    text: str
    lang: str


class Followups:
    """The follow-ups of one channel, on its store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def _key(openid: str) -> str:
        return f"last:{openid}"

    async def remember(self, openid: str, question: str | None, messages: list[dict[str, Any]]) -> None:
        """After a turn: keep its cited answer (``question`` None: keep the earlier question), else forget."""
        cited = next((c for c in map(cited_article, messages) if c), None)
        if cited is None:
            await self.store.delete(self._key(openid))
            return
        if question is None:
            earlier = LastAnswer.from_json(await self.store.get(self._key(openid)))
            question = earlier.question if earlier else None
        await self.store.set(self._key(openid), LastAnswer(question, *cited).to_json(), LAST_TTL)

    async def reply(self, openid: str, sender: str, text: str) -> Reply | None:
        """The channel's own answer to a follow-up of the last cited answer, or None (the assistant answers)."""
        read, unhelpful = is_read_article(text), is_unhelpful(text)
        if not (read or unhelpful):
            return None
        last = LastAnswer.from_json(await self.store.get(self._key(openid)))
        if last is None:
            return None
        if read:
            try:
                return Reply(article_text(last.article, last.lang), last.lang)
            except (KeyError, ValueError):
                return None
        await self.store.delete(self._key(openid))  # one vote per answer
        if last.question:
            try:
                await asyncio.to_thread(default_store().record, last.question, "unhelpful", "wechat",
                                        conversation_digest(sender), last.article, last.lang)
            except Exception:  # noqa: BLE001 - the follower is thanked either way; the log has no text
                logger.exception("could not keep an unhelpful answer's question")
        return Reply(texts("thanks_unhelpful", last.lang), last.lang)

    async def forget(self, openid: str) -> None:
        await self.store.delete(self._key(openid))
