"""The scale profile as the tests run it: ``bot.runner.Services(profile="scale")`` on free ports, started
like every test stack (:func:`tests.support.stack.started`), with its own Redis server, its own PostgreSQL
tracker database and KB/appointments schemas, all dropped afterwards. Its settings are in ``os.environ``
while ``tests/scale`` runs, and only then (:func:`tests.support.env.patched_environ`).

Own Redis (not the shared 127.0.0.1:6379): the fault tests restart it. Own databases: the fault tests
terminate this stack's PostgreSQL connections, and only this stack's.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from bot.channels.safe_rest import BUSY, NOT_PROCESSED, outcome
from bot.runner import Services, ensure_postgres_stores
from tests.support.env import patched_environ
from tests.support.locations import POSTGRES_URL, ROOT
from tests.support.net import free_block
from tests.support.stack import START_TIMEOUT_S, started

REDIS_SERVER = os.environ.get("REDIS_SERVER_BIN", "redis-server")
#: The scale stack's WeChat channel is on, in plain mode (the simulator signs pushes with this token).
WECHAT_TOKEN = "scale-test-token"


class RedisServer:
    """A redis-server of our own on a free loopback port, no persistence; restartable on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_block(1)
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


@dataclass
class ScaleStack:
    services: Services
    redis: RedisServer
    tracker_db: str
    schemas: list[str]

    def rest(self, sender: str, message: str, timeout: float = 60) -> tuple[int, list[dict]]:
        """One turn through nginx's internal Rasa balancer, as a web front sends it."""
        body = json.dumps({"sender": sender, "message": message}).encode()
        req = urllib.request.Request(f"{self.services.web_rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"[]")
        except urllib.error.HTTPError as e:
            return e.code, []

    def tracker(self, sender: str, replica: int = 0) -> dict:
        url = self.services.api_url(f"/conversations/{urllib.parse.quote(sender, safe=':')}/tracker", replica=replica)
        with urllib.request.urlopen(url, timeout=60) as r:
            return json.loads(r.read())

    def terminate_postgres_connections(self) -> int:
        """``pg_terminate_backend`` on this stack's connections only (its tracker database, its schemas)."""
        engine = create_engine(POSTGRES_URL, future=True)
        try:
            with engine.begin() as conn:
                return len(conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db AND pid <> "
                    "pg_backend_pid()"), {"db": self.tracker_db}).all())
        finally:
            engine.dispose()


def _drop(tracker_db: str, schemas: list[str]) -> None:
    engine = create_engine(POSTGRES_URL, future=True, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{tracker_db}" WITH (FORCE)'))
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


@contextlib.contextmanager
def scale_stack(tmp: Path, rasa_replicas: int = 2, action_replicas: int = 2, model: Path | None = None,
                **extra_env: str) -> Iterator[ScaleStack]:
    """Start the whole scale profile (nginx, replicas, own Redis, own PostgreSQL names); stop and drop it."""
    tmp.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:10]
    tracker_db, kb_schema, appt_schema = f"scale_trackers_{tag}", f"scale_kb_{tag}", f"scale_appt_{tag}"
    redis = RedisServer(tmp)
    redis.start()
    n = rasa_replicas
    env = {
        "PROFILE": "scale", "ENDPOINTS": "deploy/endpoints.scale.yml", "REDIS_URL": redis.url,
        "TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": "5432", "TRACKER_DB_NAME": tracker_db,
        "TRACKER_DB_USER": "postgres", "TRACKER_DB_PASSWORD": "",
        "KB_DATABASE_URL": f"{POSTGRES_URL}?options=-csearch_path%3D{kb_schema}",
        "APPOINTMENTS_DATABASE_URL": f"{POSTGRES_URL}?options=-csearch_path%3D{appt_schema}",
        "LOG_DIR": str(tmp / "logs"), "WEB_SESSION_SECRET": uuid.uuid4().hex * 2,
        "PRIVACY_PURGE_INTERVAL_S": "3600", **extra_env,
    }
    schemas: list[str] = []
    try:
        with patched_environ(env):  # this package's tests and the stores' set-up read it in-process too
            schemas = [d.split(':', 1)[1] for d in ensure_postgres_stores() if d.startswith('schema:')]
            subprocess.run([sys.executable, "-m", "bot", "kb", "build"], cwd=ROOT, check=True, capture_output=True,
                           timeout=600)
            services = Services(profile="scale", rasa_port=free_block(n), action_port=free_block(action_replicas),
                                web_port=free_block(n), public_port=free_block(1), rasa_lb_port=free_block(1),
                                action_lb_port=free_block(1), rasa_replicas=n, action_replicas=action_replicas)
            with started(services, f"the scale stack ({n} Rasa, {action_replicas} action servers, nginx)",
                         model=model, timeout=START_TIMEOUT_S):
                yield ScaleStack(services, redis, tracker_db, schemas)
    finally:
        redis.stop()
        _drop(tracker_db, schemas)


# --------------------------------------------------------------------------- load and checks


@dataclass
class Turn:
    """One turn as the client saw it; ``outcomes`` is each reply's ``custom.turn`` (None for an answer)."""

    message: str
    status: int
    texts: list[str]
    outcomes: list[str | None] = field(default_factory=list)
    replies: list[dict] = field(default_factory=list, repr=False)

    @property
    def answered(self) -> bool:
        """A real answer: HTTP 200, some text, none of it the channel's polite replies."""
        return self.status == 200 and bool(self.texts) and not any(self.outcomes)

    @property
    def not_processed(self) -> bool:
        """Answered politely that the message was not processed (busy, or the turn raised): not in the tracker."""
        return self.status == 200 and any(o in (NOT_PROCESSED, BUSY) for o in self.outcomes)

    @property
    def processed(self) -> bool:
        """The turn ran to its end, so the tracker holds it (answered, or stored without an answer)."""
        return self.status == 200 and bool(self.texts) and not self.not_processed


def talk(stack: ScaleStack, sender: str, messages: list[str], pause_s: float = 0.0) -> list[Turn]:
    """One conversation, turn after turn (a person waits for the answer before typing again)."""
    turns = []
    for m in messages:
        try:
            code, replies = stack.rest(sender, m)
        except OSError:
            code, replies = 0, []
        shown = [r for r in replies if isinstance(r, dict)]
        turns.append(Turn(m, code, [r.get("text", "") for r in shown], [outcome(r) for r in shown], shown))
        time.sleep(pause_s)
    return turns


def user_texts(stack: ScaleStack, sender: str) -> list[str]:
    return [e["text"] for e in stack.tracker(sender)["events"] if e["event"] == "user"]


def in_order_without_interleaving(stack: ScaleStack, sender: str) -> bool:
    """Every user event is followed by the assistant's answer before the next user event."""
    kinds = [e["event"] for e in stack.tracker(sender)["events"] if e["event"] in ("user", "bot")]
    pairs = zip(kinds, kinds[1:], strict=False)
    return bool(kinds) and kinds[-1] == "bot" and all(a != "user" or b == "bot" for a, b in pairs)
