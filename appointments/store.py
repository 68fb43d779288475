"""Booking, cancelling and rescheduling appointments without ever overbooking a slot.

How capacity holds under concurrency (many users, several action-server replicas): each active
booking holds a *seat* 1..capacity of its (window, slot), and ``UNIQUE (window_id, slot_start,
seat)`` is enforced by the database (:mod:`appointments.models`). A booking reads the seats taken,
inserts the lowest free one and commits. Two writers that pick the same seat cannot both commit:

- PostgreSQL (READ COMMITTED): the second INSERT waits on the unique index until the first commits,
  then fails with a unique violation; we roll back and retry, and the retry sees the seat as taken;
- SQLite: write transactions start with ``BEGIN IMMEDIATE`` (installed on the engine by
  :func:`appointments.database.prepare_engine`), so writers queue on the database lock (busy timeout 30 s) and the read
  of free seats is always current; the unique constraint stays as the backstop.

Why seats rather than ``SELECT … FOR UPDATE`` on a slot row: it needs no slot rows to exist
beforehand, behaves the same on both backends, and the guarantee is a constraint a reviewer can see in
the schema, not a locking discipline every code path must follow. Python-side checks (opening
hours, horizon, the catalogue's capacity) only decide what to *try*; the database decides what holds.

Lowering a window's capacity while bookings hold higher seats must not let the slot overfill: a
slot is full when it holds as many seats as its capacity, whatever their numbers (:func:`_free_seat`).

A repeated request (same idempotency key; by default the conversation id + window + service + slot)
returns the booking it made the first time instead of a second one. A reschedule is one UPDATE of
the appointment's own row (new slot and seat, same reference code, idempotency key dropped: the old
slot's request no longer describes it), so it either fully happens or not at all.

Who may touch a booking: the conversation that made it (its sender id is stored only as a keyed
hash, :mod:`appointments.keys`), or another conversation that proves it knows the contact given at
booking (:meth:`AppointmentStore.prove`, compared in constant time). Every other case - unknown,
cancelled, past, someone else's - is the same ``not_found``. Active bookings are capped per
conversation and per contact (:mod:`appointments.settings`).

Personal data follows PIPL: stored only with consent (a CHECK constraint), deletable on request
(:meth:`AppointmentStore.forget_contact`) and stripped from past appointments after the retention
period (:meth:`AppointmentStore.purge_personal_data`); :mod:`bot.privacy` applies the same rule to
Rasa's trackers.
"""


from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
import time

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from appointments.availability import SlotSearch, naive_local
from appointments.contacts import (
    Contact,
    Invalid,
    new_code,
    normalise_code,
    normalise_contact,
    normalise_name,
)
from appointments.database import database_url, make_engine
from appointments.keys import conversation_digest, keyed_digest
from appointments.models import BOOKED, CANCELLED, AppointmentRow, Base
from appointments.results import (
    Access,
    AccessStatus,
    Appointment,
    BookingResult,
    BookingStatus,
    CancelResult,
    CancelStatus,
    FreeSlot,
)
from appointments.settings import max_per_contact, max_per_conversation, retention_days
from appointments.workdays import TZ, Clock, to_local

#: Also imported from here by other packages (their homes are the modules above).
__all__ = ["Appointment", "AppointmentStore", "FreeSlot", "InvalidInput", "contact_or_raise", "database_url",
           "open_store", "retention_days"]

MAX_ATTEMPTS = 25  # each conflict means another booking took a seat; capacity is at most 100


class InvalidInput(ValueError):
    """Raised by the staff/privacy calls for a malformed contact; ``invalid`` says what is expected."""

    def __init__(self, invalid: Invalid) -> None:
        super().__init__(f"invalid {invalid.field}: {invalid.reason}")
        self.invalid = invalid



# --------------------------------------------------------------------------- the store


class AppointmentStore(SlotSearch):
    """All reads and writes of appointments; the availability search is :class:`SlotSearch`'s.

    Thread-safe: every call uses its own session."""

    def create_schema(self) -> None:
        Base.metadata.create_all(self.engine)

    # ----------------------------------------------------------------- booking

    def book(
        self,
        *,
        window_id: str,
        service_id: str,
        start: dt.datetime,
        consent: bool = False,
        name: str | None = None,
        contact: str | None = None,
        lang: str = "zh",
        conversation_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> BookingResult:
        """Book ``start`` at a window for a service; never more than the slot's capacity.

        Without ``consent`` no name or contact may be given (``invalid`` with field "consent"); the
        booking still gets a reference code (an anonymous reference). ``contact`` is an e-mail or a
        phone number, normalised. ``idempotency_key`` defaults to conversation id + window + service
        + slot when a conversation id is given; repeating a request returns the same booking.
        A conversation, and a contact, may hold at most ``APPOINTMENTS_MAX_PER_CONVERSATION`` /
        ``APPOINTMENTS_MAX_PER_CONTACT`` active bookings (``limit``): checked in the booking's own
        transaction, under a lock per conversation and contact on PostgreSQL.
        """
        start = to_local(start)
        invalid = self._check_ids(window_id, service_id)
        if invalid:
            return BookingResult(BookingStatus.INVALID, invalid=invalid)
        person = _personal_data(consent, name, contact)
        if isinstance(person, Invalid):
            return BookingResult(BookingStatus.INVALID, invalid=person)
        key = idempotency_key or (
            f"{conversation_id}|{window_id}|{service_id}|{start.isoformat()}" if conversation_id else None
        )
        idem = keyed_digest("idem", key) if key else None
        conv_hash = conversation_digest(conversation_id) if conversation_id else None
        person_contact = person[1].value if person[1] else None
        if idem:
            earlier = self._by_idempotency(idem)
            if earlier is not None:
                return BookingResult(BookingStatus.BOOKED, earlier, repeated=True)
        check = self.schedule.check(window_id, start)
        if not check.ok:
            return BookingResult(BookingStatus(check.reason), day=check.day, alternatives=self._alts(window_id, service_id, start))
        assert check.slot is not None
        window = self.catalogue.window(window_id)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with Session(self.engine, future=True) as s, s.begin():
                    if idem:
                        row = s.scalars(select(AppointmentRow).where(AppointmentRow.idempotency_hash == idem)).first()
                        if row is not None:
                            return BookingResult(BookingStatus.BOOKED, _to_appointment(row), repeated=True)
                    now = naive_local(self.schedule.now())
                    limit = _over_limit(s, now, conv_hash, person_contact)
                    if limit:
                        return BookingResult(BookingStatus.LIMIT, day=check.day, limit=limit)
                    seat = _free_seat(s, window_id, naive_local(start), window.capacity)
                    if seat is None:
                        break
                    row = AppointmentRow(
                        code=new_code(), window_id=window_id, service_id=service_id, slot_start=naive_local(start),
                        slot_minutes=window.slot_minutes, seat=seat, status=BOOKED, lang=_lang(lang),
                        estimated_day=check.slot.estimated, consent=bool(consent), name=person[0],
                        contact=person_contact, contact_kind=person[1].kind if person[1] else None,
                        conversation_hash=conv_hash,
                        idempotency_hash=idem, created_at=now, updated_at=now,
                    )
                    s.add(row)
                    s.flush()
                    booked = _to_appointment(row)
                return BookingResult(BookingStatus.BOOKED, booked, day=check.day)
            except (IntegrityError, OperationalError) as e:
                _retry_or_raise(e, attempt)
        else:
            return BookingResult(BookingStatus.BUSY, day=check.day)
        return BookingResult(BookingStatus.FULL, day=check.day, alternatives=self._alts(window_id, service_id, start))

    def get(self, code: str) -> Appointment | None:
        """The appointment with this reference code (any spelling :func:`normalise_code` accepts)."""
        norm = normalise_code(code)
        if norm is None:
            return None
        with Session(self.engine, future=True) as s:
            row = s.scalars(select(AppointmentRow).where(AppointmentRow.code == norm)).first()
            return _to_appointment(row) if row else None

    def access(self, code: str, conversation_id: str, grant: str | None = None) -> Access:
        """May ``conversation_id`` see and change the booking ``code``? (See :class:`Access`.)

        ``grant`` is what :meth:`prove` returned to this conversation for this code."""
        norm = normalise_code(code)
        if norm is None:
            return Access(AccessStatus.NOT_FOUND)
        with Session(self.engine, future=True) as s:
            row = s.scalars(select(AppointmentRow).where(AppointmentRow.code == norm)).first()
            if row is None:
                return Access(AccessStatus.PROOF)
            mine = row.conversation_hash is not None and hmac.compare_digest(
                row.conversation_hash, conversation_digest(conversation_id))
            granted = grant is not None and hmac.compare_digest(
                grant.encode("utf-8", "surrogatepass"), _grant(row, conversation_id).encode())
            if not (mine or granted):
                return Access(AccessStatus.PROOF)
            if row.status != BOOKED or row.slot_start < naive_local(self.schedule.now()):
                return Access(AccessStatus.NOT_FOUND)
            return Access(AccessStatus.OPEN, _to_appointment(row))

    def prove(self, code: str, conversation_id: str, contact: str) -> str | None:
        """A grant for ``conversation_id`` to change the active booking ``code``, if ``contact`` is the
        one given at booking (normalised, compared in constant time); None for every failure alike.
        The grant is bound to the code, the conversation and the stored contact: it dies with them."""
        norm = normalise_code(code)
        given = normalise_contact(contact)
        with Session(self.engine, future=True) as s:
            row = s.scalars(select(AppointmentRow).where(AppointmentRow.code == norm)).first() if norm else None
            stored = row.contact if row is not None and row.contact else ""
            typed = given.value if isinstance(given, Contact) else ""
            same = hmac.compare_digest(hashlib.sha256(stored.encode()).digest(),
                                       hashlib.sha256(typed.encode()).digest())
            if row is None or not stored or not same or row.status != BOOKED \
                    or row.slot_start < naive_local(self.schedule.now()):
                return None
            return _grant(row, conversation_id)

    def cancel(self, code: str, conversation_id: str | None = None, grant: str | None = None) -> CancelResult:
        """Cancel by reference code; the seat is free again at once.

        With ``conversation_id`` (the conversation's own request) only a booking :meth:`access` opens
        to it is cancelled, anything else is ``not_found``; without it (staff) any booking."""
        norm = normalise_code(code)
        if norm is None or (conversation_id is not None and self.access(norm, conversation_id, grant).status is not AccessStatus.OPEN):
            return CancelResult(CancelStatus.NOT_FOUND)
        now = naive_local(self.schedule.now())
        with Session(self.engine, future=True) as s, s.begin():
            row = s.scalars(select(AppointmentRow).where(AppointmentRow.code == norm)).first()
            if row is None:
                return CancelResult(CancelStatus.NOT_FOUND)
            if row.status == CANCELLED:
                return CancelResult(CancelStatus.ALREADY_CANCELLED, _to_appointment(row))
            if row.slot_start < now:
                return CancelResult(CancelStatus.PAST, _to_appointment(row))
            done = s.execute(
                update(AppointmentRow)
                .where(AppointmentRow.id == row.id, AppointmentRow.status == BOOKED)
                .values(status=CANCELLED, seat=None, cancelled_at=now, updated_at=now, idempotency_hash=None)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not done:  # cancelled concurrently
                return CancelResult(CancelStatus.ALREADY_CANCELLED, _to_appointment(row))
            s.expire(row)
            return CancelResult(CancelStatus.CANCELLED, _to_appointment(row))

    def reschedule(
        self, code: str, new_start: dt.datetime, window_id: str | None = None, service_id: str | None = None,
        conversation_id: str | None = None, grant: str | None = None,
    ) -> BookingResult:
        """Move an appointment to another slot (optionally another window/service), atomically.

        The same row moves to the new seat in one UPDATE: the old seat is released only if the new
        one is taken, and the reference code stays the same. A full or closed target leaves the
        appointment untouched and offers ``alternatives``. ``conversation_id`` and ``grant`` as for
        :meth:`cancel`.
        """
        new_start = to_local(new_start)
        current = self.get(code)
        if current is None or (conversation_id is not None
                               and self.access(current.code, conversation_id, grant).status is not AccessStatus.OPEN):
            return BookingResult(BookingStatus.NOT_FOUND)
        if current.status != BOOKED or current.start < self.schedule.now():
            return BookingResult(BookingStatus.NOT_ACTIVE, current)
        window_id = window_id or current.window_id
        service_id = service_id or current.service_id
        invalid = self._check_ids(window_id, service_id)
        if invalid:
            return BookingResult(BookingStatus.INVALID, current, invalid=invalid)
        if (window_id, service_id, new_start) == (current.window_id, current.service_id, current.start):
            return BookingResult(BookingStatus.RESCHEDULED, current, repeated=True)
        check = self.schedule.check(window_id, new_start)
        if not check.ok:
            return BookingResult(BookingStatus(check.reason), current, self._alts(window_id, service_id, new_start), check.day)
        assert check.slot is not None
        window = self.catalogue.window(window_id)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with Session(self.engine, future=True) as s, s.begin():
                    same_slot = window_id == current.window_id and new_start == current.start
                    seat = None if same_slot else _free_seat(s, window_id, naive_local(new_start), window.capacity)
                    if seat is None and not same_slot:
                        break
                    values = {
                        "window_id": window_id, "service_id": service_id, "slot_start": naive_local(new_start),
                        "slot_minutes": window.slot_minutes, "estimated_day": check.slot.estimated,
                        "updated_at": naive_local(self.schedule.now()), "idempotency_hash": None,
                    }
                    if seat is not None:
                        values["seat"] = seat
                    done = s.execute(
                        update(AppointmentRow)
                        .where(AppointmentRow.code == current.code, AppointmentRow.status == BOOKED)
                        .values(**values)
                        .execution_options(synchronize_session=False)
                    ).rowcount
                    if not done:
                        return BookingResult(BookingStatus.NOT_ACTIVE, current)
                    row = s.scalars(select(AppointmentRow).where(AppointmentRow.code == current.code)).one()
                    moved = _to_appointment(row)
                return BookingResult(BookingStatus.RESCHEDULED, moved, day=check.day)
            except (IntegrityError, OperationalError) as e:
                _retry_or_raise(e, attempt)
        else:
            return BookingResult(BookingStatus.BUSY, current, day=check.day)
        return BookingResult(BookingStatus.FULL, current, self._alts(window_id, service_id, new_start), check.day)

    # ----------------------------------------------------------------- lists

    def list_for_contact(self, contact: str, include_past: bool = False, include_cancelled: bool = False) -> list[Appointment]:
        """A person's appointments by e-mail or phone ("my appointments"); InvalidInput if malformed."""
        norm = contact_or_raise(contact)
        return self._list(AppointmentRow.contact == norm.value, include_past, include_cancelled)

    def list_for_conversation(
        self, conversation_id: str, include_past: bool = False, include_cancelled: bool = False
    ) -> list[Appointment]:
        """Appointments booked from this conversation, including anonymous ones."""
        return self._list(
            AppointmentRow.conversation_hash == conversation_digest(conversation_id), include_past, include_cancelled
        )

    def list_day(self, date: dt.date, window_id: str | None = None, include_cancelled: bool = False) -> list[Appointment]:
        """Staff view: one day's appointments, optionally at one window, in time order."""
        lo = dt.datetime.combine(date, dt.time())
        where = [AppointmentRow.slot_start >= lo, AppointmentRow.slot_start < lo + dt.timedelta(days=1)]
        if window_id is not None:
            self.catalogue.window(window_id)  # UnknownId for a typo rather than an empty list
            where.append(AppointmentRow.window_id == window_id)
        if not include_cancelled:
            where.append(AppointmentRow.status == BOOKED)
        with Session(self.engine, future=True) as s:
            rows = s.scalars(
                select(AppointmentRow).where(*where).order_by(
                    AppointmentRow.slot_start, AppointmentRow.window_id, AppointmentRow.seat, AppointmentRow.id
                )
            ).all()
            return [_to_appointment(r) for r in rows]

    # ----------------------------------------------------------------- privacy

    def forget_contact(self, contact: str) -> int:
        """Delete every appointment record of the person with this contact (PIPL deletion request).

        Upcoming appointments of that person are deleted too (their seats become free): we cannot
        keep a booking for someone whose data we no longer hold. Returns how many records went.
        """
        norm = contact_or_raise(contact)
        with Session(self.engine, future=True) as s, s.begin():
            return s.execute(
                delete(AppointmentRow).where(AppointmentRow.contact == norm.value).execution_options(synchronize_session=False)
            ).rowcount

    def conversation_hashes(self, contact: str) -> set[str]:
        """The keyed hashes of the conversations that booked with this contact (for :mod:`bot.privacy`)."""
        norm = contact_or_raise(contact)
        r = AppointmentRow
        with Session(self.engine, future=True) as s:
            return set(s.scalars(select(r.conversation_hash).where(r.contact == norm.value, r.conversation_hash.is_not(None))))

    def purge_personal_data(self, older_than_days: int | None = None, now: dt.datetime | None = None) -> int:
        """Retention: strip name, contact and conversation links from appointments whose slot (or
        cancellation) is more than ``older_than_days`` ago (default ``APPOINTMENTS_RETENTION_DAYS``,
        30) before ``now`` (default the store's clock). The anonymous record (window, service, time,
        code) stays for statistics. Returns how many records were changed."""
        days = retention_days() if older_than_days is None else older_than_days
        if days < 0:
            raise ValueError("older_than_days must be 0 or more")
        now = naive_local(now or self.schedule.now())
        cutoff = now - dt.timedelta(days=days)
        r = AppointmentRow
        with Session(self.engine, future=True) as s, s.begin():
            return s.execute(
                update(r)
                .where(
                    or_(r.slot_start < cutoff, (r.status == CANCELLED) & (r.cancelled_at < cutoff)),
                    or_(r.name.is_not(None), r.contact.is_not(None), r.conversation_hash.is_not(None),
                        r.idempotency_hash.is_not(None)),
                )
                .values(name=None, contact=None, contact_kind=None, conversation_hash=None, idempotency_hash=None,
                        purged_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount

    # ----------------------------------------------------------------- helpers

    def _by_idempotency(self, idem: str) -> Appointment | None:
        with Session(self.engine, future=True) as s:
            row = s.scalars(select(AppointmentRow).where(AppointmentRow.idempotency_hash == idem)).first()
            return _to_appointment(row) if row else None

    def _list(self, condition: ColumnElement, include_past: bool, include_cancelled: bool) -> list[Appointment]:
        where = [condition]
        if not include_past:
            where.append(AppointmentRow.slot_start >= naive_local(self.schedule.now()).replace(hour=0, minute=0, second=0, microsecond=0))
        if not include_cancelled:
            where.append(AppointmentRow.status == BOOKED)
        with Session(self.engine, future=True) as s:
            rows = s.scalars(select(AppointmentRow).where(*where).order_by(AppointmentRow.slot_start, AppointmentRow.id)).all()
            return [_to_appointment(r) for r in rows]



def open_store(url: str | None = None, clock: Clock | None = None) -> AppointmentStore:
    """The store configured by the environment, with its table created if missing."""
    store = AppointmentStore(make_engine(url), clock=clock)  # the process-wide catalogue
    store.create_schema()
    return store


# --------------------------------------------------------------------------- module helpers


def _free_seat(s: Session, window_id: str, slot_start: dt.datetime, capacity: int) -> int | None:
    """The lowest free seat up to ``capacity``, or None when the slot is full.

    Full means as many seats held as the capacity, whichever numbers they have: seats above it are
    still held after the operator lowered the capacity. Two writers that read the same seats pick the
    same one and collide on the unique constraint; one that reads later sees the other's booking."""
    taken = set(
        s.scalars(
            select(AppointmentRow.seat).where(
                AppointmentRow.window_id == window_id, AppointmentRow.slot_start == slot_start,
                AppointmentRow.seat.is_not(None),
            )
        ).all()
    )
    if len(taken) >= capacity:
        return None
    return next((n for n in range(1, capacity + 1) if n not in taken), None)


def _over_limit(s: Session, now: dt.datetime, conv_hash: str | None, contact: str | None) -> str | None:
    """"conversation" or "contact" when a new booking would pass that cap, else None.

    On PostgreSQL a transaction-scoped advisory lock per key makes concurrent bookings of the same
    conversation or contact take turns (SQLite's BEGIN IMMEDIATE already serialises writers)."""
    r = AppointmentRow
    checks = [("conversation", r.conversation_hash, conv_hash, max_per_conversation()),
              ("contact", r.contact, contact, max_per_contact())]
    checks = [c for c in checks if c[2]]
    if s.get_bind().dialect.name == "postgresql":
        for key in sorted(int(hashlib.sha256(f"{c[0]}:{c[2]}".encode()).hexdigest()[:15], 16) for c in checks):
            s.execute(select(func.pg_advisory_xact_lock(key)))
    for which, col, value, cap in checks:
        active = s.scalar(select(func.count()).select_from(r).where(col == value, r.status == BOOKED, r.slot_start >= now))
        if active >= cap:
            return which
    return None


def _grant(row: AppointmentRow, conversation_id: str) -> str:
    """The proof a conversation holds once it gave the right contact for a booking of someone else's."""
    return keyed_digest("grant", f"{row.code}|{conversation_id}|{row.contact or ''}")


def _retry_or_raise(e: IntegrityError | OperationalError, attempt: int) -> None:
    """Conflicts are expected under concurrency: a unique violation (someone took the seat, or the
    same idempotency key, or - once in 10^12 - the same code), or a lock timeout / serialization
    failure / deadlock. Anything else is a real error and propagates."""
    if isinstance(e, OperationalError):
        code = getattr(e.orig, "pgcode", None)
        if code not in ("40001", "40P01", "55P03") and "locked" not in str(e.orig).lower():
            raise e
    time.sleep(random.uniform(0, 0.005 * min(attempt, 10)))  # jitter, so retries do not collide again


def _personal_data(consent: bool, name: str | None, contact: str | None) -> tuple[str | None, Contact | None] | Invalid:
    if not consent:
        if name or contact:
            return Invalid("consent", "personal_data_without_consent")
        return (None, None)
    norm_name = normalise_name(name) if name else None
    if isinstance(norm_name, Invalid):
        return norm_name
    norm_contact = normalise_contact(contact) if contact else None
    if isinstance(norm_contact, Invalid):
        return norm_contact
    return (norm_name, norm_contact)


def contact_or_raise(contact: str) -> Contact:
    """The normalised contact, or :class:`InvalidInput` saying what is expected."""
    norm = normalise_contact(contact)
    if isinstance(norm, Invalid):
        raise InvalidInput(norm)
    return norm



def _lang(lang: str) -> str:
    return "en" if lang == "en" else "zh"


def _to_appointment(row: AppointmentRow) -> Appointment:
    start = row.slot_start.replace(tzinfo=TZ)
    return Appointment(
        code=row.code, window_id=row.window_id, service_id=row.service_id, start=start,
        end=start + dt.timedelta(minutes=row.slot_minutes), status=row.status, lang=row.lang,
        estimated=bool(row.estimated_day), consent=bool(row.consent), name=row.name, contact=row.contact,
        contact_kind=row.contact_kind, created_at=row.created_at.replace(tzinfo=TZ),
    )
