"""Read and check ``policy_kb/data/*.yml``, the single source of truth of the knowledge base.

Everything downstream (the KB database, the search index, the eligibility rules, the Rasa lookup
tables) is built from what :func:`load_source` returns, so the checks that keep the data honest live
here, declared as one pydantic model per file: every article has both languages, every fact names an
existing article, ids are unique, references between entries resolve, unknown keys are typos. A
:class:`SourceError` names the file, the path inside it and the problem.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import Field, StrictBool, StrictInt, StrictStr, root_validator, validator

from datafile import Model, Text, ValidationError, fail_at, problems
from policy_kb.citation import ArticleRef, parse_ref
from policy_kb.lang import LANGS

DATA_DIR = Path(__file__).resolve().parent / "data"
#: Files the KB database is built from; their content hash decides when to rebuild it.
KB_FILES = ("articles.yml", "units.yml", "facts.yml", "questions.yml", "synonyms.yml")
FACT_KINDS = ("category", "benefit", "procedure")
#: Question variants service-window staff attached from users' questions (:mod:`policy_kb.staff_variants`),
#: in questions.yml's format, reviewed like any KB change; ``KB_STAFF_VARIANTS`` names another file. Part of
#: the KB's digest, not of the model's inputs: attaching one needs a KB rebuild, not a training.
STAFF_VARIANTS = "questions_staff.yml"


def staff_variants_file() -> Path:
    return Path(os.environ.get("KB_STAFF_VARIANTS") or DATA_DIR / STAFF_VARIANTS)


class SourceError(ValueError):
    """The YAML data breaks a rule the rest of the system relies on."""


@dataclass(frozen=True)
class Bilingual:
    """A text in both languages; ``get(lang)`` picks one."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Article:
    ordinal: int  # 1..26: position in the document (the closing clause is 26)
    number: ArticleRef  # 1..25, None for the closing clause
    chapter: int | None
    title: Bilingual
    text: Bilingual
    summary: Bilingual
    units_zh: tuple[str, ...]


@dataclass(frozen=True)
class Fact:
    """A structured fact tied to one article: a talent category, a benefit or a procedure."""

    id: str
    kind: str
    article: ArticleRef
    name: Bilingual
    text: Bilingual
    amount_cny: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PolicySource:
    code: str
    title: Bilingual
    chapters: dict[int, Bilingual]
    articles: tuple[Article, ...]
    units: dict[str, Bilingual]  # zh short name -> zh/en names
    facts: tuple[Fact, ...]
    fields: tuple[dict[str, Any], ...]
    questions: tuple[tuple[ArticleRef, str, str], ...]  # (article, lang, text)
    synonyms: tuple[dict[str, Any], ...]
    digest: str

    def article(self, ref: ArticleRef) -> Article:
        for article in self.articles:
            if article.number == ref:
                return article
        raise KeyError(ref)


# --------------------------------------------------------------------------- the files' declared shapes


def _article_ref(value: Any) -> ArticleRef:
    """``6`` -> 6, ``"closing"`` -> None (the closing clause); anything else is an error."""
    return parse_ref(value)


class _Head(Model):
    code: Text
    title_zh: Text
    title_en: Text
    preamble_zh: Text
    preamble_en: Text


class _Chapter(Model):
    number: StrictInt
    title_zh: Text
    title_en: Text


class _Article(Model):
    number: int | None = Field(...)  # required; null: the closing clause
    chapter: StrictInt | None = Field(...)
    title_zh: Text
    title_en: Text
    text_zh: Text
    text_en: Text
    summary_zh: Text
    summary_en: Text
    units_zh: tuple[Text, ...] = ()

    _number = validator("number", pre=True, allow_reuse=True)(lambda v: None if v is None else _article_ref(v))


class _ArticlesFile(Model):
    document: _Head
    chapters: tuple[_Chapter, ...]
    articles: tuple[_Article, ...]

    @validator("articles")
    @classmethod
    def _all_in_order(cls, articles: tuple[_Article, ...], values: dict[str, Any]) -> tuple[_Article, ...]:
        numbers = [a.number for a in articles]
        if numbers != [*range(1, 26), None]:
            raise ValueError(f"must be 1..25 then the closing clause (number: null), got {numbers}")
        chapters = {c.number for c in values.get("chapters", ())}
        for i, a in enumerate(articles):
            if a.chapter is not None and "chapters" in values and a.chapter not in chapters:
                fail_at(cls, (i, "chapter"), f"no chapter {a.chapter} in chapters")
        return articles


class _Referenced(Model):
    """An entry tied to one article of the policy."""

    id: Text
    article: int | None = Field(...)  # required; "closing" gives None

    _article = validator("article", pre=True, allow_reuse=True)(_article_ref)


class _Field(_Referenced):
    category: Text
    zh: Text  # the policy's own words
    en: Text
    aliases_zh: tuple[Text, ...] = ()
    aliases_en: tuple[Text, ...] = ()


_Degree = Literal["bachelor", "master", "doctorate"]


class _Fact(_Referenced):
    """The keys every fact has; ``quote_zh`` is the policy's wording, copied verbatim."""

    name_zh: Text
    name_en: Text
    min_degree: _Degree | None = None


class _Category(_Fact):
    criteria_zh: Text
    criteria_en: Text
    priority_zh: Text | None = None
    priority_en: Text | None = None
    fields: tuple[Text, ...] = ()
    fields_note_zh: Text | None = None
    fields_note_en: Text | None = None
    degree_alternative_zh: Text | None = None
    degree_alternative_en: Text | None = None
    min_related_work_years: StrictInt | None = None
    priority_max_age: StrictInt | None = None


class _Benefit(_Fact):
    amount_cny: StrictInt | None = Field(...)  # null unless the policy states a figure
    recipient_zh: Text
    recipient_en: Text
    condition_zh: Text
    condition_en: Text
    quote_zh: Text
    text_zh: Text
    text_en: Text
    one_off: StrictBool | None = None
    min_years_in_shanxi: StrictInt | None = None
    reference_standard: Text | None = None  # the id of the benefit whose standard is referred to
    share_min_percent: StrictInt | None = None


class _Procedure(_Fact):
    max_validity_years: StrictInt | None = Field(...)
    quote_zh: Text
    text_zh: Text
    text_en: Text


class _FactsFile(Model):
    fields: tuple[_Field, ...]
    categories: tuple[_Category, ...]
    benefits: tuple[_Benefit, ...]
    procedures: tuple[_Procedure, ...]

    @root_validator(skip_on_failure=True)
    @classmethod
    def _references(cls, values: dict[str, Any]) -> dict[str, Any]:
        seen: set[str] = set()
        for section in ("categories", "benefits", "procedures"):
            for i, fact in enumerate(values[section]):
                if fact.id in seen:
                    fail_at(cls, (section, i, "id"), "duplicate fact id")
                seen.add(fact.id)
        categories = {c.id for c in values["categories"]}
        fields = {f.id for f in values["fields"]}
        benefits = {b.id for b in values["benefits"]}
        for i, f in enumerate(values["fields"]):
            if f.category not in categories:
                fail_at(cls, ("fields", i, "category"), f"no category {f.category!r} in categories")
        for i, c in enumerate(values["categories"]):
            for field_id in c.fields:
                if field_id not in fields:
                    fail_at(cls, ("categories", i, "fields"), f"no field {field_id!r} in fields")
        for i, b in enumerate(values["benefits"]):
            if b.reference_standard is not None and b.reference_standard not in benefits:
                fail_at(cls, ("benefits", i, "reference_standard"), f"no benefit {b.reference_standard!r}")
        return values


class _Unit(Model):
    zh: Text  # the short name the articles use
    en: Text
    full_zh: Text | None = None


class _UnitsFile(Model):
    units: tuple[_Unit, ...]


class _QuestionGroup(Model):
    article: int | None = Field(...)
    zh: tuple[StrictStr, ...] = ()
    en: tuple[StrictStr, ...] = ()

    _article = validator("article", pre=True, allow_reuse=True)(_article_ref)


class _QuestionsFile(Model):
    questions: tuple[_QuestionGroup, ...]


class _Concept(Model):
    id: Text
    zh: tuple[Text, ...]
    en: tuple[Text, ...]


class _SynonymsFile(Model):
    concepts: tuple[_Concept, ...]


M = TypeVar("M", bound=Model)


def _read(name: str | Path) -> Any:
    """A KB file by name (or a file elsewhere by its full path)."""
    with open(DATA_DIR / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _parse(model: type[M], name: str | Path) -> tuple[M, Any]:
    """``name`` read and validated by ``model`` (and the parsed YAML, for what keeps its raw shape)."""
    doc = _read(name)
    try:
        return model.parse_obj(doc), doc
    except ValidationError as e:
        raise SourceError("; ".join(f"{DATA_DIR / name}: {p}" for p in problems(e, doc))) from None


def _articles(doc: _ArticlesFile) -> tuple[Article, ...]:
    return tuple(
        Article(
            ordinal=ordinal, number=a.number, chapter=a.chapter, title=Bilingual(a.title_zh, a.title_en),
            text=Bilingual(a.text_zh, a.text_en), summary=Bilingual(a.summary_zh, a.summary_en), units_zh=a.units_zh,
        )
        for ordinal, a in enumerate(doc.articles, start=1)
    )


def _facts(doc: _FactsFile, raw: dict[str, Any]) -> tuple[Fact, ...]:
    """Categories, benefits and procedures; what is not name, text or amount stays in ``data`` as written."""
    facts = []
    for kind, key in (("category", "categories"), ("benefit", "benefits"), ("procedure", "procedures")):
        text_key = "criteria" if kind == "category" else "text"
        for entry, written in zip(getattr(doc, key), raw[key], strict=True):
            extra = {k: v for k, v in written.items()
                     if not k.startswith(("name_", f"{text_key}_")) and k not in ("id", "article", "amount_cny")}
            facts.append(Fact(
                id=entry.id, kind=kind, article=entry.article, name=Bilingual(entry.name_zh, entry.name_en),
                text=Bilingual(getattr(entry, f"{text_key}_zh"), getattr(entry, f"{text_key}_en")),
                amount_cny=getattr(entry, "amount_cny", None), data=extra,
            ))
    return tuple(facts)


def _questions(doc: _QuestionsFile) -> tuple[tuple[ArticleRef, str, str], ...]:
    return tuple((group.article, lang, q.strip()) for group in doc.questions for lang in LANGS
                 for q in getattr(group, lang) if q.strip())


def _staff_questions() -> tuple[tuple[ArticleRef, str, str], ...]:
    """The variants staff attached (``staff_variants_file``), checked like ``questions.yml``."""
    path = staff_variants_file()
    if not path.exists() or not (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("questions"):
        return ()
    doc, _ = _parse(_QuestionsFile, path)
    return _questions(doc)


def source_digest() -> str:
    """SHA-256 over the KB files: the KB database records it and rebuilds when it changes."""
    h = hashlib.sha256()
    for name in KB_FILES:
        h.update(name.encode())
        h.update((DATA_DIR / name).read_bytes())
    h.update(b"staff:" + repr(_staff_questions()).encode())  # what it says: comments or a missing file change nothing
    return h.hexdigest()


@lru_cache(maxsize=1)
def load_source() -> PolicySource:
    """Load and check all KB files (cached: the files do not change while a process runs)."""
    articles, _ = _parse(_ArticlesFile, "articles.yml")
    facts, facts_raw = _parse(_FactsFile, "facts.yml")
    units, _ = _parse(_UnitsFile, "units.yml")
    questions, _ = _parse(_QuestionsFile, "questions.yml")
    _, synonyms = _parse(_SynonymsFile, "synonyms.yml")
    known_units = {u.zh for u in units.units}
    for a in articles.articles:
        missing = [u for u in a.units_zh if u not in known_units]
        if missing:
            raise SourceError(f"{DATA_DIR / 'articles.yml'}: articles.{a.number}.units_zh: "
                              f"units without an English name in units.yml: {missing}")
    return PolicySource(
        code=articles.document.code,
        title=Bilingual(articles.document.title_zh, articles.document.title_en),
        chapters={c.number: Bilingual(c.title_zh, c.title_en) for c in articles.chapters},
        articles=_articles(articles),
        units={u.zh: Bilingual(u.zh, u.en) for u in units.units},
        facts=_facts(facts, facts_raw),
        fields=tuple(facts_raw["fields"]),
        questions=_questions(questions) + _staff_questions(),
        synonyms=tuple(synonyms["concepts"]),
        digest=source_digest(),
    )


class GlossaryTerm(Model):
    """A policy term and its one English name (``glossary.yml`` documents the keys)."""

    zh: tuple[Text, ...]
    en: Text
    not_zh: tuple[Text, ...] = ()
    not_en: tuple[Text, ...] = ()
    note: str = ""

    @validator("zh")
    @classmethod
    def _spelled(cls, zh: tuple[str, ...]) -> tuple[str, ...]:
        if not zh:
            raise ValueError("at least one Chinese spelling is needed")
        return zh

    def in_zh(self, text: str) -> bool:
        for longer in self.not_zh:
            text = text.replace(longer, "")
        return any(term in text for term in self.zh)


class _GlossaryFile(Model):
    terms: tuple[GlossaryTerm, ...]

    @validator("terms")
    @classmethod
    def _each_spelling_once(cls, terms: tuple[GlossaryTerm, ...]) -> tuple[GlossaryTerm, ...]:
        seen: set[str] = set()
        for i, term in enumerate(terms):
            for spelling in term.zh:
                if spelling in seen:
                    fail_at(cls, (i, "zh"), f"{spelling} is listed twice")
                seen.add(spelling)
        return terms


@lru_cache(maxsize=1)
def load_glossary() -> tuple[GlossaryTerm, ...]:
    """``glossary.yml``, checked: every term has Chinese spellings and an English name, each spelling once."""
    return _parse(_GlossaryFile, "glossary.yml")[0].terms


def bilingual_pairs(node: Any, where: str = "") -> list[tuple[str, str, str]]:
    """Every (place, Chinese, English) text pair in a parsed YAML document: ``x_zh``/``x_en`` keys, or
    ``zh``/``en``, side by side in one mapping (lists of terms, as in synonyms, are not pairs)."""
    out: list[tuple[str, str, str]] = []
    if isinstance(node, dict):
        for key, zh in node.items():
            key = str(key)
            en_key = "en" if key == "zh" else key[:-3] + "_en" if key.endswith("_zh") else None
            if en_key and isinstance(zh, str) and isinstance(node.get(en_key), str):
                out.append((f"{where}.{key}", zh, node[en_key]))
        for key, value in node.items():
            out += bilingual_pairs(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            label = value.get("id", value.get("number", i)) if isinstance(value, dict) else i
            out += bilingual_pairs(value, f"{where}[{label}]")
    return out


def glossary_conflicts(pairs: list[tuple[str, str, str]]) -> list[str]:
    """Where the KB's English names a glossary term otherwise than the glossary does.

    ``pairs`` are (place, zh, en) texts that say the same thing. The English of each pair whose Chinese
    uses a term must use the term's English name, and no English may use a name the glossary rules out
    (``not_en``), whatever its Chinese says.
    """
    problems = []
    for term in load_glossary():
        name = term.en.casefold()
        for where, zh, en in pairs:
            if term.in_zh(zh) and name not in en.casefold():
                problems.append(f"{where}: {term.zh[0]} is not rendered as {term.en!r}: {en[:100]!r}")
            problems += [f"{where}: {term.zh[0]} rendered as {bad!r}, not {term.en!r}"
                         for bad in term.not_en if bad.casefold() in en.casefold()]
    return problems
