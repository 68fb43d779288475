"""The eligibility conversation: validate the form's answers, then show the engine's result.

The form (``domain/eligibility.yml``) asks for degree, years of experience, field and age, one at a
time and only when missing. Entities fill slots in any turn, so several answers in one message and
corrections ("actually 8 years") just work; a typed answer to the current question is parsed here.
"unknown" (the user said skip / 不知道) is a valid answer: the engine lists it as missing.

A message that starts the pre-check often asks the policy too ("博士，做新材料8年，符合条件吗？"):
the form's first question then comes after the article that answers it, cited, so the user has the
policy's answer at once and their own verdict at the end.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.language import reply_language
from actions.policy import ranked_answers
from actions.texts import text
from bot.nlu.extraction import extractor
from bot.nlu.numbers import parse_number
from policy_kb.eligibility.engine import evaluate
from policy_kb.eligibility.profile import DEGREES, MAX_FIELD_CHARS, ProfileError, parse_profile
from policy_kb.eligibility.report import render
from policy_kb.lang import word_units
from policy_kb.search import default_searcher

UNKNOWN = "unknown"
#: Plausible ranges for a working candidate; the engine's own limits are wider (it serves any JSON).
AGE_RANGE = (16, 100)
YEARS_RANGE = (0, 60)
#: Slots that become profile keys as they are; the four form slots are converted below.
EXTRA_PROFILE_SLOTS = ("degree_from", "role", "shanxi_roots", "hk_macao_taiwan", "holds_ip")


def _entity_value(entity: str, raw: str) -> Any:
    return next((e.value for e in extractor().extract(raw) if e.entity == entity), None)


def _number(value: Any, entity: str) -> float | None:
    """A number from a slot that holds an entity value (a number) or the typed answer (text)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        found = _entity_value(entity, value)
        return float(found) if found is not None else parse_number(value.strip().rstrip("岁年yearsold ."))
    return None


FORM_SLOTS = ("degree", "years_experience", "field", "age")


def _text_meant_for_another_slot(tracker: Tracker, slot: str, value: Any) -> bool:
    """The typed answer kept for the question being asked, when the message answered another one."""
    message = tracker.latest_message or {}
    others = {e.get("entity") for e in message.get("entities", [])} & (set(FORM_SLOTS) - {slot})
    return bool(others) and isinstance(value, str) and value == message.get("text")


class ValidateEligibilityForm(FormValidationAction):
    def name(self) -> str:
        return "validate_eligibility_form"

    def _reask(self, dispatcher: CollectingDispatcher, tracker: Tracker, key: str, **values: Any) -> None:
        dispatcher.utter_message(text=text(key, reply_language(tracker), **values))

    async def validate_degree(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        if _text_meant_for_another_slot(tracker, "degree", value):
            return {"degree": None}  # answered another question: ask this one again, silently
        if value == UNKNOWN or value in DEGREES:
            return {"degree": value}
        found = _entity_value("degree", str(value))
        if found:
            return {"degree": found}
        self._reask(dispatcher, tracker, "reask_degree")
        return {"degree": None}

    def _number_slot(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                     bounds: tuple[int, int], reask: str, whole: bool = False,
                     at_most: float | None = None) -> dict[str, Any]:
        """A number answer within ``bounds`` (and ``at_most``), or a re-ask that says what is expected."""
        if value == UNKNOWN:
            return {slot: value}
        number = _number(value, slot)
        low, high = bounds
        if number is None or not low <= number <= high or (whole and number != int(number)) or \
                (at_most is not None and number > at_most):
            self._reask(dispatcher, tracker, reask, low=low, high=high)
            return {slot: None}
        return {slot: int(number) if whole else number}

    async def validate_years_experience(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        if _text_meant_for_another_slot(tracker, "years_experience", value):
            return {"years_experience": None}  # answered another question: ask this one again, silently
        age = _number(tracker.get_slot("age"), "age")  # nobody has worked longer than they have lived
        return self._number_slot("years_experience", value, dispatcher, tracker, YEARS_RANGE, "reask_years",
                                 at_most=age)

    async def validate_age(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> dict[str, Any]:
        if _text_meant_for_another_slot(tracker, "age", value):
            return {"age": None}  # answered another question: ask this one again, silently
        return self._number_slot("age", value, dispatcher, tracker, AGE_RANGE, "reask_age", whole=True)

    async def validate_field(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        if _text_meant_for_another_slot(tracker, "field", value):
            return {"field": None}  # answered another question: ask this one again, silently
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_FIELD_CHARS or \
                parse_number(value.strip()) is not None:
            self._reask(dispatcher, tracker, "reask_field")
            return {"field": None}
        return {"field": value.strip()}


def profile_from_slots(tracker: Tracker) -> dict[str, Any]:
    """The engine's profile from the conversation's slots; "unknown" and empty slots are left out."""
    profile: dict[str, Any] = {}
    degree = tracker.get_slot("degree")
    if degree in DEGREES:
        profile["degree"] = degree
    for key, entity in (("years_experience", "years_experience"), ("age", "age")):
        value = tracker.get_slot(key)
        number = None if value == UNKNOWN else _number(value, entity)
        if number is not None:
            profile[key] = int(number) if key == "age" else number
    field = tracker.get_slot("field")
    if field and field != UNKNOWN:
        profile["field"] = _field_text(field)
    for key in EXTRA_PROFILE_SLOTS:
        if tracker.get_slot(key) is not None:
            profile[key] = tracker.get_slot(key)
    if profile.get("degree") == "none":
        profile.pop("degree_from", None)  # "a Chinese university" said in passing is no degree
    return profile


def _field_text(field: str) -> str:
    """A field id from the entity extractor (``big_data``) as the policy's name; free text as typed."""
    kb_field = next((f for f in default_searcher().kb.fields if f["id"] == field), None)
    return kb_field["en"] if kb_field else field


class ActionEligibilityResult(Action):
    """Evaluates the profile and shows the pre-check, with citations and next steps."""

    def name(self) -> str:
        return "action_eligibility_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        profile = profile_from_slots(tracker)
        try:
            result = evaluate(parse_profile(profile), lang)
        except ProfileError as e:  # the only cross-check the chat can hit: more years of work than of life
            dispatcher.utter_message(text=text("eligibility_inconsistent", lang, answer=text(f"answer_{e.field}", lang)))
            return [SlotSet(e.field, None)] if e.field in profile else []
        dispatcher.utter_message(
            text=render(result, lang),
            buttons=[{"title": text("button_booking", lang), "payload": "/book_appointment"},
                     {"title": text("button_handoff", lang), "payload": "/handoff"}],
        )
        return [SlotSet("eligibility_result_shown", True)]


class _AskEligibility(Action, ABC):
    """The form's question for one slot, after the cited answer when this message started the pre-check."""

    @property
    @abstractmethod
    def slot(self) -> str: ...

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        message = tracker.latest_message or {}
        if _asks_the_policy_too(message) and not _form_was_running(tracker):
            lang = reply_language(tracker)
            _, candidates = ranked_answers(message.get("text") or "", lang)
            if len(candidates) == 1:
                dispatcher.utter_message(text=text("policy_before_precheck", lang, answer=candidates[0].answer))
        dispatcher.utter_message(response=f"utter_ask_{self.slot}")
        return []


def _asks_the_policy_too(message: dict[str, Any]) -> bool:
    """A question with substance, not a bare "am I eligible?" or an answer like "PhD, 8 years".

    Substance: it names something the KB knows (a degree, a field, a benefit ...) or is a whole
    sentence of at least :data:`SENTENCE_UNITS` words (Chinese characters count one each).
    """
    text = message.get("text") or ""
    substance = any(e.get("entity") not in ("language", "target_language") for e in message.get("entities") or []) \
        or word_units(text) >= SENTENCE_UNITS
    intent = (message.get("intent") or {}).get("name")
    return substance and (intent == "check_eligibility" or intent == "inform" and bool(_QUESTION.search(text)))


SENTENCE_UNITS = 10
#: Question marks and words: "PhD, 8 years in big data" answers; "PhD in big data, can I apply?" also asks.
_QUESTION = re.compile(r"[?？]|吗|么|呢|能不能|可不可以|有没有|是否|\b(?:can|could|do|does|am|is|are|will|would|what|which"
                       r"|how|who|where|when|why|any)\b", re.I)


def _form_was_running(tracker: Tracker) -> bool:
    """Whether the pre-check was already under way when the latest message came (then it did not start it)."""
    events = list(tracker.events)
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    loops = [e for e in events[:last_user] if e.get("event") == "active_loop"]
    return bool(loops) and loops[-1].get("name") == "eligibility_form"


class AskDegree(_AskEligibility):
    slot = "degree"


class AskYearsExperience(_AskEligibility):
    slot = "years_experience"


class AskField(_AskEligibility):
    slot = "field"


class AskAge(_AskEligibility):
    slot = "age"
