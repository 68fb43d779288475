"""Fixtures for the appointments tests: a fixed clock, a catalogue, a store on each database.

The store fixture reuses ``db_engine`` from ``tests/conftest.py``, so every store test runs on
SQLite and on PostgreSQL (an unreachable PostgreSQL fails the run).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from appointments.catalogue import Catalogue, load_catalogue
from appointments.store import AppointmentStore
from appointments.workdays import TZ

#: Friday 27 November 2026, 10:00 in Shanghai: "now" for most tests.
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=TZ)


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    """An aware Asia/Shanghai datetime, shorter to read in tests."""
    return dt.datetime(y, mo, d, h, mi, tzinfo=TZ)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No operator overrides from the developer's shell, and never the real ``var/`` database."""
    from appointments import catalogue as cat

    monkeypatch.delenv("APPOINTMENTS_CATALOGUE_OVERRIDES", raising=False)
    for name in ("APPOINTMENTS_RETENTION_DAYS", "APPOINTMENTS_MAX_PER_CONVERSATION", "APPOINTMENTS_MAX_PER_CONTACT",
                 "APPOINTMENTS_PROOF_ATTEMPTS", "APPOINTMENTS_PROOF_WINDOW_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("APPOINTMENTS_HASH_KEY", "test-key-of-the-appointments-tests")
    monkeypatch.setenv("TRACKER_SQLITE_PATH", str(tmp_path / "tracker.sqlite3"))  # the CLI's purge/forget
    monkeypatch.delenv("ENDPOINTS", raising=False)
    monkeypatch.setenv("APPOINTMENTS_DATABASE_URL", f"sqlite:///{tmp_path / 'env-appointments.sqlite3'}")
    cat.get_catalogue.cache_clear()
    yield
    cat.get_catalogue.cache_clear()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def write_overrides(tmp_path: Path) -> Callable[[dict], Path]:
    """Write an operator override file and return its path."""

    def write(doc: dict) -> Path:
        path = tmp_path / "overrides.yml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        return path

    return write


@pytest.fixture
def catalogue(write_overrides: Callable[[dict], Path]) -> Catalogue:
    """The shipped catalogue with Datong at capacity 3 (set here, so operator defaults may change)."""
    return load_catalogue(overrides=write_overrides({"windows": {"datong": {"capacity": 3}}}))


@pytest.fixture
def store(db_engine: Engine, catalogue: Catalogue, clock: FakeClock) -> AppointmentStore:
    s = AppointmentStore(db_engine, catalogue, clock=clock)
    s.create_schema()
    return s


def own_connection_engine(engine: Engine) -> Engine:
    """An engine on the same database that opens a new connection for every session (NullPool),
    so concurrent threads really are separate database clients."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        return create_engine(
            engine.url, future=True, poolclass=NullPool, connect_args={"options": f"-csearch_path={schema}"}
        )
    return create_engine(engine.url, future=True, poolclass=NullPool)


def database_url_for(engine: Engine) -> str:
    """A URL string the CLI can open that reaches the same database (and schema) as ``engine``."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    return url
