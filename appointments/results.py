"""What the appointments store hands out: plain values, safe outside a database session.

Every operation answers with a result whose ``status`` is a member of one of the enums below, so the
conversation ``match``es on named cases instead of decoding strings (the members are also ``str``s:
``BookingStatus.FULL == "full"``, and they serialise as their value).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from appointments.contacts import Invalid, format_code
from appointments.workdays import DayStatus


class _Status(str, Enum):
    """A status that prints and formats as its value (``str(BookingStatus.FULL)`` is ``full``)."""

    def __str__(self) -> str:
        return self.value


class BookingStatus(_Status):
    """The outcome of checking, offering, booking or rescheduling a slot.

    :class:`Availability` and :class:`Offer` are ``AVAILABLE`` or one of :data:`UNAVAILABLE` or
    ``INVALID``; :class:`BookingResult` is ``BOOKED``/``RESCHEDULED`` or one of the others.
    """

    AVAILABLE = "available"
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    # why a slot cannot be had (:data:`UNAVAILABLE`): the conversation says why and offers alternatives
    FULL = "full"
    PAST = "past"
    BEYOND_HORIZON = "beyond_horizon"
    CLOSED = "closed"
    LUNCH_BREAK = "lunch_break"
    OUTSIDE_HOURS = "outside_hours"
    NOT_SLOT_START = "not_slot_start"
    INVALID = "invalid"  # ``invalid`` says which field
    NOT_FOUND = "not_found"  # reschedule: no such booking, or not this conversation's
    NOT_ACTIVE = "not_active"  # reschedule: cancelled or past
    BUSY = "busy"  # the database stayed contended after many retries: ask the user to try again
    LIMIT = "limit"  # the conversation or contact already holds the most active bookings allowed


#: Why a slot cannot be had (the schedule's reasons, and ``FULL``).
UNAVAILABLE = frozenset({
    BookingStatus.FULL, BookingStatus.PAST, BookingStatus.BEYOND_HORIZON, BookingStatus.CLOSED,
    BookingStatus.LUNCH_BREAK, BookingStatus.OUTSIDE_HOURS, BookingStatus.NOT_SLOT_START,
})


class CancelStatus(_Status):
    CANCELLED = "cancelled"
    NOT_FOUND = "not_found"
    ALREADY_CANCELLED = "already_cancelled"
    PAST = "past"  # cannot cancel what is over


class AccessStatus(_Status):
    """See :class:`Access`."""

    OPEN = "open"
    PROOF = "proof"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Appointment:
    """A booking as the conversation and staff see it."""

    code: str  # ABCD2345; show ``display_code``
    window_id: str
    service_id: str
    start: dt.datetime  # aware, Asia/Shanghai
    end: dt.datetime
    status: str  # the row's state: booked | cancelled (appointments.models)
    lang: str
    estimated: bool  # the day's opening is estimated: staff confirm
    consent: bool
    name: str | None
    contact: str | None
    contact_kind: str | None
    created_at: dt.datetime

    @property
    def display_code(self) -> str:
        return format_code(self.code)


@dataclass(frozen=True)
class FreeSlot:
    window_id: str
    start: dt.datetime  # aware, Asia/Shanghai
    end: dt.datetime
    free_seats: int
    capacity: int
    estimated: bool  # the day's opening is estimated: say "to be confirmed by staff"


@dataclass(frozen=True)
class Availability:
    """Can ``start`` be booked? ``AVAILABLE`` (``slot`` set), one of :data:`UNAVAILABLE` (with
    ``alternatives``) or ``INVALID``."""

    status: BookingStatus
    slot: FreeSlot | None = None
    day: DayStatus | None = None
    alternatives: tuple[FreeSlot, ...] = ()
    invalid: Invalid | None = None

    @property
    def ok(self) -> bool:
        return self.status is BookingStatus.AVAILABLE


@dataclass(frozen=True)
class Offer:
    """What to put on the buttons for what the user asked (:meth:`AppointmentStore.offer`).

    ``AVAILABLE``: ``slots`` match the request (the exact slot if a time was given, else the free slots
    of that day and part of day). Otherwise one of :data:`UNAVAILABLE` (or ``INVALID``) and ``slots``
    are the nearest free alternatives. ``day`` says whether the day is a holiday (``day.holiday(lang)``)
    and whether its opening is only estimated.
    """

    status: BookingStatus
    slots: tuple[FreeSlot, ...] = ()
    day: DayStatus | None = None
    invalid: Invalid | None = None

    @property
    def ok(self) -> bool:
        return self.status is BookingStatus.AVAILABLE


@dataclass(frozen=True)
class BookingResult:
    """The outcome of :meth:`AppointmentStore.book` or :meth:`AppointmentStore.reschedule`.

    ``status``: a :class:`BookingStatus`; with ``LIMIT``, ``limit`` says which cap: "conversation" or
    "contact". ``repeated`` is True when an idempotent repeat returned the earlier booking.
    """

    status: BookingStatus
    appointment: Appointment | None = None
    alternatives: tuple[FreeSlot, ...] = ()
    day: DayStatus | None = None
    invalid: Invalid | None = None
    repeated: bool = False
    limit: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in (BookingStatus.BOOKED, BookingStatus.RESCHEDULED)


@dataclass(frozen=True)
class CancelResult:
    status: CancelStatus
    appointment: Appointment | None = None

    @property
    def ok(self) -> bool:
        return self.status is CancelStatus.CANCELLED


@dataclass(frozen=True)
class Access:
    """What a conversation may do with a reference code (:meth:`AppointmentStore.access`).

    ``OPEN`` (active, and this conversation booked it or holds a grant: ``appointment`` is set) |
    ``PROOF`` (ask for the contact given at booking: said for *every* well-formed code this conversation
    did not book, whether it exists or not, so asking reveals nothing) | ``NOT_FOUND`` (malformed, or
    this conversation's own booking that is cancelled or past).
    """

    status: AccessStatus
    appointment: Appointment | None = None
