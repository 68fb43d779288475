"""Policy answers: the NLU says it is a policy question, the KB search finds the cited answer.

* a confident, clear match: the answer in the user's language, ending with its citation
  (``（依据：第六条）`` / ``(Source: Article 6)``), with follow-up buttons;
* articles scoring within :data:`CLARIFY_RATIO` of the best: the best one's cited answer and a short
  choice of the others, so the usual case (the best is meant) costs no extra turn and the other
  reading is one tap away;
* nothing above the search's threshold: the policy does not say, and the way to the service window.
  The NLU's ``out_of_scope`` comes here too (the search, not the intent, decides: a policy question
  in unusual words is still answered), and a miss is then the domain's ``utter_out_of_scope``; a
  low-confidence message that is too short to be a question gets ``utter_default`` ("please rephrase").

Every cited answer offers the article itself ("查看原文 / Read the article", :mod:`policy_kb.article_link`): the
article page on the web, the article's text on WeChat. A
question the search found nothing for, or answered below :data:`LOW_CONFIDENCE`, is kept for the staff
(:mod:`policy_kb.unanswered`, masked). The search follows the KB database: after a rebuild (staff attached
a question, ``python -m bot kb build``) the next question is answered from the new KB, without a restart.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.language import reply_language
from actions.texts import book_button, text
from appointments.keys import conversation_digest
from policy_kb.article_link import read_article_button
from policy_kb.citation import CLOSING, ArticleRef, article_name, cite, parse_ref
from policy_kb.db import built_digest, expected_digest, make_engine
from policy_kb.lang import Lang, word_units
from policy_kb.messages import message
from policy_kb.search import Response, Result, Searcher, default_searcher
from policy_kb.source import load_source
from policy_kb.unanswered import default_store

log = logging.getLogger(__name__)

#: A runner-up this close to the best article makes the question ambiguous (on the fused scores: "green card
#: or permanent residence?" is, "tax on awards" is not).
CLARIFY_RATIO = 0.85
#: Below this many words (Han characters count one each), a message the NLU did not understand is
#: asked to be rephrased; above it, it is a question the policy does not answer.
MIN_QUESTION_UNITS = 4
#: A cited answer whose (fused) score is below this is kept for the staff as answered with low confidence.
LOW_CONFIDENCE = 0.35

default_searcher()  # build the index when the action server starts, not on the first question
_KB_ENGINE = make_engine()


def searcher() -> Searcher:
    """The search over the KB as it is built now: when the database holds another build than the index
    (``python -m bot kb build`` after staff attached a question), the index is rebuilt from it. One small
    query a turn."""
    current = default_searcher()
    if built_digest(_KB_ENGINE) not in (None, expected_digest(current.kb)):
        log.info("the KB database was rebuilt: reloading the search")
        load_source.cache_clear()  # so the reload reads the files the rebuild read, and does not build again
        default_searcher.cache_clear()
        current = default_searcher()
    return current


def article_button(ref: ArticleRef, lang: str) -> dict[str, str]:
    return read_article_button(ref, lang, text("button_read_article", lang))


def keep_for_staff(tracker: Tracker, query: str, reason: str, answered: ArticleRef | str | None = None) -> None:
    """Keep a question the assistant could not answer well (masked by the store); never fails the answer."""
    channel = "wechat" if tracker.get_latest_input_channel() == "wechat" else "web"
    try:
        default_store().record(query, reason, channel, conversation_digest(tracker.sender_id), answered)
    except Exception:  # noqa: BLE001 - the user's answer matters more than the staff's list
        log.exception("could not keep a %s question for the staff", reason)


def follow_up_buttons(lang: str) -> list[dict[str, str]]:
    return [
        {"title": text("button_eligibility", lang), "payload": "/check_eligibility"},
        book_button(lang),
        {"title": text("button_handoff", lang), "payload": "/handoff"},
    ]


def ranked_answers(query: str, lang: Lang) -> tuple[Response, list[Result]]:
    """The search's response and the articles it could mean: the best one and any close rival.

    One article: a clear answer. Several: the question is ambiguous between them (a runner-up within
    :data:`CLARIFY_RATIO` of the best). None: the response's status says why.
    """
    resp = searcher().search(query, lang)
    if resp.status != "ok":
        return resp, []
    best = resp.results[0]
    return resp, [best, *(r for r in resp.results[1:] if r.score >= CLARIFY_RATIO * best.score)]


def article_payload(ref: Any) -> str:
    return '/ask_policy{"article": "%s"}' % (CLOSING if ref is None else ref)


class ActionAnswerPolicy(Action):
    def name(self) -> str:
        return "action_answer_policy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        chosen = next(tracker.get_latest_entity_values("article"), None)
        if chosen is not None:
            return self._answer_article(dispatcher, chosen, lang)
        query = tracker.latest_message.get("text") or ""
        resp, candidates = ranked_answers(query, lang)
        if resp.status != "ok":
            intent = tracker.latest_message.get("intent", {}).get("name")
            if intent == "out_of_scope" and resp.status == "not_found":
                dispatcher.utter_message(response="utter_out_of_scope")
            elif intent == "nlu_fallback" and resp.status == "not_found" and word_units(query) < MIN_QUESTION_UNITS:
                dispatcher.utter_message(response="utter_default")
                return []
            else:
                dispatcher.utter_message(text=message(resp.status, lang),
                                         buttons=[{"title": text("button_handoff", lang), "payload": "/handoff"}])
            if resp.status == "not_found":
                keep_for_staff(tracker, query, "not_found")
            return []
        best, *rivals = candidates
        if best.score < LOW_CONFIDENCE:
            keep_for_staff(tracker, query, "low_confidence", best.article)
        if rivals:
            dispatcher.utter_message(
                text=f"{best.answer}\n{text('also_relevant', lang)}",
                buttons=[*({"title": f"{article_name(r.article, lang)} {r.title}", "payload": article_payload(r.article)}
                           for r in rivals), article_button(best.article, lang)],
            )
            return []
        dispatcher.utter_message(text=best.answer, buttons=[*follow_up_buttons(lang), article_button(best.article, lang)])
        return []

    def _answer_article(self, dispatcher: CollectingDispatcher, chosen: Any, lang: str) -> list[EventType]:
        try:
            ref = parse_ref(chosen if chosen == CLOSING else int(chosen))
        except (TypeError, ValueError):
            dispatcher.utter_message(response="utter_default")
            return []
        article = searcher().kb.article(ref)
        sep = "" if lang == "zh" else " "
        dispatcher.utter_message(text=f"{article.summary.get(lang)}{sep}{cite(ref, lang)}",
                                 buttons=[*follow_up_buttons(lang), article_button(ref, lang)])
        return []
