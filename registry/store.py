"""Saving, showing, exporting and deleting registrations (SQLAlchemy; SQLite by default, PostgreSQL at scale).

Where: ``REGISTRY_DATABASE_URL``, else the appointments' database (``APPOINTMENTS_DATABASE_URL``,
default ``var/appointments.sqlite3``): the register is personal data the assistant owns, like the
bookings, so by default it sits beside them and follows them to PostgreSQL in the scale profile
(its own tables, created here; the schema is the runner's, :func:`bot.runner.ensure_postgres_stores`).

Who sees what: the conversation sees only its own registration (found by the keyed hash of its sender
id); staff see every registration by its reference, with the contact in full (they need it to get in
touch) and the openid never (it is not stored). Every staff read and change goes through a method
that takes the ``actor`` and writes one audit row: what was done, to which reference, how many rows,
with which filters - never a personal field. The CSV neutralises cells a spreadsheet would run as a
formula (``=``, ``+``, ``-``, ``@``): the free-text fields are typed by the public.

Personal data follows the one retention rule (``APPOINTMENTS_RETENTION_DAYS``): a registration not
updated for that long is deleted whole (:meth:`RegistryStore.purge_expired`, run by
``python -m bot privacy purge``); :meth:`RegistryStore.forget` and :meth:`RegistryStore.forget_contact`
serve deletion requests, with the conversations linked to them (:mod:`bot.privacy`).
"""

from __future__ import annotations

import builtins
import csv
import datetime as dt
import io
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from appointments.contacts import CODE_ALPHABET, Contact, mask_contact
from appointments.keys import conversation_digest
from appointments.settings import retention_days
from appointments.store import contact_or_raise, make_engine
from appointments.store import database_url as appointments_url
from registry.countries import country_name
from registry.fields import INTERESTS, WECHAT, interest_label, labels
from registry.models import AuditRow, Base, RegistrationRow
from registry.places import divisions

DATABASE_ENV = "REGISTRY_DATABASE_URL"
REF_PREFIX = "R"
REF_LENGTH = 7  # after the prefix: 32^7, about 3 * 10^10
#: The CSV's columns, in order (the header is these names).
CSV_COLUMNS = ("reference", "registered_at", "updated_at", "language", "city", "county", "country", "industry",
               "situation", "interests", "contact_kind", "contact", "contacted_at")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def database_url() -> str:
    return os.environ.get(DATABASE_ENV) or appointments_url()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def format_ref(ref: str) -> str:
    """``"R7KXQ2MA"`` -> ``"R-7KXQ2MA"``, as shown to people."""
    return f"{ref[:1]}-{ref[1:]}"


def normalise_ref(text: str | None) -> str | None:
    """``"r-7kxq2ma"`` -> ``"R7KXQ2MA"``; None if it cannot be a reference."""
    ref = "".join(ch for ch in (text or "").upper() if ch not in " -_")
    if len(ref) != 1 + REF_LENGTH or ref[0] != REF_PREFIX or any(ch not in CODE_ALPHABET for ch in ref[1:]):
        return None
    return ref


@dataclass(frozen=True)
class Answers:
    """What the conversation collected (None: skipped)."""

    lang: str
    city_code: str | None = None
    county_code: str | None = None
    country_code: str | None = None
    industry: str | None = None
    situation: str | None = None
    interests: tuple[str, ...] = ()
    contact_kind: str | None = None  # email | phone | wechat
    contact: str | None = None


@dataclass(frozen=True)
class Registration:
    """A registration as the conversation and staff see it (a plain value, safe outside a session)."""

    ref: str
    channel: str
    lang: str
    city_code: str | None
    county_code: str | None
    country_code: str | None
    industry: str | None
    situation: str | None
    interests: tuple[str, ...]
    contact_kind: str | None
    contact: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    contacted_at: dt.datetime | None = None

    @property
    def display_ref(self) -> str:
        return format_ref(self.ref)

    def place(self, lang: str) -> str:
        city, county = divisions().get(self.city_code), divisions().get(self.county_code)
        parts = [d.name(lang) for d in (city, county) if d]
        return ("" if lang == "zh" else ", ").join(reversed(parts) if lang == "en" else parts)

    def city(self, lang: str) -> str:
        d = divisions().get(self.city_code)
        return d.name(lang) if d else ""

    def county(self, lang: str) -> str:
        d = divisions().get(self.county_code)
        return d.name(lang) if d else ""

    def country(self, lang: str) -> str:
        return country_name(self.country_code, lang) if self.country_code else ""

    def interest_labels(self, lang: str) -> list[str]:
        return [interest_label(i, lang) for i in self.interests]

    def contact_text(self, lang: str, masked: bool = True) -> str:
        """How staff may get in touch: the contact (masked unless ``masked`` is False), or the channel."""
        if self.contact_kind == WECHAT:
            return labels("contact_wechat", lang)
        if self.contact:
            return mask_contact(self.contact) if masked else self.contact
        return labels("contact_none", lang)

    def as_json(self, lang: str, masked: bool) -> dict:
        """The staff page's view (``masked`` in the list, in full when one record is opened)."""
        return {
            "ref": self.display_ref, "channel": self.channel, "language": self.lang,
            "city_code": self.city_code, "city": self.city(lang), "county": self.county(lang),
            "country_code": self.country_code, "country": self.country(lang), "industry": self.industry or "",
            "situation": self.situation or "", "interests": list(self.interests),
            "interest_labels": self.interest_labels(lang), "contact_kind": self.contact_kind or "",
            "contact": self.contact_text(lang, masked), "registered_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at), "contacted_at": _iso(self.contacted_at),
        }


@dataclass(frozen=True)
class Filters:
    """Staff filters: a city code, an ISO country code, an interest id (each optional)."""

    city: str | None = None
    country: str | None = None
    interest: str | None = None

    def __post_init__(self) -> None:
        if self.city and divisions().get(self.city) is None:
            raise ValueError(f"unknown city code {self.city!r}")
        if self.country and not (len(self.country) == 2 and self.country.isalpha() and self.country.isupper()):
            raise ValueError(f"not an ISO country code: {self.country!r}")
        if self.interest and self.interest not in INTERESTS:
            raise ValueError(f"unknown interest {self.interest!r} (one of {', '.join(INTERESTS)})")

    def describe(self) -> str | None:
        parts = [f"{k}={v}" for k, v in (("city", self.city), ("country", self.country), ("interest", self.interest)) if v]
        return ";".join(parts) or None


def _iso(value: dt.datetime | None) -> str:
    return value.replace(tzinfo=dt.timezone.utc).isoformat(timespec="seconds") if value else ""


def _value(row: RegistrationRow) -> Registration:
    return Registration(
        ref=row.ref, channel=row.channel, lang=row.lang, city_code=row.city_code, county_code=row.county_code,
        country_code=row.country_code, industry=row.industry, situation=row.situation,
        interests=tuple(i for i in (row.interests or "").split(",") if i), contact_kind=row.contact_kind,
        contact=row.contact, created_at=row.created_at, updated_at=row.updated_at, contacted_at=row.contacted_at)


def channel_of(sender_id: str) -> str:
    """``wx:<openid>`` -> wechat, ``web:<id>`` -> web (the server-issued sender ids)."""
    return "wechat" if sender_id.startswith("wx:") else "web" if sender_id.startswith("web:") else "other"


class RegistryStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        Base.metadata.create_all(engine)

    # ----------------------------------------------------------------- the conversation's own record

    def save(self, sender_id: str, answers: Answers, now: dt.datetime | None = None) -> Registration:
        """Save this conversation's registration (a new one, or its earlier one updated, same reference)."""
        now = now or _now()
        digest = conversation_digest(sender_id)
        values = {
            "channel": channel_of(sender_id), "lang": "en" if answers.lang == "en" else "zh",
            "city_code": answers.city_code, "county_code": answers.county_code, "country_code": answers.country_code,
            "industry": answers.industry, "situation": answers.situation,
            "interests": ",".join(i for i in answers.interests if i in INTERESTS) or None,
            "contact_kind": answers.contact_kind, "contact": answers.contact,
            "consent_at": now, "updated_at": now,
        }
        for _ in range(5):  # a reference or a concurrent first save may collide: try again
            try:
                with Session(self.engine, future=True) as s, s.begin():
                    row = s.scalars(select(RegistrationRow).where(RegistrationRow.conversation_hash == digest)).first()
                    if row is None:
                        row = RegistrationRow(ref=REF_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(REF_LENGTH)),
                                              conversation_hash=digest, created_at=now, **values)
                        s.add(row)
                    else:
                        for k, v in values.items():
                            setattr(row, k, v)
                        row.contacted_at = None  # new answers: staff look again
                    s.flush()
                    return _value(row)
            except IntegrityError:
                continue
        raise RuntimeError("could not save the registration")

    def for_conversation(self, sender_id: str) -> Registration | None:
        with Session(self.engine, future=True) as s:
            row = s.scalars(select(RegistrationRow).where(
                RegistrationRow.conversation_hash == conversation_digest(sender_id))).first()
            return _value(row) if row else None

    def delete_for_conversation(self, sender_id: str) -> bool:
        with Session(self.engine, future=True) as s, s.begin():
            return s.execute(delete(RegistrationRow).where(
                RegistrationRow.conversation_hash == conversation_digest(sender_id))).rowcount > 0

    # ----------------------------------------------------------------- staff (every call audited)

    def list(self, actor: str, filters: Filters | None = None, limit: int = 200) -> list[Registration]:
        """Newest first, filtered."""
        found = self._select(filters or Filters(), limit)
        self._audit(actor, "list", rows=len(found), filters=(filters or Filters()).describe())
        return found

    def get(self, ref: str, actor: str) -> Registration | None:
        norm = normalise_ref(ref)
        with Session(self.engine, future=True) as s:
            row = s.scalars(select(RegistrationRow).where(RegistrationRow.ref == norm)).first() if norm else None
            found = _value(row) if row else None
        self._audit(actor, "view", ref=norm, rows=1 if found else 0)
        return found

    def mark_contacted(self, ref: str, actor: str, contacted: bool = True, now: dt.datetime | None = None) -> Registration | None:
        norm = normalise_ref(ref)
        if norm is None:
            return None
        with Session(self.engine, future=True) as s, s.begin():
            s.execute(update(RegistrationRow).where(RegistrationRow.ref == norm)
                      .values(contacted_at=(now or _now()) if contacted else None))
            row = s.scalars(select(RegistrationRow).where(RegistrationRow.ref == norm)).first()
            found = _value(row) if row else None
        self._audit(actor, "contacted" if contacted else "uncontacted", ref=norm, rows=1 if found else 0)
        return found

    def export_csv(self, actor: str, filters: Filters | None = None, lang: str = "zh") -> str:
        """Every matching registration, newest first, as CSV (contacts in full: staff use them)."""
        found = self._select(filters or Filters(), None)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for r in found:
            writer.writerow([_cell(v) for v in (
                r.display_ref, _iso(r.created_at), _iso(r.updated_at), r.lang, r.city(lang), r.county(lang),
                r.country(lang), r.industry or "", r.situation or "", "; ".join(r.interest_labels(lang)),
                r.contact_kind or "", r.contact_text(lang, masked=False) if r.contact else "", _iso(r.contacted_at))])
        self._audit(actor, "export", rows=len(found), filters=(filters or Filters()).describe())
        return out.getvalue()

    def countries(self) -> builtins.list[str]:
        """The country codes registrations name (for the staff page's filter; no one's record)."""
        with Session(self.engine, future=True) as s:
            return sorted(c for c in s.scalars(select(RegistrationRow.country_code).distinct()) if c)

    def audit_trail(self, limit: int = 100) -> builtins.list[dict]:
        with Session(self.engine, future=True) as s:
            rows = s.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)).all()
            return [{"at": _iso(a.at), "actor": a.actor, "action": a.action, "ref": format_ref(a.ref) if a.ref else "",
                     "rows": a.rows, "filters": a.filters or ""} for a in rows]

    # ----------------------------------------------------------------- deletion and retention

    def forget(self, ref: str, actor: str) -> str | None:
        """Delete one registration (a deletion request to staff); returns its conversation hash (for
        :mod:`bot.privacy` to delete that conversation too) or None if there is none."""
        norm = normalise_ref(ref)
        digest = None
        if norm:
            with Session(self.engine, future=True) as s, s.begin():
                row = s.scalars(select(RegistrationRow).where(RegistrationRow.ref == norm)).first()
                if row is not None:
                    digest = row.conversation_hash
                    s.delete(row)
        self._audit(actor, "forget", ref=norm, rows=1 if digest else 0)
        return digest

    def conversation_hashes(self, contact: str) -> set[str]:
        norm = contact_or_raise(contact)
        with Session(self.engine, future=True) as s:
            return set(s.scalars(select(RegistrationRow.conversation_hash).where(RegistrationRow.contact == norm.value)))

    def forget_contact(self, contact: str | Contact) -> int:
        """Delete every registration with this contact; returns how many went."""
        norm = contact if isinstance(contact, Contact) else contact_or_raise(contact)
        with Session(self.engine, future=True) as s, s.begin():
            return s.execute(delete(RegistrationRow).where(RegistrationRow.contact == norm.value)).rowcount

    def purge_expired(self, days: int | None = None, now: dt.datetime | None = None) -> int:
        """Delete registrations not updated for ``days`` (default ``APPOINTMENTS_RETENTION_DAYS``)."""
        days = retention_days() if days is None else days
        if days < 0:
            raise ValueError("days must be 0 or more")
        now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(tzinfo=None)
        with Session(self.engine, future=True) as s, s.begin():
            return s.execute(delete(RegistrationRow).where(RegistrationRow.updated_at < now - dt.timedelta(days=days))).rowcount

    # ----------------------------------------------------------------- helpers

    def _select(self, filters: Filters, limit: int | None) -> builtins.list[Registration]:
        r = RegistrationRow
        query = select(r).order_by(r.created_at.desc(), r.id.desc())
        if filters.city:
            query = query.where(r.city_code == filters.city)
        if filters.country:
            query = query.where(r.country_code == filters.country)
        if filters.interest:  # ids are distinct words: match them between commas
            query = query.where(("," + r.interests + ",").like(f"%,{filters.interest},%"))
        if limit:
            query = query.limit(limit)
        with Session(self.engine, future=True) as s:
            return [_value(row) for row in s.scalars(query)]

    def _audit(self, actor: str, action: str, ref: str | None = None, rows: int | None = None,
               filters: str | None = None) -> None:
        with Session(self.engine, future=True) as s, s.begin():
            s.add(AuditRow(at=_now(), actor=actor[:16], action=action, ref=ref, rows=rows, filters=filters))


def _cell(value: str) -> str:
    """A cell no spreadsheet runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


_stores: dict[str, RegistryStore] = {}


def open_store(url: str | None = None) -> RegistryStore:
    """The store for ``url`` (default :func:`database_url`), opened once per URL in a process."""
    url = url or database_url()
    if url not in _stores:
        _stores[url] = RegistryStore(make_engine(url))
    return _stores[url]


def close_stores(urls: Iterable[str] | None = None) -> None:
    """Dispose of the engines opened by :func:`open_store` (tests, and the CLI before it exits)."""
    for url in list(urls or _stores):
        store = _stores.pop(url, None)
        if store is not None:
            store.engine.dispose()
