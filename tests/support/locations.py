"""Where the tests find the repository, write their artefacts, and reach PostgreSQL and Redis."""

from __future__ import annotations

import os

from bot.model import ROOT

#: Screenshots and service logs of a run (kept after it for a human to read).
RESULTS = ROOT / "test-results"
LOGS = RESULTS / "logs"
#: PostgreSQL and Redis are not optional: an unreachable one fails the tests that need it.
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

__all__ = ["LOGS", "POSTGRES_URL", "REDIS_URL", "RESULTS", "ROOT"]
