"""Deterministic entities for the assistant, generated from the knowledge base.

Terms are not typed twice: policy terms (degrees, fields, benefits, services, Shanxi roots ...) come
from the KB's synonym concepts and fields (``policy_kb``), and ``entities.yml`` only says which
concept is which entity value. Numbers for ``years_experience`` and ``age`` come from patterns in
both languages (``6 years``, ``干了六年``, ``I'm 38``, ``三十八岁``). Values are canonical
(``doctorate``, ``big_data``, ``true``), ready for the eligibility engine.

Plain Python so it is tested without Rasa; :mod:`bot.nlu.components` wraps it for the pipeline and
the actions call it on typed answers. Terms are found by :class:`lexicon.match.TermMatcher`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from spacy.lang.en.stop_words import STOP_WORDS

from appointments.catalogue import get_catalogue
from lexicon.match import TermMatcher
from lexicon.normalize import normalize
from lexicon.numerals import NUMBER, parse_number
from policy_kb.source import load_source
from policy_kb.text import concept_terms

ENTITY_FILE = Path(__file__).resolve().parent / "entities.yml"

#: "not a PhD" / "不是博士": a negated mention is not an answer.
_NEGATED = re.compile(r"(?:\bnot(?: an?)?|n't(?: have)?(?: an?)?|\bno longer|不是|并非|而非)\s*$")
_AGE_PATTERNS = [
    rf"(?P<n>{NUMBER})\s*(?:周岁|岁)",
    rf"今年\s*(?P<n>{NUMBER})(?!\s*年)",
    r"\b(?:i'?m|i am|aged?)\s+(?P<n>\d{1,3})\b(?!\s*(?:years? (?:of|in|working|experience)|yrs? (?:of|in)))",
    r"\b(?P<n>\d{1,3})\s*(?:years?[- ]old|y/?o|yrs? old)\b",
    r"\bage\s*(?:is|:)?\s*(?P<n>\d{1,3})\b",
]
_YEARS_PATTERNS = [
    rf"(?P<n>{NUMBER})\s*(?:多|\+)?\s*年(?!龄|级|前|后|月|底|初)(?:的)?(?:工作|经验|经历|从业)?",
    rf"(?:干了|做了|工作了|从业)\s*(?P<n>{NUMBER})\s*(?:多)?\s*年",
    r"\b(?P<n>\d{1,2}(?:\.\d)?)\s*\+?\s*(?:years?|yrs?)\b(?![- ]old| old)",
]


@dataclass(frozen=True)
class Entity:
    entity: str
    value: Any
    start: int
    end: int

    def as_rasa(self) -> dict[str, Any]:
        return {"entity": self.entity, "value": self.value, "start": self.start, "end": self.end}


class Extractor:
    """Finds entities in a message; one instance per process (built from the KB once)."""

    def __init__(self) -> None:
        spec = yaml.safe_load(ENTITY_FILE.read_text(encoding="utf-8"))
        concepts = concept_terms(load_source())
        term_value: dict[str, tuple[str, Any]] = {}
        for concept, terms in concepts.items():
            if concept.startswith("field_"):
                target: tuple[str, Any] | None = ("field", concept.removeprefix("field_"))
            else:
                mapped = spec["concept_entities"].get(concept)
                target = (mapped["entity"], mapped["value"]) if mapped else None
            if target:
                term_value.update(dict.fromkeys(terms, target))
        for window in get_catalogue().windows.values():  # provincial first: city windows win "太原"
            for term in (window.city_zh, window.city_en, *window.aliases):
                term_value[normalize(term)] = ("city", window.id)
        for entity, values in spec["terms"].items():
            for value, by_lang in values.items():
                for term in (*by_lang.get("zh", ()), *by_lang.get("en", ())):
                    term_value[normalize(term)] = (entity, value)
        # "IT" and "AI" are aliases, but "it" is mostly the pronoun: English stop words are never terms
        self._terms = TermMatcher({t: v for t, v in term_value.items() if not (t.isascii() and t in STOP_WORDS)})
        self._age_re = [re.compile(p, re.I) for p in _AGE_PATTERNS]
        self._years_re = [re.compile(p, re.I) for p in _YEARS_PATTERNS]

    def extract(self, text: str) -> list[Entity]:
        norm = normalize(text)
        if len(norm) != len(text):  # spans index the original text; NFKC rarely changes length
            norm = text.lower()
        found = [
            Entity(*hit.value, hit.start, hit.end)
            for hit in self._terms.find(norm, normalised=True)
            if not _NEGATED.search(norm[max(0, hit.start - 8) : hit.start])
        ]
        ages = _numbers(self._age_re, norm, "age")
        taken = [(e.start, e.end) for e in ages]
        years = [e for e in _numbers(self._years_re, norm, "years_experience") if not _overlaps(e, taken)]
        return _dedupe(found + ages + years)


def _numbers(patterns: list[re.Pattern[str]], text: str, entity: str) -> list[Entity]:
    out = []
    for pattern in patterns:
        for m in pattern.finditer(text):
            value = parse_number(m.group("n"))
            if value is not None:
                out.append(Entity(entity, int(value) if value == int(value) else value, m.start(), m.end()))
    return out


def _overlaps(e: Entity, spans: list[tuple[int, int]]) -> bool:
    return any(e.start < end and start < e.end for start, end in spans)


def _dedupe(entities: list[Entity]) -> list[Entity]:
    """One entity per span, and one per entity type: the last mention wins, as in "PhD, sorry, master's"."""
    seen: list[Entity] = []
    for e in sorted(entities, key=lambda e: (e.start, -(e.end - e.start))):
        if not _overlaps(e, [(s.start, s.end) for s in seen]):
            seen.append(e)
    return list({e.entity: e for e in seen}.values())


@lru_cache(maxsize=1)
def extractor() -> Extractor:
    return Extractor()
