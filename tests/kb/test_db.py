"""The KB database built through SQLAlchemy holds exactly the YAML, on SQLite and on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text

from policy_kb import db
from policy_kb.search import Searcher
from policy_kb.source import load_source


def test_round_trip_gives_back_the_source(db_engine) -> None:
    source = load_source()
    db.build(db_engine, source)
    assert db.read(db_engine) == source


def test_ensure_built_builds_once_and_rebuilds_when_stale(db_engine) -> None:
    assert db.built_digest(db_engine) is None
    db.ensure_built(db_engine)
    digest = db.built_digest(db_engine)
    assert digest == db.expected_digest(load_source())
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE kb_meta SET value = 'stale' WHERE key = 'digest'"))
        conn.execute(text("UPDATE kb_articles SET summary_en = 'tampered' WHERE number = 6"))
    db.ensure_built(db_engine)
    assert db.built_digest(db_engine) == digest
    assert db.read(db_engine).article(6).summary.en != "tampered"


def test_search_runs_on_what_the_database_holds(db_engine) -> None:
    db.build(db_engine)
    searcher = Searcher(db.read(db_engine))
    assert searcher.search("友谊奖奖金多少").results[0].article == 14


def test_open_kb_uses_kb_database_url(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'kb.sqlite3'}"
    monkeypatch.setenv("KB_DATABASE_URL", url)
    assert db.database_url() == url
    kb = db.open_kb()
    assert (tmp_path / "sub" / "kb.sqlite3").is_file()
    assert len(kb.articles) == 26
