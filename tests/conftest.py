"""Shared fixtures: KB databases on SQLite and on the PostgreSQL every machine here runs.

PostgreSQL is not optional: the KB must work on it for the scale-out profile, so a PostgreSQL that
cannot be reached fails the run (set ``TEST_POSTGRES_URL`` to point elsewhere).
Each test database gets its own schema, so parallel runs and other projects do not collide.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


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
def _kb_database(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Point the default KB database at a per-run file, so tests never touch ``var/``."""
    if "KB_DATABASE_URL" not in os.environ:
        os.environ["KB_DATABASE_URL"] = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'kb.sqlite3'}"


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m bot ARGS`` as a user would, capturing text output."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, env=os.environ.copy(), timeout=300,
    )
