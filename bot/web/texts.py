"""The web front's bilingual texts (``texts.yml``), also what Rasa's REST channel says to bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from policy_kb.messages import BilingualTexts

TEXTS = BilingualTexts(Path(__file__).with_name("texts.yml"))


def both(key: str, **values: Any) -> dict[str, str]:
    """``{"zh": ..., "en": ...}`` for one key, as the JSON errors carry it."""
    return {lang: TEXTS(key, lang, **values) for lang in ("zh", "en")}
