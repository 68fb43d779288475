"""Where the appointments live (``APPOINTMENTS_DATABASE_URL``) and the engine that writes them safely.

Default: a SQLite file under ``var/``. On SQLite every transaction begins ``IMMEDIATE``, so concurrent
writers queue on the database lock instead of reading seats another writer is about to take (see
:mod:`appointments.store` for how a slot is never overbooked on either backend).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATABASE_ENV = "APPOINTMENTS_DATABASE_URL"
DEFAULT_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'appointments.sqlite3'}"


def database_url() -> str:
    return os.environ.get(DATABASE_ENV) or DEFAULT_URL


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default :func:`database_url`), prepared by :func:`prepare_engine`."""
    url = url or database_url()
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return prepare_engine(create_engine(url, future=True, connect_args={"timeout": 30}))
    return prepare_engine(create_engine(url, future=True, pool_pre_ping=True))


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN itself
    dbapi_conn.execute("PRAGMA busy_timeout = 30000")


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def prepare_engine(engine: Engine) -> Engine:
    """On SQLite, make every transaction ``BEGIN IMMEDIATE`` (writers queue instead of failing).

    Idempotent; a no-op on other backends. Connections opened before this keep the default busy
    timeout of pysqlite (5 s) but still begin IMMEDIATE transactions.
    """
    if engine.dialect.name == "sqlite" and not event.contains(engine, "begin", _sqlite_begin):
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine
