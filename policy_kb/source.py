"""Read and check ``policy_kb/data/*.yml``, the single source of truth of the knowledge base.

Everything downstream (the KB database, the search index, the eligibility rules, the Rasa lookup
tables) is built from what :func:`load_source` returns, so the checks that keep the data honest live
here: every article has both languages, every fact names an existing article, ids are unique.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

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


def _read(name: str) -> Any:
    with open(DATA_DIR / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _bilingual(entry: dict[str, Any], key: str, where: str) -> Bilingual:
    zh, en = entry.get(f"{key}_zh"), entry.get(f"{key}_en")
    for lang, value in (("zh", zh), ("en", en)):
        if not isinstance(value, str) or not value.strip():
            raise SourceError(f"{where}: {key}_{lang} is missing or empty")
    return Bilingual(str(zh).strip(), str(en).strip())


def _ref(value: Any, where: str) -> ArticleRef:
    try:
        return parse_ref(value)
    except ValueError as e:
        raise SourceError(f"{where}: {e}") from None


def _articles(doc: dict[str, Any]) -> tuple[Article, ...]:
    articles = []
    for ordinal, a in enumerate(doc["articles"], start=1):
        where = f"article {a.get('number')}"
        number = None if a["number"] is None else _ref(a["number"], where)
        articles.append(
            Article(
                ordinal=ordinal,
                number=number,
                chapter=a.get("chapter"),
                title=_bilingual(a, "title", where),
                text=_bilingual(a, "text", where),
                summary=_bilingual(a, "summary", where),
                units_zh=tuple(a.get("units_zh") or ()),
            )
        )
    numbers = [a.number for a in articles]
    if numbers != [*range(1, 26), None]:
        raise SourceError(f"articles must be 1..25 then the closing clause, got {numbers}")
    return tuple(articles)


def _facts(doc: dict[str, Any]) -> tuple[Fact, ...]:
    facts = []
    for kind, key in (("category", "categories"), ("benefit", "benefits"), ("procedure", "procedures")):
        for entry in doc.get(key) or ():
            where = f"{kind} {entry.get('id')}"
            text_key = "criteria" if kind == "category" else "text"
            extra = {k: v for k, v in entry.items() if not k.startswith(("name_", f"{text_key}_"))}
            for k in ("id", "article", "amount_cny"):
                extra.pop(k, None)
            facts.append(
                Fact(
                    id=entry["id"],
                    kind=kind,
                    article=_ref(entry.get("article"), where),
                    name=_bilingual(entry, "name", where),
                    text=_bilingual(entry, text_key, where),
                    amount_cny=entry.get("amount_cny"),
                    data=extra,
                )
            )
    ids = [f.id for f in facts]
    if len(ids) != len(set(ids)):
        raise SourceError(f"duplicate fact ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    return tuple(facts)


def _questions(doc: dict[str, Any]) -> tuple[tuple[ArticleRef, str, str], ...]:
    out: list[tuple[ArticleRef, str, str]] = []
    for entry in doc["questions"]:
        ref = _ref(entry["article"], "questions")
        for lang in LANGS:
            out.extend((ref, lang, q.strip()) for q in entry.get(lang) or () if q and q.strip())
    return tuple(out)


def _staff_questions() -> tuple[tuple[ArticleRef, str, str], ...]:
    path = staff_variants_file()
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    return _questions({"questions": (doc or {}).get("questions") or []})


def source_digest() -> str:
    """SHA-256 over the KB files: the KB database records it and rebuilds when it changes."""
    h = hashlib.sha256()
    for name in KB_FILES:
        h.update(name.encode())
        h.update((DATA_DIR / name).read_bytes())
    staff = staff_variants_file()
    h.update(b"staff:" + (staff.read_bytes() if staff.exists() else b""))
    return h.hexdigest()


@lru_cache(maxsize=1)
def load_source() -> PolicySource:
    """Load and check all KB files (cached: the files do not change while a process runs)."""
    doc = _read("articles.yml")
    facts_doc = _read("facts.yml")
    units = {u["zh"]: Bilingual(u["zh"], u["en"]) for u in _read("units.yml")["units"]}
    source = PolicySource(
        code=doc["document"]["code"],
        title=_bilingual(doc["document"], "title", "document"),
        chapters={c["number"]: _bilingual(c, "title", f"chapter {c['number']}") for c in doc["chapters"]},
        articles=_articles(doc),
        units=units,
        facts=_facts(facts_doc),
        fields=tuple(facts_doc.get("fields") or ()),
        questions=_questions(_read("questions.yml")) + _staff_questions(),
        synonyms=tuple(_read("synonyms.yml")["concepts"]),
        digest=source_digest(),
    )
    missing_units = sorted({u for a in source.articles for u in a.units_zh} - set(units))
    if missing_units:
        raise SourceError(f"units without an English name in units.yml: {missing_units}")
    for f in source.fields:
        _ref(f.get("article"), f"field {f.get('id')}")
    return source


@dataclass(frozen=True)
class GlossaryTerm:
    """A policy term and its one English name (``glossary.yml`` documents the keys)."""

    zh: tuple[str, ...]
    en: str
    not_zh: tuple[str, ...] = ()
    not_en: tuple[str, ...] = ()
    note: str = ""

    def in_zh(self, text: str) -> bool:
        for longer in self.not_zh:
            text = text.replace(longer, "")
        return any(term in text for term in self.zh)


@lru_cache(maxsize=1)
def load_glossary() -> tuple[GlossaryTerm, ...]:
    """``glossary.yml``, checked: every term has Chinese spellings and an English name, each spelling once."""
    terms = []
    for entry in _read("glossary.yml")["terms"]:
        zh, en = tuple(entry.get("zh") or ()), entry.get("en")
        if not zh or not isinstance(en, str) or not en.strip():
            raise SourceError(f"glossary: {entry!r} needs zh spellings and an en name")
        terms.append(GlossaryTerm(zh, en, tuple(entry.get("not_zh") or ()), tuple(entry.get("not_en") or ()),
                                  entry.get("note", "")))
    spellings = [z for t in terms for z in t.zh]
    if len(spellings) != len(set(spellings)):
        raise SourceError(f"glossary: a term is listed twice: {sorted({z for z in spellings if spellings.count(z) > 1})}")
    return tuple(terms)


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
