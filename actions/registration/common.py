"""What the register's form, questions and outcomes share: its words, slots, buttons and the record's
lines as the review and "see my registration" show them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from actions import form_base
from actions.form_base import (
    FORM_STATE_SLOTS,
)
from appointments.contacts import find_contact, mask_contact
from i18n import Catalogue
from registry.countries import country_name
from registry.fields import INDUSTRY_MAX, INTERESTS, SITUATION_MAX, WECHAT, given, interest_label, labels
from registry.places import divisions
from registry.store import Answers, Registration, open_store

rtext = Catalogue(Path(__file__).with_name("texts.yml"))
FORM_SLOTS = ("reg_consent", "reg_city", "reg_county", "reg_country", "reg_industry", "reg_situation",
              "reg_interests", "reg_contact", "reg_confirmed")
#: The review's fields, in the order it shows them (reg_city stands for the place: city and county).
REVIEWED = ("reg_city", "reg_country", "reg_industry", "reg_situation", "reg_interests", "reg_contact")
ALL_SLOTS = (*FORM_SLOTS, "reg_stopped", "reg_ref", "reg_delete_confirmed", *FORM_STATE_SLOTS)
FREE_TEXT = {"reg_industry": INDUSTRY_MAX, "reg_situation": SITUATION_MAX}
#: Requests that are never an answer: their rules answer them (or leave the form).
DIGRESSIONS = (frozenset(form_base.DIGRESSIONS) | frozenset(form_base.LEAVING)
               | {"check_eligibility", "book_appointment", "register_merchant", "my_registration", "delete_registration"})
#: A free-text answer can look like anything to the NLU ("国际贸易" as a policy question, "饭店" as small
#: talk): only these clear requests are not answers there.
NOT_FREE_TEXT = DIGRESSIONS - {"ask_policy", "chitchat", "out_of_scope", "greet"}


def store():
    return open_store()


def place_label(city: str | None, county: str | None, lang: str) -> str:
    parts = [d.name(lang) for d in (divisions().get(city), divisions().get(county)) if d]
    return "".join(parts) if lang == "zh" else ", ".join(reversed(parts))


def place_buttons(options: list, lang: str) -> list[dict]:
    return [{"title": place_label(d.parent, d.code, lang) if d.parent else d.name(lang),
             "payload": f'/inform{{"reg_place": "{d.code}"}}'} for d in options]


def skip_button(lang: str) -> dict:
    return {"title": rtext("button_skip", lang), "payload": "/skip"}


def interest_buttons(lang: str) -> list[dict]:
    return [*({"title": interest_label(i, lang), "payload": f'/inform{{"reg_interest": "{i}"}}'} for i in INTERESTS),
            {"title": rtext("button_all", lang), "payload": '/inform{"reg_interest": "all"}'}, skip_button(lang)]


def review_buttons(lang: str) -> list[dict]:
    return [{"title": rtext("button_save", lang), "payload": "/affirm"},
            *({"title": rtext(f"button_change_{f}", lang), "payload": f'/inform{{"reg_field": "{f}"}}'} for f in REVIEWED),
            {"title": rtext("button_no_register", lang), "payload": "/deny"}]


def answers_of(slots: dict[str, Any], lang: str) -> Answers:
    contact = slots.get("reg_contact")
    kind = WECHAT if contact == WECHAT else (find_contact(contact).kind if given(contact) else None)
    interests = slots.get("reg_interests")
    return Answers(
        lang=lang, city_code=slots["reg_city"] if given(slots.get("reg_city")) else None,
        county_code=slots["reg_county"] if given(slots.get("reg_county")) else None,
        country_code=slots["reg_country"] if given(slots.get("reg_country")) else None,
        industry=slots["reg_industry"] if given(slots.get("reg_industry")) else None,
        situation=slots["reg_situation"] if given(slots.get("reg_situation")) else None,
        interests=tuple(interests) if isinstance(interests, list) else (),
        contact_kind=kind, contact=contact if kind in ("email", "phone") else None)


def review_lines(answers: Answers, lang: str, masked: bool = True) -> list[str]:
    """The registration field by field, as the review and "see my registration" show it."""
    none = labels("skipped", lang)
    if answers.contact_kind == WECHAT:
        contact = labels("contact_wechat", lang)
    else:
        contact = (mask_contact(answers.contact) if masked else answers.contact) if answers.contact else none
    sep = "；" if lang == "zh" else "; "
    return [
        rtext("line_place", lang, value=place_label(answers.city_code, answers.county_code, lang) or none),
        rtext("line_country", lang, value=country_name(answers.country_code, lang) if answers.country_code else none),
        rtext("line_industry", lang, value=answers.industry or none),
        rtext("line_situation", lang, value=answers.situation or none),
        rtext("line_interests", lang, value=sep.join(interest_label(i, lang) for i in answers.interests) or none),
        rtext("line_contact", lang, value=contact),
    ]


def as_answers(r: Registration) -> Answers:
    return Answers(lang=r.lang, city_code=r.city_code, county_code=r.county_code, country_code=r.country_code,
                   industry=r.industry, situation=r.situation, interests=r.interests, contact_kind=r.contact_kind,
                   contact=r.contact)
