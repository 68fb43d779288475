"""The appointments tests' fixed "now", a booking in one line, a clock moved by hand, and database URLs for a
second client."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from appointments.results import BookingResult
from appointments.store import AppointmentStore
from appointments.workdays import TZ

#: Friday 27 November 2026, 10:00 in Shanghai: "now" for most tests.
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=TZ)


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    """An aware Asia/Shanghai datetime, shorter to read in tests."""
    return dt.datetime(y, mo, d, h, mi, tzinfo=TZ)


#: Monday 30 November 2026, 10:00: a free Datong slot in the week after "now".
MONDAY_10 = at(2026, 11, 30, 10, 0)


def book(store: AppointmentStore, start: dt.datetime = MONDAY_10, who: str = "u1", **kw: Any) -> BookingResult:
    """``store.book`` for conversation ``who``, at Datong for a work permit unless told otherwise."""
    kw.setdefault("window_id", "datong")
    kw.setdefault("service_id", "work_permit")
    return store.book(start=start, conversation_id=who, **kw)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


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
