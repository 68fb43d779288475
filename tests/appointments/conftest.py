"""Fixtures for the appointments tests: a fixed clock, a catalogue, a store on each database (the clock,
"now" and the database helpers the tests import are in :mod:`tests.support.appointments`).

The store fixture reuses ``db_engine`` from ``tests/conftest.py``, so every store test runs on
SQLite and on PostgreSQL (an unreachable PostgreSQL fails the run).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine

from appointments.catalogue import Catalogue, load_catalogue
from appointments.store import AppointmentStore
from tests.support.appointments import NOW, FakeClock


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
