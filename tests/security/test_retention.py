"""Finding 4: personal data stayed in Rasa's tracker store forever.

Rasa's own ``SQLTrackerStore`` writes the conversations here (on SQLite and on PostgreSQL), exactly as
the running server does; then :mod:`bot.privacy` must leave no row that still says
"我叫张伟，电话 13800138000": after a WeChat unsubscribe (``delete_conversations``), after the retention
purge, and after ``forget --contact`` (which must also find the conversations linked to the contact).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from appointments.store import AppointmentStore
from appointments.workdays import TZ
from bot import privacy
from tests.support.appointments import FakeClock
from tests.support.cli import run_cli
from tests.support.env import child_environ
from tests.support.locations import POSTGRES_URL, ROOT
from tests.support.net import http

SECRET = "我叫张伟，电话 13800138000"
DAY = 24 * 3600.0
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=TZ)


@pytest.fixture(params=["sqlite", "postgresql"])
def trackers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[SQLTrackerStore, Engine]]:
    """Rasa's SQLTrackerStore and an engine on the same database (a fresh file / schema)."""
    if request.param == "sqlite":
        path = tmp_path / "tracker.sqlite3"
        store = SQLTrackerStore(dialect="sqlite", db=str(path))
        engine = create_engine(f"sqlite:///{path}", future=True)
        yield store, engine
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(POSTGRES_URL, future=True)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = create_engine(POSTGRES_URL).url
        store = SQLTrackerStore(dialect="postgresql", host=url.host, port=url.port or 5432, db=url.database,
                                username=url.username, password=url.password,
                                query={"options": f"-csearch_path={schema}"})
        engine = create_engine(POSTGRES_URL, future=True, connect_args={"options": f"-csearch_path={schema}"})
        yield store, engine
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    store.engine.dispose()
    engine.dispose()


def save(store: SQLTrackerStore, sender: str, at: float, said: str = SECRET, contact: str | None = None) -> None:
    """One session of ``sender`` at POSIX time ``at``: session start, the user's words, a slot."""
    tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, [])
    for i, event in enumerate([
        ActionExecuted("action_session_start", timestamp=at), SessionStarted(timestamp=at + 1),
        ActionExecuted("action_listen", timestamp=at + 2), UserUttered(said, timestamp=at + 3),
        SlotSet("booking_contact", contact, timestamp=at + 4),
    ]):
        event.timestamp = at + i
        tracker.update(event)
    asyncio.run(store.save(tracker))


def rows_saying(engine: Engine, needle: str, sender: str | None = None) -> int:
    """Tracker rows (of ``sender``'s conversation, if given) whose JSON mentions ``needle`` (Rasa escapes
    non-ASCII, so compare decoded)."""
    query = text("SELECT data FROM events" + (" WHERE sender_id = :sender" if sender else ""))
    with engine.connect() as conn:
        return sum(needle in json.dumps(json.loads(d), ensure_ascii=False)
                   for d in conn.scalars(query, {"sender": sender} if sender else {}))


def senders(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(text("SELECT DISTINCT sender_id FROM events")))


def test_unsubscribe_deletes_that_followers_conversation_only(trackers) -> None:
    store, engine = trackers
    save(store, "wx:openid-of-zhang", NOW.timestamp())
    save(store, "web:someone-else", NOW.timestamp(), said="绿卡怎么申请")
    assert rows_saying(engine, SECRET) == 1
    assert privacy.delete_conversations(["wx:openid-of-zhang"], engine) == 5
    assert rows_saying(engine, SECRET) == 0 and senders(engine) == {"web:someone-else"}
    assert privacy.delete_conversations(["wx:openid-of-zhang", "wx:never-seen"], engine) == 0


def test_purge_deletes_sessions_past_retention_and_keeps_the_current_one(trackers, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("APPOINTMENTS_RETENTION_DAYS", "30")
    store, engine = trackers
    now = NOW.timestamp()
    save(store, "web:idle", now - 40 * DAY)                       # a conversation nobody continued
    save(store, "wx:returning", now - 40 * DAY)                   # an old session ...
    save(store, "wx:returning", now - 1 * DAY, said="绿卡怎么申请")  # ... and a recent one
    appointments = AppointmentStore(create_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}"), clock=FakeClock(NOW))
    appointments.create_schema()
    counts = privacy.purge_expired(NOW, engine=engine, store=appointments)
    assert counts == {"retention_days": 30, "tracker_events": 10, "tracker_conversations": 1, "appointments": 0,
                      "unanswered_questions": 0, "registrations": 0}
    assert rows_saying(engine, SECRET) == 0
    assert senders(engine) == {"wx:returning"} and rows_saying(engine, "绿卡怎么申请") == 1
    replayed = asyncio.run(store.retrieve_full_tracker("wx:returning"))
    assert [e.text for e in replayed.events if isinstance(e, UserUttered)] == ["绿卡怎么申请"]
    assert privacy.purge_expired(NOW, engine=engine, store=appointments)["tracker_events"] == 0


def test_forget_contact_deletes_the_linked_conversations(trackers, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("APPOINTMENTS_HASH_KEY", "retention-test-key")
    store, engine = trackers
    appointments = AppointmentStore(create_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}"), clock=FakeClock(NOW))
    appointments.create_schema()
    booked = appointments.book(window_id="datong", service_id="work_permit", start=dt.datetime(2026, 11, 30, 10, tzinfo=TZ),
                               consent=True, name="张伟", contact="13800138000", conversation_id="wx:booked-here")
    assert booked.ok
    save(store, "wx:booked-here", NOW.timestamp(), said="帮我预约")       # linked by the booking only
    save(store, "web:typed-it", NOW.timestamp(), contact="+8613800138000")  # linked by the slot value
    save(store, "web:unrelated", NOW.timestamp(), said="你好")
    counts = privacy.forget_contact("138 0013 8000", engine=engine, store=appointments)
    assert counts == {"appointments": 1, "registrations": 0, "conversations": 2, "tracker_events": 10}
    assert senders(engine) == {"web:unrelated"} and rows_saying(engine, SECRET) == 0
    assert appointments.get(booked.appointment.code) is None


def test_the_cli_purges_and_forgets_in_rasas_own_tracker_file(tmp_path: Path) -> None:
    """``python -m bot privacy``, with the tracker file found the way Rasa finds it (endpoints.yml)."""
    path = tmp_path / "tracker.sqlite3"
    store = SQLTrackerStore(dialect="sqlite", db=str(path))
    save(store, "wx:old", dt.datetime.now(dt.timezone.utc).timestamp() - 90 * DAY)
    save(store, "web:fresh", dt.datetime.now(dt.timezone.utc).timestamp(), contact="zhang.wei@example.com")
    store.engine.dispose()
    env = child_environ({"TRACKER_SQLITE_PATH": str(path), "ENDPOINTS": str(ROOT / "endpoints.yml"),
                         "APPOINTMENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}",
                         "APPOINTMENTS_HASH_KEY": "k"})
    purged = run_cli("privacy", "purge", env=env)
    assert purged.returncode == 0, purged.stderr
    assert "5 tracker event(s)" in purged.stdout and SECRET not in purged.stdout
    forgot = run_cli("privacy", "forget", "--contact", "Zhang.Wei@Example.com", env=env)
    assert forgot.returncode == 0, forgot.stderr
    assert "1 conversation(s)" in forgot.stdout and "zhang" not in forgot.stdout.lower()
    bad = run_cli("privacy", "forget", "--contact", "nobody@", env=env)
    assert bad.returncode == 2 and "--contact" in bad.stderr
    engine = create_engine(f"sqlite:///{path}")
    assert senders(engine) == set()
    engine.dispose()


def test_the_tracker_store_is_found_as_rasa_finds_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scale profile's PostgreSQL settings and the embedded SQLite file, read from the same files Rasa reads."""
    settings = {"TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": "5432", "TRACKER_DB_NAME": "trackers",
                "TRACKER_DB_USER": "rasa", "TRACKER_DB_PASSWORD": "s3cret"}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ENDPOINTS", "deploy/endpoints.scale.yml")
    rasas = SQLTrackerStore.get_db_url("postgresql", "127.0.0.1", 5432, "trackers", "rasa", "s3cret")
    assert privacy.tracker_url().render_as_string(hide_password=False) == rasas.render_as_string(hide_password=False)
    monkeypatch.setenv("ENDPOINTS", "endpoints.yml")
    monkeypatch.setenv("TRACKER_SQLITE_PATH", "var/elsewhere.sqlite3")
    assert privacy.tracker_url() == f"sqlite:///{ROOT / 'var' / 'elsewhere.sqlite3'}"
    monkeypatch.delenv("TRACKER_SQLITE_PATH")
    assert privacy.tracker_url() == f"sqlite:///{privacy.DEFAULT_TRACKER_SQLITE}"


@pytest.mark.usefixtures("stack_environ")  # the CLI and this test open the stack's stores
def test_what_was_typed_on_the_running_stack_is_gone_after_forget(stack) -> None:
    """The whole stack (Rasa with the trained model, its real tracker file): the user's words are
    kept in several rows; ``privacy forget --contact`` leaves none, and the assistant still answers.
    The stack is the session's, so other conversations ask about the green card too: the question's
    rows are counted in this conversation, the contact's in every one."""
    sender = f"sec-retention-{uuid.uuid4().hex[:12]}"
    for message in (SECRET, "绿卡有什么用？"):
        r = http("POST", stack.rest_url, {"sender": sender, "message": message}, timeout=120)
        assert r.status == 200, r.body[:300]
    tracker = create_engine(f"sqlite:///{os.environ['TRACKER_SQLITE_PATH']}")
    try:
        assert rows_saying(tracker, "13800138000") >= 1
        forgot = run_cli("privacy", "forget", "--contact", "138 0013 8000")
        assert forgot.returncode == 0, forgot.stderr
        assert rows_saying(tracker, "13800138000") == 0 and rows_saying(tracker, "绿卡有什么用", sender) == 0
    finally:
        tracker.dispose()
    again = http("POST", stack.rest_url, {"sender": sender, "message": "你好"}, timeout=120)
    assert again.status == 200 and again.json()
