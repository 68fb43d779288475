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
* Latin runs: spaCy's blank English pipeline with the lookup lemmatiser; stop words dropped;
* a place in China named as where someone studied ("在北京读的硕士", "masters in beijing") adds the
  Chinese-university concept token, as "a Chinese university" would.

:class:`Jurisdiction` finds a question about another province's or city's policy (``places.yml``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

import jieba
import spacy
import yaml

from lexicon.match import Hit, TermMatcher
from lexicon.normalize import normalize
from policy_kb.source import DATA_DIR, PolicySource

#: The concept token a place in China where someone studied adds (``synonyms.yml``'s chinese_university).
STUDIED_IN_CHINA = "@chinese_university"
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
        self._places = Jurisdiction()
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
        if STUDIED_IN_CHINA not in out and self._places.studied_in_china(norm):
            out.append(STUDIED_IN_CHINA)  # "did my masters in beijing" is article 10's Chinese university
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


#: Words beside a place elsewhere that make it where someone studied, comes from or what Shanxi is
#: compared with, not whose policy is asked about: "在北京读的硕士", "北京大学毕业", "从上海调来", "比北京高";
#: unless the place is said to give or have something ("上海的", "杭州对留学生", "深圳给"): then it is asked about.
_ZH_OWNER = re.compile(r"^(?:市|省)?(?:的|对|给|为|向|那边|这边|政府|出台|有没有|有什么|有啥|政策|人才|引进|地区|新区)")
_ZH_BEFORE = re.compile(r"(?:从|比|跟|和|与)[^，。？！,.?!\s]?$")
_ZH_LIVED = re.compile(r"^[^，。？！,.?!\s]{0,2}(?:工作|上班|生活|住|待|读|念|打工)")
_ZH_AFTER = re.compile(r"^[^，。？！,.?!\s]{0,3}(?:读|念|毕业|上学|留学|上的学|大学|高校|学院|研究生|硕士|本科|博士|调|搬|过来|来晋|来山西|来太原)"
                       r"|^[^，。？！,.?!\s]{0,4}(?:相比|对比|比)")
_EN_BEFORE = re.compile(r"\b(?:stud(?:y|ied|ying)|degree|masters?|master's|bachelor'?s?|phd|doctorate"
                        r"|(?:under|post)?grad\w*|universit\w*|college|school|uni|job|worked|working|work|live[ds]?"
                        r"|living|based)\b"
                        r"(?:\W+[\w'’]+){0,3}\W+(?:in|at)\W+$"
                        r"|\b(?:from|than|compared (?:to|with)|vs\.?|versus|as \w+ as)\W+(?:the\W+)?$")
_EN_AFTER = re.compile(r"^[\w'’]*\W+(?:universit|college|institute|normal|polytechnic)")
#: Where someone studied, in China ("在北京读的硕士", "masters in beijing", "Taiyuan University"): a Chinese university.
_ZH_STUDIED = re.compile(r"^[^，。？！,.?!\s]{0,3}(?:读|念|毕业|上学|留学|上的学|大学|高校|学院|研究生|硕士|本科|博士)")
_EN_STUDIED = re.compile(r"\b(?:stud(?:y|ied|ying)|degree|masters?|master's|bachelor'?s?|phd|doctorate"
                         r"|(?:under|post)?grad\w*|universit\w*|college|uni)\b(?:\W+[\w'’]+){0,3}\W+(?:in|at)\W+$")


#: The asker says they are a (mainland) Chinese citizen: the policy is for foreign talent and, by its closing
#: clause, talent from Hong Kong, Macao and Taiwan; a Chinese national's returnee support is not in it. First
#: person and present tense only ("我不是中国公民", "I'm a former Chinese citizen" do not match).
_CHINESE_CITIZEN = re.compile(
    r"我(?:是|有|持|拿)?(?:的是)?(?:一名|一个|个)?(?:中国籍|中国国籍|中国公民|中国护照)"
    r"|\bi(?:'m|’m| am|m)\s+(?:an?\s+)?chinese\s+(?:citizen|national)\b"
    r"|\bi\s+(?:hold|have)\s+(?:a\s+)?chinese\s+(?:passport|citizenship|nationality)\b"
    r"|\bas\s+a\s+chinese\s+(?:citizen|national)\b")


#: What keeps a Chinese citizen's question in scope: Hong Kong, Macao and Taiwan residents are Chinese citizens
#: (the closing clause covers them), and an employer or HR officer asks about hiring foreign talent.
_CITIZEN_IN_SCOPE = re.compile(r"香港|澳门|台湾|港澳|\b(?:hong kong|macao|macau|taiwan|hk)\b"
                               r"|招|聘|雇|\b(?:hire|hiring|recruit\w*|employ\w*)\b")


def chinese_citizen_asking(text: str) -> bool:
    """Whether ``text`` says the person asking is a Chinese citizen, asking for themselves (not as an employer)."""
    norm = normalize(text)
    return _CHINESE_CITIZEN.search(norm) is not None and _CITIZEN_IN_SCOPE.search(norm) is None


class Jurisdiction:
    """Whether a question asks about another province's or city's policy rather than Shanxi's.

    A place elsewhere counts unless the words beside it make it where the person studied or comes
    from, or what Shanxi is compared with. Shanxi's own places are matched first (山西安家 is not 西安).
    """

    def __init__(self, path=DATA_DIR / "places.yml") -> None:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        self._places = TermMatcher(
            [(t, kind) for kind in ("shanxi", "elsewhere") for lang in ("zh", "en") for t in doc[kind][lang]])

    def elsewhere(self, text: str) -> list[str]:
        """The places elsewhere that ``text`` asks about (normalised), in order; [] for none."""
        return [term for term, asked in self._places_elsewhere(normalize(text)) if asked]

    def without_asides(self, text: str) -> str:
        """``text`` normalised, without the places elsewhere that are only where someone studied, comes from
        or what Shanxi is compared with ("从北京调到太原" -> "从调到太原"), for the learned ranker: it learns
        places from the out-of-scope examples ("北京的补贴"), and a place aside says nothing about the topic."""
        norm = normalize(text)
        spans = [(h.start, h.end) for h, asked in self._hits(norm) if not asked]
        for start, end in reversed(spans):
            norm = norm[:start] + norm[end:]
        return norm

    def studied_in_china(self, norm: str) -> bool:
        """Whether normalised text says someone studied at a place in China (Shanxi included)."""
        for hit in self._places.find(norm, normalised=True):
            before, after = norm[max(0, hit.start - 40):hit.start], norm[hit.end:hit.end + 12]
            if hit.term.isascii():
                if _EN_STUDIED.search(before) or _EN_AFTER.search(after):
                    return True
            elif not _ZH_OWNER.search(after) and _ZH_STUDIED.search(after):
                return True
        return False

    def _places_elsewhere(self, norm: str) -> list[tuple[str, bool]]:
        return [(hit.term, asked) for hit, asked in self._hits(norm)]

    def _hits(self, norm: str) -> list[tuple[Hit, bool]]:
        """Each place elsewhere in normalised text, and whether the question asks about it (not aside)."""
        found = []
        for hit in self._places.find(norm, normalised=True):
            if hit.value != "elsewhere":
                continue
            before, after = norm[max(0, hit.start - 40):hit.start], norm[hit.end:hit.end + 12]
            if hit.term.isascii():
                aside = bool(_EN_BEFORE.search(before) or _EN_AFTER.search(after))
            else:
                aside = not _ZH_OWNER.search(after) and bool(
                    _ZH_BEFORE.search(before) or _ZH_AFTER.search(after) or before.endswith("在") and _ZH_LIVED.search(after))
            found.append((hit, not aside))
        return found
