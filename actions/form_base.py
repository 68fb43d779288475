"""One base for every form (booking, cancelling, rescheduling, the eligibility pre-check): what a typed
answer means at the question being asked, decided once, before the slot validators run.

Like RasaHQ/financial-demo's ``custom_forms.py``, :class:`TypedForm` overrides the validation step
(:meth:`TypedForm.validate`, called by :meth:`TypedForm.run`) and applies the cross-cutting checks
there, once for every question, then dispatches to the ``extract_<slot>``/``validate_<slot>`` methods
of the form, which only read their own slot's answer:

1. **The question first.** A typed reply is tried against the question being asked before anything
   else: a pick from the options just offered ("2", "第二个", "the 10:00 one": :mod:`actions.choices`)
   becomes that button's payload; a short reply ("yse", "嗯嗯", "算了", "都行") becomes the intent
   the form's question gives it (:meth:`TypedForm.short_intent`); text that reads as an answer to
   the slot (:meth:`TypedForm.reads`: a service name, a city, a date, a number) is an answer
   whatever the NLU thought. "go back" reopens the previous question.
2. **The answer, or not one.** :meth:`TypedForm.validate` decides once whether the message answers
   the question asked (:meth:`TypedForm.answer` then gives its text to the extractors): not when its
   intent is one the form does not answer (:meth:`TypedForm.digressions`: :data:`DIGRESSIONS`,
   :data:`LEAVING` and the form's own switches), not when it is a button that answers no question
   (:data:`ANSWER_BUTTONS`), not when its text answers another question of the form instead
   (:meth:`TypedForm.answers_another`). A message that answers nothing is rejected, so the rules in
   ``data/rules/`` answer it and resume the form (``tests/assistant/test_form_base.py`` checks those
   rules against these lists).
3. **Stopping.** An answer that ends the form ("不预约了", "no" where it cannot mean anything else:
   :meth:`TypedForm.stops`) ends it (:meth:`TypedForm.stop`) before any slot validator sees it.
4. **Said back.** Answers to questions not asked yet ("Datong" while the service is asked) are taken
   and said back before the next question ("好的，大同。请问您要办理哪项服务？").
5. **Never stuck.** Unusable answers to one question are counted (``form_strikes``): the first gets
   the validator's own reason, the second what exactly is needed with an example and the choices
   again, the third an offer to stop or hand over to a person, the fourth ends the question
   (:meth:`TypedForm.give_up`). No message comes three times.

Questions are asked by :class:`AskSlot` actions, for both form families: the validator's prompt
(:func:`leave_prompt`, kept in ``form_prompt``) or the plain question, after any note
(:func:`leave_note`); the options they offer are kept in ``form_options`` for the next reply to pick
from. The helpers that read the latest message (:func:`latest_intent`, :func:`typed`,
:func:`entity`) are the forms' public API too.
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

from actions.choices import is_question, payload_entities, payload_intent, pick, short_reply
from actions.handoff import ActionHandoff
from actions.language import reply_language
from actions.policy import ranked_answers
from actions.texts import text
from policy_kb.lang import word_units

#: Intents a form does not answer: the rule for each answers it (this action), then the form resumes.
DIGRESSIONS: dict[str, str] = {
    "ask_policy": "action_answer_policy",
    "help": "utter_help",
    "chitchat": "utter_chitchat",
    "out_of_scope": "utter_out_of_scope",
    "switch_language": "action_switch_language",
    "greet": "utter_greet",
    "thank": "utter_thank",
    "my_appointments": "action_my_appointments",
}
#: Intents that leave any form: the rule stops the form, then answers with this action.
LEAVING: dict[str, str] = {"handoff": "action_handoff", "goodbye": "utter_goodbye"}

#: What the NLU calls a short attempt at an answer ("我家附近那个", "你猜", "the usual"): such text is the
#: form's to explain (and count), not small talk to answer, unless it asks something or says more.
SOFT_DIGRESSIONS = frozenset({"chitchat", "out_of_scope", "help"})
#: ... but a short "help" / "帮助" is a request for help, whatever the question.
_ASKS_HELP = re.compile(r"help|帮助|帮忙|怎么用|菜单|menu|功能", re.I)
SHORT_ANSWER_UNITS = 6

#: The slots this module keeps for every form (``domain/forms.yml``).
FORM_STATE_SLOTS = ("form_prompt", "form_options", "form_strikes")
_NOT_ANSWERS = frozenset({*FORM_STATE_SLOTS, "requested_slot", "language", "language_pref"})
#: The intent a form's :attr:`TypedForm.short_intents` gives a reply that ends the form ("算了", "stop").
STOP_FORM = "stop_form"
#: After this many unusable answers in a row the question is given up (the form ends or moves on).
GIVE_UP_AFTER = 4
#: Button payloads that answer a question; any other button ("/book_appointment" under a policy answer)
#: answers none (the form asks again).
ANSWER_BUTTONS = frozenset({"inform", "affirm", "deny", "skip", "cancel_appointment", "reschedule_appointment"})
#: Where :meth:`TypedForm.validate` leaves its decision in the latest message: ``{slot: text}``.
_ANSWER = "form_answer"


# --------------------------------------------------------------------------- reading the latest message


def latest_intent(tracker: Tracker) -> str | None:
    """The latest message's intent, as the question being asked reads it (see :class:`TypedForm`)."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def typed(tracker: Tracker) -> str:
    """The latest message's text, or "" for a button payload ("/inform{...}")."""
    value = (tracker.latest_message.get("text") or "").strip()
    return "" if value.startswith("/") else value


def entity(tracker: Tracker, name: str) -> Any:
    """The latest message's first ``name`` entity, as the NLU (or the button's payload) gave it."""
    return next(tracker.get_latest_entity_values(name), None)


def slots_before_message(tracker: Tracker) -> dict[str, Any]:
    """The slots as they were before the latest user message (its own extractions not yet applied)."""
    events = tracker.events or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    return {e["name"]: e.get("value") for e in events[:last_user] if e.get("event") == "slot"}


def as_button(tracker: Tracker, payload: str) -> None:
    """Make the latest message the button ``payload`` (what a typed pick means), for the validators."""
    entities = [{"entity": k, "value": v} for k, v in payload_entities(payload).items()]
    tracker.latest_message = {**tracker.latest_message, "text": payload, "entities": entities,
                              "intent": {"name": payload_intent(payload), "confidence": 1.0}}


def as_intent(tracker: Tracker, intent: str) -> None:
    """Give the latest message the intent its question gives it ("嗯嗯" at a yes/no question: affirm)."""
    tracker.latest_message = {**tracker.latest_message, "intent": {"name": intent, "confidence": 1.0}}


# --------------------------------------------------------------------------- prompts and notes


def leave_prompt(tracker: Tracker, slot: str, prompt_text: str, buttons: list[dict] | None = None) -> dict[str, Any]:
    """Leave ``prompt_text`` (and buttons) for the next ``action_ask_<slot>``, in place of its plain question."""
    prompts = dict(tracker.get_slot("form_prompt") or {})
    prompts[slot] = {"text": prompt_text, "buttons": buttons or []}
    return {"form_prompt": prompts}


def leave_note(tracker: Tracker, note: str) -> dict[str, Any]:
    """Leave ``note`` to be said before the next question, whichever it is ("好的，大同。")."""
    prompts = dict(tracker.get_slot("form_prompt") or {})
    prompts["_note"] = note
    return {"form_prompt": prompts}


def take_prompt(tracker: Tracker, slot: str) -> tuple[dict | None, str, list[EventType]]:
    """The prompt left for ``slot`` (or None), the note, and the event that clears both."""
    prompts = dict(tracker.get_slot("form_prompt") or {})
    found = prompts.pop(slot, None)
    note = prompts.pop("_note", "")
    changed = found is not None or bool(note)
    return found, note, ([SlotSet("form_prompt", prompts or None)] if changed else [])


def join(lang: str, *parts: str) -> str:
    """Sentences of one message: run on in Chinese, a space between them in English."""
    return ("" if lang == "zh" else " ").join(p for p in parts if p)


# --------------------------------------------------------------------------- the base of every form


class TypedForm(FormValidationAction, ABC):
    """Every form's validator: the cross-cutting checks (see the module docstring), then the slots'."""

    #: What each short reply (:func:`actions.choices.short_reply`) means at this form's questions,
    #: as the intent its validators understand; a question may override it (:meth:`short_intent`).
    short_intents: dict[str, str] = {"affirm": "affirm", "deny": "deny", "skip": "skip",
                                     "cancel": "cancel_appointment", "stop": "cancel_appointment"}

    @abstractmethod
    def name(self) -> str: ...

    def digressions(self, tracker: Tracker) -> frozenset[str]:
        """Intents this form does not answer (their rules do); the form's own switches added by subclasses."""
        return frozenset(DIGRESSIONS) | frozenset(LEAVING)

    def reads(self, slot: str, reply: str, tracker: Tracker) -> bool:
        """Whether ``reply`` answers ``slot`` by the slot's own choices, whatever the NLU made of it."""
        return False

    def unavailable(self, slot: str, reply: str, tracker: Tracker) -> bool:
        """Whether ``reply`` is the right kind of answer that cannot be used for a reason the validator
        explains with alternatives (a full or closed day): not a strike."""
        return False

    def carries(self, reply: str, tracker: Tracker) -> bool:
        """Whether ``reply`` answers another question of this form in passing ("Datong" while the
        service is asked): then it is an answer too, not a digression."""
        return False

    def answers_another(self, slot: str, reply: str, tracker: Tracker) -> bool:
        """Whether typed ``reply`` answers another question of this form rather than ``slot``'s ("大同"
        while the service is asked; "35岁" while the years are asked): then it is no answer to ``slot``."""
        return False

    def stops(self, tracker: Tracker, slot: str) -> bool:
        """Whether the latest message, taken as the answer to ``slot``, ends the form ("不预约了")."""
        return False

    def takes_any(self, slot: str) -> bool:
        """Whether "都行"/"any time" at ``slot`` means the first option offered (the earliest time)."""
        return False

    def short_intent(self, slot: str, kind: str, tracker: Tracker) -> str | None:
        return self.short_intents.get(kind)

    @abstractmethod
    def stop(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        """The slots that end this form with nothing saved."""

    @abstractmethod
    def need(self, slot: str, lang: str) -> str:
        """What ``slot``'s question needs, with an example, in ``lang`` (said after a second unusable answer)."""

    def said_back(self, slot: str, value: Any, tracker: Tracker, lang: str) -> str | None:
        """An answer taken before its question, in words ("大同"); None to say nothing."""
        return None

    def give_up(self, tracker: Tracker, slot: str, lang: str) -> dict[str, Any]:
        """After :data:`GIVE_UP_AFTER` unusable answers to ``slot``: end the form, saying so."""
        return {**self.stop(tracker, slot), **leave_note(tracker, text("form_given_up", lang))}

    def stop_label(self, lang: str) -> str:
        return text("button_stop", lang)

    def answer(self, tracker: Tracker, slot: str) -> str | None:
        """The latest message's text as the answer to ``slot`` (a button's payload included), or None
        when it is none: :meth:`validate` decided it (see the module docstring)."""
        return (tracker.latest_message.get(_ANSWER) or {}).get(slot)

    def _answers(self, tracker: Tracker, slot: str) -> str | None:
        """The decision :meth:`answer` reads, made once per message."""
        intent = latest_intent(tracker)
        if tracker.get_slot("requested_slot") != slot or intent in self.digressions(tracker):
            return None
        said = tracker.latest_message.get("text") or ""
        if said.startswith("/"):
            return said if intent in ANSWER_BUTTONS else None
        return None if self.answers_another(slot, said, tracker) else said

    # ---- the entry point

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        slot = tracker.get_slot("requested_slot")
        if slot is None:  # the form starts: nothing was asked yet
            return [SlotSet("form_strikes", None), *await self.validate(dispatcher, tracker, domain)]
        lang = reply_language(tracker)
        strikes = dict(tracker.get_slot("form_strikes") or {})
        reply = typed(tracker)
        kind = short_reply(reply) if reply else None
        if kind == "back":
            return await self._go_back(dispatcher, tracker, domain, slot, lang)
        self._understand(tracker, slot, reply, kind)
        if latest_intent(tracker) == STOP_FORM:
            return await self._leave(dispatcher, tracker, domain, slot, lang)
        if strikes.get(slot, 0) >= 3 and (latest_intent(tracker) in ("deny", "cancel_appointment", "handoff")
                                          or kind in ("deny", "stop", "cancel")):
            return await self._leave(dispatcher, tracker, domain, slot, lang)
        before = slots_before_message(tracker)
        events = await self.validate(dispatcher, tracker, domain)
        return await self._after(dispatcher, tracker, domain, slot, events, strikes, lang, before)

    async def validate(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """The checks every question shares, once, around the form's own ``extract_<slot>`` and
        ``validate_<slot>`` methods: whether the message answers the question asked (:meth:`answer`),
        then the extractors, then whether that answer ends the form (:meth:`stops`: then no validator
        runs), then the validators and the next question (rasa-sdk's own order)."""
        slot = tracker.get_slot("requested_slot")
        answered = self._answers(tracker, slot) if slot else None
        tracker.latest_message = {**tracker.latest_message, _ANSWER: {slot: answered} if answered is not None else {}}
        extracted = await self.get_extraction_events(dispatcher, tracker, domain)
        tracker.add_slots(extracted)
        if slot in tracker.slots_to_validate() and self.stops(tracker, slot):
            stopped = self.stop(tracker, slot)
            tracker.slots.update(stopped)
            return [SlotSet(k, v) for k, v in stopped.items()]
        validated = await self.get_validation_events(dispatcher, tracker, domain)
        tracker.add_slots(validated)
        following = await self.next_requested_slot(dispatcher, tracker, domain)
        return [*validated, *([following] if following else [])]

    def _understand(self, tracker: Tracker, slot: str, reply: str, kind: str | None) -> None:
        """The typed reply as the question being asked reads it (the latest message is rewritten)."""
        if not reply:
            return
        options = tracker.get_slot("form_options") or {}
        offered = options.get("options") or [] if options.get("slot") == slot else []
        chosen = 0 if kind == "any" and offered and self.takes_any(slot) else pick(reply, offered)
        if chosen is not None:
            as_button(tracker, offered[chosen]["payload"])
            return
        meant = self.short_intent(slot, kind, tracker) if kind else None
        if meant:
            as_intent(tracker, meant)
        elif self.reads(slot, reply, tracker) or self.carries(reply, tracker) or self._attempt(tracker, reply):
            as_intent(tracker, "inform")

    @staticmethod
    def _attempt(tracker: Tracker, reply: str) -> bool:
        """A short reply that asks nothing, which the NLU took for small talk, help or a policy question
        the KB has no answer to ("你猜", "the usual", "whatever it is called"): an attempt at the answer."""
        intent = latest_intent(tracker)
        if intent not in SOFT_DIGRESSIONS and intent != "ask_policy" or is_question(reply) \
                or word_units(reply) > SHORT_ANSWER_UNITS or _ASKS_HELP.search(reply):
            return False
        return intent != "ask_policy" or not ranked_answers(reply, reply_language(tracker))[1]

    async def _after(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, slot: str,
                     events: list[EventType], strikes: dict[str, int], lang: str,
                     before: dict[str, Any]) -> list[EventType]:
        answered = {e["name"]: e["value"] for e in events
                    if e.get("event") == "slot" and e["name"] not in _NOT_ANSWERS}
        if not answered:  # nothing the form can use: a digression's rule answers it (or the button is no answer)
            return events
        updates: dict[str, Any] = {}
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        still_asking = tracker.get_slot(slot) is None and slot in required
        # only what this message added counts (a date kept from earlier is set again on every turn)
        progress = {k: v for k, v in answered.items() if v is not None and v != before.get(k)}
        if still_asking and not progress:
            # a reply of the right kind that cannot be booked ("明天上午", a Saturday) gets the validator's
            # own reason and alternatives every time; only replies the question cannot read are strikes
            if not self.unavailable(slot, typed(tracker), tracker):
                strikes[slot] = strikes.get(slot, 0) + 1
                updates.update(self._strike(tracker, slot, strikes[slot], lang))
        else:
            strikes.pop(slot, None)
            words = [w for k, v in progress.items() if k != slot
                     for w in [self.said_back(k, v, tracker, lang)] if w]
            if words:
                updates.update(leave_note(tracker, text("noted", lang, what=text("list_sep", lang).join(words))))
        updates["form_strikes"] = strikes or None
        tracker.slots.update(updates)
        # a given-up question changes what is left to ask: the next question is decided after the updates
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        following = next((s for s in required if tracker.get_slot(s) is None), None)
        return [*(e for e in events if e.get("name") != "requested_slot"),
                *(SlotSet(k, v) for k, v in updates.items()), SlotSet("requested_slot", following)]

    def _strike(self, tracker: Tracker, slot: str, n: int, lang: str) -> dict[str, Any]:
        if n == 2:
            return leave_prompt(tracker, slot, self.need(slot, lang))
        if n == 3:
            return leave_prompt(tracker, slot, text("stuck", lang, need=self.need(slot, lang)), [
                {"title": self.stop_label(lang), "payload": "/deny"},
                {"title": text("button_handoff", lang), "payload": "/handoff"}])
        if n >= GIVE_UP_AFTER:
            return self.give_up(tracker, slot, lang)
        return {}

    async def _leave(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, slot: str,
                     lang: str) -> list[EventType]:
        """The user took the offer after the third unusable answer: stop, or hand over to a person."""
        events: list[EventType] = []
        if latest_intent(tracker) == "handoff":
            events += await ActionHandoff().run(dispatcher, tracker, domain)
        stopped = {**self.stop(tracker, slot), "form_strikes": None}
        tracker.slots.update(stopped)
        events += [SlotSet(k, v) for k, v in stopped.items()]
        return [*events, SlotSet("requested_slot", None)]

    async def _go_back(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, slot: str,
                       lang: str) -> list[EventType]:
        """"go back"/"返回上一步": reopen the question before this one (this one again if it is the first)."""
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        before = required[:required.index(slot)] if slot in required else []
        previous = next((s for s in reversed(before) if tracker.get_slot(s) is not None), slot)
        reopened = {previous: None, **self.reopen(previous), "form_strikes": None,
                    **leave_note(tracker, text("going_back", lang))}
        return [*(SlotSet(k, v) for k, v in reopened.items()), SlotSet("requested_slot", previous)]

    def reopen(self, slot: str) -> dict[str, Any]:
        """Slots that depend on ``slot`` and are cleared with it when the user goes back to it."""
        return {}


# --------------------------------------------------------------------------- asking


class AskSlot(Action, ABC):
    """Asks for one slot: the note, then the validator's prompt if it left one, else the plain question;
    keeps what it offered so a typed "2" or "the 10:00 one" can pick it."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    @abstractmethod
    def question(self, tracker: Tracker, lang: str) -> tuple[str, list[dict]]: ...

    def before(self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: str) -> None:
        """Anything said before the question (the eligibility form's cited answer)."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = reply_language(tracker)
        self.before(dispatcher, tracker, lang)
        prompt, note, events = take_prompt(tracker, self.slot)
        if prompt and prompt["buttons"]:
            question, buttons = prompt["text"], prompt["buttons"]
        else:
            question, buttons = self.question(tracker, lang)
            if prompt:
                question = f"{prompt['text']}\n{question}"
        dispatcher.utter_message(text=join(lang, note, question), buttons=buttons or None)
        offered = {"slot": self.slot, "options": buttons} if buttons else None
        return [*events, SlotSet("form_options", offered)]
