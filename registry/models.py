"""The register's tables: one row per registration, and the staff's audit trail.

A registration exists only with consent (the conversation saves nothing when consent is refused), so
``consent_at`` is never empty. The conversation that made it is stored as a keyed hash
(:func:`appointments.keys.conversation_digest`), never as the sender id: a WeChat sender id is the
follower's openid, which staff never see. Staff see ``ref`` instead. One registration per
conversation (a unique hash): signing up again updates it.

The audit trail records who did what (list, view, export, mark contacted, forget), when, on which
reference and how many rows, never the personal fields themselves. Times are naive UTC.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime, Index, Integer, String
from sqlalchemy.orm import declarative_base

Base: Any = declarative_base()  # SQLAlchemy 1.4 has no type information: its models are Any


class RegistrationRow(Base):
    __tablename__ = "registrations"

    id = Column(Integer, primary_key=True, autoincrement=True)
    ref = Column(String(8), nullable=False, unique=True)
    conversation_hash = Column(String(64), nullable=False, unique=True)
    channel = Column(String(8), nullable=False)  # wechat | web | other
    lang = Column(String(2), nullable=False)
    city_code = Column(String(6), nullable=True)
    county_code = Column(String(6), nullable=True)
    country_code = Column(String(2), nullable=True)
    industry = Column(String(100), nullable=True)
    situation = Column(String(300), nullable=True)
    interests = Column(String(120), nullable=True)  # comma-separated ids of registry.fields.INTERESTS
    contact_kind = Column(String(8), nullable=True)  # email | phone | wechat
    contact = Column(String(254), nullable=True)  # normalised e-mail or +phone
    consent_at = Column(DateTime, nullable=False)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    contacted_at = Column(DateTime, nullable=True)

    __table_args__ = (
        Index("ix_registrations_created", "created_at"),
        Index("ix_registrations_city", "city_code"),
        Index("ix_registrations_country", "country_code"),
        Index("ix_registrations_contact", "contact"),
    )


class AuditRow(Base):
    __tablename__ = "registry_audit"

    id = Column(Integer, primary_key=True, autoincrement=True)
    at = Column(DateTime, nullable=False)
    actor = Column(String(16), nullable=False)  # staff-web | cli
    action = Column(String(16), nullable=False)  # list | view | export | contacted | forget
    ref = Column(String(8), nullable=True)
    rows = Column(Integer, nullable=True)
    filters = Column(String(120), nullable=True)  # "city=1401;country=CA;interest=business": codes, no personal data
