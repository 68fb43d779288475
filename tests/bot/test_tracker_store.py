"""The tracker store of ``endpoints.yml`` (bot.tracker_store): Rasa's SQL store, cheaper per turn.

Loaded the way ``rasa run`` loads it (a class Rasa cannot import would silently become an in-memory
store); it must read and write exactly what Rasa's own ``SQLTrackerStore`` does on the same table, on
SQLite (in WAL mode) and on the scale profile's PostgreSQL, and the privacy purge must still find and
clean its file.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore as RasaSQLTrackerStore
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bot import privacy, tracker_store
from bot.model import ROOT
from tests.support.locations import POSTGRES_URL

DOMAIN = Domain.load(ROOT / "domain")


@pytest.fixture()
def tracker_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "tracker.sqlite3"
    for name, value in {"TRACKER_SQLITE_PATH": str(path), "ACTION_SERVER_URL": "http://127.0.0.1:1/webhook",
                        "ACTION_SERVER_TOKEN": "t", "ENDPOINTS": "endpoints.yml"}.items():
        monkeypatch.setenv(name, value)
    return path


def rasa_loads_endpoints_yml() -> TrackerStore:
    endpoints = read_endpoints_from_path(ROOT / "endpoints.yml")
    return TrackerStore.create(endpoints.tracker_store, domain=DOMAIN)


def session(t0: float, text_: str, lang: str) -> list:
    return [ActionExecuted("action_session_start", timestamp=t0), SessionStarted(timestamp=t0 + 0.1),
            ActionExecuted("action_listen", timestamp=t0 + 0.2),
            UserUttered(text_, {"name": "ask_policy", "confidence": 0.9}, timestamp=t0 + 0.3),
            SlotSet("language", lang, timestamp=t0 + 0.4), ActionExecuted("action_answer_policy", timestamp=t0 + 0.5)]


def conversation(sender: str, sessions: int = 1) -> DialogueStateTracker:
    events = [e for i in range(sessions)
              for e in session(1_700_000_000.0 + 100 * i, ("绿卡有什么用", "What is the green card for?")[i % 2],
                               ("zh", "en")[i % 2])]
    return DialogueStateTracker.from_events(sender, events, slots=DOMAIN.slots)


def dicts(tracker: DialogueStateTracker | None) -> list[dict]:
    assert tracker is not None
    return [e.as_dict() for e in tracker.events]


def rows(url: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(
                "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"))]
    finally:
        engine.dispose()


def test_endpoints_yml_gives_rasa_this_store_in_wal_mode(tracker_file: Path) -> None:
    store = rasa_loads_endpoints_yml()
    assert type(store) is tracker_store.SQLTrackerStore, "Rasa fell back to another store"
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    with sqlite3.connect(tracker_file) as other:  # stored in the file, for every reader
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    asyncio.run(store.save(conversation("wal-pool")))
    asyncio.run(store.retrieve("wal-pool"))
    # a pooled connection stays open between turns: closing the last one would checkpoint (an fsync)
    assert store.engine.pool.checkedin() >= 1
    store.engine.dispose()


def test_it_writes_the_rows_rasas_store_writes(tmp_path: Path) -> None:
    ours = tracker_store.SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "ours.sqlite3"))
    rasas = RasaSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "rasas.sqlite3"))
    for store in (ours, rasas):
        asyncio.run(store.save(conversation("same")))
        tracker = asyncio.run(store.retrieve("same"))  # the next turn, as Rasa's processor does it
        tracker.update(UserUttered("谢谢", {"name": "thank", "confidence": 0.8}, timestamp=1_700_000_050.0))
        asyncio.run(store.save(tracker))  # only the new event is added
        asyncio.run(store.save(tracker))  # and nothing twice
        # a tracker holding two sessions: Rasa counts the latest session's stored events only, and
        # writes what that count implies; this store writes the same
        asyncio.run(store.save(conversation("two", sessions=2)))
        store.engine.dispose()
    written = rows(f"sqlite:///{tmp_path / 'ours.sqlite3'}")
    assert written == rows(f"sqlite:///{tmp_path / 'rasas.sqlite3'}")
    assert len([r for r in written if r[0] == "same"]) == 7


def test_it_reads_what_rasas_store_reads(tmp_path: Path) -> None:
    db = str(tmp_path / "t.sqlite3")
    rasas = RasaSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)
    for sender, sessions in (("one", 1), ("three", 3), ("other", 2)):
        asyncio.run(rasas.save(conversation(sender, sessions)))
    ours = tracker_store.SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=db)
    for sender in ("one", "three", "other"):
        assert dicts(asyncio.run(ours.retrieve(sender))) == dicts(asyncio.run(rasas.retrieve(sender)))
        assert (dicts(asyncio.run(ours.retrieve_full_tracker(sender)))
                == dicts(asyncio.run(rasas.retrieve_full_tracker(sender))))
    assert len(dicts(asyncio.run(ours.retrieve("three")))) == 5, "the latest session only, from its start"
    assert asyncio.run(ours.retrieve("nobody")) is None
    for store in (ours, rasas):
        store.engine.dispose()


@pytest.fixture()
def postgres_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A schema of its own, selected as Rasa selects one (``POSTGRESQL_SCHEMA``)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    monkeypatch.setenv("POSTGRESQL_SCHEMA", schema)
    yield schema
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_on_postgresql_it_is_the_same_store_without_the_pragmas(postgres_schema: str) -> None:
    ours = tracker_store.SQLTrackerStore(domain=DOMAIN, dialect="postgresql", host=POSTGRES_URL)
    rasas = RasaSQLTrackerStore(domain=DOMAIN, dialect="postgresql", host=POSTGRES_URL)
    assert ours.engine.dialect.name == "postgresql"
    asyncio.run(ours.save(conversation("pg", sessions=2)))
    assert dicts(asyncio.run(ours.retrieve("pg"))) == dicts(asyncio.run(rasas.retrieve("pg")))
    assert len(dicts(asyncio.run(rasas.retrieve_full_tracker("pg")))) == 12
    for store in (ours, rasas):
        store.engine.dispose()


def test_the_privacy_purge_finds_and_cleans_the_same_file(tracker_file: Path) -> None:
    assert tracker_store.TYPE.lower() in privacy.SQL_TRACKER_TYPES
    store = rasa_loads_endpoints_yml()
    asyncio.run(store.save(conversation("wal-forget")))
    asyncio.run(store.save(conversation("wal-keep")))
    assert privacy.tracker_url() == f"sqlite:///{tracker_file}"
    assert privacy.delete_conversations(["wal-forget"]) == 6  # while Rasa's store holds its connection
    assert asyncio.run(store.retrieve("wal-forget")) is None
    assert asyncio.run(store.retrieve("wal-keep")) is not None
    store.engine.dispose()


def test_on_postgresql_a_dropped_connection_is_replaced_not_a_failed_turn(postgres_schema: str) -> None:
    # the pool tests a connection before lending it: one whose backend the server ended (a restart, an
    # administrator's pg_terminate_backend) is replaced, so the next turn does not fail on it
    ours = tracker_store.SQLTrackerStore(domain=DOMAIN, dialect="postgresql", host=POSTGRES_URL)
    asyncio.run(ours.save(conversation("cut")))
    with ours.engine.connect() as conn:  # the pooled connection the next turn gets
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    admin.dispose()
    assert len(dicts(asyncio.run(ours.retrieve("cut")))) == 5  # from the session start
    ours.engine.dispose()


def test_a_failed_statement_keeps_what_users_wrote_out_of_the_error(tmp_path: Path) -> None:
    # the error is logged (bot.rasa_patches, the channels): it must not carry the events' text
    ours = tracker_store.SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.sqlite3"))
    with ours.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'no'); END")
    with pytest.raises(Exception) as raised:  # noqa: PT011 - whatever the driver raises
        asyncio.run(ours.save(conversation("secret")))
    assert "绿卡" not in str(raised.value) and "secret" not in str(raised.value)
    ours.engine.dispose()
