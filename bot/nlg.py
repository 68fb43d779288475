"""The domain's responses in the language the user chose (``endpoints.yml``'s ``nlg``).

The domain's responses have one variation per language, conditioned on the ``language`` slot, which the
NLU's language detector sets from every message with words in it. An explicit switch ("please reply in
English", the web page's toggle) is kept in ``language_pref`` and must win over detection until the
user switches again. The actions already answer in ``language_pref or language``
(:func:`actions.language.reply_language`); this generator picks the domain's variations by the same
rule, reading the slots as if ``language`` held that language. The tracker is not changed.

It replaces ``action_validate_slot_mappings``, which overwrote ``language`` with ``language_pref`` after
every user message: a second action-server round trip on every turn (Rasa serialises the whole tracker
and the domain for it), 5.6 % of the Rasa server's time under load (``bench/README.md``).

Rasa loads it by ``nlg: {type: bot.nlg.PreferredLanguageNLG}``; every endpoints file the assistant is
served with needs that section (without it the replies follow detection only).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

#: this generator's ``type:`` in an endpoints file
TYPE = "bot.nlg.PreferredLanguageNLG"
LANGUAGE_SLOT = "language"
PREFERENCE_SLOT = "language_pref"


def with_preference(slots: Mapping[str, Any]) -> dict[str, Any]:
    """``slots`` with ``language`` replaced by ``language_pref`` when the user chose a language."""
    preferred = slots.get(PREFERENCE_SLOT)
    return {**slots, LANGUAGE_SLOT: preferred} if preferred else dict(slots)


class PreferredLanguageNLG(TemplatedNaturalLanguageGenerator):
    """Rasa's response generator, choosing the variation of ``language_pref`` first, then of ``language``."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None,
                 **_kwargs: Any) -> None:
        super().__init__((domain or Domain.empty()).responses)

    def generate_from_slots(self, utter_action: str, filled_slots: dict[str, Any], output_channel: str,
                            **kwargs: Any) -> dict[str, Any] | None:
        return super().generate_from_slots(utter_action, with_preference(filled_slots or {}), output_channel,
                                           **kwargs)
