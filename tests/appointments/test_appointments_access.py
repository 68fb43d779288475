"""Who may touch a booking, how many one may hold, and the store bugs of issue 12, on SQLite and PostgreSQL.

"Now" is Friday 2026-11-27 10:00; Datong has 3 seats (tests/appointments/conftest.py)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from appointments.catalogue import load_catalogue
from appointments.models import AppointmentRow
from appointments.store import AppointmentStore
from tests.support.appointments import MONDAY_10, at, book

TUESDAY_10 = at(2026, 12, 1, 10, 0)


# --------------------------------------------------------------------------- the two store bugs


def test_after_a_reschedule_the_same_conversation_can_book_the_old_slot_again(store: AppointmentStore) -> None:
    first = book(store, MONDAY_10, who="c1")
    assert store.reschedule(first.appointment.code, TUESDAY_10).ok
    again = book(store, MONDAY_10, who="c1")
    assert again.status == "booked" and not again.repeated, "the moved booking must not answer for the old slot"
    assert again.appointment.code != first.appointment.code and again.appointment.start == MONDAY_10
    assert store.get(first.appointment.code).start == TUESDAY_10


def test_lowering_a_slots_capacity_never_lets_it_overfill(store: AppointmentStore, db_engine, write_overrides, clock) -> None:
    held = [book(store, MONDAY_10, who=f"c{i}") for i in range(3)]  # seats 1, 2, 3 of capacity 3
    assert store.cancel(held[0].appointment.code).ok                # seat 1 free again
    smaller = AppointmentStore(db_engine, load_catalogue(overrides=write_overrides({"windows": {"datong": {"capacity": 2}}})),
                               clock=clock)
    late = book(smaller, MONDAY_10, who="late")
    assert late.status == "full", "two seats are held and the capacity is now 2"
    assert smaller.check_slot("datong", "work_permit", MONDAY_10).status == "full"
    moved = book(smaller, TUESDAY_10, who="mover")
    assert smaller.reschedule(moved.appointment.code, MONDAY_10).status == "full"
    assert len(smaller.list_day(MONDAY_10.date(), "datong")) == 2
    assert smaller.cancel(held[2].appointment.code).ok  # seat 3 (above the capacity) leaves: one seat free
    assert book(smaller, MONDAY_10, who="late").ok and book(smaller, MONDAY_10, who="later").status == "full"


def test_lone_surrogates_never_reach_the_database(store: AppointmentStore) -> None:
    r = book(store, consent=True, name="张\ud800伟", contact="13800138000", who="web:\udcff")
    assert r.ok and r.appointment.name == "张伟"
    assert store.list_for_conversation("web:\udcff") == [r.appointment]
    bad = book(store, TUESDAY_10, consent=True, name="Anna", contact="anna\ud800@example.org", who="x",
               idempotency_key="k\ud800")
    assert (bad.status, bad.invalid.field) == ("invalid", "contact")


# --------------------------------------------------------------------------- ownership


def test_the_conversation_id_is_stored_keyed_and_never_in_clear(store: AppointmentStore) -> None:
    book(store, who="wx:o6_bmjrPTlm6_2sgVt7hMZOPfL2M", consent=True, name="Anna", contact="anna@example.org")
    with Session(store.engine) as s:
        row = s.scalars(select(AppointmentRow)).one()
        values = [str(getattr(row, c.name)) for c in AppointmentRow.__table__.columns]
    assert not any("o6_bmjrPTlm6" in v for v in values)
    assert row.conversation_hash != hashlib.sha256(b"conv:wx:o6_bmjrPTlm6_2sgVt7hMZOPfL2M").hexdigest()


def test_only_the_owner_or_a_proven_contact_opens_a_booking(store: AppointmentStore, clock) -> None:
    code = book(store, who="owner", consent=True, name="Anna", contact="13800138000").appointment.code
    assert store.access(code, "owner").status == "open"
    assert store.access(code, "intruder").status == "proof"
    assert store.access("ZZZZ-9999", "intruder").status == "proof", "an unknown code looks the same"
    assert store.prove(code, "intruder", "13900000000") is None
    assert store.prove("ZZZZ-9999", "intruder", "13800138000") is None
    grant = store.prove(code, "intruder", "+86 138-0013-8000")
    assert grant and store.access(code, "intruder", grant).status == "open"
    assert store.access(code, "third", grant).status == "proof", "a grant belongs to one conversation"
    assert store.access(code, "intruder", "f" * 64).status == "proof"
    assert store.access(code, "intruder", "伪造").status == "proof"
    assert store.cancel(code, conversation_id="third").status == "not_found"
    assert store.reschedule(code, TUESDAY_10, conversation_id="third").status == "not_found"
    assert store.get(code).status == "booked" and store.get(code).start == MONDAY_10
    assert store.reschedule(code, TUESDAY_10, conversation_id="intruder", grant=grant).ok
    assert store.cancel(code, conversation_id="intruder", grant=grant).ok
    assert store.access(code, "owner").status == "not_found", "cancelled: not found, even for its owner"
    assert store.access(code, "intruder", grant).status == "not_found"
    assert store.prove(code, "intruder", "13800138000") is None


def test_anonymous_and_past_bookings_cannot_be_proven(store: AppointmentStore, clock) -> None:
    anonymous = book(store, who="a").appointment.code
    assert store.prove(anonymous, "b", "13800138000") is None
    past = book(store, at(2026, 11, 27, 11, 0), who="p", consent=True, name="P", contact="p@example.org").appointment.code
    clock.now = at(2026, 11, 27, 12, 0)
    assert store.prove(past, "q", "p@example.org") is None and store.access(past, "p").status == "not_found"


# --------------------------------------------------------------------------- caps


def test_active_bookings_are_capped_per_conversation(store: AppointmentStore, clock) -> None:
    starts = [at(2026, 11, 30, 9, 0), at(2026, 11, 30, 9, 30), MONDAY_10, TUESDAY_10]
    made = [book(store, s, who="script") for s in starts[:3]]
    assert all(r.ok for r in made)
    over = book(store, starts[3], who="script")
    assert (over.status, over.limit, over.ok) == ("limit", "conversation", False)
    assert book(store, made[0].appointment.start, who="script").repeated, "a repeat is not a new booking"
    assert store.cancel(made[0].appointment.code).ok
    assert book(store, starts[3], who="script").ok
    clock.now = at(2026, 11, 30, 12, 0)  # the Monday bookings are past: they no longer count
    assert book(store, at(2026, 12, 2, 9, 0), who="script").ok


def test_active_bookings_are_capped_per_contact_across_conversations(store: AppointmentStore, monkeypatch) -> None:
    monkeypatch.setenv("APPOINTMENTS_MAX_PER_CONTACT", "2")
    for i, start in enumerate((MONDAY_10, TUESDAY_10)):
        assert book(store, start, who=f"conv-{i}", consent=True, name="Anna", contact="anna@example.org").ok
    over = book(store, at(2026, 12, 2, 9, 0), who="conv-9", consent=True, name="Anna", contact="ANNA@example.org")
    assert (over.status, over.limit) == ("limit", "contact")
    monkeypatch.setenv("APPOINTMENTS_MAX_PER_CONTACT", "0")
    with pytest.raises(ValueError, match="APPOINTMENTS_MAX_PER_CONTACT"):
        book(store, at(2026, 12, 2, 9, 0), who="conv-9", consent=True, name="Anna", contact="anna@example.org")
