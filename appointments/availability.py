"""Availability search: which slots of a window are free, and what to offer when the one asked for is not.

Read-only: it counts the seats held per slot (:mod:`appointments.models`) against the catalogue's
capacity, on the schedule's working days and opening hours (:mod:`appointments.workdays`). What it
finds only decides what to *try*: whether a booking holds is decided by the database, in
:mod:`appointments.store`, which extends :class:`SlotSearch` with the writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from appointments.catalogue import Catalogue, UnknownId, get_catalogue
from appointments.contacts import Invalid
from appointments.database import prepare_engine
from appointments.dates import PART_BOUNDS, When
from appointments.models import AppointmentRow
from appointments.results import Availability, BookingStatus, FreeSlot, Offer
from appointments.workdays import TZ, Clock, HolidayCalendar, Schedule, Slot, slot_times, to_local


class SlotSearch:
    """Free slots, alternatives and slot checks of the catalogue's windows. Every call uses its own session."""

    def __init__(
        self,
        engine: Engine,
        catalogue: Catalogue | None = None,
        calendar: HolidayCalendar | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.engine = prepare_engine(engine)
        self.catalogue = catalogue or get_catalogue()
        self.schedule = Schedule(self.catalogue, calendar, clock)

    def free_slots(self, window_id: str, date: dt.date, service_id: str | None = None) -> list[FreeSlot]:
        """The slots of ``date`` that can still be booked: open, in range, not full."""
        if service_id is not None and not self.catalogue.window(window_id).offers(service_id):
            return []
        slots = self.schedule.slots(window_id, date)
        if not slots:
            return []
        taken = self._occupancy(window_id, slots[0].start, slots[-1].start)
        return self._free(window_id, slots, taken)

    def nearest_free_slots(
        self, window_id: str, service_id: str | None, after: dt.datetime, n: int = 3
    ) -> list[FreeSlot]:
        """The first ``n`` free slots starting at or after ``after``, skipping full, closed, holiday
        and past slots, up to the booking horizon (fewer, or none, if the horizon is reached)."""
        after = to_local(after)
        if service_id is not None and not self.catalogue.window(window_id).offers(service_id):
            return []
        found: list[FreeSlot] = []
        for day_slots in self._slots_by_day(window_id, after.date()):
            candidates = [s for s in day_slots if s.start >= after]
            if not candidates:
                continue
            taken = self._occupancy(window_id, candidates[0].start, candidates[-1].start)
            found += self._free(window_id, candidates, taken)[: n - len(found)]
            if len(found) >= n:
                break
        return found

    def alternatives(self, window_id: str, service_id: str | None, target: dt.datetime, n: int = 3) -> list[FreeSlot]:
        """Up to ``n`` free slots around ``target``, in time order: the closest ones after it (about
        half, rounded up) and the closest ones before it, one side filling in when the other runs out.

        What to offer as buttons when the requested slot is full or closed: for a closed Saturday
        that is Friday afternoon *and* Monday morning, for a full 10:00 it is 9:30, 10:30 and 11:00.
        """
        target = to_local(target)
        if service_id is not None and not self.catalogue.window(window_id).offers(service_id):
            return []
        slots = [s for day in self._slots_by_day(window_id, self.schedule.now().date()) for s in day]
        if not slots:
            return []
        free = self._free(window_id, slots, self._occupancy(window_id, slots[0].start, slots[-1].start))
        before = [s for s in reversed(free) if s.start < target]
        after = [s for s in free if s.start >= target]
        k_after = min(len(after), n - min(len(before), n // 2))
        k_before = min(len(before), n - k_after)
        return sorted(before[:k_before] + after[:k_after], key=lambda s: s.start)

    def check_slot(self, window_id: str, service_id: str, start: dt.datetime, n_alternatives: int = 3) -> Availability:
        """Whether ``start`` can be booked now, and what to offer instead if not."""
        invalid = self._check_ids(window_id, service_id)
        if invalid:
            return Availability(BookingStatus.INVALID, invalid=invalid)
        check = self.schedule.check(window_id, start)
        if not check.ok:
            return Availability(BookingStatus(check.reason), day=check.day, alternatives=self._alts(window_id, service_id, start, n_alternatives))
        assert check.slot is not None
        free = self._free(window_id, [check.slot], self._occupancy(window_id, check.slot.start, check.slot.start))
        if not free:
            return Availability(BookingStatus.FULL, day=check.day, alternatives=self._alts(window_id, service_id, start, n_alternatives))
        return Availability(BookingStatus.AVAILABLE, slot=free[0], day=check.day)

    def offer(self, window_id: str, service_id: str, when: When, n: int = 4) -> Offer:
        """The slots to offer for a parsed request ("下周二上午", "Dec 3 at 2pm"): see :class:`Offer`."""
        invalid = self._check_ids(window_id, service_id)
        if invalid:
            return Offer(BookingStatus.INVALID, invalid=invalid)
        exact = when.start()
        if exact is not None:  # a time was given
            a = self.check_slot(window_id, service_id, exact, n)
            return Offer(a.status, (a.slot,) if a.slot else a.alternatives, a.day)
        window = self.catalogue.window(window_id)
        day = self.schedule.day(window_id, when.date)
        asked = [s for s, _ in slot_times(window, when.date) if when.covers(s)]
        anchor = asked[0] if asked else dt.datetime.combine(when.date, PART_BOUNDS[when.part or "morning"][0], TZ)
        if when.date > self.schedule.last_day():
            status = BookingStatus.BEYOND_HORIZON
        elif not day.is_open:
            status = BookingStatus.CLOSED
        elif not asked:
            status = BookingStatus.OUTSIDE_HOURS
        else:
            free = [s for s in self.free_slots(window_id, when.date, service_id) if when.covers(s.start)]
            if free:
                return Offer(BookingStatus.AVAILABLE, tuple(free[:n]), day)
            bookable = [s for s in self.schedule.slots(window_id, when.date) if when.covers(s.start)]
            status = BookingStatus.FULL if bookable else BookingStatus.PAST
        return Offer(status, self._alts(window_id, service_id, anchor, n), day)

    def _check_ids(self, window_id: str, service_id: str) -> Invalid | None:
        try:
            window = self.catalogue.window(window_id)
        except UnknownId:
            return Invalid("window", "unknown", window_id)
        try:
            self.catalogue.service(service_id)
        except UnknownId:
            return Invalid("service", "unknown", service_id)
        if not window.offers(service_id):
            return Invalid("service", "not_offered", service_id)
        return None

    def _alts(self, window_id: str, service_id: str, target: dt.datetime, n: int = 3) -> tuple[FreeSlot, ...]:
        return tuple(self.alternatives(window_id, service_id, target, n))

    def _slots_by_day(self, window_id: str, start: dt.date) -> Iterable[list[Slot]]:
        for day in self.schedule.days(start):
            slots = self.schedule.slots(window_id, day)
            if slots:
                yield slots

    def _occupancy(self, window_id: str, first: dt.datetime, last: dt.datetime) -> dict[dt.datetime, int]:
        """Seats held per slot start (naive) between ``first`` and ``last`` inclusive."""
        r = AppointmentRow
        with Session(self.engine, future=True) as s:
            rows = s.execute(
                select(r.slot_start, func.count())
                .where(r.window_id == window_id, r.seat.is_not(None),
                       r.slot_start >= naive_local(first), r.slot_start <= naive_local(last))
                .group_by(r.slot_start)
            ).all()
        return {start: count for start, count in rows}

    def _free(self, window_id: str, slots: list[Slot], taken: dict[dt.datetime, int]) -> list[FreeSlot]:
        capacity = self.catalogue.window(window_id).capacity
        out = []
        for slot in slots:
            free = capacity - taken.get(naive_local(slot.start), 0)
            if free > 0:
                out.append(FreeSlot(window_id, slot.start, slot.end, free, capacity, slot.estimated))
        return out


def naive_local(value: dt.datetime) -> dt.datetime:
    """``value`` as the naive Asia/Shanghai wall-clock time the table stores."""
    return to_local(value).replace(tzinfo=None)
