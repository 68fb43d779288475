"""Rasa's ``SQLTrackerStore`` with SQLite in write-ahead-log mode (``endpoints.yml``'s ``tracker_store``).

Rasa writes every turn's events with one commit, synchronously on its event loop, so every other
conversation waits for it. In SQLite's default rollback journal with ``synchronous=FULL`` a commit is
two fsyncs: 0.8-2.1 ms on a quiet machine here, 13 ms (p50) while a training runs, and 13 % of the
Rasa server's time at 20 concurrent conversations (``bench/README.md``). In WAL mode with
``synchronous=NORMAL`` a commit appends to the log without an fsync (0.005 ms); the log is synced at
checkpoints. What that gives up: after a power cut or an OS crash (not a crash of Rasa) the turns
written since the last checkpoint may be missing; the file is not corrupted. WAL also lets the
privacy purge (another process) read while Rasa writes.

Two details make it hold:

- ``synchronous`` is a setting of each connection, so both pragmas are run on every connection the
  engine opens (``journal_mode=WAL`` itself is stored in the file);
- SQLAlchemy 1.4 opens and closes a new SQLite connection for every session (``NullPool``), and closing
  the last connection to a WAL database checkpoints it - an fsync per turn again. The store's engine
  keeps its connections in a pool instead (``QueuePool``, SQLAlchemy 2.0's default for SQLite files;
  a connection is used by one session at a time).

Any other dialect (the scale profile's PostgreSQL) is Rasa's store unchanged. Rasa loads it with
``type: bot.tracker_store.WalSQLTrackerStore`` and the same settings as ``type: SQL``;
:func:`bot.privacy.tracker_url` reads both alike. A class Rasa cannot import makes it fall back to an
in-memory store with only a warning, so ``tests/bot/test_tracker_store.py`` loads ``endpoints.yml`` as
Rasa does and checks the store it gets.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import event
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

#: this store's ``type:`` in an endpoints file
TYPE = "bot.tracker_store.WalSQLTrackerStore"
PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")


def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def wal_engine(url: str | sa.engine.URL) -> sa.engine.Engine:
    """An engine on a SQLite file whose connections are in WAL mode, ``synchronous=NORMAL``, pooled."""
    engine = sa.create_engine(url, poolclass=QueuePool, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _set_pragmas)
    return engine


class WalSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore``; on SQLite, pooled connections in WAL mode with ``synchronous=NORMAL``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # creates the engine and the table (once, at start)
        if self.engine.dialect.name != "sqlite" or self.engine.url.database in (None, "", ":memory:"):
            return  # PostgreSQL, or an in-memory SQLite (one database per connection: nothing to pool)
        url = self.engine.url
        self.engine.dispose()
        self.engine = wal_engine(url)
        self.sessionmaker = sessionmaker(bind=self.engine)
        with self.engine.connect():  # WAL from now on, before the first turn is written
            pass
