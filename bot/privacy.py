"""Personal data: one retention rule across every store, and deletion on request (PIPL).

Four stores hold what people tell the assistant: the questions kept for the staff
(:mod:`policy_kb.unanswered`, masked, by keyed conversation hash), the appointments table (names, contacts, links to
conversations), the register of foreign-national Shanxi merchants (:mod:`registry`) and Rasa's tracker store,
whose ``SQLTrackerStore`` keeps every event of every
conversation (the user's own words, "我叫张伟，电话 13800138000", slot values) and only ever inserts:
session expiry limits what Rasa *loads*, not what it *keeps*. So this module deletes from all of them:

- :func:`delete_conversations` - every tracker event of the given sender ids (a WeChat unsubscribe
  calls it with ``["wx:" + openid]``; it is synchronous database I/O, so call it off the event loop);
- :func:`purge_expired` - the scheduled purge (``python -m bot privacy purge``): tracker sessions whose
  last event is older than ``APPOINTMENTS_RETENTION_DAYS`` and the personal fields of appointments
  past it; it reports counts only, never what was deleted;
- :func:`forget_contact` - a deletion request (``python -m bot privacy forget --contact X``): that
  person's appointments, and the trackers of every conversation linked to them (the conversations
  that booked, recognised by their keyed hash, and any conversation whose events hold the contact).

The tracker store is the one Rasa uses: the ``tracker_store`` section of ``$ENDPOINTS`` (default
``endpoints.yml``) with its ``${VAR}`` filled from the environment - the SQLite file
``TRACKER_SQLITE_PATH`` (default ``var/tracker.sqlite3``) or the PostgreSQL settings of
``deploy/endpoints.scale.yml`` - reached through SQLAlchemy, as Rasa reaches it. A tracker store that
does not exist yet holds nothing, so there is nothing to delete.

Sessions are deleted whole (from one ``action_session_start`` to the next): cutting events out of a
session that is still going on would corrupt what Rasa replays.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from sqlalchemy import column as sql_column
from sqlalchemy import create_engine, delete, func, inspect, or_, select
from sqlalchemy import table as sql_table
from sqlalchemy.engine import URL, Engine

from appointments.contacts import Contact
from appointments.keys import conversation_digest
from appointments.settings import retention_days
from appointments.store import AppointmentStore, contact_or_raise, open_store
from policy_kb.unanswered import UnansweredStore, default_store
from registry.store import DATABASE_ENV as REGISTRY_ENV
from registry.store import RegistryStore
from registry.store import open_store as open_registry

ROOT = Path(__file__).resolve().parent.parent
#: Rasa's tracker file when ``TRACKER_SQLITE_PATH`` is unset (the runner starts Rasa with the same).
DEFAULT_TRACKER_SQLITE = ROOT / "var" / "tracker.sqlite3"
SESSION_START = "action_session_start"
#: ``tracker_store: type:`` values (lower case) of Rasa's SQLTrackerStore: Rasa's own name and the
#: subclass of ``endpoints.yml`` (:data:`bot.tracker_store.TYPE`; not imported: that imports Rasa)
SQL_TRACKER_TYPES = ("sql", "bot.tracker_store.sqltrackerstore")

#: Rasa's ``SQLTrackerStore.SQLEvent`` table, only the columns read here.
EVENTS = sql_table(
    "events", sql_column("id"), sql_column("sender_id"), sql_column("timestamp"), sql_column("action_name"),
    sql_column("data"),
)
_ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]{0,99})\}")


# --------------------------------------------------------------------------- where Rasa keeps trackers


def tracker_url(endpoints: str | Path | None = None) -> URL | str | None:
    """The SQLAlchemy URL of Rasa's tracker store, as Rasa builds it; None when it is not an SQL store."""
    path = Path(endpoints or os.environ.get("ENDPOINTS") or "endpoints.yml")
    path = path if path.is_absolute() else ROOT / path
    config = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("tracker_store") or {}
    if str(config.get("type", "")).lower() not in SQL_TRACKER_TYPES:
        return None
    env = {"TRACKER_SQLITE_PATH": str(DEFAULT_TRACKER_SQLITE), **os.environ}

    def value(key: str, default: Any = None) -> Any:
        raw = config.get(key, default)
        return _ENV_VAR.sub(lambda m: env.get(m[1], ""), raw) if isinstance(raw, str) else raw

    dialect = value("dialect", "sqlite")
    db = value("db", "rasa.db")
    if dialect == "sqlite":
        db_path = Path(db)
        return f"sqlite:///{db_path if db_path.is_absolute() else ROOT / db_path}"
    host, port = value("url"), value("port")
    if host and "://" in host:
        return host
    if host:  # "db.internal:5433" carries the port, as Rasa reads it
        parsed = urlsplit(f"scheme://{host}")
        host, port = parsed.hostname or host, parsed.port or port
    return URL.create(dialect, value("username") or None, value("password") or None, host or None,
                      int(port) if port else None, db, value("query") or {})


def tracker_engine() -> Engine | None:
    """An engine on Rasa's tracker store; None when there is none (not SQL, or no SQLite file yet:
    connecting would create an empty one)."""
    url = tracker_url()
    if url is None:
        return None
    if isinstance(url, str) and url.startswith("sqlite:///"):
        if not Path(url.removeprefix("sqlite:///")).exists():
            return None
        return create_engine(url, future=True, connect_args={"timeout": 30})
    return create_engine(url, future=True)


def _unanswered(kb_engine: Engine | None) -> UnansweredStore:
    return UnansweredStore(kb_engine) if kb_engine is not None else default_store()


def _has_events(engine: Engine) -> bool:
    return inspect(engine).has_table("events")


# --------------------------------------------------------------------------- the three operations


def delete_conversations(sender_ids: Iterable[str], engine: Engine | None = None, kb_engine: Engine | None = None) -> int:
    """Delete every tracker event of these conversations, and the questions they left for the staff
    (:mod:`policy_kb.unanswered`, on ``kb_engine``, default the KB database); returns how many events went."""
    ids = sorted({s for s in sender_ids if s})
    if ids:
        _unanswered(kb_engine).delete_conversations(conversation_digest(s) for s in ids)
    own = engine is None
    engine = engine or tracker_engine()
    if engine is None or not ids:
        return 0
    try:
        if not _has_events(engine):
            return 0
        deleted = 0
        with engine.begin() as conn:
            for i in range(0, len(ids), 500):  # stay under every backend's bound-parameter limit
                deleted += conn.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(ids[i:i + 500]))).rowcount
        return deleted
    finally:
        if own:
            engine.dispose()


def purge_expired(now: dt.datetime | None = None, days: int | None = None, engine: Engine | None = None,
                  store: AppointmentStore | None = None, kb_engine: Engine | None = None) -> dict[str, int]:
    """The retention purge: tracker sessions, appointments' personal data and the questions kept for the
    staff older than ``days`` (default ``APPOINTMENTS_RETENTION_DAYS``), and registrations not updated for
    that long (:mod:`registry`). Returns counts: ``tracker_events``, ``tracker_conversations`` (emptied
    entirely), ``appointments`` (records stripped), ``unanswered_questions``, ``registrations`` (deleted),
    ``retention_days``."""
    days = retention_days() if days is None else days
    if days < 0:
        raise ValueError("days must be 0 or more")
    now = now or dt.datetime.now(dt.timezone.utc)
    cutoff = (now - dt.timedelta(days=days)).timestamp()
    events, conversations = _purge_trackers(cutoff, engine)
    own_store = store is None
    store = store or open_store()
    try:
        stripped = store.purge_personal_data(days, now=now)
        registrations = _registry(store).purge_expired(days, now=now)
    finally:
        if own_store:
            store.engine.dispose()
    questions = _unanswered(kb_engine).purge(days, now=now)
    return {"retention_days": days, "tracker_events": events, "tracker_conversations": conversations,
            "appointments": stripped, "unanswered_questions": questions, "registrations": registrations}


def forget_contact(contact: str, engine: Engine | None = None, store: AppointmentStore | None = None) -> dict[str, int]:
    """A deletion request: the person's appointments and the trackers of their conversations.

    Raises :class:`appointments.store.InvalidInput` for a malformed contact. Returns counts:
    ``appointments``, ``registrations``, ``conversations`` (trackers deleted), ``tracker_events``."""
    norm = contact_or_raise(contact)
    own_store = store is None
    store = store or open_store()
    own_engine = engine is None
    engine = engine or tracker_engine()
    try:
        registry = _registry(store)
        hashes = store.conversation_hashes(norm.value) | registry.conversation_hashes(norm.value)
        senders = _linked_conversations(engine, norm, hashes) if engine else set()
        events = delete_conversations(senders, engine) if senders else 0
        records = store.forget_contact(norm.value)
        registrations = registry.forget_contact(norm)
    finally:
        if own_store:
            store.engine.dispose()
        if own_engine and engine is not None:
            engine.dispose()
    return {"appointments": records, "registrations": registrations, "conversations": len(senders),
            "tracker_events": events}


def delete_conversations_by_digest(digests: set[str], engine: Engine | None = None) -> int:
    """Delete the trackers of the conversations whose keyed hash is one of ``digests`` (the stores keep
    only the hash: a deleted registration names its conversation this way); returns the events deleted."""
    own = engine is None
    engine = engine or tracker_engine()
    if engine is None or not digests:
        return 0
    try:
        if not _has_events(engine):
            return 0
        with engine.connect() as conn:
            senders = {s for s in conn.scalars(select(EVENTS.c.sender_id).distinct()) if conversation_digest(s) in digests}
        return delete_conversations(senders, engine)
    finally:
        if own:
            engine.dispose()


# --------------------------------------------------------------------------- helpers


def _registry(store: AppointmentStore) -> RegistryStore:
    """The register: in its own database when ``REGISTRY_DATABASE_URL`` says so, else beside the appointments."""
    return open_registry() if os.environ.get(REGISTRY_ENV) else RegistryStore(store.engine)


def _purge_trackers(cutoff: float, engine: Engine | None) -> tuple[int, int]:
    """Delete whole sessions whose events are all older than ``cutoff`` (a POSIX timestamp)."""
    own = engine is None
    engine = engine or tracker_engine()
    if engine is None:
        return 0, 0
    e = EVENTS.c
    try:
        if not _has_events(engine):
            return 0, 0
        with engine.begin() as conn:
            idle = select(e.sender_id).group_by(e.sender_id).having(func.max(e.timestamp) < cutoff)
            idle_ids = list(conn.scalars(idle))
            deleted = 0
            for i in range(0, len(idle_ids), 500):
                deleted += conn.execute(delete(EVENTS).where(e.sender_id.in_(idle_ids[i:i + 500]))).rowcount
            # conversations still going on: drop the sessions that ended before the cutoff
            mixed = select(e.sender_id).group_by(e.sender_id).having(func.min(e.timestamp) < cutoff)
            for sender in list(conn.scalars(mixed)):
                first_recent = conn.scalar(select(func.min(e.id)).where(e.sender_id == sender, e.timestamp >= cutoff))
                keep_from = conn.scalar(select(func.max(e.id)).where(
                    e.sender_id == sender, e.action_name == SESSION_START, e.id <= first_recent))
                if keep_from is not None:
                    deleted += conn.execute(delete(EVENTS).where(e.sender_id == sender, e.id < keep_from)).rowcount
        return deleted, len(idle_ids)
    finally:
        if own:
            engine.dispose()


def _contact_spellings(contact: Contact) -> list[str]:
    """How the contact appears in tracker events: normalised (the slot value) and, for a mainland
    mobile, the 11 digits as usually typed."""
    spellings = [contact.value]
    if contact.kind == "phone" and contact.value.startswith("+86"):
        spellings.append(contact.value[3:])
    return spellings


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _linked_conversations(engine: Engine, contact: Contact, hashes: set[str]) -> set[str]:
    """Sender ids whose keyed hash booked with this contact, or whose events mention it."""
    if not _has_events(engine):
        return set()
    e = EVENTS.c
    with engine.connect() as conn:
        senders = {s for s in conn.scalars(select(e.sender_id).distinct()) if conversation_digest(s) in hashes}
        mention = or_(*(e.data.like(_like(s), escape="\\") for s in _contact_spellings(contact)))
        senders |= set(conn.scalars(select(e.sender_id).where(mention).distinct()))
    return senders
