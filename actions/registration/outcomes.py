"""After the form: the saved record with what article 9 offers for the chosen interests, the reset, and
"see my registration".
"""

from __future__ import annotations

import datetime as dt

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.language import reply_language
from actions.registration.common import ALL_SLOTS, answers_of, as_answers, review_lines, rtext, store
from appointments.contacts import mask_contact
from appointments.settings import retention_days
from policy_kb.citation import cite_many
from policy_kb.source import load_source
from registry.fields import INTERESTS, WECHAT


def reset_events() -> list[EventType]:
    return [SlotSet(slot, None) for slot in ALL_SLOTS]


class ActionRegistrationReset(Action):
    """Clears every register slot before a form starts: nothing stale is reused."""

    def name(self) -> str:
        return "action_registration_reset"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return reset_events()


def offers(interests: tuple[str, ...] | list[str], lang: str) -> list[str]:
    """What article 9 offers for these interests, in the KB's words, each cited (the visit subsidy with
    article 6, whose standard it refers to); every article 9 offer when no interest was chosen."""
    kb = load_source()
    facts = {f.id: f for f in kb.facts}
    wanted = [fid for i in (interests or INTERESTS) for fid in INTERESTS.get(i, ())]
    lines = []
    for fid in dict.fromkeys(wanted):
        fact = facts[fid]
        articles = [fact.article]
        reference = fact.data.get("reference_standard")
        if reference in facts:
            articles.append(facts[reference].article)
        body = fact.text.get(lang)
        lines.append(rtext("offer_line", lang, text=body[:1].upper() + body[1:], cite=cite_many(articles, lang)))
    return lines


class ActionRegistrationResult(Action):
    """After registration_form: the reference, article 9's offers for the chosen interests, who gets in touch;
    or, when nothing was saved, that nothing was kept."""

    def name(self) -> str:
        return "action_registration_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        ref = tracker.get_slot("reg_ref")
        if not (ref and tracker.get_slot("reg_confirmed")):
            key = "consent_refused" if tracker.get_slot("reg_consent") is False else "stopped"
            dispatcher.utter_message(text=rtext(key, lang))
            return reset_events()
        answers = answers_of(tracker.slots, lang)
        parts = [rtext("saved", lang, ref=ref),
                 rtext("offers_head" if answers.interests else "offers_all_head", lang), *offers(answers.interests, lang)]
        if answers.contact_kind == WECHAT:
            parts.append(rtext("staff_will_contact_wechat", lang))
        elif answers.contact:
            parts.append(rtext("staff_will_contact", lang, how=mask_contact(answers.contact)))
        else:
            parts.append(rtext("staff_cannot_contact", lang))
        parts.append(rtext("how_to_see", lang))
        dispatcher.utter_message(text="\n".join(parts), buttons=[
            {"title": rtext("button_my_registration", lang), "payload": "/my_registration"},
            {"title": rtext("button_delete_registration", lang), "payload": "/delete_registration"}])
        return reset_events()


def _date(value: dt.datetime) -> str:
    return value.date().isoformat()


class ActionMyRegistration(Action):
    """This conversation's own registration, contact masked; or how to register."""

    def name(self) -> str:
        return "action_my_registration"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        mine = store().for_conversation(tracker.sender_id)
        if mine is None:
            dispatcher.utter_message(text=rtext("my_none", lang), buttons=[
                {"title": rtext("button_register", lang), "payload": "/register_merchant"}])
            return []
        lines = [rtext("my_head", lang, ref=mine.display_ref, date=_date(mine.updated_at)),
                 *review_lines(as_answers(mine), lang)]
        if mine.contacted_at:
            lines.append(rtext("my_contacted", lang, date=_date(mine.contacted_at)))
        lines.append(rtext("my_kept", lang, days=retention_days()))
        dispatcher.utter_message(text="\n".join(lines), buttons=[
            {"title": rtext("button_delete_registration", lang), "payload": "/delete_registration"}])
        return []
