"""The appointments table: the one read-write store the assistant owns.

One row per appointment. Capacity is a property of the *rows*, enforced by the database:

- an active booking holds a **seat**: a number from 1 to the window's capacity per slot;
- ``UNIQUE (window_id, slot_start, seat)`` means two bookings can never hold the same seat of the
  same slot, whatever the isolation level, however many action-server replicas write at once;
- a cancelled booking gives its seat back (``seat`` becomes NULL; NULLs never collide in a unique
  constraint, on SQLite or PostgreSQL), and a CHECK keeps ``status`` and ``seat`` consistent.

The store only ever tries seats 1..capacity, so at most ``capacity`` rows can hold a seat of a slot:
a race between two writers ends in a unique violation for one of them, which retries with the next
free seat or learns that the slot is full. See :mod:`appointments.store`.

Personal data (name, contact) may only be present with consent; a CHECK constraint makes that a
property of the data, not just of the code. Times are naive Asia/Shanghai wall-clock times (China
has no daylight saving time, so they are unambiguous and compare correctly on every backend).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import declarative_base

Base: Any = declarative_base()  # SQLAlchemy 1.4 has no type information: its models are Any

BOOKED = "booked"
CANCELLED = "cancelled"


class AppointmentRow(Base):
    __tablename__ = "appointments"

    id = Column(Integer, primary_key=True, autoincrement=True)
    code = Column(String(8), nullable=False, unique=True)
    window_id = Column(String(40), nullable=False)
    service_id = Column(String(40), nullable=False)
    slot_start = Column(DateTime, nullable=False)  # Asia/Shanghai wall clock
    slot_minutes = Column(Integer, nullable=False)
    seat = Column(Integer, nullable=True)  # NULL once cancelled
    status = Column(String(12), nullable=False, default=BOOKED)
    lang = Column(String(2), nullable=False, default="zh")
    estimated_day = Column(Boolean, nullable=False, default=False)  # staff confirm
    consent = Column(Boolean, nullable=False, default=False)
    name = Column(String(100), nullable=True)
    contact = Column(String(254), nullable=True)  # normalised e-mail or +phone
    contact_kind = Column(String(8), nullable=True)
    conversation_hash = Column(String(64), nullable=True)  # sha256, for "my appointments"
    idempotency_hash = Column(String(64), nullable=True, unique=True)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    cancelled_at = Column(DateTime, nullable=True)
    purged_at = Column(DateTime, nullable=True)  # personal data removed

    __table_args__ = (
        UniqueConstraint("window_id", "slot_start", "seat", name="uq_appointments_seat"),
        CheckConstraint("seat IS NULL OR seat >= 1", name="ck_appointments_seat_positive"),
        CheckConstraint(
            f"(status = '{BOOKED}' AND seat IS NOT NULL) OR (status = '{CANCELLED}' AND seat IS NULL)",
            name="ck_appointments_status_seat",
        ),
        CheckConstraint(
            "consent OR (name IS NULL AND contact IS NULL AND contact_kind IS NULL)",
            name="ck_appointments_consent",
        ),
        Index("ix_appointments_slot", "slot_start", "window_id"),
        Index("ix_appointments_contact", "contact"),
        Index("ix_appointments_conversation", "conversation_hash"),
    )
