"""The one bilingual text catalogue format: ``{key: {zh: ..., en: ...}}`` YAML, one file per package.

Every user-facing string outside the KB's own policy text lives in such a catalogue, and is looked up one
way: ``catalogue(key, lang, **values)``. A catalogue is read and checked when it is created (at import,
so at start-up), not on first use: a key without both languages, with an empty text, or whose two
languages do not take the same ``{placeholders}`` stops the process that loads it, naming the file and
the key. Traditional Chinese is not a third column: the channel converts the simplified reply
(``bot/channels/script.py``), so a catalogue only ever holds ``zh`` and ``en``.

This package imports nothing of the project's: any library, action, channel or page may use it.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("zh", "en")


class CatalogueError(ValueError):
    """A catalogue file that cannot serve every key in every language."""


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Catalogue:
    """Texts by key and language, with ``str.format`` placeholders, checked in full when loaded."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._texts = self._load(self.path)

    @staticmethod
    def _load(path: Path) -> dict[str, dict[str, str]]:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise CatalogueError(f"{path}: cannot be read: {exc}") from exc
        if not isinstance(raw, dict) or not raw:
            raise CatalogueError(f"{path}: expected a mapping of keys to {{zh: ..., en: ...}}")
        texts: dict[str, dict[str, str]] = {}
        for key, by_lang in raw.items():
            where = f"{path}: {key}"
            if not isinstance(by_lang, dict):
                raise CatalogueError(f"{where}: expected {{zh: ..., en: ...}}")
            missing = [lang for lang in LANGUAGES if not (isinstance(by_lang.get(lang), str) and by_lang[lang].strip())]
            if missing:
                raise CatalogueError(f"{where}: no text in {', '.join(missing)}")
            extra = set(by_lang) - set(LANGUAGES)
            if extra:
                raise CatalogueError(f"{where}: unknown language(s) {', '.join(sorted(extra))}")
            zh, en = _placeholders(by_lang["zh"]), _placeholders(by_lang["en"])
            if zh != en:
                raise CatalogueError(f"{where}: zh takes {sorted(zh)} but en takes {sorted(en)}")
            texts[str(key)] = {lang: by_lang[lang] for lang in LANGUAGES}
        return texts

    def __call__(self, key: str, lang: str, **values: Any) -> str:
        """The text of ``key`` in ``lang`` ("zh" or "en"), its placeholders filled from ``values``."""
        text = self._texts[key]["en" if lang == "en" else "zh"]
        return text.format(**values) if values else text

    def both(self, key: str, **values: Any) -> dict[str, str]:
        """``{"zh": ..., "en": ...}`` for one key, where a reply carries both languages."""
        return {lang: self(key, lang, **values) for lang in LANGUAGES}

    def __contains__(self, key: object) -> bool:
        return key in self._texts

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def keys(self) -> list[str]:
        return list(self._texts)
