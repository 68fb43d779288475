"""The 外籍晋商晋才 register in conversation (articles 8 and 9): sign up, see, delete.

``registration_form``: consent (naming article 8's database, article 9's contact system and the
retention period of the one rule) -> ancestral city (and county, asked when only the city was given)
-> country of residence -> industry -> current situation -> interests -> how staff may contact them
-> a review, where any field can be corrected ("国家改成加拿大", "change the industry", a button) before
the record is saved. Refusing consent stops the form with nothing stored. Every question takes typed
answers, ordinals and "skip" through the one form base (:class:`actions.form_base.TypedForm`); the
reading of places, countries, interests and corrections is the Rasa-free :mod:`registry` library's.

After saving, ``action_registration_result`` cites what article 9 offers for the chosen interests in the
KB's own words (``policy_kb/data/facts.yml``: a "may", by reference to article 6's standard, never an
amount) and says how staff will get in touch. ``action_my_registration`` shows the conversation's own
record (contact masked); ``registration_delete_form`` asks once, then deletes it.

Answers keep the conversation's language: "Canada" or an e-mail address typed in a Chinese
conversation is an answer, not a switch to English. Every slot is cleared once a form ends, so
personal answers do not linger in the conversation's slots.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import form_base
from actions.appointment_forms.common import keep_language
from actions.appointment_forms.formatting import invalid_text
from actions.choices import is_question, pick, short_reply
from actions.form_base import (
    FORM_STATE_SLOTS,
    STOP_FORM,
    AskSlot,
    TypedForm,
    as_intent,
    entity,
    latest_intent,
    leave_note,
    leave_prompt,
    slots_before_message,
    typed,
)
from actions.language import reply_language
from appointments.contacts import Contact, find_contact, mask_contact
from appointments.settings import retention_days
from i18n import Catalogue
from lexicon.user_text import clean_user_text
from policy_kb.citation import cite_many
from policy_kb.source import load_source
from registry.countries import country_name, find_country, is_country
from registry.fields import INDUSTRY_MAX, INTERESTS, SITUATION_MAX, SKIPPED, WECHAT, given, interest_label, labels
from registry.places import divisions, find_place
from registry.reading import read_consent, read_correction, read_interests
from registry.store import Answers, Registration, open_store

rtext = Catalogue(Path(__file__).with_name("texts_registry.yml"))

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
_STOP = re.compile(r"不登记了|不想登记|不登记|不要登记|不用登记|don'?t register|do not register|stop (?:the )?registration", re.I)
#: What the review's extraction hands its validator besides True and a correction.
_REOPENED, _WHICH = "__reopened__", "__which__"
_SAVE = re.compile(r"确认|确定|保存|没问题|都对|没错|confirm|save|looks good|all correct|that's right", re.I)
_WECHAT = re.compile(r"微信|公众号|wechat|weixin|official account", re.I)


def store():
    return open_store()


def _skip(tracker: Tracker) -> bool:
    return latest_intent(tracker) == "skip"


def _button_value(tracker: Tracker, name: str) -> Any:
    """An entity a button carries (``/inform{"reg_place": ...}``); typed text carries none of ours."""
    return entity(tracker, name) if (tracker.latest_message.get("text") or "").startswith("/") else None


def place_label(city: str | None, county: str | None, lang: str) -> str:
    parts = [d.name(lang) for d in (divisions().get(city), divisions().get(county)) if d]
    return "".join(parts) if lang == "zh" else ", ".join(reversed(parts))


def _place_buttons(options: list, lang: str) -> list[dict]:
    return [{"title": place_label(d.parent, d.code, lang) if d.parent else d.name(lang),
             "payload": f'/inform{{"reg_place": "{d.code}"}}'} for d in options]


def _skip_button(lang: str) -> dict:
    return {"title": rtext("button_skip", lang), "payload": "/skip"}


def _interest_buttons(lang: str) -> list[dict]:
    return [*({"title": interest_label(i, lang), "payload": f'/inform{{"reg_interest": "{i}"}}'} for i in INTERESTS),
            {"title": rtext("button_all", lang), "payload": '/inform{"reg_interest": "all"}'}, _skip_button(lang)]


def _review_buttons(lang: str) -> list[dict]:
    return [{"title": rtext("button_save", lang), "payload": "/affirm"},
            *({"title": rtext(f"button_change_{f}", lang), "payload": f'/inform{{"reg_field": "{f}"}}'} for f in REVIEWED),
            {"title": rtext("button_no_register", lang), "payload": "/deny"}]


def _answers_of(slots: dict[str, Any], lang: str) -> Answers:
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


def _as_answers(r: Registration) -> Answers:
    return Answers(lang=r.lang, city_code=r.city_code, county_code=r.county_code, country_code=r.country_code,
                   industry=r.industry, situation=r.situation, interests=r.interests, contact_kind=r.contact_kind,
                   contact=r.contact)


class ValidateRegistrationForm(TypedForm):
    """The sign-up: every typed answer read against the question being asked (see the module docstring)."""

    short_intents = {"affirm": "affirm", "deny": "deny", "skip": "skip", "cancel": STOP_FORM, "stop": STOP_FORM}

    def name(self) -> str:
        return "validate_registration_form"

    def digressions(self, tracker: Tracker) -> frozenset[str]:
        return DIGRESSIONS

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("reg_stopped"):
            return []
        if tracker.get_slot("reg_consent") is not True:
            return ["reg_consent"]
        county = ["reg_county"] if given(tracker.get_slot("reg_city")) else []
        return ["reg_consent", "reg_city", *county, "reg_country", "reg_industry", "reg_situation", "reg_interests",
                "reg_contact", "reg_confirmed"]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        asking = tracker.get_slot("requested_slot")
        if asking and _STOP.search(typed(tracker)):
            as_intent(tracker, STOP_FORM)
        _, keep = keep_language(tracker)
        if not asking or not keep or latest_intent(tracker) == "switch_language":
            return await super().run(dispatcher, tracker, domain)
        tracker.slots.update(keep)  # the answer is in the conversation's language, whatever it was typed in
        events = await super().run(dispatcher, tracker, domain)
        answered = any(e.get("event") == "slot" and e.get("name") != "requested_slot" for e in events)
        return [*events, *(SlotSet(k, v) for k, v in keep.items())] if answered else events

    # ---- what the form base asks of a form

    def stop(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        return {slot: None, "reg_stopped": True}

    def need(self, slot: str, lang: str) -> str:
        return rtext(f"need_{slot}", lang)

    def stop_label(self, lang: str) -> str:
        return rtext("button_no_register", lang)

    def reads(self, slot: str, reply: str, tracker: Tracker) -> bool:
        if slot == "reg_consent":
            return read_consent(reply) is not None and not is_question(reply)
        if slot in ("reg_city", "reg_county"):
            place = find_place(reply)
            return place.found or bool(place.candidates)
        if slot == "reg_country":
            return find_country(reply) is not None
        if slot in FREE_TEXT:
            return self._free_text(reply, tracker) is not None
        if slot == "reg_interests":
            return bool(self._interests(reply))
        if slot == "reg_contact":
            return isinstance(find_contact(reply), Contact) or bool(_WECHAT.search(reply))
        if slot == "reg_confirmed":
            return read_correction(reply)[0] is not None
        return False

    def carries(self, reply: str, tracker: Tracker) -> bool:
        """A country named with the place ("太原小店，现在住在加拿大"): taken and said back."""
        return tracker.get_slot("requested_slot") in ("reg_city", "reg_county") and not is_question(reply) \
            and tracker.get_slot("reg_country") is None and find_country(reply) is not None

    def unavailable(self, slot: str, reply: str, tracker: Tracker) -> bool:
        """At the review, "no" or "change the country" is progress (a question reopened), not an unusable answer."""
        if slot != "reg_confirmed":
            return False
        before = slots_before_message(tracker)
        return latest_intent(tracker) == "deny" or any(
            tracker.get_slot(f) is None and before.get(f) is not None for f in REVIEWED)

    def said_back(self, slot: str, value: Any, tracker: Tracker, lang: str) -> str | None:
        if slot == "reg_county" and given(value):
            return place_label(tracker.get_slot("reg_city"), value, lang)
        if slot == "reg_city" and given(value):
            return place_label(value, tracker.get_slot("reg_county"), lang)
        if slot == "reg_country" and is_country(value):
            return country_name(value, lang)
        return None

    def reopen(self, slot: str) -> dict[str, Any]:
        return {"reg_county": None} if slot == "reg_city" else {}

    # ---- reading the latest message

    def _answer(self, tracker: Tracker, slot: str, excluded: frozenset[str] = DIGRESSIONS) -> str | None:
        """The latest message as an answer to ``slot``, if that is the question being asked."""
        if tracker.get_slot("requested_slot") != slot or latest_intent(tracker) in excluded:
            return None
        return typed(tracker) or None

    def _free_text(self, reply: str, tracker: Tracker) -> str | None:
        """A free-text answer (industry, situation): a statement, not a question or a short yes/no."""
        text = " ".join(clean_user_text(reply or "").split())
        if not text or is_question(text) or short_reply(text) is not None or not any(ch.isalnum() for ch in text):
            return None
        return text

    # consent

    async def extract_reg_consent(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "reg_consent":
            return {}
        intent = latest_intent(tracker)
        if intent == "affirm":
            return {"reg_consent": True}
        if intent in ("deny", "skip"):
            return {"reg_consent": False}
        answer = self._answer(tracker, "reg_consent")
        if answer is None:
            return {}
        consent = read_consent(answer)
        return {"reg_consent": answer if consent is None else consent}

    async def validate_reg_consent(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        if value is True:
            return {"reg_consent": True}
        if value is False:  # nothing is stored: the form ends here
            return {"reg_consent": False, "reg_stopped": True}
        return {"reg_consent": None}

    # the ancestral place

    async def extract_reg_city(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "reg_city":
            return {}
        button = _button_value(tracker, "reg_place")
        if button:
            return {"reg_city": str(button)}
        if _skip(tracker):
            return {"reg_city": SKIPPED}
        answer = self._answer(tracker, "reg_city")
        return {} if answer is None else {"reg_city": answer}

    async def validate_reg_city(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        if value is None or value == SKIPPED:
            return {"reg_city": value, "reg_county": None}
        return self._place(tracker, "reg_city", str(value), within=None)

    async def extract_reg_county(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "reg_county":
            return {}
        button = _button_value(tracker, "reg_place")
        if button:
            return {"reg_county": str(button)}
        if _skip(tracker):
            return {"reg_county": SKIPPED}
        answer = self._answer(tracker, "reg_county")
        return {} if answer is None else {"reg_county": answer}

    async def validate_reg_county(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        if value is None or value == SKIPPED:
            return {"reg_county": value}
        return self._place(tracker, "reg_county", str(value), within=tracker.get_slot("reg_city"))

    def _place(self, tracker: Tracker, slot: str, value: str, within: str | None) -> dict[str, Any]:
        """A division code (a button) or typed words -> city and county; a prompt when it is unclear."""
        lang = reply_language(tracker)
        chosen = divisions().get(value)
        if chosen is not None:
            return ({"reg_city": chosen.code, "reg_county": None} if chosen.parent is None
                    else {"reg_city": chosen.parent, "reg_county": chosen.code})
        city = divisions().get(within)
        place = find_place(f"{city.zh} {value}") if city else find_place(value)
        if not (place.found or place.candidates) and city:
            place = find_place(value)  # a county of another city: the county decides
        if place.found and (place.county or slot == "reg_city"):
            return {"reg_city": place.city.code, "reg_county": place.county.code if place.county else None}
        if place.candidates:
            return {slot: None, **leave_prompt(tracker, slot, rtext("ambiguous_place", lang),
                                               [*_place_buttons(list(place.candidates), lang), _skip_button(lang)])}
        options = divisions().counties(within) if within else []
        return {slot: None, **leave_prompt(tracker, slot, rtext("unknown_place", lang),
                                           [*_place_buttons(options, lang), _skip_button(lang)] if options else [])}

    # country

    async def extract_reg_country(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        asking = tracker.get_slot("requested_slot")
        if asking == "reg_country":
            if _skip(tracker):
                return {"reg_country": SKIPPED}
            answer = self._answer(tracker, "reg_country")
            return {} if answer is None else {"reg_country": answer}
        if self.carries(typed(tracker), tracker) and latest_intent(tracker) not in DIGRESSIONS:
            return {"reg_country": find_country(typed(tracker))}
        return {}

    async def validate_reg_country(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        if value is None or value == SKIPPED or is_country(value):
            return {"reg_country": value}
        code = find_country(str(value))
        if code:
            return {"reg_country": code}
        return {"reg_country": None}

    # industry and situation: free text

    async def extract_reg_industry(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        return self._extract_free(tracker, "reg_industry")

    async def extract_reg_situation(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        return self._extract_free(tracker, "reg_situation")

    def _extract_free(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != slot:
            return {}
        if _skip(tracker):
            return {slot: SKIPPED}
        answer = self._answer(tracker, slot, NOT_FREE_TEXT)
        return {} if answer is None else {slot: answer}

    async def validate_reg_industry(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        return self._validate_free(tracker, "reg_industry", value)

    async def validate_reg_situation(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> dict[str, Any]:
        return self._validate_free(tracker, "reg_situation", value)

    def _validate_free(self, tracker: Tracker, slot: str, value: Any) -> dict[str, Any]:
        if value is None or value == SKIPPED:
            return {slot: value}
        text = self._free_text(str(value), tracker)
        return {slot: text[:FREE_TEXT[slot]] if text else None}

    # interests

    async def extract_reg_interests(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "reg_interests":
            return {}
        button = _button_value(tracker, "reg_interest")
        if button:
            return {"reg_interests": list(INTERESTS) if button == "all" else [str(button)]}
        if _skip(tracker):
            return {"reg_interests": SKIPPED}
        answer = self._answer(tracker, "reg_interests")
        return {} if answer is None else {"reg_interests": self._interests(answer) or answer}

    @staticmethod
    def _interests(text: str) -> list[str]:
        """Interests by words ("投资和亲属联系") and by position ("1和3", "the first and the last")."""
        chosen = set(read_interests(text))
        offered = _interest_buttons("zh")[:len(INTERESTS)]
        for part in re.split(r"[,，、;；/&+\s]+|和|及|以及|还有|跟|与|\band\b", text[:200]):
            n = pick(part, offered) if part.strip() else None
            if n is not None:
                chosen.add(list(INTERESTS)[n])
        return [i for i in INTERESTS if i in chosen]

    async def validate_reg_interests(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> dict[str, Any]:
        if value is None or value == SKIPPED:
            return {"reg_interests": value}
        if isinstance(value, list) and value and all(i in INTERESTS for i in value):
            return {"reg_interests": [i for i in INTERESTS if i in value]}
        chosen = self._interests(str(value)) if isinstance(value, str) else []
        return {"reg_interests": chosen or None}

    # contact

    async def extract_reg_contact(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "reg_contact":
            return {}
        if _button_value(tracker, "reg_contact_kind") == WECHAT:
            return {"reg_contact": WECHAT}
        if _skip(tracker):
            return {"reg_contact": SKIPPED}
        reply = typed(tracker)
        if reply and (isinstance(find_contact(reply), Contact) or _WECHAT.search(reply)):
            return {"reg_contact": reply}  # an address is an answer whatever the NLU thought
        answer = self._answer(tracker, "reg_contact")
        return {} if answer is None else {"reg_contact": answer}

    async def validate_reg_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        if value is None or value in (SKIPPED, WECHAT):
            return self._wechat_only(tracker, value)
        contact = find_contact(str(value))
        if isinstance(contact, Contact):
            return {"reg_contact": contact.value}
        if _WECHAT.search(str(value)):
            return self._wechat_only(tracker, WECHAT)
        return {"reg_contact": None, **leave_prompt(tracker, "reg_contact", invalid_text(contact, reply_language(tracker)))}

    @staticmethod
    def _wechat_only(tracker: Tracker, value: Any) -> dict[str, Any]:
        """"Through the Official Account" is a way to reach a WeChat follower only."""
        if value == WECHAT and not tracker.sender_id.startswith("wx:"):
            return {"reg_contact": None, **leave_prompt(tracker, "reg_contact",
                                                        rtext("no_wechat_here", reply_language(tracker)))}
        return {"reg_contact": value}

    # the review: save, or correct a field

    async def extract_reg_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "reg_confirmed":
            return {}
        field = _button_value(tracker, "reg_field")
        if field in REVIEWED:
            return self._reopen(tracker, field)
        intent = latest_intent(tracker)
        if intent == "affirm":
            return {"reg_confirmed": True}
        reply = typed(tracker)
        if intent == "deny" and not read_correction(reply)[0]:  # "不对": which one?
            return {"reg_confirmed": _WHICH}
        if not reply or intent in DIGRESSIONS and not self.reads("reg_confirmed", reply, tracker):
            return {}
        if _SAVE.search(reply) and not read_correction(reply)[0]:
            return {"reg_confirmed": True}
        return self._correction(tracker, reply)

    def _correction(self, tracker: Tracker, reply: str) -> dict[str, Any]:
        """"国家改成加拿大" sets the country; "改行业" reopens the question; a bare place or country sets it."""
        field, rest = read_correction(reply)
        if field is None:
            country, place = find_country(reply), find_place(reply)
            if place.found:
                return {"reg_city": place.city.code, "reg_county": place.county.code if place.county else None}
            if country:
                return {"reg_country": country}
            return {"reg_confirmed": reply}
        if field == "reg_contact" and _WECHAT.search(reply):
            return {"reg_contact": WECHAT}
        value = self._reading(field, rest, tracker)
        return {field: value, **({"reg_county": None} if field == "reg_city" and value else {})} if value \
            else self._reopen(tracker, field)

    def _reading(self, field: str, rest: str, tracker: Tracker) -> Any:
        if not rest:
            return None
        if field == "reg_city":
            return rest if find_place(rest).found else None
        if field == "reg_country":
            return find_country(rest)
        if field == "reg_interests":
            return self._interests(rest) or None
        if field == "reg_contact":
            return rest if isinstance(find_contact(rest), Contact) else None
        return self._free_text(rest, tracker) if len(rest) >= 2 else None

    def _reopen(self, tracker: Tracker, field: str) -> dict[str, Any]:
        """Ask ``field`` again, then come back to the review (the validator says so)."""
        return {field: None, **self.reopen(field), "reg_confirmed": _REOPENED}

    async def validate_reg_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> dict[str, Any]:
        lang = reply_language(tracker)
        if value == _REOPENED:
            return {"reg_confirmed": None, **leave_note(tracker, rtext("reopened", lang))}
        if value == _WHICH:
            return {"reg_confirmed": None, **leave_prompt(tracker, "reg_confirmed", rtext("which_change", lang),
                                                          _review_buttons(lang))}
        if value is not True:
            return {"reg_confirmed": None}
        try:
            saved = store().save(tracker.sender_id, _answers_of(tracker.slots, lang))
        except Exception:  # noqa: BLE001 - the database failed: say so, the user may try again
            return {"reg_confirmed": None, **leave_prompt(tracker, "reg_confirmed", rtext("save_failed", lang))}
        return {"reg_confirmed": True, "reg_ref": saved.display_ref}


# --------------------------------------------------------------------------- questions


class AskRegConsent(AskSlot):
    slot = "reg_consent"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return rtext("ask_reg_consent", lang, days=retention_days()), [
            {"title": rtext("button_agree", lang), "payload": "/affirm"},
            {"title": rtext("button_disagree", lang), "payload": "/deny"}]


class AskRegCity(AskSlot):
    slot = "reg_city"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return rtext("ask_reg_city", lang), [_skip_button(lang)]


class AskRegCounty(AskSlot):
    slot = "reg_county"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        city = divisions().get(tracker.get_slot("reg_city"))
        counties = divisions().counties(city.code) if city else []
        return (rtext("ask_reg_county", lang, city=city.name(lang) if city else ""),
                [*_place_buttons(counties, lang), _skip_button(lang)])


class AskRegCountry(AskSlot):
    slot = "reg_country"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return rtext("ask_reg_country", lang), [_skip_button(lang)]


class AskRegIndustry(AskSlot):
    slot = "reg_industry"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return rtext("ask_reg_industry", lang), [_skip_button(lang)]


class AskRegSituation(AskSlot):
    slot = "reg_situation"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return rtext("ask_reg_situation", lang), [_skip_button(lang)]


class AskRegInterests(AskSlot):
    slot = "reg_interests"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return rtext("ask_reg_interests", lang), _interest_buttons(lang)


class AskRegContact(AskSlot):
    slot = "reg_contact"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        if tracker.sender_id.startswith("wx:"):
            return rtext("ask_reg_contact_wechat", lang), [
                {"title": rtext("button_wechat", lang), "payload": f'/inform{{"reg_contact_kind": "{WECHAT}"}}'},
                _skip_button(lang)]
        return rtext("ask_reg_contact", lang), [_skip_button(lang)]


class AskRegConfirmed(AskSlot):
    slot = "reg_confirmed"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        lines = [rtext("ask_reg_confirmed", lang), *review_lines(_answers_of(tracker.slots, lang), lang),
                 rtext("review_hint", lang)]
        return "\n".join(lines), _review_buttons(lang)


# --------------------------------------------------------------------------- outcomes


def _reset() -> list[EventType]:
    return [SlotSet(slot, None) for slot in ALL_SLOTS]


class ActionRegistrationReset(Action):
    """Clears every register slot before a form starts: nothing stale is reused."""

    def name(self) -> str:
        return "action_registration_reset"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return _reset()


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
            return _reset()
        answers = _answers_of(tracker.slots, lang)
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
        return _reset()


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
                 *review_lines(_as_answers(mine), lang)]
        if mine.contacted_at:
            lines.append(rtext("my_contacted", lang, date=_date(mine.contacted_at)))
        lines.append(rtext("my_kept", lang, days=retention_days()))
        dispatcher.utter_message(text="\n".join(lines), buttons=[
            {"title": rtext("button_delete_registration", lang), "payload": "/delete_registration"}])
        return []


class ValidateRegistrationDeleteForm(TypedForm):
    """"Delete my registration": asked once (only when there is one), then deleted by the result action."""

    short_intents = {"affirm": "affirm", "deny": "deny", "skip": "deny", "cancel": "deny", "stop": "deny"}

    def name(self) -> str:
        return "validate_registration_delete_form"

    def digressions(self, tracker: Tracker) -> frozenset[str]:
        return DIGRESSIONS

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("reg_stopped") or store().for_conversation(tracker.sender_id) is None:
            return []
        return ["reg_delete_confirmed"]

    def stop(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        return {slot: False}

    def need(self, slot: str, lang: str) -> str:
        return rtext(f"need_{slot}", lang)

    async def extract_reg_delete_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                           domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "reg_delete_confirmed":
            return {}
        intent = latest_intent(tracker)
        if intent in ("affirm", "delete_registration"):
            return {"reg_delete_confirmed": True}
        if intent == "deny":
            return {"reg_delete_confirmed": False}
        if intent in DIGRESSIONS:
            return {}
        return {"reg_delete_confirmed": typed(tracker) or None}

    async def validate_reg_delete_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                            domain: DomainDict) -> dict[str, Any]:
        return {"reg_delete_confirmed": value if isinstance(value, bool) else None}


class AskRegDeleteConfirmed(AskSlot):
    slot = "reg_delete_confirmed"

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        mine = store().for_conversation(tracker.sender_id)
        return rtext("ask_reg_delete_confirmed", lang, ref=mine.display_ref if mine else ""), [
            {"title": rtext("button_delete", lang), "payload": "/affirm"},
            {"title": rtext("button_keep", lang), "payload": "/deny"}]


class ActionRegistrationDeleteResult(Action):
    """Deletes the conversation's registration if the user confirmed; says what happened."""

    def name(self) -> str:
        return "action_registration_delete_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        mine = store().for_conversation(tracker.sender_id)
        if mine is None:
            dispatcher.utter_message(text=rtext("delete_none", lang))
        elif tracker.get_slot("reg_delete_confirmed") is True:
            store().delete_for_conversation(tracker.sender_id)
            dispatcher.utter_message(text=rtext("deleted", lang, ref=mine.display_ref, days=retention_days()))
        else:
            dispatcher.utter_message(text=rtext("delete_kept", lang))
        return _reset()
