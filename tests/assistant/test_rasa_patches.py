"""The Rasa patches: the compiled action-response validator accepts and rejects exactly what Rasa's own
check does, the remembered event classes are the ones Rasa's lookup finds, and both are applied where
the Rasa server starts (``python -m bot.rasa_server``), not as a side effect of importing an NLU
component."""

from __future__ import annotations

import ast
import asyncio
import copy
import inspect
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import rasa.core.agent
import rasa.core.processor
import sqlalchemy
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

from bot import rasa_patches, tracker_store
from bot.model import ROOT
from bot.rasa_server import APPLIED
from bot.runner import Services
from tests.support.stack import Stack

RESPONSES: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "language", "value": "zh", "timestamp": None}],
     "responses": [{"text": "答案（依据：第六条）", "buttons": [{"title": "预约", "payload": "/book_appointment"}]}]},
    {"events": [{"event": "active_loop", "name": "eligibility_form"}, {"event": "followup", "name": "x"}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot", "value": "zh"}]},  # a slot event without the slot's name
    {"events": "not a list"},
    # each event against its own type's alternative: a known type with a bad field, an unknown type, a
    # type that is no string, an event that is no object, a good event beside a bad one, a missing type
    {"events": [{"event": "slot", "name": 3, "value": "zh"}]},
    {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": 1}}}]},
    {"events": [{"event": "bot", "text": "hi", "timestamp": "now"}]},
    {"events": [{"event": "slot", "name": "language", "value": "zh"}, {"event": "active_loop", "name": 1}]},
    {"events": [{"event": "followup", "name": "utter_greet"}, {"event": "restart"}, {"event": "session_started"}]},
    {"events": [{"event": 7}]},
    {"events": ["slot"]},
    {"events": [{"name": "language"}]},
    {"events": [{"event": "slot", "name": "language", "value": "zh"}], "responses": "not a list"},
    {"responses": ["not an object"]},
]


def _upstream_accepts(response: dict[str, Any]) -> bool:
    try:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    except jsonschema.ValidationError:
        return False
    return True


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch) -> None:
    """The patch applied in this process, and taken back afterwards."""
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)  # noqa: SLF001
    monkeypatch.setattr(Event, "resolve_by_type", Event.__dict__["resolve_by_type"])
    monkeypatch.setattr(rasa.core.processor, "copy", rasa.core.processor.copy)
    monkeypatch.setattr(rasa.core.agent, "FailSafeTrackerStore", rasa.core.agent.FailSafeTrackerStore)
    rasa_patches.apply()
    assert RemoteAction._validate_action_result is rasa_patches.validate_action_result  # noqa: SLF001


@pytest.mark.parametrize("response", RESPONSES)
def test_same_verdict_as_rasas_own_check(patched: None, response: dict[str, Any]) -> None:
    action = RemoteAction("action_answer_policy", None)
    if _upstream_accepts(response):
        assert action._validate_action_result(response) is True  # noqa: SLF001
    else:
        with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(response)  # noqa: SLF001


def test_both_verdicts_occur() -> None:
    """The cases above include responses Rasa rejects, so the comparison can fail."""
    assert {_upstream_accepts(r) for r in RESPONSES} == {True, False}


def test_event_classes_are_the_ones_rasa_finds(patched: None) -> None:
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "slot", "action", "session_started"} <= names
    for _ in range(2):  # asked, then remembered
        for name in names:
            assert Event.resolve_by_type(name) is rasa_patches._rasa_resolve_event_type(name)  # noqa: SLF001
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None
    rebuilt = Event.from_parameters(UserUttered("绿卡", {"name": "ask_policy"}).as_dict())
    assert isinstance(rebuilt, UserUttered) and rebuilt.text == "绿卡"


def test_rasa_copies_only_for_debug_logs_in_the_processor() -> None:
    """Every use of ``copy`` in ``rasa.core.processor`` is an argument of ``structlogger.debug(...)``."""
    tree = ast.parse(inspect.getsource(rasa.core.processor))
    inside_debug = {id(node) for call in ast.walk(tree) if isinstance(call, ast.Call)
                    and ast.unparse(call.func) == "structlogger.debug" for node in ast.walk(call)}
    uses = [node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == "copy"
            and not isinstance(node.ctx, ast.Store)]
    assert uses, "the processor no longer uses copy: the patch can go"
    assert all(id(node) in inside_debug for node in uses), [n.lineno for n in uses if id(n) not in inside_debug]


def test_debug_log_arguments_are_copied_only_at_debug(patched: None, monkeypatch: pytest.MonkeyPatch) -> None:
    events = [{"event": "slot", "name": "language", "value": "zh"}]
    copier = rasa.core.processor.copy
    monkeypatch.setattr(logging.getLogger("rasa"), "level", logging.INFO)
    assert copier.deepcopy(events) is events
    monkeypatch.setattr(logging.getLogger("rasa"), "level", logging.DEBUG)
    copied = copier.deepcopy(events)
    assert copied == events and copied is not events and copied[0] is not events[0]
    assert copier.copy is copy.copy


def test_a_failing_tracker_store_fails_the_turn_instead_of_forgetting_it(patched: None, tmp_path: Path) -> None:
    store = tracker_store.SQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.sqlite3"))
    asyncio.run(store.save(DialogueStateTracker.from_events("kept", [UserUttered("hi")])))
    with store.engine.begin() as conn:  # the database fails from now on
        conn.exec_driver_sql("DROP TABLE events")
    # Rasa's own wrapper: a new, empty conversation and a turn kept in process memory only
    assert asyncio.run(FailSafeTrackerStore(store).retrieve("kept")) is None
    wrapped = Agent._create_tracker_store(store, Domain.empty())  # noqa: SLF001 - as the agent wraps it
    assert type(wrapped) is rasa_patches.HonestTrackerStore
    with pytest.raises(sqlalchemy.exc.OperationalError):
        asyncio.run(wrapped.retrieve("kept"))
    with pytest.raises(sqlalchemy.exc.OperationalError):
        asyncio.run(wrapped.save(DialogueStateTracker.from_events("kept", [UserUttered("again")])))
    assert list(asyncio.run(wrapped.fallback_tracker_store.keys())) == []  # nothing kept aside
    store.engine.dispose()


def test_importing_the_nlu_components_patches_nothing() -> None:
    code = ("import bot.nlu.components; from rasa.core.actions.action import RemoteAction; "
            "from bot import rasa_patches; print(RemoteAction._validate_action_result is rasa_patches.validate_action_result)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert out.stdout.split()[-1] == "False"


@pytest.fixture(scope="module")
def services(stack: Stack) -> Services:
    """A Rasa server started by the runner, as ``make run`` starts it, and serving: the session's stack."""
    return stack.services


def test_the_running_server_has_the_patch(services: Services) -> None:
    """The process that answers Rasa's port applied the patch itself (its pid is in the line)."""
    log = (services.log_dir / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert f"{APPLIED} in pid {services.named['rasa'].pid}" in log, log[-2000:]
