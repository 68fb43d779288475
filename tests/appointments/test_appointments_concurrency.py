"""The database never lets a slot be overbooked: 50 clients race for one slot of capacity 3.

Every thread books through its own session on its own database connection (NullPool), all released
at once by a barrier, on SQLite and on PostgreSQL. Exactly 3 must get a booking; the other 47 must
be told "full" (not "busy", not an error).
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine

from appointments import store as store_module
from appointments.catalogue import Catalogue
from appointments.results import BookingResult
from appointments.store import AppointmentStore
from tests.support.appointments import FakeClock, at, own_connection_engine

SLOT = at(2026, 11, 30, 10, 0)
CLIENTS = 50


def race(store: AppointmentStore, clients: int, **kw) -> list[BookingResult]:
    barrier = threading.Barrier(clients)

    def one(i: int) -> BookingResult:
        barrier.wait()
        return store.book(window_id="datong", service_id="work_permit", start=SLOT, conversation_id=f"client-{i}",
                          consent=True, name=f"Client {i}", contact=f"client{i}@example.org", **kw)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(one, range(clients)))


@pytest.fixture
def racing_store(db_engine: Engine, catalogue: Catalogue, clock: FakeClock):
    assert catalogue.window("datong").capacity == 3
    engine = own_connection_engine(db_engine)
    store = AppointmentStore(engine, catalogue, clock=clock)
    store.create_schema()
    yield store
    engine.dispose()


def test_fifty_concurrent_bookings_for_three_seats(racing_store: AppointmentStore) -> None:
    results = race(racing_store, CLIENTS)
    assert Counter(r.status for r in results) == {"booked": 3, "full": CLIENTS - 3}
    winners = [r.appointment for r in results if r.ok]
    assert len({a.code for a in winners}) == 3
    day = racing_store.list_day(SLOT.date(), "datong")
    assert sorted(a.code for a in day) == sorted(a.code for a in winners)
    assert all(r.alternatives and SLOT not in [s.start for s in r.alternatives] for r in results if not r.ok)


def test_the_constraint_holds_even_if_the_python_side_seat_choice_is_wrong(
    racing_store: AppointmentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Make every client believe seat 1 is free: only the database stands between them and chaos."""
    monkeypatch.setattr(store_module, "_free_seat", lambda *a, **k: 1)
    monkeypatch.setattr(store_module, "MAX_ATTEMPTS", 3)
    results = race(racing_store, 12)
    assert Counter(r.status for r in results) == {"booked": 1, "busy": 11}
    assert len(racing_store.list_day(SLOT.date(), "datong")) == 1


def test_concurrent_bookings_of_one_conversation_stop_at_the_cap(racing_store: AppointmentStore) -> None:
    """Ten slots at once from one script's conversation (and one contact): the cap (3) holds."""
    starts = [at(2026, 11, 30, 9, 0), at(2026, 11, 30, 9, 30), SLOT, at(2026, 11, 30, 10, 30), at(2026, 11, 30, 11, 0),
              at(2026, 12, 1, 9, 0), at(2026, 12, 1, 9, 30), at(2026, 12, 1, 10, 0), at(2026, 12, 1, 10, 30),
              at(2026, 12, 1, 11, 0)]
    barrier = threading.Barrier(len(starts))

    def one(start) -> BookingResult:
        barrier.wait()
        return racing_store.book(window_id="datong", service_id="work_permit", start=start, conversation_id="script",
                                 consent=True, name="Script", contact=f"s{start:%d%H%M}@example.org")

    with ThreadPoolExecutor(max_workers=len(starts)) as pool:
        results = list(pool.map(one, starts))
    assert Counter(r.status for r in results) == {"booked": 3, "limit": len(starts) - 3}
    assert len(racing_store.list_for_conversation("script")) == 3
