"""The registration form's questions, one action per slot (the form base asks through them).
"""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.form_base import (
    AskSlot,
)
from actions.registration.common import (
    answers_of,
    interest_buttons,
    place_buttons,
    review_buttons,
    review_lines,
    rtext,
    skip_button,
)
from appointments.settings import retention_days
from registry.fields import WECHAT
from registry.places import divisions


class AskRegConsent(AskSlot):
    slot = "reg_consent"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return rtext("ask_reg_consent", lang, days=retention_days()), [
            {"title": rtext("button_agree", lang), "payload": "/affirm"},
            {"title": rtext("button_disagree", lang), "payload": "/deny"}]


class AskRegCity(AskSlot):
    slot = "reg_city"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return rtext("ask_reg_city", lang), [skip_button(lang)]


class AskRegCounty(AskSlot):
    slot = "reg_county"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        city = divisions().get(tracker.get_slot("reg_city"))
        counties = divisions().counties(city.code) if city else []
        return (rtext("ask_reg_county", lang, city=city.name(lang) if city else ""),
                [*place_buttons(counties, lang), skip_button(lang)])


class AskRegCountry(AskSlot):
    slot = "reg_country"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return rtext("ask_reg_country", lang), [skip_button(lang)]


class AskRegIndustry(AskSlot):
    slot = "reg_industry"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return rtext("ask_reg_industry", lang), [skip_button(lang)]


class AskRegSituation(AskSlot):
    slot = "reg_situation"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return rtext("ask_reg_situation", lang), [skip_button(lang)]


class AskRegInterests(AskSlot):
    slot = "reg_interests"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return rtext("ask_reg_interests", lang), interest_buttons(lang)


class AskRegContact(AskSlot):
    slot = "reg_contact"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        if tracker.sender_id.startswith("wx:"):
            return rtext("ask_reg_contact_wechat", lang), [
                {"title": rtext("button_wechat", lang), "payload": f'/inform{{"reg_contact_kind": "{WECHAT}"}}'},
                skip_button(lang)]
        return rtext("ask_reg_contact", lang), [skip_button(lang)]


class AskRegConfirmed(AskSlot):
    slot = "reg_confirmed"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        lines = [rtext("ask_reg_confirmed", lang), *review_lines(answers_of(tracker.slots, lang), lang),
                 rtext("review_hint", lang)]
        return "\n".join(lines), review_buttons(lang)
