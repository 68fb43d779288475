"""Read the YAML the pre-check is built from: its own rules and the KB's ``facts.yml``.

Only what the pre-check needs is read from ``facts.yml`` (fields with their aliases, and the
names, texts and articles of categories, benefits and procedures), so that each bilingual text
exists once, in the KB, and the rules refer to it by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from policy_kb.citation import ArticleRef, parse_ref

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


class RuleError(ValueError):
    """The pre-check's data is inconsistent (a bug in the YAML, not in the user's input)."""


@cache
def load_yaml(name: str) -> Any:
    """One data file, parsed once per process (the files do not change while it runs)."""
    with open(DATA_DIR / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


@dataclass(frozen=True)
class FactEntry:
    """A category, benefit or procedure of ``facts.yml``, as the pre-check quotes it."""

    id: str
    article: ArticleRef
    name: dict[str, str]
    text: dict[str, str]  # a category's criteria, a benefit's or procedure's text


@dataclass(frozen=True)
class Facts:
    fields: tuple[dict[str, Any], ...]
    entries: dict[str, FactEntry]

    def field_article(self, field_id: str) -> ArticleRef:
        return next(parse_ref(f["article"]) for f in self.fields if f["id"] == field_id)

    def field_name(self, field_id: str, lang: str) -> str:
        return next(f[lang] for f in self.fields if f["id"] == field_id)


def _entry(raw: dict[str, Any], text_key: str) -> FactEntry:
    return FactEntry(
        id=raw["id"],
        article=parse_ref(raw["article"]),
        name={lang: raw[f"name_{lang}"] for lang in ("zh", "en")},
        text={lang: raw[f"{text_key}_{lang}"] for lang in ("zh", "en")},
    )


@lru_cache(maxsize=1)
def load_facts() -> Facts:
    """Fields and fact entries of ``facts.yml``; an id used twice is a data error."""
    doc = load_yaml("facts.yml")
    entries: dict[str, FactEntry] = {}
    for key, text_key in (("categories", "criteria"), ("benefits", "text"), ("procedures", "text")):
        for raw in doc.get(key) or ():
            if raw["id"] in entries:
                raise RuleError(f"facts.yml: duplicate id {raw['id']!r}")
            entries[raw["id"]] = _entry(raw, text_key)
    return Facts(fields=tuple(doc.get("fields") or ()), entries=entries)


@cache
def messages(lang: str) -> dict[str, str]:
    """The ``messages`` of eligibility.yml in one language (``pending_zh`` -> ``pending``)."""
    suffix = f"_{lang}"
    raw = load_yaml("eligibility.yml")["messages"]
    return {k[: -len(suffix)]: v for k, v in raw.items() if k.endswith(suffix)}


def sentences(parts: list[str], lang: str) -> str:
    """Join sentences the way each language does (no space between Chinese sentences)."""
    return messages(lang)["sentence_sep"].join(p for p in parts if p)
