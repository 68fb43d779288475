"""The assistant's own responses (``domain/*.yml``), read by language outside Rasa.

A domain response keeps its languages as conditional variations on the ``language`` slot
(``condition: [{type: slot, name: language, value: zh}]``) beside a default variation for a turn with no
language yet (see ARCHITECTURE.md's pitfall). Code that speaks for the assistant without a Rasa turn (the
WeChat follow greeting repeats ``utter_help``) reads the variation here instead of keeping a copy, and the
catalogue test checks through :func:`missing_languages` that every response has both.

Like the rest of :mod:`i18n`, this module imports nothing of the project's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from i18n import LANGUAGES

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "domain"


def load_responses(domain_dir: Path = DOMAIN_DIR) -> dict[str, list[dict[str, Any]]]:
    """Every response of the domain files in ``domain_dir``: name -> its variations, as written."""
    responses: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(domain_dir.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        responses.update(doc.get("responses") or {})
    return responses


def variation_language(variation: dict[str, Any]) -> str | None:
    """The ``language`` slot value a variation is conditioned on, or None for the default variation."""
    for condition in variation.get("condition") or ():
        if condition.get("type") == "slot" and condition.get("name") == "language":
            return condition.get("value")
    return None


def missing_languages(responses: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    """Responses without a variation (with text) for one of :data:`i18n.LANGUAGES`: name -> the languages."""
    missing = {}
    for name, variations in responses.items():
        have = {variation_language(v) for v in variations if str(v.get("text") or "").strip()}
        lacking = [lang for lang in LANGUAGES if lang not in have]
        if lacking:
            missing[name] = lacking
    return missing


def response(name: str, lang: str, domain_dir: Path = DOMAIN_DIR) -> dict[str, Any]:
    """The variation of response ``name`` for ``lang``: ``{"text", "buttons", ...}`` as the domain writes it."""
    for variation in load_responses(domain_dir)[name]:
        if variation_language(variation) == lang:
            return variation
    raise KeyError(f"{domain_dir}: response {name} has no {lang} variation")
