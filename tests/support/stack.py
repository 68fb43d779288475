"""The assistant's processes as the tests start them: :class:`bot.runner.Services`, the runner ``make run``
uses, on free ports with their own stores, and every start counted.

:func:`default_stack` is the stack every end-to-end suite shares (the session fixture ``stack`` in
:mod:`tests.support.fixtures` starts it once, when a test first asks): the action server, Rasa with the
trained model and the web front, with ``STAFF_TOKEN`` and ``WEB_SESSION_SECRET`` set for the front, a
tracker and an appointments database of its own, and nothing from the developer's shell that would change
it (no catalogue overrides, no scale profile, no Redis, no WeChat account). Its settings are given to the
children only (:class:`StackServices`): this process's ``os.environ`` is not changed, so no suite inherits
another's settings; a test that runs in-process code against the stack's stores asks for ``stack_environ``.

Suites that need something this stack is not start their own, through :func:`started` (or :func:`booted`) so
the start is counted: the scale profile (``tests/scale``), the action server with tighter booking limits
(``tests/security/test_bookings.py``), ``python -m bot run`` itself (``tests/security/test_services.py``).
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.model import ensure_model
from bot.runner import Services
from tests.support.env import Changes, child_environ
from tests.support.locations import LOGS
from tests.support.net import free_port, wait_http
from tests.support.web import SESSION_SECRET, STAFF_TOKEN, build_kb

#: One line per start of a stack (or of a part of one) in this run: what, for whom, how long it took.
BOOT_LOG = LOGS / "stack-boots.log"
#: How long the default stack may take to answer (the scale stack's too): Rasa loads the model on a busy machine.
START_TIMEOUT_S = 900
#: The starts of this pytest session, in order (printed at the end of the run by the fixtures plugin).
BOOTS: list[str] = []
_boots_lock = threading.Lock()


@contextlib.contextmanager
def booted(what: str) -> Iterator[None]:
    """Count and log one start of ``what`` (the body starts it): the numbers the test run's cost is judged by."""
    started = time.monotonic()
    yield
    line = f"{time.strftime('%H:%M:%S')} started {what} in {time.monotonic() - started:.0f} s"
    with _boots_lock:
        BOOTS.append(line)
        BOOT_LOG.parent.mkdir(parents=True, exist_ok=True)
        with BOOT_LOG.open("a", encoding="utf-8") as log:
            log.write(line + "\n")


@dataclass
class StackServices(Services):
    """:class:`bot.runner.Services` whose children get ``settings`` on top of this process's environment
    (None removes a variable), so a stack's settings never leak into ``os.environ``. Rasa calls this stack's
    action server, and the profile and the endpoints are the embedded ones unless given, whatever the shell
    says."""

    endpoints: str = "endpoints.yml"
    profile: str = "embedded"
    settings: dict[str, str | None] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return child_environ({"ACTION_SERVER_URL": self.action_url, **self.settings}, super().env())


def store_settings(state: Path) -> dict[str, str | None]:
    """A tracker and an appointments database in ``state``, and none of the shell's overrides."""
    return {"TRACKER_SQLITE_PATH": str(state / "tracker.sqlite3"),
            "APPOINTMENTS_DATABASE_URL": f"sqlite:///{state / 'appointments.sqlite3'}",
            "APPOINTMENTS_CATALOGUE_OVERRIDES": None, "ENDPOINTS": None, "PROFILE": None, "REDIS_URL": None,
            "WECHAT_TOKEN": None,
            "KB_STAFF_VARIANTS": str(state / "questions_staff.yml")}  # staff attach here, not in the repo


@dataclass
class Stack:
    """A running stack: its URLs, its stores, and the settings its processes run with."""

    services: StackServices
    state: Path

    @property
    def rest_url(self) -> str:
        return self.services.rest_url

    @property
    def web_url(self) -> str:
        return self.services.public_url

    @property
    def action_url(self) -> str:
        return self.services.action_url

    @property
    def tracker_path(self) -> Path:
        return Path(self.services.env()["TRACKER_SQLITE_PATH"])

    @property
    def appointments_url(self) -> str:
        return self.services.env()["APPOINTMENTS_DATABASE_URL"]

    @property
    def settings(self) -> Changes:
        """What the stack's processes run with beyond this process's environment (for ``stack_environ``)."""
        return self.services.settings

    @property
    def action_headers(self) -> dict[str, str]:
        """What Rasa sends the action server (``endpoints.yml``'s token)."""
        return {"Authorization": f"Bearer {self.services.action_token}"}

    def revive_actions(self, timeout: float = 300) -> bool:
        """Start the action server again on its port if a fault test killed it; True when it had to."""
        services = self.services
        dead = services.named["actions"]
        if dead.poll() is None:
            return False
        services.processes.remove(dead)
        process = services.start_action_server(0)
        wait_http(f"http://127.0.0.1:{services.action_port}/health", process, timeout)
        return True


@contextlib.contextmanager
def started(services: Services, what: str, *, actions_only: bool = False, model: Path | None = None,
            timeout: float = 300) -> Iterator[Services]:
    """``services`` started (all of them, or the action servers alone), counted as ``what``; stopped on the
    way out, also when the start itself fails half-way."""
    try:
        with booted(what):
            if actions_only:
                services.start_actions(timeout)
            else:
                services.start(model or ensure_model(quiet=True), timeout)
        yield services
    finally:
        services.stop()


@contextlib.contextmanager
def default_stack(state: Path, log_dir: Path = LOGS / "stack") -> Iterator[Stack]:
    """The action server, Rasa (the trained model: trains first only if the data changed) and the web front;
    their logs in ``log_dir``, emptied first (an earlier run's lines would read as this run's)."""
    shutil.rmtree(log_dir, ignore_errors=True)
    build_kb()
    settings = {**store_settings(state), "STAFF_TOKEN": STAFF_TOKEN, "WEB_SESSION_SECRET": SESSION_SECRET}
    services = StackServices(rasa_port=free_port(), action_port=free_port(), web_port=free_port(), log_dir=log_dir,
                             api_token=secrets.token_urlsafe(32),
                             action_token=secrets.token_urlsafe(32), settings=settings)
    # once per run, so a machine busy with other work may take its time loading the model
    with started(services, "the default stack (actions, Rasa, web)", timeout=START_TIMEOUT_S):
        yield Stack(services, state)
