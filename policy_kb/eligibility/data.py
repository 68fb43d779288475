"""Read the YAML the pre-check is built from: its own rules, and the KB's facts.

The facts (fields with their aliases; names, texts and articles of categories, benefits and
procedures) come from :func:`policy_kb.source.load_source`, which reads and checks ``facts.yml``
once for the whole library, so each bilingual text exists once, in the KB, and the rules refer to
it by id. The rules' own texts are ``{zh: ..., en: ...}`` mappings (``reason``, ``note``, ``text``, a
category's ``name`` and ``criteria``): they are the knowledge base's readings of the policy, so they
stay beside the rules they explain; the pre-check's UI words are the catalogue :data:`texts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import yaml

from i18n import LANGUAGES, Catalogue
from i18n.joins import joined
from policy_kb.citation import ArticleRef, parse_ref
from policy_kb.source import DATA_DIR, Fact, load_source


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


def _entry(fact: Fact) -> FactEntry:
    return FactEntry(
        id=fact.id,
        article=fact.article,
        name={lang: fact.name.get(lang) for lang in LANGUAGES},
        text={lang: fact.text.get(lang) for lang in LANGUAGES},  # a category's text is its criteria
    )


@lru_cache(maxsize=1)
def load_facts() -> Facts:
    """Fields and fact entries of the KB (ids are unique: :mod:`policy_kb.source` checks it)."""
    source = load_source()
    return Facts(fields=source.fields, entries={f.id: _entry(f) for f in source.facts})


#: The pre-check's own words (``eligibility_texts.yml``): joins, the pending reason, the notice, the report's
#: headings and line layouts. The policy's readings (reasons, notes, next steps) stay in ``eligibility.yml``.
texts = Catalogue(DATA_DIR / "eligibility_texts.yml")


@cache
def messages(lang: str) -> dict[str, str]:
    """Every text of :data:`texts` in one language, placeholders unfilled, for callers that take them as a
    mapping (``actions/verdict.py``); this library looks its words up with ``texts(key, lang, **values)``."""
    return {key: texts(key, lang) for key in texts}


def sentences(parts: list[str], lang: str) -> str:
    """Join sentences the way each language does (no space between Chinese sentences)."""
    return joined(texts, "sentence_join", parts, lang)
