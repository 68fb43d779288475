"""The store on SQLite and PostgreSQL: booking, filling up, alternatives, cancel, reschedule,
idempotency, and the privacy operations. "Now" is Friday 2026-11-27 10:00; Datong has 3 seats."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from appointments.models import AppointmentRow
from appointments.results import UNAVAILABLE, AccessStatus, BookingStatus, CancelStatus
from appointments.store import AppointmentStore, InvalidInput
from tests.support.appointments import MONDAY_10, at, book


def rows(store: AppointmentStore) -> int:
    with Session(store.engine) as s:
        return s.scalar(select(func.count()).select_from(AppointmentRow))


def test_booking_with_consent_keeps_normalised_personal_data(store: AppointmentStore) -> None:
    r = book(store, consent=True, name=" Anna  Schmidt ", contact="+86 138-0013-8000", lang="en")
    assert r.ok and r.status == "booked" and not r.repeated
    a = r.appointment
    assert (a.name, a.contact, a.contact_kind, a.lang, a.consent) == ("Anna Schmidt", "+8613800138000", "phone", "en", True)
    assert (a.start, a.end, a.window_id, a.service_id, a.estimated) == (MONDAY_10, at(2026, 11, 30, 10, 30), "datong", "work_permit", False)
    assert store.get(a.display_code.lower()) == a
    assert store.get("ZZZZ-ZZZZ") is None and store.get("nonsense") is None


def test_refusing_consent_still_gives_an_anonymous_reference(store: AppointmentStore) -> None:
    r = book(store)
    assert r.ok and len(r.appointment.code) == 8
    assert (r.appointment.name, r.appointment.contact, r.appointment.consent) == (None, None, False)


def test_personal_data_without_consent_is_refused(store: AppointmentStore) -> None:
    r = book(store, consent=False, name="Anna", contact="13800138000")
    assert (r.status, r.invalid.field) == ("invalid", "consent")
    assert rows(store) == 0


def test_the_database_itself_refuses_personal_data_without_consent(store: AppointmentStore) -> None:
    with pytest.raises(IntegrityError), Session(store.engine) as s, s.begin():
        s.add(_raw_row("AAAA2222", seat=1, consent=False, name="Anna"))


def test_the_database_itself_refuses_a_second_holder_of_a_seat(store: AppointmentStore) -> None:
    with Session(store.engine) as s, s.begin():
        s.add(_raw_row("AAAA2222", seat=1))
    with pytest.raises(IntegrityError), Session(store.engine) as s, s.begin():
        s.add(_raw_row("BBBB3333", seat=1))


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"consent": True, "contact": "12345"}, "contact"),
        ({"consent": True, "contact": "anna@"}, "contact"),
        ({"consent": True, "name": "   "}, "name"),
        ({"consent": True, "name": "1234"}, "name"),
        ({"window_id": "paris"}, "window"),
        ({"service_id": "astrology"}, "service"),
    ],
)
def test_invalid_input(store: AppointmentStore, kw: dict, field: str) -> None:
    r = book(store, **kw)
    assert (r.status, r.invalid.field, r.appointment) == ("invalid", field, None)  # contact, name: worded by the actions
    assert rows(store) == 0


def test_service_not_offered_at_the_window(db_engine, write_overrides, clock) -> None:
    from appointments.catalogue import load_catalogue

    store = AppointmentStore(db_engine, load_catalogue(overrides=write_overrides(
        {"windows": {"shuozhou": {"services": ["work_permit"]}}})), clock=clock)
    store.create_schema()
    r = store.book(window_id="shuozhou", service_id="schooling", start=MONDAY_10)
    assert (r.status, r.invalid.reason) == ("invalid", "not_offered")


def test_slot_fills_up_and_the_nearest_free_slots_are_offered(store: AppointmentStore) -> None:
    assert store.check_slot("datong", "work_permit", MONDAY_10).slot.free_seats == 3
    codes = {book(store, who=f"user{i}").appointment.code for i in range(3)}
    assert len(codes) == 3
    check = store.check_slot("datong", "work_permit", MONDAY_10)
    assert check.status == "full" and not check.ok
    r = book(store, who="user4")
    assert r.status == "full" and r.appointment is None
    assert [a.start for a in r.alternatives] == [at(2026, 11, 30, 9, 30), at(2026, 11, 30, 10, 30), at(2026, 11, 30, 11, 0)]
    assert all(a.free_seats == 3 for a in r.alternatives)
    assert len(store.list_day(MONDAY_10.date())) == 3


@pytest.mark.parametrize(
    ("start", "status"),
    [
        (at(2026, 11, 30, 12, 30), "lunch_break"),
        (at(2026, 11, 28, 10, 0), "closed"),  # a Saturday
        (at(2026, 11, 27, 9, 0), "past"),
        (at(2026, 12, 28, 10, 0), "beyond_horizon"),
        (at(2026, 11, 30, 18, 0), "outside_hours"),
    ],
)
def test_unavailable_slots_come_with_alternatives(store: AppointmentStore, start: dt.datetime, status: str) -> None:
    r = book(store, start)
    assert r.status == status and not r.ok
    assert r.status is BookingStatus(status) and r.status in UNAVAILABLE
    assert r.alternatives and all(store.schedule.check("datong", a.start).ok for a in r.alternatives)
    assert rows(store) == 0


def test_nearest_free_slots_skip_full_weekend_and_lunch(store: AppointmentStore) -> None:
    friday_17 = at(2026, 11, 27, 17, 0)
    for i in range(3):
        assert book(store, friday_17, who=f"f{i}").ok
    nearest = store.nearest_free_slots("datong", "work_permit", friday_17, 2)
    assert [s.start for s in nearest] == [at(2026, 11, 30, 9, 0), at(2026, 11, 30, 9, 30)]
    after_lunch = store.nearest_free_slots("datong", "work_permit", at(2026, 11, 30, 11, 45), 1)
    assert after_lunch[0].start == at(2026, 11, 30, 14, 0)
    from_the_past = store.nearest_free_slots("datong", None, at(2026, 11, 1, 9, 0), 1)
    assert from_the_past[0].start == at(2026, 11, 27, 10, 30)  # now 10:00 + 30 minutes' notice
    assert store.nearest_free_slots("datong", None, at(2027, 3, 1, 9, 0), 3) == []  # beyond the horizon


def test_nearest_free_slots_skip_the_national_day_holiday(store: AppointmentStore, clock) -> None:
    clock.now = at(2026, 9, 28, 9, 0)
    assert store.nearest_free_slots("datong", "work_permit", at(2026, 9, 30, 17, 0), 1)[0].start == at(
        2026, 9, 30, 17, 0)  # "after" includes the moment itself
    nearest = store.nearest_free_slots("datong", "work_permit", at(2026, 9, 30, 17, 1), 1)
    assert nearest[0].start == at(2026, 10, 8, 9, 0)  # 1-7 October closed
    assert store.free_slots("datong", dt.date(2026, 10, 3)) == []
    assert len(store.free_slots("datong", dt.date(2026, 10, 10))) == 13  # the adjusted working Saturday


def test_estimated_days_are_flagged_on_the_booking(store: AppointmentStore, clock) -> None:
    clock.now = at(2026, 12, 20, 9, 0)
    r = book(store, at(2027, 1, 4, 9, 0))
    assert r.ok and r.appointment.estimated and r.day.estimated
    assert store.free_slots("datong", dt.date(2027, 1, 4))[0].estimated
    assert book(store, at(2027, 1, 1, 9, 0), who="u2").status == "closed"


def test_repeated_request_returns_the_same_booking(store: AppointmentStore) -> None:
    first = book(store, who="conv-1", consent=True, contact="a@example.org")
    again = book(store, who="conv-1", consent=True, contact="a@example.org")
    assert again.ok and again.repeated and again.appointment.code == first.appointment.code
    keyed = [store.book(window_id="datong", service_id="schooling", start=MONDAY_10, idempotency_key="k-1")
             for _ in range(3)]
    assert len({r.appointment.code for r in keyed}) == 1 and [r.repeated for r in keyed] == [False, True, True]
    assert rows(store) == 2


def test_cancel_frees_the_seat_and_allows_booking_again(store: AppointmentStore) -> None:
    codes = [book(store, who=f"u{i}").appointment.code for i in range(3)]
    assert book(store, who="late").status == "full"
    c = store.cancel(codes[1].lower())
    assert c.ok and c.appointment.status == "cancelled"
    assert store.cancel(codes[1]).status == "already_cancelled"
    assert store.cancel("ZZZZ-ZZZZ").status == "not_found" and store.cancel("?").status == "not_found"
    late = book(store, who="late")
    assert late.ok and late.appointment.code not in codes
    again = book(store, who="u1")  # u1 cancelled: the same conversation may book the slot anew
    assert again.status == "full"  # ... but it is full again now
    assert len(store.list_day(MONDAY_10.date())) == 3
    assert len(store.list_day(MONDAY_10.date(), include_cancelled=True)) == 4


def test_every_result_status_is_a_member_of_its_enum(store: AppointmentStore) -> None:
    booked = book(store)
    assert booked.status is BookingStatus.BOOKED
    assert store.check_slot("datong", "work_permit", MONDAY_10).status is BookingStatus.AVAILABLE
    assert store.check_slot("datong", "astrology", MONDAY_10).status is BookingStatus.INVALID
    assert store.access(booked.appointment.code, "u1").status is AccessStatus.OPEN
    assert store.access(booked.appointment.code, "someone else").status is AccessStatus.PROOF
    assert store.cancel(booked.appointment.code).status is CancelStatus.CANCELLED
    assert store.reschedule(booked.appointment.code, MONDAY_10).status is BookingStatus.NOT_ACTIVE
    # they are strings too: compared, formatted and printed as their values
    assert BookingStatus.FULL == "full" and f"{BookingStatus.FULL}" == str(BookingStatus.FULL) == "full"


def test_cannot_cancel_the_past(store: AppointmentStore, clock) -> None:
    code = book(store).appointment.code
    clock.now = at(2026, 12, 1, 9, 0)
    assert store.cancel(code).status == "past"


def test_reschedule_moves_the_booking_and_keeps_the_code(store: AppointmentStore) -> None:
    a = book(store, consent=True, name="Anna", contact="a@example.org").appointment
    tuesday = at(2026, 12, 1, 14, 0)
    r = store.reschedule(a.display_code, tuesday)
    assert r.ok and r.status == "rescheduled"
    assert (r.appointment.code, r.appointment.start, r.appointment.name) == (a.code, tuesday, "Anna")
    assert store.check_slot("datong", "work_permit", MONDAY_10).slot.free_seats == 3
    assert store.check_slot("datong", "work_permit", tuesday).slot.free_seats == 2
    moved = store.reschedule(a.code, at(2026, 12, 2, 9, 0), window_id="linfen", service_id="schooling")
    assert moved.ok and (moved.appointment.window_id, moved.appointment.service_id) == ("linfen", "schooling")
    assert store.check_slot("datong", "work_permit", tuesday).slot.free_seats == 3
    same = store.reschedule(a.code, at(2026, 12, 2, 9, 0))
    assert same.ok and same.repeated


def test_reschedule_to_a_full_or_closed_slot_changes_nothing(store: AppointmentStore) -> None:
    a = book(store, who="mine").appointment
    tuesday = at(2026, 12, 1, 10, 0)
    for i in range(3):
        assert book(store, tuesday, who=f"other{i}").ok
    r = store.reschedule(a.code, tuesday)
    assert r.status == "full" and r.alternatives and tuesday not in [s.start for s in r.alternatives]
    assert store.get(a.code).start == MONDAY_10
    assert store.reschedule(a.code, at(2026, 12, 1, 12, 30)).status == "lunch_break"
    assert store.reschedule(a.code, at(2026, 11, 29, 10, 0)).status == "closed"
    assert store.get(a.code).start == MONDAY_10
    assert store.reschedule("ZZZZ-ZZZZ", tuesday).status == "not_found"
    store.cancel(a.code)
    assert store.reschedule(a.code, at(2026, 12, 1, 11, 0)).status == "not_active"


def test_lists_for_contact_conversation_and_day(store: AppointmentStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPOINTMENTS_MAX_PER_CONVERSATION", "10")
    monkeypatch.setenv("APPOINTMENTS_MAX_PER_CONTACT", "10")
    book(store, at(2026, 12, 1, 9, 0), who="c1", consent=True, name="Anna", contact="13800138000")
    book(store, MONDAY_10, who="c1", consent=True, name="Anna", contact="+86 138 0013 8000")
    book(store, MONDAY_10, who="c1", window_id="linfen")  # anonymous, same conversation
    cancelled = book(store, at(2026, 12, 2, 9, 0), who="c1", consent=True, name="Anna", contact="13800138000")
    store.cancel(cancelled.appointment.code)
    book(store, MONDAY_10, who="c2", consent=True, name="Bob", contact="bob@example.org")
    mine = store.list_for_contact("138-0013-8000")
    assert [a.start for a in mine] == [MONDAY_10, at(2026, 12, 1, 9, 0)]
    assert len(store.list_for_contact("13800138000", include_cancelled=True)) == 3
    assert len(store.list_for_conversation("c1")) == 3 and store.list_for_conversation("nobody") == []
    day = store.list_day(MONDAY_10.date())
    assert len(day) == 3 and {a.window_id for a in day} == {"datong", "linfen"}
    assert [a.name for a in store.list_day(MONDAY_10.date(), "datong")] == ["Anna", "Bob"]
    with pytest.raises(InvalidInput):
        store.list_for_contact("not a contact")


def test_forget_contact_deletes_every_record_and_counts(store: AppointmentStore, clock) -> None:
    clock.now = at(2026, 11, 2, 9, 0)
    book(store, at(2026, 11, 3, 9, 0), who="p", consent=True, name="Anna", contact="anna@example.org")  # will be past
    clock.now = at(2026, 11, 27, 10, 0)
    book(store, MONDAY_10, who="f", consent=True, name="Anna", contact="ANNA@example.org")
    book(store, MONDAY_10, who="b", consent=True, name="Bob", contact="bob@example.org")
    book(store, MONDAY_10, who="x")  # anonymous
    assert store.forget_contact(" Anna@Example.org ") == 2
    assert store.forget_contact("anna@example.org") == 0
    assert rows(store) == 2 and store.list_for_contact("bob@example.org")
    assert store.check_slot("datong", "work_permit", MONDAY_10).slot.free_seats == 1  # Anna's seat is free
    with pytest.raises(InvalidInput):
        store.forget_contact("anna@")


def test_purge_strips_personal_data_after_the_retention_period(store: AppointmentStore, clock, monkeypatch) -> None:
    clock.now = at(2026, 10, 12, 9, 0)
    old = book(store, at(2026, 10, 13, 9, 0), who="old", consent=True, name="Old", contact="old@example.org")
    clock.now = at(2026, 11, 12, 9, 0)
    recent = book(store, at(2026, 11, 16, 9, 0), who="recent", consent=True, name="Recent", contact="13800138000")
    clock.now = NOW_ = at(2026, 11, 27, 10, 0)
    future = book(store, MONDAY_10, who="future", consent=True, name="Future", contact="f@example.org")
    assert NOW_ - old.appointment.start > dt.timedelta(days=30) > NOW_ - recent.appointment.start
    assert store.purge_personal_data(30) == 1
    stripped = store.get(old.appointment.code)
    assert (stripped.name, stripped.contact, stripped.status) == (None, None, "booked")  # record kept, anonymous
    assert store.list_for_conversation("old", include_past=True) == []
    assert store.get(recent.appointment.code).name == "Recent"
    assert store.purge_personal_data(30) == 0
    monkeypatch.setenv("APPOINTMENTS_RETENTION_DAYS", "5")
    assert store.purge_personal_data() == 1  # the 16 November one, 11 days ago
    assert store.get(future.appointment.code).contact == "f@example.org"
    assert store.get(recent.appointment.code).contact is None
    monkeypatch.setenv("APPOINTMENTS_RETENTION_DAYS", "five")
    with pytest.raises(ValueError, match="APPOINTMENTS_RETENTION_DAYS"):
        store.purge_personal_data()


def _raw_row(code: str, seat: int, consent: bool = True, name: str | None = None) -> AppointmentRow:
    t = dt.datetime(2026, 11, 30, 10, 0)
    return AppointmentRow(code=code, window_id="datong", service_id="work_permit", slot_start=t, slot_minutes=30,
                          seat=seat, status="booked", lang="zh", estimated_day=False, consent=consent, name=name,
                          created_at=t, updated_at=t)


def test_offer_for_parsed_requests(store: AppointmentStore) -> None:
    from appointments.dates import parse_when
    from tests.support.appointments import NOW

    def offer(text: str):
        return store.offer("datong", "work_permit", parse_when(text, NOW))

    exact = offer("下周一上午10点")
    assert exact.ok and [s.start for s in exact.slots] == [MONDAY_10]
    morning = offer("Monday morning")
    assert morning.ok and [s.start.hour for s in morning.slots] == [9, 9, 10, 10]
    afternoon = offer("11月30日下午")
    assert afternoon.ok and all(s.start.hour >= 14 for s in afternoon.slots)
    saturday = offer("明天")
    assert saturday.status == "closed" and saturday.day.kind == "weekend"
    assert [s.start for s in saturday.slots] == [  # both sides of the weekend
        at(2026, 11, 27, 16, 30), at(2026, 11, 27, 17, 0), at(2026, 11, 30, 9, 0), at(2026, 11, 30, 9, 30)]
    evening = offer("Monday evening")
    assert evening.status == "outside_hours" and [s.start for s in evening.slots] == [
        at(2026, 11, 30, 16, 30), at(2026, 11, 30, 17, 0), at(2026, 12, 1, 9, 0), at(2026, 12, 1, 9, 30)]
    today_morning = offer("今天上午")  # 10:00 now; 30 minutes' notice leaves 10:30 .. 11:30
    assert today_morning.ok and [s.start.strftime("%H:%M") for s in today_morning.slots] == ["10:30", "11:00", "11:30"]
    for slot in today_morning.slots:
        for i in range(3):
            assert book(store, slot.start, who=f"{slot.start}-{i}").ok
    full = offer("今天上午")
    assert full.status == "full" and full.slots[0].start == at(2026, 11, 27, 14, 0)
    assert offer("Dec 30").status == "beyond_horizon"
    assert store.offer("paris", "work_permit", parse_when("明天", NOW)).status == "invalid"


def test_offer_on_a_holiday_names_it(store: AppointmentStore, clock) -> None:
    from appointments.dates import parse_when

    clock.now = at(2026, 9, 28, 9, 0)
    holiday = store.offer("datong", "work_permit", parse_when("10月3日上午", clock.now))
    assert holiday.status == "closed" and holiday.day.holiday("zh") == "国庆节"
    assert [s.start for s in holiday.slots] == [  # either side of the National Day week
        at(2026, 9, 30, 16, 30), at(2026, 9, 30, 17, 0), at(2026, 10, 8, 9, 0), at(2026, 10, 8, 9, 30)]
