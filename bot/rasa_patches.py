"""Fixes to Rasa 3.6.21 internals, applied by :mod:`bot.rasa_server` when a Rasa server starts.

- **No silent in-memory conversations.** Rasa wraps every tracker store in ``FailSafeTrackerStore``:
  when the database fails, ``retrieve`` answers None (a new, empty conversation) and ``save`` writes
  to process memory, so the user gets a normal answer while the turn is lost from the database and
  the next turn on another replica (or after a restart) has forgotten the conversation. A terminated
  PostgreSQL connection lost turns that way in the scale fault test. :class:`HonestTrackerStore`
  logs the failure as Rasa does (the error's kind, never its text: a failed statement's text may hold
  what the user wrote) and raises it, so the channel answers "not processed, please send it again"
  and nothing is half-stored.

- **The action-response check.** Rasa checks every action server response with
  ``jsonschema.validate(response, schema)``. That convenience function re-validates the (constant)
  schema against the Draft 2020-12 meta-schema and builds a new validator on every call: about 40 ms
  of a policy-answer turn on these machines. Compiled once it still cost 7.5 ms for a typical answer
  (7.5 % of the server's time under load): each event is tried against all 23 alternatives of the
  schema's ``oneOf``, though each alternative fixes ``event`` to its own constant. So
  :func:`validate_action_result` checks an event of a known type against the base schema plus its one
  alternative (0.5 ms), which accepts exactly what the ``oneOf`` accepts; anything else (an unknown
  type, a non-object) goes through the whole compiled schema. What is accepted and the error raised
  are unchanged.
- **Event classes by name.** Every event read back from the tracker store or an action's reply is
  rebuilt through ``Event.resolve_by_type(name)``, which walks every subclass of ``Event`` (with an
  ``inspect.isabstract`` check each) for each event: 67 µs an event here, and ``all_subclasses``
  was 7.8 % of the Rasa server's own time under load (``bench/README.md``). :func:`resolve_event_type`
  asks Rasa's lookup once per name and keeps its answer; an unknown name still raises as Rasa does
  (and is asked again next time, as a class imported later may define it).
- **Copies for debug logs nobody reads.** ``rasa.core.processor`` deep-copies a turn's events, slots
  and parse data as arguments of ``structlogger.debug(...)`` (so the log's anonymiser cannot change
  the live objects); Python builds the copies before the call, at every log level, and copying each
  action's events was 4.7 % of the server's time. :class:`DebugLogCopies` stands in for the module's
  ``copy``: it copies when Rasa logs at DEBUG (``--debug``; Rasa's ``rasa`` logger and its structlog
  filter get the same level) and hands the value on unchanged otherwise, when ``debug`` drops it
  unread. ``tests/assistant/test_rasa_patches.py`` checks in Rasa's source that ``copy`` is used
  there only inside those calls.

The patches are tied to the pinned Rasa version and refuse to apply to another one, so an upgrade
revisits them.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Awaitable, Iterator
from functools import cache
from typing import Any, TypeVar

import rasa
import rasa.core.agent
import rasa.core.processor
from jsonschema import ValidationError, validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

PATCHED_RASA_VERSION = "3.6.21"
logger = logging.getLogger(__name__)
T = TypeVar("T")


@cache
def _action_response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@cache
def _by_event_type() -> tuple[Any, dict[str, Any]]:
    """The response schema without its events' ``oneOf``, and one validator per event type: the event
    schema's base with the one alternative whose ``event`` constant is that type."""
    schema = RemoteAction.action_response_format_spec()
    event_schema = schema["properties"]["events"]["items"]
    base = {k: v for k, v in event_schema.items() if k != "oneOf"}
    cls = validators.validator_for(schema)
    by_type = {alt["properties"]["event"]["const"]: cls({**base, "oneOf": [alt]}) for alt in event_schema["oneOf"]}
    assert len(by_type) == len(event_schema["oneOf"]), "two alternatives share an event type"
    rest = {**schema, "properties": {**schema["properties"], "events": {"type": "array"}}}
    return cls(rest), by_type


def _errors(result: Any) -> Iterator[ValidationError]:
    events = result.get("events") if isinstance(result, dict) else None
    response, by_type = _by_event_type()
    if not isinstance(events, list) or not all(isinstance(e, dict) and e.get("event") in by_type for e in events):
        yield from _action_response_validator().iter_errors(result)
        return
    yield from response.iter_errors(result)
    for event in events:
        yield from by_type[event["event"]].iter_errors(event)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the schema compiled once, each event checked
    against its own type's alternative."""
    error: ValidationError | None = best_match(_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


#: Rasa's own lookup (``Event.resolve_by_type``), taken before any patch
_rasa_resolve_event_type = Event.resolve_by_type
_event_types: dict[str, type[Event]] = {}


def resolve_event_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """``Event.resolve_by_type``: the class Rasa's lookup finds for ``type_name``, remembered by name."""
    found = _event_types.get(type_name)
    if found is None:
        found = _rasa_resolve_event_type(type_name, default)
        if found is not None and found is not default:
            _event_types[type_name] = found
    return found


class DebugLogCopies:
    """``rasa.core.processor``'s ``copy`` module: ``deepcopy`` only when Rasa logs at DEBUG."""

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        if logging.getLogger("rasa").getEffectiveLevel() <= logging.DEBUG:
            return copy.deepcopy(value, memo)
        return value

    def __getattr__(self, name: str) -> Any:  # the rest of the module, should Rasa use it
        return getattr(copy, name)


class HonestTrackerStore(FailSafeTrackerStore):
    """Rasa's fail-safe wrapper without its fallbacks: a failure of the real store is logged and raised."""

    @staticmethod
    async def _honestly(operation: str, call: Awaitable[T]) -> T:
        try:
            return await call
        except Exception as e:
            logger.error("tracker store %s failed (%s): the turn is not processed", operation, type(e).__name__)
            raise

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._honestly("retrieve", self._tracker_store.retrieve(sender_id))

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._honestly("retrieve", self._tracker_store.retrieve_full_tracker(sender_id))

    async def keys(self) -> Any:
        return await self._honestly("keys", self._tracker_store.keys())

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._honestly("save", self._tracker_store.save(tracker))


def apply() -> None:
    if rasa.__version__ != PATCHED_RASA_VERSION:
        raise RuntimeError(f"bot.rasa_patches targets Rasa {PATCHED_RASA_VERSION}, found {rasa.__version__}: "
                           "check whether the upstream code still needs it")
    RemoteAction._validate_action_result = validate_action_result  # noqa: SLF001
    Event.resolve_by_type = staticmethod(resolve_event_type)
    rasa.core.processor.copy = DebugLogCopies()
    rasa.core.agent.FailSafeTrackerStore = HonestTrackerStore
