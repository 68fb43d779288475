"""Bilingual fixed texts kept side by side as data: ``{key: {zh: ..., en: ...}}`` YAML files.

``policy_kb/data/messages.yml`` holds what the search says when it has no answer; the assistant's
own texts (``actions/texts.yml``) use the same loader.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from policy_kb.source import DATA_DIR


class BilingualTexts:
    """Texts by key and language, with ``str.format`` placeholders; checked to have both languages."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @cached_property
    def _texts(self) -> dict[str, dict[str, str]]:
        texts = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        for key, by_lang in texts.items():
            if not (isinstance(by_lang, dict) and by_lang.get("zh") and by_lang.get("en")):
                raise ValueError(f"{self.path.name}: {key} needs both zh and en")
        return texts

    def __call__(self, key: str, lang: str, **values: Any) -> str:
        text = self._texts[key][lang]
        return text.format(**values) if values else text

    def keys(self) -> list[str]:
        return list(self._texts)

    def __iter__(self):
        return iter(self._texts)


message = BilingualTexts(DATA_DIR / "messages.yml")
