"""The eligibility conversation: validate the form's answers, then show the engine's result.

The form (``domain/eligibility.yml``) asks for degree, years of experience, field and age, one at a
time and only when missing. Entities fill slots in any turn, so several answers in one message and
corrections ("actually 8 years") just work; a typed answer to the current question is parsed here.
"unknown" (the user said skip / 不知道) is a valid answer: the engine lists it as missing. Degrees,
fields and numbers are read from the entities the NLU put on the message (the KB's terms and the
number patterns, :mod:`bot.nlu.components`), not extracted again; only the number in a typed answer
the NLU found none in ("about twelve") is parsed here.

A message that starts the pre-check often asks the policy too ("博士，做新材料8年，符合条件吗？"):
the form's first question then comes after the article that answers it, cited, so the user has the
policy's answer at once and their own verdict at the end.
"""

from __future__ import annotations

import json
import re
from abc import ABC
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.choices import ZH_ASKS, english_number, is_question, payload_entities, pick, short_reply
from actions.form_base import (
    FORM_STATE_SLOTS,
    STOP_FORM,
    AskSlot,
    TypedForm,
    entity,
    latest_intent,
    leave_note,
    leave_prompt,
    typed,
)
from actions.language import reply_language
from actions.policy import ranked_answers
from actions.texts import text
from actions.verdict import PARTS, part, part_buttons, summary
from lexicon.normalize import fold
from lexicon.numerals import parse_number
from policy_kb.eligibility.engine import evaluate
from policy_kb.eligibility.profile import DEGREES, MAX_FIELD_CHARS, ProfileError, parse_profile
from policy_kb.lang import word_units
from policy_kb.search import default_searcher

UNKNOWN = "unknown"
#: Plausible ranges for a working candidate; the engine's own limits are wider (it serves any JSON).
AGE_RANGE = (16, 100)
YEARS_RANGE = (0, 60)
#: Slots that become profile keys as they are; the four form slots are converted below.
EXTRA_PROFILE_SLOTS = ("degree_from", "role", "shanxi_roots", "hk_macao_taiwan", "holds_ip")
#: A field is said in a few words; these intents are never one ("help", "转人工", "bye", "in English").
FIELD_WORDS = 8
FIELD_NOT_ANSWERS = frozenset({"help", "handoff", "goodbye", "switch_language", "greet", "thank", "check_eligibility"})
#: The form's questions, in the order it asks them.
FORM_SLOTS = ("degree", "years_experience", "field", "age")


def _said(tracker: Tracker | None, name: str, value: Any) -> Any:
    """The NLU's ``name`` entity in the latest message, when ``value`` is that message's text."""
    if tracker is None or not isinstance(value, str) or value.strip() != (tracker.latest_message.get("text") or "").strip():
        return None
    return entity(tracker, name)


def _number(value: Any, slot: str, tracker: Tracker | None = None) -> float | None:
    """A number from a slot that holds an entity value (a number) or a typed answer (text): the NLU's
    number for the latest message's text, else the number the text is ("38", "三十八", "twelve years")."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        found = _said(tracker, slot, value)
        if found is not None:
            return float(found)
        number = parse_number(value.strip().rstrip("岁年yearsold ."))
        words = english_number(value) if number is None else None  # "twelve years", "thirty-five"
        return number if words is None else float(words)
    return None


def _degree_buttons(lang: str) -> list[dict[str, str]]:
    return [*({"title": text(f"degree_{d}", lang), "payload": "/inform" + json.dumps({"degree": d})}
              for d in ("doctorate", "master", "bachelor", "none")),
            {"title": text("button_skip", lang), "payload": "/skip"}]


def _has_words(reply: str) -> bool:
    """Whether there is anything to read in the reply (not just "???" or an emoji)."""
    return any(ch.isalnum() for ch in reply)


class ValidateEligibilityForm(TypedForm):
    """The pre-check's four questions. A typed reply is the answer to the question asked ("1", "博士",
    "6", "不知道") unless it answers another question (its entities fill that one and it is said back)
    or is a digression; "算了"/"stop" ends the pre-check."""

    short_intents = {"skip": "skip", "deny": "deny", "stop": STOP_FORM, "cancel": STOP_FORM}

    def name(self) -> str:
        return "validate_eligibility_form"

    def digressions(self, tracker: Tracker) -> frozenset[str]:
        # a message with nothing to read ("???") gets "please rephrase" and the question again
        unreadable = {"nlu_fallback"} if not _has_words(typed(tracker)) else set()
        return super().digressions(tracker) | {"check_eligibility", "book_appointment"} | unreadable

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        return [] if tracker.get_slot("precheck_stopped") else list(FORM_SLOTS)

    def reads(self, slot: str, reply: str, tracker: Tracker) -> bool:
        if slot == "degree":
            return _said(tracker, "degree", reply) is not None
        if slot in ("years_experience", "age"):
            return _number(reply, slot, tracker) is not None
        if slot != "field":
            return False
        # any short description is a field ("cooking", "新能源汽车研发"), whatever the NLU made of it
        return _said(tracker, "field", reply) is not None or (
            not is_question(reply) and word_units(reply) <= FIELD_WORDS and short_reply(reply) is None
            and parse_number(reply.strip()) is None and latest_intent(tracker) not in FIELD_NOT_ANSWERS)

    def answers_another(self, slot: str, reply: str, tracker: Tracker) -> bool:
        """"35岁" while the years are asked: the NLU's entities fill that question (and it is said back);
        "不知道" or a "no" to the degree still answers the question asked."""
        intent = latest_intent(tracker)
        if intent == "skip" or (slot == "degree" and intent == "deny") or entity(tracker, slot) is not None:
            return False
        return bool({e.get("entity") for e in tracker.latest_message.get("entities") or []} & (set(FORM_SLOTS) - {slot}))

    def short_intent(self, slot: str, kind: str, tracker: Tracker) -> str | None:
        if kind == "deny" and slot != "degree":
            return None  # "no" answers "your degree?" (none), not "how many years?"
        return super().short_intent(slot, kind, tracker)

    def stop(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        return {"precheck_stopped": True}

    def need(self, slot: str, lang: str) -> str:
        return text(f"need_{slot}", lang)

    def give_up(self, tracker: Tracker, slot: str, lang: str) -> dict[str, Any]:
        return {slot: UNKNOWN, **leave_note(tracker, text("precheck_given_up", lang))}

    def said_back(self, slot: str, value: Any, tracker: Tracker, lang: str) -> str | None:
        if value == UNKNOWN:
            return None
        if slot == "degree" and value in DEGREES:
            return text(f"degree_{value}", lang)
        if slot in ("years_experience", "age"):
            number = _number(value, slot)
            return None if number is None else text(f"said_{slot}", lang, n=f"{number:g}")
        if slot == "field" and isinstance(value, str):
            return _field_label(value, lang)
        return None

    def _typed_answer(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        """The latest message as the answer to ``slot`` (when :meth:`answer` says it is one): "unknown"
        for a skip, the NLU's entity, else the typed text."""
        if self.answer(tracker, slot) is None:
            return {}
        intent = latest_intent(tracker)
        if intent == "skip":
            return {slot: UNKNOWN}
        if slot == "degree" and intent == "deny":
            return {slot: "none"}
        found = entity(tracker, slot)
        if found is not None:
            return {slot: found}
        reply = typed(tracker)
        return {slot: reply} if reply else {}  # another button is no answer

    async def extract_degree(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        return self._typed_answer(tracker, "degree")

    async def extract_years_experience(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        return self._typed_answer(tracker, "years_experience")

    async def extract_field(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> dict[str, Any]:
        return self._typed_answer(tracker, "field")

    async def extract_age(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> dict[str, Any]:
        return self._typed_answer(tracker, "age")

    def _reask(self, tracker: Tracker, slot: str, key: str, **values: Any) -> dict[str, Any]:
        return {slot: None, **leave_prompt(tracker, slot, text(key, reply_language(tracker), **values))}

    async def validate_degree(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        if value == UNKNOWN or value in DEGREES:
            return {"degree": value}
        found = _said(tracker, "degree", value)
        if found:
            return {"degree": found}
        return self._reask(tracker, "degree", "reask_degree")

    def _number_slot(self, slot: str, value: Any, tracker: Tracker, bounds: tuple[int, int], reask: str,
                     whole: bool = False, at_most: float | None = None) -> dict[str, Any]:
        """A number answer within ``bounds`` (and ``at_most``), or a re-ask that says what is expected."""
        if value == UNKNOWN:
            return {slot: value}
        number = _number(value, slot, tracker)
        low, high = bounds
        if number is None or not low <= number <= high or (whole and number != int(number)) or \
                (at_most is not None and number > at_most):
            return self._reask(tracker, slot, reask, low=low, high=high)
        return {slot: int(number) if whole else number}

    async def validate_years_experience(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        age = _number(tracker.get_slot("age"), "age")  # nobody has worked longer than they have lived
        return self._number_slot("years_experience", value, tracker, YEARS_RANGE, "reask_years", at_most=age)

    async def validate_age(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> dict[str, Any]:
        return self._number_slot("age", value, tracker, AGE_RANGE, "reask_age", whole=True)

    async def validate_field(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        if value == UNKNOWN:
            return {"field": value}
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_FIELD_CHARS or \
                parse_number(value.strip()) is not None or short_reply(value) is not None:
            return self._reask(tracker, "field", "reask_field")
        return {"field": value.strip()}


def profile_from_slots(tracker: Tracker) -> dict[str, Any]:
    """The engine's profile from the conversation's slots; "unknown" and empty slots are left out."""
    profile: dict[str, Any] = {}
    degree = tracker.get_slot("degree")
    if degree in DEGREES:
        profile["degree"] = degree
    for key in ("years_experience", "age"):
        value = tracker.get_slot(key)
        number = None if value == UNKNOWN else _number(value, key)
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
    return _field_label(field, "en")


def _field_label(field: str, lang: str) -> str:
    """A field id in the user's language (``big_data`` -> 大数据); free text as typed."""
    kb_field = next((f for f in default_searcher().kb.fields if f["id"] == field), None)
    return kb_field[lang] if kb_field else field


def _evaluate(tracker: Tracker, lang: str) -> dict[str, Any]:
    return evaluate(parse_profile(profile_from_slots(tracker)), lang)


class ActionEligibilityResult(Action):
    """Evaluates the profile and shows the verdict's summary (cited), with the rest on request."""

    def name(self) -> str:
        return "action_eligibility_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        if tracker.get_slot("precheck_stopped"):
            dispatcher.utter_message(text=text("precheck_stopped", lang))
            return [SlotSet(s, None) for s in (*FORM_SLOTS, "precheck_stopped", *FORM_STATE_SLOTS)]
        chosen = _picked_part(tracker)
        if chosen:  # "2" after a verdict: the part it numbers, not a correction
            return await ActionPrecheckMore().show(dispatcher, tracker, chosen, lang)
        profile = profile_from_slots(tracker)
        try:
            result = evaluate(parse_profile(profile), lang)
        except ProfileError as e:  # the only cross-check the chat can hit: more years of work than of life
            dispatcher.utter_message(text=text("eligibility_inconsistent", lang, answer=text(f"answer_{e.field}", lang)))
            return [SlotSet(e.field, None)] if e.field in profile else []
        buttons = part_buttons(lang)
        dispatcher.utter_message(text=summary(result, lang), buttons=buttons)
        return [SlotSet("eligibility_result_shown", True),
                SlotSet("form_options", {"slot": "precheck_more", "options": buttons})]


def _picked_part(tracker: Tracker) -> str | None:
    """The verdict part a typed "1"/"第二个" picks from the buttons under the last verdict."""
    options = tracker.get_slot("form_options") or {}
    reply = typed(tracker)
    if options.get("slot") != "precheck_more" or not reply:
        return None
    chosen = pick(reply, options.get("options") or [])
    if chosen is None:
        return None
    return payload_entities(options["options"][chosen]["payload"]).get("part")


class ActionPrecheckMore(Action):
    """One part of the last verdict on request: the details, the document checklist, or the answers
    that would sharpen it."""

    def name(self) -> str:
        return "action_precheck_more"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        which = entity(tracker, "part") or _picked_part(tracker) or "details"
        return await self.show(dispatcher, tracker, str(which), lang)

    async def show(self, dispatcher: CollectingDispatcher, tracker: Tracker, which: str, lang: str) -> list[EventType]:
        if not tracker.get_slot("eligibility_result_shown"):
            dispatcher.utter_message(text=text("verdict_first", lang),
                                     buttons=[{"title": text("button_eligibility", lang), "payload": "/check_eligibility"}])
            return []
        try:
            result = _evaluate(tracker, lang)
        except ProfileError:
            return await ActionEligibilityResult().run(dispatcher, tracker, {})
        buttons = part_buttons(lang)  # the same numbers every time: "2" is always the checklist
        dispatcher.utter_message(text=part(result, which if which in PARTS else "details", lang), buttons=buttons)
        return [SlotSet("form_options", {"slot": "precheck_more", "options": buttons})]


class _AskEligibility(AskSlot, ABC):
    """The form's question for one slot, after the cited answer when this message started the pre-check."""

    def before(self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: str) -> None:
        message = tracker.latest_message or {}
        if _asks_the_policy_too(message) and not _form_was_running(tracker):
            _, candidates = ranked_answers(message.get("text") or "", lang)
            if len(candidates) == 1:
                dispatcher.utter_message(text=text("policy_before_precheck", lang, answer=candidates[0].answer))

    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]:
        return text(f"ask_{self.slot}", lang), (_degree_buttons(lang) if self.slot == "degree" else [])


def _asks_the_policy_too(message: dict[str, Any]) -> bool:
    """Whether the message may ask the policy too, not only give an answer like "PhD, 8 years".

    A pre-check request counts when it has substance or is a question: the NLU takes some policy
    questions for one ("team members 我自己选可以吗"), and those must not lose their answer. A bare
    "am I eligible?" asks too, but the search finds no one clear article for it, so only the form's
    question follows. Profile facts (``inform``) count when they have substance and ask.
    Substance: the message names something the KB knows (a degree, a field, a benefit ...) or is a
    whole sentence of at least :data:`SENTENCE_UNITS` words (Chinese characters count one each).
    """
    text = message.get("text") or ""
    substance = any(e.get("entity") not in ("language", "target_language") for e in message.get("entities") or []) \
        or word_units(text) >= SENTENCE_UNITS
    asks = bool(_QUESTION.search(fold(text)))  # folded: 嗎 and 吗 alike
    intent = (message.get("intent") or {}).get("name")
    return (intent == "check_eligibility" and (substance or asks)) or (intent == "inform" and substance and asks)


SENTENCE_UNITS = 10
#: Question marks and words: "PhD, 8 years in big data" answers; "PhD in big data, can I apply?" also asks.
_QUESTION = re.compile(r"[?？]|" + ZH_ASKS + r"|\b(?:can|could|do|does|am|is|are|will|would|what|which"
                       r"|how|who|where|when|why|any)\b")


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
