"""Bilingual text analysis for the search: normalise, tag concepts, tokenise Chinese and English.

One :class:`Analyzer` turns documents and queries alike into tokens:

* normalisation: :func:`lexicon.normalize.normalize` (NFKC, traditional to simplified, lower case);
* concepts: every term of a synonym concept (``policy_kb/data/synonyms.yml`` and the policy's fields
  in ``facts.yml``), in either language, adds the token ``@<concept>``: this is what lets "green card"
  find 绿卡 and "PR" find 永久居留. The terms are found by :class:`lexicon.match.TermMatcher`
  (longest terms win, matches do not overlap, English terms whole words only), so 永久居留 is
  permanent residence and not also a residence permit;
* Chinese runs: jieba in search mode, with the KB's own terms as a user dictionary (a private
  ``jieba.Tokenizer``: jieba's default dictionary is process-global and Rasa has its own);
* Latin runs: spaCy's blank English pipeline with the lookup lemmatiser; stop words dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

import jieba
import spacy

from lexicon.match import TermMatcher
from lexicon.normalize import normalize
from policy_kb.source import DATA_DIR, PolicySource

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_RUN = re.compile(r"[a-z0-9][a-z0-9'’&.%+-]*(?:\s+[a-z0-9][a-z0-9'’&.%+-]*)*")


def concept_terms(source: PolicySource) -> dict[str, list[str]]:
    """Concept id -> normalised terms, from synonyms.yml and the policy's fields."""
    concepts: dict[str, list[str]] = {}
    for c in source.synonyms:
        concepts[c["id"]] = [*c.get("zh", ()), *c.get("en", ())]
    for f in source.fields:
        concepts[f"field_{f['id']}"] = [f["zh"], f["en"], *f.get("aliases_zh", ()), *f.get("aliases_en", ())]
    return {cid: sorted({normalize(t) for t in terms if t}) for cid, terms in concepts.items()}


class Analyzer:
    """Tokeniser shared by the index and the queries (the same pipeline on both sides)."""

    def __init__(self, source: PolicySource) -> None:
        self._concepts = concept_terms(source)
        zh_terms = [(t, cid) for cid, terms in self._concepts.items() for t in terms if not t.isascii()]
        # English terms are matched on lemmas, so "starting a business" meets "start a business".
        en_terms = [
            (lemmas, cid)
            for cid, terms in self._concepts.items()
            for t in terms
            if t.isascii() and (lemmas := " ".join(self._english(t)))
        ]
        self._zh = TermMatcher(zh_terms, last_wins=True)
        self._en = TermMatcher(en_terms, last_wins=True)
        self.user_words = self._dictionary_words(source)
        self._stop_zh = {
            line.strip()
            for line in (DATA_DIR / "stopwords_zh.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        }

    def _dictionary_words(self, source: PolicySource) -> set[str]:
        """Chinese policy terms jieba must keep whole: concept terms, titles, units, fact names."""
        words = {t for terms in self._concepts.values() for t in terms if not t.isascii()}
        words |= {normalize(a.title.zh) for a in source.articles}
        words |= {normalize(u) for u in source.units}
        words |= {normalize(f.name.zh) for f in source.facts if len(f.name.zh) <= 8}
        return {w for w in words if len(w) > 1}

    @cached_property
    def _jieba(self) -> jieba.Tokenizer:
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for word in sorted(self.user_words):
            tokenizer.add_word(word, freq=None)
        return tokenizer

    @cached_property
    def _nlp(self) -> spacy.language.Language:
        nlp = spacy.blank("en")
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
        return nlp

    def concepts(self, text: str) -> list[str]:
        """Concept ids mentioned in ``text``, Chinese terms first, each in order of appearance."""
        norm = normalize(text)
        lemmas = " ".join(self._english(norm))
        return self._concepts_in(norm, lemmas)

    def _concepts_in(self, norm: str, lemmas: str) -> list[str]:
        return self._zh.values(norm, normalised=True) + self._en.values(lemmas, normalised=True)

    def tokens(self, text: str) -> list[str]:
        """Search tokens of ``text``: concept tokens, Chinese words, English lemmas."""
        norm = normalize(text)
        lemmas = list(self._english(norm))
        out = [f"@{c}" for c in self._concepts_in(norm, " ".join(lemmas))]
        out.extend(self._chinese(norm))
        out.extend(lemmas)
        return out

    def _chinese(self, norm: str) -> Iterable[str]:
        for run in _HAN_RUN.findall(norm):
            for word in self._jieba.lcut_for_search(run):
                if word not in self._stop_zh:
                    yield word

    def _english(self, norm: str) -> Iterable[str]:
        """Lemmas of the Latin-script words, stop words and punctuation dropped."""
        latin = " ".join(_LATIN_RUN.findall(norm))
        if not latin:
            return
        for tok in self._nlp(latin):
            if tok.is_stop or tok.is_punct or tok.is_space:
                continue
            lemma = tok.lemma_.lower().strip("'’.")
            if lemma:
                yield lemma
