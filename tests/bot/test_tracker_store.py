"""The tracker store of ``endpoints.yml`` (bot.tracker_store): Rasa's SQL store with SQLite in WAL mode.

Loaded the way ``rasa run`` loads it (a class Rasa cannot import would silently become an in-memory
store); the privacy purge must still find and clean the same file.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import privacy, tracker_store
from bot.model import ROOT


@pytest.fixture()
def tracker_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "tracker.sqlite3"
    for name, value in {"TRACKER_SQLITE_PATH": str(path), "ACTION_SERVER_URL": "http://127.0.0.1:1/webhook",
                        "ACTION_SERVER_TOKEN": "t", "ENDPOINTS": "endpoints.yml"}.items():
        monkeypatch.setenv(name, value)
    return path


def rasa_store() -> TrackerStore:
    endpoints = read_endpoints_from_path(ROOT / "endpoints.yml")
    return TrackerStore.create(endpoints.tracker_store, domain=Domain.load(ROOT / "domain"))


def conversation(sender: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, [
        SessionStarted(), ActionExecuted("action_listen"),
        UserUttered("绿卡有什么用", {"name": "ask_policy", "confidence": 0.9}), SlotSet("language", "zh"),
    ])


def test_endpoints_yml_gives_rasa_the_wal_store(tracker_file: Path) -> None:
    store = rasa_store()
    assert type(store) is tracker_store.WalSQLTrackerStore, "Rasa fell back to another store"
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    with sqlite3.connect(tracker_file) as other:  # stored in the file, for every reader
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.engine.dispose()


def test_trackers_round_trip_and_the_connection_is_kept(tracker_file: Path) -> None:
    store = rasa_store()
    saved = conversation("wal-1")
    asyncio.run(store.save(saved))
    again = asyncio.run(store.retrieve("wal-1"))
    assert again is not None and again.get_slot("language") == "zh"
    assert [e.as_dict()["event"] for e in again.events] == [e.as_dict()["event"] for e in saved.events]
    again.update(ActionExecuted("utter_greet"))
    asyncio.run(store.save(again))
    assert len(asyncio.run(store.retrieve("wal-1")).events) == len(saved.events) + 1
    # a pooled connection stays open between turns: closing the last one would checkpoint (an fsync)
    assert store.engine.pool.checkedin() >= 1
    store.engine.dispose()


def test_the_privacy_purge_finds_and_cleans_the_same_file(tracker_file: Path) -> None:
    assert tracker_store.TYPE.lower() in privacy.SQL_TRACKER_TYPES
    store = rasa_store()
    asyncio.run(store.save(conversation("wal-forget")))
    asyncio.run(store.save(conversation("wal-keep")))
    assert privacy.tracker_url() == f"sqlite:///{tracker_file}"
    assert privacy.delete_conversations(["wal-forget"]) == 4  # while Rasa's store holds its connection
    assert asyncio.run(store.retrieve("wal-forget")) is None
    assert asyncio.run(store.retrieve("wal-keep")) is not None
    store.engine.dispose()
