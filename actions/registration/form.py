"""The registration form's validator: reading each typed answer, skips, out-of-order answers and
corrections at the review (the reading itself is the :mod:`registry` library's).
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.appointment_forms.common import keep_language
from actions.appointment_forms.formatting import invalid_text
from actions.choices import is_question, pick, short_reply
from actions.form_base import (
    STOP_FORM,
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
from actions.registration.common import (
    DIGRESSIONS,
    FREE_TEXT,
    NOT_FREE_TEXT,
    REVIEWED,
    answers_of,
    interest_buttons,
    place_buttons,
    place_label,
    review_buttons,
    rtext,
    skip_button,
    store,
)
from appointments.contacts import Contact, find_contact
from lexicon.user_text import clean_user_text
from registry.countries import country_name, find_country, is_country
from registry.fields import INTERESTS, SKIPPED, WECHAT, given
from registry.places import divisions, find_place
from registry.reading import read_consent, read_correction, read_interests

_STOP = re.compile(r"不登记了|不想登记|不登记|不要登记|不用登记|don'?t register|do not register|stop (?:the )?registration", re.I)
#: What the review's extraction hands its validator besides True and a correction.
_REOPENED, _WHICH = "__reopened__", "__which__"
_SAVE = re.compile(r"确认|确定|保存|没问题|都对|没错|confirm|save|looks good|all correct|that's right", re.I)
_WECHAT = re.compile(r"微信|公众号|wechat|weixin|official account", re.I)


def _skip(tracker: Tracker) -> bool:
    return latest_intent(tracker) == "skip"


def _button_value(tracker: Tracker, name: str) -> Any:
    """An entity a button carries (``/inform{"reg_place": ...}``); typed text carries none of ours."""
    return entity(tracker, name) if (tracker.latest_message.get("text") or "").startswith("/") else None


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
                                               [*place_buttons(list(place.candidates), lang), skip_button(lang)])}
        options = divisions().counties(within) if within else []
        return {slot: None, **leave_prompt(tracker, slot, rtext("unknown_place", lang),
                                           [*place_buttons(options, lang), skip_button(lang)] if options else [])}

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
        offered = interest_buttons("zh")[:len(INTERESTS)]
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
                                                          review_buttons(lang))}
        if value is not True:
            return {"reg_confirmed": None}
        try:
            saved = store().save(tracker.sender_id, answers_of(tracker.slots, lang))
        except Exception:  # noqa: BLE001 - the database failed: say so, the user may try again
            return {"reg_confirmed": None, **leave_prompt(tracker, "reg_confirmed", rtext("save_failed", lang))}
        return {"reg_confirmed": True, "reg_ref": saved.display_ref}
