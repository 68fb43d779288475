"""Performance fixes to Rasa 3.6.21 internals, applied by :mod:`bot.rasa_server` when a Rasa server starts.

Rasa checks every action server response with ``jsonschema.validate(response, schema)``. That
convenience function re-validates the (constant) schema against the Draft 2020-12 meta-schema and
builds a new validator on every call: about 40 ms of a policy-answer turn, which calls two custom
actions, on these machines (1 ms with the validator compiled once). :func:`apply` swaps in the
compiled validator; what is accepted and the error raised are unchanged. The patch is tied to the
pinned Rasa version and refuses to apply to another one, so an upgrade revisits it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import rasa
from jsonschema import ValidationError, validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

PATCHED_RASA_VERSION = "3.6.21"


@cache
def _action_response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the schema compiled once."""
    error: ValidationError | None = best_match(_action_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def apply() -> None:
    if rasa.__version__ != PATCHED_RASA_VERSION:
        raise RuntimeError(f"bot.rasa_patches targets Rasa {PATCHED_RASA_VERSION}, found {rasa.__version__}: "
                           "check whether the upstream code still needs it")
    RemoteAction._validate_action_result = validate_action_result  # noqa: SLF001
