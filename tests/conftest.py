"""Fixtures every suite may use: KB databases on SQLite and on the PostgreSQL every machine here runs.

PostgreSQL is not optional: the KB must work on it for the scale-out profile, so a PostgreSQL that
cannot be reached fails the run (set ``TEST_POSTGRES_URL`` to point elsewhere).
Each test database gets its own schema, so parallel runs and other projects do not collide.

The fixtures several suites share (the session's one running stack, the WeChat channel, the stub Rasa)
are in the plugin :mod:`tests.support.fixtures`; the helpers the tests import are in :mod:`tests.support`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.support.locations import POSTGRES_URL

pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'test.sqlite3'}", future=True)
        yield engine
        engine.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, future=True)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as e:  # noqa: BLE001 - any connection failure is the same finding
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is required for these tests and is unreachable: {e}")
    engine = create_engine(POSTGRES_URL, future=True, connect_args={"options": f"-csearch_path={schema}"})
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def _kb_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point the default KB database at a per-run file, so tests never touch ``var/``: for the whole run,
    on purpose (every process a test starts opens the same KB)."""
    with pytest.MonkeyPatch.context() as mp:
        if "KB_DATABASE_URL" not in os.environ:
            mp.setenv("KB_DATABASE_URL", f"sqlite:///{tmp_path_factory.mktemp('kb') / 'kb.sqlite3'}")
        yield
