"""SQLAlchemy models of the KB database, built from the YAML by :mod:`policy_kb.loader`.

The tables mirror :mod:`policy_kb.source` one to one so that reading them back gives the same
``PolicySource`` (a test checks the round trip on SQLite and PostgreSQL). Articles are keyed by
``ordinal`` (1..26) because the closing clause has no number.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base

#: Bump when the tables change: it is part of the digest that triggers a rebuild.
SCHEMA_VERSION = "1"

Base: Any = declarative_base()  # SQLAlchemy 1.4 has no type information: its models are Any


class Meta(Base):
    __tablename__ = "kb_meta"
    key = Column(String(64), primary_key=True)
    value = Column(Text, nullable=False)


class ChapterRow(Base):
    __tablename__ = "kb_chapters"
    number = Column(Integer, primary_key=True, autoincrement=False)
    title_zh = Column(Text, nullable=False)
    title_en = Column(Text, nullable=False)


class ArticleRow(Base):
    __tablename__ = "kb_articles"
    ordinal = Column(Integer, primary_key=True, autoincrement=False)
    number = Column(Integer, unique=True, nullable=True)  # NULL: the closing clause
    chapter = Column(Integer, ForeignKey("kb_chapters.number"), nullable=True)
    title_zh = Column(Text, nullable=False)
    title_en = Column(Text, nullable=False)
    text_zh = Column(Text, nullable=False)
    text_en = Column(Text, nullable=False)
    summary_zh = Column(Text, nullable=False)
    summary_en = Column(Text, nullable=False)


class UnitRow(Base):
    __tablename__ = "kb_units"
    zh = Column(String(64), primary_key=True)
    en = Column(Text, nullable=False)


class ArticleUnitRow(Base):
    __tablename__ = "kb_article_units"
    article = Column(Integer, ForeignKey("kb_articles.ordinal"), primary_key=True)
    position = Column(Integer, primary_key=True, autoincrement=False)
    unit = Column(String(64), ForeignKey("kb_units.zh"), nullable=False)


class FactRow(Base):
    __tablename__ = "kb_facts"
    id = Column(String(64), primary_key=True)
    kind = Column(String(16), nullable=False)
    position = Column(Integer, nullable=False)
    article = Column(Integer, ForeignKey("kb_articles.ordinal"), nullable=False)
    name_zh = Column(Text, nullable=False)
    name_en = Column(Text, nullable=False)
    text_zh = Column(Text, nullable=False)
    text_en = Column(Text, nullable=False)
    amount_cny = Column(BigInteger, nullable=True)
    data = Column(JSON, nullable=False)


class FieldRow(Base):
    """A priority field of the policy (大数据 / big data ...), with what users call it."""

    __tablename__ = "kb_fields"
    id = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False)
    article = Column(Integer, ForeignKey("kb_articles.ordinal"), nullable=False)
    data = Column(JSON, nullable=False)


class QuestionRow(Base):
    __tablename__ = "kb_questions"
    id = Column(Integer, primary_key=True, autoincrement=False)
    article = Column(Integer, ForeignKey("kb_articles.ordinal"), nullable=False)
    lang = Column(String(2), nullable=False)
    text = Column(Text, nullable=False)


class ConceptRow(Base):
    """A synonym concept of the search; ``terms`` holds ``{"zh": [...], "en": [...]}``."""

    __tablename__ = "kb_concepts"
    id = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False)
    terms = Column(JSON, nullable=False)
    __table_args__ = (UniqueConstraint("position"),)
