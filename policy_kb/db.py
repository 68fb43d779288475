"""The KB database: where it is (``KB_DATABASE_URL``), building it from the YAML, reading it back.

Default: a SQLite file under ``var/`` so that one command runs everything on a laptop; set
``KB_DATABASE_URL`` (e.g. ``postgresql://user@host/db``) to share one KB between replicas.
The database records the digest of the YAML it was built from; :func:`ensure_built` rebuilds it when
the YAML (or the schema) changed, so nobody has to remember a build step.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from policy_kb import models as m
from policy_kb.citation import parse_ref
from policy_kb.source import Article, Bilingual, Fact, PolicySource, load_source

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'kb.sqlite3'}"


def database_url() -> str:
    return os.environ.get("KB_DATABASE_URL") or DEFAULT_URL


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default: :func:`database_url`); SQLite waits for locks instead of failing."""
    url = url or database_url()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return create_engine(url, future=True, connect_args={"timeout": 30})
    return create_engine(url, future=True, pool_pre_ping=True)


def built_digest(engine: Engine) -> str | None:
    """The digest the database was built from, or None if it was never built."""
    try:
        with Session(engine) as s:
            return s.get(m.Meta, "digest").value if s.get(m.Meta, "digest") else None
    except (OperationalError, ProgrammingError):
        return None


def expected_digest(source: PolicySource) -> str:
    return f"{m.SCHEMA_VERSION}:{source.digest}"


def build(engine: Engine, source: PolicySource | None = None) -> PolicySource:
    """(Re)create the KB tables from ``source`` in one transaction."""
    source = source or load_source()
    with engine.begin() as conn:
        m.Base.metadata.drop_all(conn)
        m.Base.metadata.create_all(conn)
        with Session(bind=conn) as s:
            _insert(s, source)
            s.flush()
    return source


def ensure_built(engine: Engine) -> None:
    """Build the KB database unless it already holds the current YAML."""
    source = load_source()
    if built_digest(engine) != expected_digest(source):
        build(engine, source)


def _insert(s: Session, src: PolicySource) -> None:
    ordinal = {a.number: a.ordinal for a in src.articles}
    s.add_all(
        [
            m.Meta(key="digest", value=expected_digest(src)),
            m.Meta(key="code", value=src.code),
            m.Meta(key="title_zh", value=src.title.zh),
            m.Meta(key="title_en", value=src.title.en),
        ]
    )
    s.add_all(m.ChapterRow(number=n, title_zh=t.zh, title_en=t.en) for n, t in src.chapters.items())
    s.add_all(m.UnitRow(zh=zh, en=t.en) for zh, t in src.units.items())
    s.flush()
    for a in src.articles:
        s.add(
            m.ArticleRow(
                ordinal=a.ordinal, number=a.number, chapter=a.chapter,
                title_zh=a.title.zh, title_en=a.title.en, text_zh=a.text.zh, text_en=a.text.en,
                summary_zh=a.summary.zh, summary_en=a.summary.en,
            )
        )
    s.flush()
    for a in src.articles:
        s.add_all(m.ArticleUnitRow(article=a.ordinal, position=i, unit=u) for i, u in enumerate(a.units_zh))
    for i, f in enumerate(src.facts):
        s.add(
            m.FactRow(
                id=f.id, kind=f.kind, position=i, article=ordinal[f.article],
                name_zh=f.name.zh, name_en=f.name.en, text_zh=f.text.zh, text_en=f.text.en,
                amount_cny=f.amount_cny, data=f.data,
            )
        )
    for i, field in enumerate(src.fields):
        s.add(m.FieldRow(id=field["id"], position=i, article=ordinal[parse_ref(field["article"])], data=field))
    for i, (ref, lang, text) in enumerate(src.questions):
        s.add(m.QuestionRow(id=i, article=ordinal[ref], lang=lang, text=text))
    for i, concept in enumerate(src.synonyms):
        s.add(m.ConceptRow(id=concept["id"], position=i, terms=concept))


def read(engine: Engine) -> PolicySource:
    """Read the whole KB back from the database (it is small: a few hundred rows)."""
    with Session(engine) as s:
        meta = {row.key: row.value for row in s.scalars(select(m.Meta))}
        units_by_article: dict[int, list[str]] = {}
        for row in s.scalars(select(m.ArticleUnitRow).order_by(m.ArticleUnitRow.article, m.ArticleUnitRow.position)):
            units_by_article.setdefault(row.article, []).append(row.unit)
        article_rows = s.scalars(select(m.ArticleRow).order_by(m.ArticleRow.ordinal)).all()
        number = {r.ordinal: r.number for r in article_rows}
        articles = tuple(
            Article(
                ordinal=r.ordinal, number=r.number, chapter=r.chapter,
                title=Bilingual(r.title_zh, r.title_en), text=Bilingual(r.text_zh, r.text_en),
                summary=Bilingual(r.summary_zh, r.summary_en),
                units_zh=tuple(units_by_article.get(r.ordinal, ())),
            )
            for r in article_rows
        )
        facts = tuple(
            Fact(
                id=r.id, kind=r.kind, article=number[r.article], name=Bilingual(r.name_zh, r.name_en),
                text=Bilingual(r.text_zh, r.text_en), amount_cny=r.amount_cny, data=r.data,
            )
            for r in s.scalars(select(m.FactRow).order_by(m.FactRow.position))
        )
        return PolicySource(
            code=meta["code"],
            title=Bilingual(meta["title_zh"], meta["title_en"]),
            chapters={r.number: Bilingual(r.title_zh, r.title_en) for r in s.scalars(select(m.ChapterRow))},
            articles=articles,
            units={r.zh: Bilingual(r.zh, r.en) for r in s.scalars(select(m.UnitRow))},
            facts=facts,
            fields=tuple(r.data for r in s.scalars(select(m.FieldRow).order_by(m.FieldRow.position))),
            questions=tuple(
                (number[r.article], r.lang, r.text)
                for r in s.scalars(select(m.QuestionRow).order_by(m.QuestionRow.id))
            ),
            synonyms=tuple(r.terms for r in s.scalars(select(m.ConceptRow).order_by(m.ConceptRow.position))),
            digest=meta["digest"].split(":", 1)[1],
        )


def open_kb(url: str | None = None) -> PolicySource:
    """The KB as stored in the database at ``url``, built first if missing or stale."""
    engine = make_engine(url)
    try:
        ensure_built(engine)
        return read(engine)
    finally:
        engine.dispose()
