"""A conversation with any form (booking, cancel, reschedule, the pre-check), Rasa's side played by hand:
the one helper of every form test (``test_form_base.py``, ``test_appointment_actions.py``, ...).

Per user message, as Rasa 3.6 does: the NLU's entities (the KB extractor and the language detector;
the intent is given by the test, as the NLU may get it wrong), the domain's ``from_entity`` mappings,
the form's validation action, then the rejection (a digression: the rules would answer, then the form
asks again: :meth:`FormChat.resume`) or the ask action of the next requested slot, or the result
action when the form is done. A form is opened as the rules open it: the appointment forms after
``action_appointment_reset``. Typed text mostly: a test can send a button payload too, as a tap.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import inspect
import json
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.utils import all_subclasses

import actions
from actions.appointment_forms import (
    ActionAppointmentReset,
    ActionBookingResult,
    ActionCancelResult,
    ActionRescheduleResult,
    common,
)
from actions.eligibility import ActionEligibilityResult
from actions.form_base import AskSlot, TypedForm
from appointments.catalogue import get_catalogue
from appointments.workdays import TZ
from extraction.entities import extractor
from policy_kb.lang import detect

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_SLOTS: dict[str, Any] = {}
for _f in sorted((ROOT / "domain").glob("*.yml")):
    DOMAIN_SLOTS.update(yaml.safe_load(_f.read_text("utf-8")).get("slots") or {})
FORMS = {name: spec["required_slots"] for f in sorted((ROOT / "domain").glob("*.yml"))
         for name, spec in (yaml.safe_load(f.read_text("utf-8")).get("forms") or {}).items()}
DOMAIN = {"forms": {k: {"required_slots": v} for k, v in FORMS.items()}, "slots": DOMAIN_SLOTS}
# every module of the action package, as the action server loads them, so every form's validator is found
for _module in pkgutil.walk_packages(actions.__path__, "actions."):
    importlib.import_module(_module.name)
#: Every form's validator, found as the action server finds them (a new form is in every test at once).
VALIDATORS = {cls().form_name(): cls for cls in all_subclasses(TypedForm) if not inspect.isabstract(cls)}
RESULTS = {"booking_form": ActionBookingResult, "cancel_form": ActionCancelResult,
           "reschedule_form": ActionRescheduleResult, "eligibility_form": ActionEligibilityResult}
ASK = {cls().name(): cls for cls in all_subclasses(AskSlot) if not inspect.isabstract(cls)}
#: The forms the rules open after clearing every booking slot (``data/rules/appointments.yml``).
RESET_FIRST = frozenset({"booking_form", "cancel_form", "reschedule_form"})


def nlu_entities(text: str) -> list[dict]:
    """The entities the NLU puts on a typed message: the KB extractor's and the detected language."""
    entities = [e.as_rasa() for e in extractor().extract(text)]
    lang = detect(text)
    return [*entities, {"entity": "language", "value": lang}] if lang else entities


#: "Now" in every form test: Friday 27 November 2026, 10:00 in Shanghai.
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=TZ)


class Clock:
    """The forms' "now", which a test may move (``clock.now = ...``)."""

    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@contextmanager
def fresh_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Clock]:
    """A new appointments database in ``tmp_path``, the default catalogue and a fixed clock, for one test."""
    monkeypatch.setenv("APPOINTMENTS_DATABASE_URL", f"sqlite:///{tmp_path / 'appointments.sqlite3'}")
    monkeypatch.delenv("APPOINTMENTS_CATALOGUE_OVERRIDES", raising=False)
    monkeypatch.delenv("APPOINTMENTS_RETENTION_DAYS", raising=False)
    get_catalogue.cache_clear()
    common.forget_stores()
    clock = Clock()
    monkeypatch.setattr(common, "now", clock)
    try:
        yield clock
    finally:
        get_catalogue.cache_clear()
        common.forget_stores()


def run(action: Action, tracker: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, events


class FormChat:
    def __init__(self, lang: str = "zh", sender: str = "conv-1") -> None:
        self.sender = sender
        self.slots: dict[str, Any] = {**dict.fromkeys(DOMAIN_SLOTS), "language": lang}  # every slot, as in Rasa
        self.events: list[dict] = [{"event": "slot", "name": "language", "value": lang}]
        self.form: str | None = None
        self.latest: dict = {}
        self.candidates: list[dict] = []
        self.rejected = False
        self.done = False

    def tracker(self, latest: dict) -> Tracker:
        return Tracker(self.sender, dict(self.slots), latest, list(self.events), False, None,
                       {"name": self.form} if self.form else {}, "action_listen")

    def apply(self, events: list[dict]) -> None:
        for e in events:
            if e.get("event") == "slot":
                self.slots[e["name"]] = e["value"]
        self.events += events

    def start(self, form: str, text: str, intent: str) -> list[dict]:
        """The request that opens a form, as the rules open it (the appointment forms after the reset)."""
        if form in RESET_FIRST:
            self.apply(run(ActionAppointmentReset(), self.tracker({}))[1])
        self.form, self.done = form, False
        self.slots["requested_slot"] = None
        return self.say(text, intent)

    def say(self, text: str, intent: str = "inform") -> list[dict]:
        if text.startswith("/"):
            name, _, payload = text[1:].partition("{")
            intent = name
            entities = [{"entity": k, "value": v} for k, v in json.loads("{" + payload).items()] if payload else []
        else:
            entities = nlu_entities(text)
        self.latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities}
        self.events.append({"event": "user", "text": text, "parse_data": self.latest})
        self.candidates = [{"event": "slot", "name": k, "value": v} for k, v in self._mapped(entities, intent).items()]
        self.apply(self.candidates)
        return self._form_turn()

    def resume(self) -> list[dict]:
        """The form again after a digression's rule answered: nothing new to validate, the question again."""
        self.candidates = []
        return self._form_turn(validating=False)

    def _mapped(self, entities: list[dict], intent: str) -> dict[str, Any]:
        """The domain's from_entity mappings (and the language slot), as Rasa applies them before the form."""
        out: dict[str, Any] = {}
        for slot, spec in DOMAIN_SLOTS.items():
            for m in spec.get("mappings") or []:
                if m.get("type") != "from_entity" or m.get("intent") and intent not in m["intent"]:
                    continue
                value = next((e["value"] for e in entities if e["entity"] == m["entity"]), None)
                if value is not None:
                    out[slot] = value
        return out

    def _form_turn(self, validating: bool = True) -> list[dict]:
        # as Rasa's FormAction passes them: the form's action, then the slot candidates of this message
        self.events += [{"event": "action", "name": self.form}, *self.candidates]
        asking = self.slots.get("requested_slot")
        messages, events = run(VALIDATORS[self.form](), self.tracker(self.latest))
        self.rejected = bool(asking) and not any(e.get("name") != "requested_slot"
                                                 for e in events if e.get("event") == "slot")
        self.apply(events)
        if validating and self.rejected:
            return messages  # a digression rule would answer now, then the form asks again
        asked = [e["value"] for e in events if e.get("event") == "slot" and e["name"] == "requested_slot"]
        slot = asked[-1] if asked else next((s for s in FORMS[self.form] if self.slots.get(s) is None), None)
        self.slots["requested_slot"] = slot
        if slot is None:
            form, self.form, self.done = self.form, None, True
            result, events = run(RESULTS[form](), self.tracker({}))
            self.apply(events)
            return messages + result
        ask = ASK.get(f"action_ask_{self.form}_{slot}") or ASK[f"action_ask_{slot}"]
        asked_messages, events = run(ask(), self.tracker({}))
        self.apply(events)
        return messages + asked_messages


def text_of(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def payloads(messages: list[dict]) -> list[str]:
    return [b["payload"] for m in messages for b in (m.get("buttons") or [])]
