"""Rasa's ``SQLTrackerStore``, cheaper per turn (``endpoints.yml``'s ``tracker_store``).

Rasa reads a conversation back and writes the turn's new events synchronously on its event loop, so
every other conversation waits for both: 40 % of the Rasa server's time at 20 concurrent
conversations (``bench/README.md``). This store keeps Rasa's table, rows and semantics and cuts three
costs:

- **The commit (SQLite).** In the default rollback journal with ``synchronous=FULL`` a commit is two
  fsyncs: 0.8-2.1 ms on a quiet machine here, 13 ms (p50) while a training runs; in WAL mode with
  ``synchronous=NORMAL`` it is an append without fsync (0.005 ms), the log being synced at checkpoints.
  What that gives up: after a power cut or an OS crash (not a crash of Rasa) the turns written since
  the last checkpoint may be missing; the file is not corrupted. WAL also lets the privacy purge
  (another process) read while Rasa writes. ``synchronous`` is a setting of each connection, so both
  pragmas run on every connection the engine opens; and the engine keeps its connections in a pool
  (``QueuePool``, SQLAlchemy 2.0's default for SQLite files) instead of SQLAlchemy 1.4's ``NullPool``,
  which opened a connection per session and, by closing the last one, checkpointed the WAL every turn.
- **The read.** Rasa loads each event of the session as an ORM object only to take its ``data``
  column (``InstanceState.__init__`` alone was 4.7 % of the server's time); here one Core query selects
  that column.
- **The write.** Rasa counts the stored events with an ORM query rebuilt every turn and inserts
  through the ORM unit of work; here both are Core statements built once (the same rows).

Other dialects (the scale profile's PostgreSQL) get the read and the write, not the pragmas, and a
pool that tests a connection before lending it (``pool_pre_ping``): a connection the database dropped
(a restart, a terminated backend) is replaced instead of failing the next turn. Every engine hides a
failed statement's parameters from its error message, as they hold what users wrote and the error
is logged. Rasa loads
it with ``type: bot.tracker_store.SQLTrackerStore`` and the same settings as ``type: SQL``;
:func:`bot.privacy.tracker_url` reads both alike. A class Rasa cannot import makes it fall back to an
in-memory store with only a warning, so ``tests/bot/test_tracker_store.py`` loads ``endpoints.yml`` as
Rasa does, and checks that this store reads and writes exactly what Rasa's own does on the same file.
It copies two methods of Rasa 3.6.21 and refuses another version, so an upgrade revisits it.
"""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any

import rasa
import sqlalchemy as sa
from rasa.core import tracker_store as rasa_tracker_store
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

logger = logging.getLogger(__name__)

#: this store's ``type:`` in an endpoints file
TYPE = "bot.tracker_store.SQLTrackerStore"
PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")
COPIED_FROM_RASA = "3.6.21"


def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def wal_engine(url: str | sa.engine.URL) -> sa.engine.Engine:
    """An engine on a SQLite file whose connections are in WAL mode, ``synchronous=NORMAL``, pooled."""
    engine = sa.create_engine(url, poolclass=QueuePool, connect_args={"check_same_thread": False},
                              hide_parameters=True)
    event.listen(engine, "connect", _set_pragmas)
    return engine


def server_engine(url: sa.engine.URL) -> sa.engine.Engine:
    """An engine on a database server with Rasa's settings (schema, pool size), connections checked
    before use and parameters kept out of errors."""
    return sa.create_engine(url, **rasa_tracker_store.create_engine_kwargs(url), pool_pre_ping=True,
                            hide_parameters=True)


def event_row(sender_id: str, e: Event) -> dict[str, Any]:
    """The ``events`` row of one event, as Rasa's ``SQLTrackerStore.save`` writes it."""
    data = e.as_dict()
    return {"sender_id": sender_id, "type_name": e.type_name, "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"), "data": json.dumps(data)}


class SQLTrackerStore(rasa_tracker_store.SQLTrackerStore):
    """Rasa's SQL tracker store with Core reads and writes; on a SQLite file, WAL and pooled connections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if rasa.__version__ != COPIED_FROM_RASA:
            raise RuntimeError(f"bot.tracker_store copies Rasa {COPIED_FROM_RASA}'s SQLTrackerStore, found "
                               f"{rasa.__version__}: compare its _retrieve and save with the upstream ones")
        super().__init__(*args, **kwargs)  # creates the engine and the table (once, at start)
        events = self.SQLEvent.__table__
        sender = events.c.sender_id == sa.bindparam("sender_id")
        # the same filter as Rasa's _event_query: from the latest session start on, or all when none
        start = (sa.select(sa.func.max(events.c.timestamp))
                 .where(sender, events.c.type_name == SessionStarted.type_name).scalar_subquery())
        in_session = sa.and_(sender, sa.or_(events.c.timestamp >= start, start.is_(None)))
        self._session_data = sa.select(events.c.data).where(in_session).order_by(events.c.id)
        self._all_data = sa.select(events.c.data).where(sender).order_by(events.c.id)
        self._session_count = sa.select(sa.func.count()).select_from(events).where(in_session)
        self._insert = events.insert()
        url = self.engine.url
        sqlite = self.engine.dialect.name == "sqlite"
        if sqlite and url.database in (None, "", ":memory:"):
            return  # one database per connection: nothing to pool, and it must stay the one connection
        self.engine.dispose()
        self.engine = wal_engine(url) if sqlite else server_engine(url)
        self.sessionmaker = sessionmaker(bind=self.engine)
        with self.engine.connect():  # (SQLite: WAL from now on) before the first turn is written
            pass

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        query = self._all_data if fetch_events_from_all_sessions else self._session_data
        with self.session_scope() as session:
            serialised = session.execute(query, {"sender_id": sender_id}).scalars().all()
        if not (self.domain and serialised):
            logger.debug(f"Can't retrieve tracker matching sender id '{sender_id}' from SQL storage.")
            return None
        return DialogueStateTracker.from_dict(sender_id, [json.loads(data) for data in serialised],
                                              self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Insert the tracker's events the store does not have yet (those past its count in this session)."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            stored = session.execute(self._session_count, {"sender_id": tracker.sender_id}).scalar_one()
            rows = [event_row(tracker.sender_id, e)
                    for e in itertools.islice(tracker.events, stored, len(tracker.events))]
            if rows:
                session.execute(self._insert, rows)
            session.commit()
        logger.debug(f"Tracker with sender_id '{tracker.sender_id}' stored to database")
