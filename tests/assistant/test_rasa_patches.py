"""The compiled action-response validator accepts and rejects exactly what Rasa's own check does."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import bot.nlu.components  # noqa: F401 - importing the components applies the patch, as in the Rasa server
from bot import rasa_patches

RESPONSES: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "language", "value": "zh", "timestamp": None}],
     "responses": [{"text": "答案（依据：第六条）", "buttons": [{"title": "预约", "payload": "/book_appointment"}]}]},
    {"events": [{"event": "active_loop", "name": "eligibility_form"}, {"event": "followup", "name": "x"}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot", "value": "zh"}]},  # a slot event without the slot's name
    {"events": "not a list"},
    {"responses": ["not an object"]},
]


def _upstream_accepts(response: dict[str, Any]) -> bool:
    try:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    except jsonschema.ValidationError:
        return False
    return True


def test_the_server_uses_the_compiled_validator() -> None:
    assert RemoteAction._validate_action_result is rasa_patches.validate_action_result  # noqa: SLF001


@pytest.mark.parametrize("response", RESPONSES)
def test_same_verdict_as_rasas_own_check(response: dict[str, Any]) -> None:
    action = RemoteAction("action_answer_policy", None)
    if _upstream_accepts(response):
        assert action._validate_action_result(response) is True  # noqa: SLF001
    else:
        with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(response)  # noqa: SLF001


def test_both_verdicts_occur() -> None:
    """The cases above include responses Rasa rejects, so the comparison can fail."""
    assert {_upstream_accepts(r) for r in RESPONSES} == {True, False}
