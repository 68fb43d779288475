"""Bilingual fixed messages (``policy_kb/data/messages.yml``), kept side by side as data."""

from __future__ import annotations

from functools import lru_cache

import yaml

from policy_kb.source import DATA_DIR


@lru_cache(maxsize=1)
def _messages() -> dict[str, dict[str, str]]:
    return yaml.safe_load((DATA_DIR / "messages.yml").read_text(encoding="utf-8"))


def message(key: str, lang: str) -> str:
    return _messages()[key][lang]
