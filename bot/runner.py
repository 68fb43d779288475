"""Start the assistant's processes, wait until they answer, stop them all together.

Used by ``make run`` (``python -m bot run``) and by the end-to-end tests, so both start the same
thing the same way: the action server (:mod:`bot.action_server`), then the Rasa server with the REST
and WeChat channels, then the web front.

What the services would not do by themselves, and so the runner does:

- **Loopback.** Every service binds 127.0.0.1 unless ``RASA_INTERFACE``, ``ACTION_INTERFACE`` or
  ``WEB_INTERFACE`` says otherwise (``rasa run`` and rasa-sdk default to 0.0.0.0).
- **Tokens.** Rasa's HTTP API needs ``RASA_API_TOKEN`` (``--auth-token``; no ``--cors``), the action
  server ``ACTION_SERVER_TOKEN`` (sent by Rasa from ``endpoints.yml``). When unset, each is a random
  value for this run only: the runner and its callers are their only users.
- **Ports.** A port already taken stops the start before anything is trained, naming the port,
  instead of leaving the caller talking to whatever holds it.
- **Private files.** Children run with umask 077; existing store files and logs are made 0600.
- **Bounded logs.** Service output goes through the runner into ``<log dir>/<service>.log``,
  rotated at ``LOG_MAX_BYTES`` with ``LOG_BACKUPS`` old files.
- **Stopping.** The children live in their own sessions (a terminal's Ctrl-C must not reach them
  half-way through), so the runner stops them itself on SIGINT *and* SIGTERM: Python's default
  SIGTERM would exit without running any ``finally`` and orphan them.
- **Retention.** ``make run`` also runs ``python -m bot privacy purge`` at start and every
  ``PRIVACY_PURGE_INTERVAL_S`` seconds; a failed purge is logged and tried again next time.

**The scale profile** (``PROFILE=scale``, ``make run PROFILE=scale``) starts on one machine what a
deployment runs on several: ``ACTION_REPLICAS`` action servers (ports from ``ACTION_PORT`` up),
``RASA_REPLICAS`` Rasa replicas (from ``RASA_PORT`` up, each optionally pinned with ``taskset`` to a CPU
of ``RASA_CPUS``) with one web front each (from ``WEB_PORT`` up), and nginx in front of all three
(``deploy/nginx.conf.template``): the web pages and the WeChat push URL on ``NGINX_INTERFACE:PUBLIC_PORT``,
Rasa's REST channel (``RASA_LB_PORT``) and the action servers (``ACTION_LB_PORT``) on loopback only.
Trackers, KB and appointments are on PostgreSQL, locks and WeChat/rate-limit state on Redis, as
``deploy/endpoints.scale.yml`` and ``deploy/scale.env.example`` say. The same loopback, token, port and
SIGTERM rules hold for every one of these processes.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import IO

from bot.model import ROOT, ensure_model
from bot.rasa_server import patched_rasa

VAR = ROOT / "var"
LOOPBACK = "127.0.0.1"
PRIVATE_UMASK = 0o077
#: The stores' SQLite defaults, for the 0600 pass (each store module has its own default URL).
STORE_URL_VARS = {"KB_DATABASE_URL": VAR / "kb.sqlite3", "APPOINTMENTS_DATABASE_URL": VAR / "appointments.sqlite3"}
SQLITE_SIDE_FILES = ("", "-journal", "-wal", "-shm")
PURGE_COMMAND = (sys.executable, "-m", "bot", "privacy", "purge")
SCALE_ENDPOINTS = "deploy/endpoints.scale.yml"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
#: nginx settings a deployment may change (the rest of the template is the layout).
NGINX_DEFAULTS = {"NGINX_BODY_LIMIT": "64k", "NGINX_ACTION_BODY_LIMIT": "16m", "NGINX_CLIENT_TIMEOUT_S": "10",
                  "NGINX_CONNECT_TIMEOUT_S": "2", "NGINX_READ_TIMEOUT_S": "30", "NGINX_FAIL_TIMEOUT_S": "5"}
#: The bounded turn queue of every Rasa server, in both profiles (bot/channels/safe_rest.py): turns at once,
#: turns waiting, longest wait (below NGINX_READ_TIMEOUT_S, so a turn is answered "busy" rather than cut
#: off). Turns taken in arrival order finish sooner than all of them sharing the event loop: at 20
#: concurrent conversations the p95 went from 760 ms without the queue to 540 ms with it (bench/README.md).
TURN_DEFAULTS = {"TURN_CONCURRENCY": "4", "TURN_QUEUE": "500", "TURN_QUEUE_WAIT_S": "20"}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    try:
        return int(raw) if raw else default
    except ValueError:
        raise SystemExit(f"error: {name} must be a whole number, not {raw!r}") from None


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def client_host(interface: str) -> str:
    """The address a local client uses for a server bound to ``interface`` (a wildcard means loopback)."""
    return LOOPBACK if interface in ("", "0.0.0.0", "::") else interface


class PortInUse(RuntimeError):
    """A port the runner needs is held by another process."""


class PrivateRotatingLog(RotatingFileHandler):
    """A size-bounded log whose files are 0600 whatever the process's umask (logs may quote users)."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        super().__init__(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", errors="replace")

    def _open(self) -> IO[str]:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)  # noqa: SIM115 - the handler owns it

    def write_line(self, line: str) -> None:
        self.emit(logging.makeLogRecord({"msg": line}))


def _pump(stream: IO[bytes], log: PrivateRotatingLog) -> None:
    """Copy a child's output into its rotating log, line by line, until the child closes it."""
    with stream:
        for raw in iter(stream.readline, b""):
            log.write_line(raw.decode("utf-8", "replace").rstrip("\r\n"))


def make_private(path: Path) -> None:
    """0600 for a file (and SQLite's side files), 0700 plus that for a directory's contents."""
    if path.is_dir():
        path.chmod(0o700)
        for p in path.rglob("*"):
            p.chmod(0o700 if p.is_dir() else 0o600)
        return
    for suffix in SQLITE_SIDE_FILES:
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").chmod(0o600)


def ensure_postgres_stores(names: tuple[str, ...] = ("KB_DATABASE_URL", "APPOINTMENTS_DATABASE_URL",
                                                    "REGISTRY_DATABASE_URL")) -> list[str]:
    """Create what the scale profile's PostgreSQL stores need and do not create themselves.

    - the **tracker database** of ``$ENDPOINTS`` (``TRACKER_DB_NAME``): Rasa's ``SQLTrackerStore`` does not
      create it, and when it is missing Rasa falls back to an in-memory tracker store *per replica*,
      silently splitting every conversation between the replicas;
    - the **schemas** that ``KB_DATABASE_URL`` / ``APPOINTMENTS_DATABASE_URL`` (and ``REGISTRY_DATABASE_URL``,
      when the register has a database of its own) select with
      ``options=-csearch_path=<schema>`` (the stores create their tables, not their schema).

    Returns what it made sure of (``database:<name>``, ``schema:<name>``).
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import URL, make_url

    from bot.privacy import tracker_url

    done = []
    trackers = tracker_url()
    if isinstance(trackers, URL) and trackers.get_backend_name() == "postgresql" and trackers.database:
        admin = create_engine(trackers.set(database="postgres"), future=True, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"),
                                    {"d": trackers.database}).first():
                    conn.execute(text(f'CREATE DATABASE "{trackers.database}"'))
        finally:
            admin.dispose()
        done.append(f"database:{trackers.database}")
    for name in names:
        url = os.environ.get(name, "")
        if not url.startswith("postgresql"):
            continue
        parsed = make_url(url)
        options = str(parsed.query.get("options", ""))
        schema = options.partition("search_path=")[2].split(",")[0].split()[0] if "search_path=" in options else ""
        if not schema.isidentifier():
            continue
        engine = create_engine(parsed.difference_update_query(["options"]), future=True)
        try:
            with engine.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        finally:
            engine.dispose()
        done.append(f"schema:{schema}")
    return done


def _sqlite_file(url: str) -> Path | None:
    if not url.startswith("sqlite:///"):
        return None
    path = Path(urllib.parse.unquote(url.removeprefix("sqlite:///")).split("?", 1)[0])
    return path if path.is_absolute() else ROOT / path


@dataclass
class Services:
    rasa_port: int = field(default_factory=lambda: _env_int("RASA_PORT", 5005))
    action_port: int = field(default_factory=lambda: _env_int("ACTION_PORT", 5055))
    web_port: int = field(default_factory=lambda: _env_int("WEB_PORT", 8000))
    with_web: bool = True  # the chat and staff pages; REST-only tests leave them out
    endpoints: str = field(default_factory=lambda: _env("ENDPOINTS", "endpoints.yml"))
    log_dir: Path = field(default_factory=lambda: Path(_env("LOG_DIR", str(VAR / "logs"))))
    processes: list[subprocess.Popen] = field(default_factory=list)
    rasa_interface: str = field(default_factory=lambda: _env("RASA_INTERFACE", LOOPBACK))
    action_interface: str = field(default_factory=lambda: _env("ACTION_INTERFACE", LOOPBACK))
    web_interface: str = field(default_factory=lambda: _env("WEB_INTERFACE", LOOPBACK))
    #: Rasa's ``--auth-token``: every HTTP API call (``/status``, ``/model``, ``/conversations``) needs it.
    api_token: str = field(default_factory=lambda: _env("RASA_API_TOKEN", secrets.token_urlsafe(32)))
    #: What Rasa sends the action server (``Authorization: Bearer``); :mod:`bot.action_server` checks it.
    action_token: str = field(default_factory=lambda: _env("ACTION_SERVER_TOKEN", secrets.token_urlsafe(32)))
    log_max_bytes: int = field(default_factory=lambda: _env_int("LOG_MAX_BYTES", 10 * 1024 * 1024))
    log_backups: int = field(default_factory=lambda: _env_int("LOG_BACKUPS", 5))
    #: ``scale``: several replicas behind nginx (see the module docstring); anything else: one of each.
    profile: str = field(default_factory=lambda: _env("PROFILE", "embedded"))
    rasa_replicas: int = field(default_factory=lambda: _env_int("RASA_REPLICAS", 0))  # 0: the profile's default
    action_replicas: int = field(default_factory=lambda: _env_int("ACTION_REPLICAS", 0))
    public_port: int = field(default_factory=lambda: _env_int("PUBLIC_PORT", 8080))
    public_interface: str = field(default_factory=lambda: _env("NGINX_INTERFACE", LOOPBACK))
    rasa_lb_port: int = field(default_factory=lambda: _env_int("RASA_LB_PORT", 5004))
    action_lb_port: int = field(default_factory=lambda: _env_int("ACTION_LB_PORT", 5054))
    #: CPUs to pin the Rasa replicas to, one each in turn (``RASA_CPUS=0,1``); empty: not pinned.
    rasa_cpus: list[str] = field(default_factory=lambda: [c for c in _env("RASA_CPUS", "").split(",") if c.strip()])
    #: Every service by name (``rasa-2``, ``actions-1``, ``nginx``): the fault tests stop one by name.
    named: dict[str, subprocess.Popen] = field(default_factory=dict, repr=False)
    _logs: dict[str, PrivateRotatingLog] = field(default_factory=dict, repr=False)
    _pumps: list[threading.Thread] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.scale and not os.environ.get("ENDPOINTS") and self.endpoints == "endpoints.yml":
            self.endpoints = SCALE_ENDPOINTS
        self.rasa_replicas = self.rasa_replicas or (2 if self.scale else 1)
        self.action_replicas = self.action_replicas or (2 if self.scale else 1)
        if not self.scale and (self.rasa_replicas, self.action_replicas) != (1, 1):
            raise SystemExit("error: RASA_REPLICAS and ACTION_REPLICAS need PROFILE=scale (nginx, PostgreSQL, Redis)")

    @property
    def scale(self) -> bool:
        return self.profile == "scale"

    @property
    def rasa_url(self) -> str:
        """The first Rasa replica (its HTTP API: every replica shares the tracker store)."""
        return self.replica_url(0)

    def replica_url(self, i: int) -> str:
        return f"http://{client_host(self.rasa_interface)}:{self.rasa_port + i}"

    @property
    def web_rasa_url(self) -> str:
        """Where a web front sends its users' messages: nginx's internal Rasa port in the scale profile."""
        return f"http://{LOOPBACK}:{self.rasa_lb_port}" if self.scale else self.rasa_url

    @property
    def public_url(self) -> str:
        """The one address users reach: nginx in the scale profile, the web front otherwise."""
        if self.scale:
            return f"http://{client_host(self.public_interface)}:{self.public_port}"
        return f"http://{client_host(self.web_interface)}:{self.web_port}"

    @property
    def rest_url(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    @property
    def action_url(self) -> str:
        if self.scale:
            return f"http://{LOOPBACK}:{self.action_lb_port}/webhook"
        return f"http://{client_host(self.action_interface)}:{self.action_port}/webhook"

    def api_url(self, path: str, replica: int = 0) -> str:
        """A Rasa HTTP API URL with the token (Rasa reads it from the ``token`` query parameter only)."""
        sep = "&" if "?" in path else "?"
        return f"{self.replica_url(replica)}{path}{sep}{urllib.parse.urlencode({'token': self.api_token})}"

    def env(self) -> dict[str, str]:
        return {
            **TURN_DEFAULTS,
            **os.environ,
            "ACTION_PORT": str(self.action_port),
            "ACTION_SERVER_URL": os.environ.get("ACTION_SERVER_URL") or self.action_url,
            "ACTION_SERVER_TOKEN": self.action_token,
            "TRACKER_SQLITE_PATH": os.environ.get("TRACKER_SQLITE_PATH", str(VAR / "tracker.sqlite3")),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            # Rasa's telemetry (on by default) reports usage and errors to Rasa; this service keeps its data
            "RASA_TELEMETRY_ENABLED": os.environ.get("RASA_TELEMETRY_ENABLED", "false"),
            "PYTHONPATH": str(ROOT),
        }

    # --- checks before anything starts

    def ports(self, actions_only: bool = False) -> list[tuple[str, str, int]]:
        """(name, interface, port) of every service this start needs."""
        def numbered(what: str, var: str, interface: str, port: int, count: int) -> list[tuple[str, str, int]]:
            if count == 1:
                return [(f"{what} ({var})", interface, port)]
            return [(f"{what} {i + 1} ({var}+{i})", interface, port + i) for i in range(count)]

        wanted = numbered("the action server", "ACTION_PORT", self.action_interface, self.action_port,
                          self.action_replicas)
        if not actions_only:
            wanted += numbered("Rasa", "RASA_PORT", self.rasa_interface, self.rasa_port, self.rasa_replicas)
            if self.with_web:
                wanted += numbered("the web front", "WEB_PORT", self.web_interface, self.web_port, self.rasa_replicas)
            if self.scale:
                wanted += [("nginx (PUBLIC_PORT)", self.public_interface, self.public_port),
                           ("nginx (RASA_LB_PORT)", LOOPBACK, self.rasa_lb_port),
                           ("nginx (ACTION_LB_PORT)", LOOPBACK, self.action_lb_port)]
        return wanted

    def check_ports(self, actions_only: bool = False) -> None:
        """Raise :class:`PortInUse` naming the first port another process holds."""
        for name, interface, port in self.ports(actions_only):
            family = socket.AF_INET6 if ":" in interface else socket.AF_INET
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no owner
                try:
                    s.bind((interface, port))
                except OSError as e:
                    if e.errno != errno.EADDRINUSE:
                        raise
                    raise PortInUse(f"port {port} for {name} is already in use on {interface}: "
                                    "stop what holds it or choose another port") from None

    def private_paths(self) -> list[Path]:
        """Where the stores and logs live: made 0600 (0700 for directories) before the services start."""
        paths = [self.log_dir, Path(self.env()["TRACKER_SQLITE_PATH"])]
        for var, default in STORE_URL_VARS.items():
            url = os.environ.get(var)
            paths.append(_sqlite_file(url) if url else default)
        if VAR.exists():
            paths.append(VAR)
        return [p for p in paths if p is not None and p.exists()]

    # --- processes

    def log(self, name: str) -> PrivateRotatingLog:
        """One handler per log file, however often ``name`` is spawned (two would rotate each other's file)."""
        if name not in self._logs:
            self.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._logs[name] = PrivateRotatingLog(self.log_dir / f"{name}.log", self.log_max_bytes, self.log_backups)
        return self._logs[name]

    def spawn(self, name: str, cmd: list[str] | tuple[str, ...], *, service: bool = True) -> subprocess.Popen:
        """Start ``cmd`` in its own session, umask 077, output into ``<log dir>/<name>.log`` (rotated).

        A service is watched (its exit stops ``make run``) and stopped by :meth:`stop`; a task
        (``service=False``) is the caller's to wait for.
        """
        log = self.log(name)
        process = subprocess.Popen(cmd, cwd=ROOT, env=self.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True, umask=PRIVATE_UMASK)
        pump = threading.Thread(target=_pump, args=(process.stdout, log), daemon=True, name=f"log-{name}")
        pump.start()
        self._pumps = [p for p in self._pumps if p.is_alive()] + [pump]
        if service:
            self.processes.append(process)
            self.named[name] = process
        return process

    def _name(self, service: str, i: int, count: int) -> str:
        return service if count == 1 else f"{service}-{i + 1}"

    def start_actions(self, timeout: float = 300) -> None:
        """The action server alone (``rasa test`` runs the dialogue itself and only calls actions)."""
        self.check_ports(actions_only=True)
        VAR.mkdir(exist_ok=True)
        for path in self.private_paths():
            make_private(path)
        for i in range(self.action_replicas):
            self.start_action_server(i)
        for i in range(self.action_replicas):
            self._wait(f"http://{client_host(self.action_interface)}:{self.action_port + i}/health", timeout)

    def start_action_server(self, i: int) -> subprocess.Popen:
        """Action server ``i`` (also how a fault test brings a stopped one back)."""
        return self.spawn(self._name("actions", i, self.action_replicas),
                          [sys.executable, "-m", "bot.action_server", "--actions", "actions",
                           "--port", str(self.action_port + i), "--interface", self.action_interface])

    def start_rasa(self, model: Path, i: int) -> subprocess.Popen:
        """Rasa replica ``i``, pinned to a CPU of ``RASA_CPUS`` when given."""
        cmd = patched_rasa("run", "--model", str(model), "--interface", self.rasa_interface,
                           "--port", str(self.rasa_port + i), "--endpoints", self.endpoints,
                           "--credentials", "credentials.yml", "--enable-api", "--auth-token", self.api_token)
        if self.rasa_cpus:
            cmd = ["taskset", "-c", self.rasa_cpus[i % len(self.rasa_cpus)], *cmd]
        return self.spawn(self._name("rasa", i, self.rasa_replicas), cmd)

    def start(self, model: Path, timeout: float = 300) -> None:
        self.check_ports()
        if self.scale:
            ensure_postgres_stores()
        self.start_actions(timeout)
        if self.scale:
            self.start_nginx(timeout)
        for i in range(self.rasa_replicas):  # all at once: each loads the model on its own
            self.start_rasa(model, i)
        for i in range(self.rasa_replicas):
            self._wait(self.api_url("/status", replica=i), timeout, need_model=True)
        if not self.with_web:
            return
        for i in range(self.rasa_replicas):
            self.spawn(self._name("web", i, self.rasa_replicas),
                       [sys.executable, "-m", "bot.web", "--host", self.web_interface,
                        "--port", str(self.web_port + i), "--rasa-url", self.web_rasa_url])
        for i in range(self.rasa_replicas):
            self._wait(f"http://{client_host(self.web_interface)}:{self.web_port + i}/health", timeout)

    # --- the scale profile's load balancer

    def nginx_config(self) -> str:
        """``deploy/nginx.conf.template`` filled from the environment and the replica counts."""
        prefix = self.log_dir / "nginx"
        fail = _env("NGINX_FAIL_TIMEOUT_S", NGINX_DEFAULTS["NGINX_FAIL_TIMEOUT_S"])

        def servers(interface: str, port: int, count: int) -> str:
            return " ".join(f"server {client_host(interface)}:{port + i} max_fails=1 fail_timeout={fail}s;"
                            for i in range(count))

        values = {**NGINX_DEFAULTS, **{k: os.environ[k] for k in NGINX_DEFAULTS if os.environ.get(k)},
                  "prefix": str(prefix), "PUBLIC_PORT": str(self.public_port),
                  "NGINX_INTERFACE": self.public_interface, "RASA_LB_PORT": str(self.rasa_lb_port),
                  "ACTION_LB_PORT": str(self.action_lb_port),
                  # as root, nginx's workers drop to nobody; otherwise they run as whoever started it
                  "user_line": "user nobody nogroup;" if os.geteuid() == 0 else "",
                  "web_servers": servers(self.web_interface, self.web_port, self.rasa_replicas),
                  "rasa_servers": servers(self.rasa_interface, self.rasa_port, self.rasa_replicas),
                  "action_servers": servers(self.action_interface, self.action_port, self.action_replicas)}
        # only ${NAME} is ours: nginx's own $variables stay as they are; a name we do not know is an error
        return re.sub(r"\$\{([A-Za-z_]+)\}", lambda m: values[m[1]], NGINX_TEMPLATE.read_text(encoding="utf-8"))

    def start_nginx(self, timeout: float) -> None:
        """nginx in the foreground with its own prefix under the log directory (not the system service)."""
        binary = os.environ.get("NGINX_BIN") or shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise RuntimeError("nginx is not installed: run tools/ensure_nginx.sh (make run PROFILE=scale does)")
        prefix = self.log_dir / "nginx"
        prefix.mkdir(mode=0o755, parents=True, exist_ok=True)
        conf = prefix / "nginx.conf"
        conf.write_text(self.nginx_config(), encoding="utf-8")
        self.spawn("nginx", [binary, "-p", str(prefix), "-e", "stderr", "-c", str(conf)])
        self._wait(f"http://{LOOPBACK}:{self.action_lb_port}/health", timeout)

    def _wait(self, url: str, timeout: float, need_model: bool = False) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.processes):
                raise RuntimeError(f"a service exited during start-up; see {self.log_dir}")
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as r:
                body = r.read().decode()
                if r.status == 200 and (not need_model or '"model_file"' in body):
                    return
            time.sleep(0.5)
        shown = url.split("?", 1)[0]  # never print the token
        raise TimeoutError(f"{shown} did not answer within {timeout:.0f}s; see {self.log_dir}")

    def stop(self) -> None:
        """SIGTERM every service's process group, SIGKILL what is left after 15 s, close the logs."""
        for p in reversed(self.processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        self.processes.clear()
        for pump in self._pumps:
            pump.join(timeout=5)
        self._pumps.clear()
        for log in self._logs.values():
            log.close()
        self._logs.clear()


class PurgeSchedule:
    """``python -m bot privacy purge`` now and every ``interval_s`` seconds, in a thread, until stopped.

    The purge is its own process (a crash or a hang in it cannot take a service down); one that fails
    or outlives its interval is logged (``purge.log`` and stderr) and the next run comes as planned.
    """

    def __init__(self, services: Services, interval_s: float,
                 command: tuple[str, ...] = PURGE_COMMAND) -> None:
        if interval_s <= 0:
            raise SystemExit("error: PRIVACY_PURGE_INTERVAL_S must be a positive number of seconds")
        self.services = services
        self.interval_s = interval_s
        self.command = command
        self.runs = 0
        self._stop = threading.Event()
        self._current: subprocess.Popen | None = None
        self._thread = threading.Thread(target=self._loop, daemon=True, name="privacy-purge")

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval_s)

    def run_once(self) -> int | None:
        """One purge; its exit status, or None when it had to be killed."""
        self.runs += 1
        log = self.services.log("purge")
        log.write_line(f"{time.strftime('%Y-%m-%d %H:%M:%S')} privacy purge: run {self.runs}")
        self._current = process = self.services.spawn("purge", self.command, service=False)
        try:
            status: int | None = process.wait(timeout=max(self.interval_s, 60))
        except subprocess.TimeoutExpired:
            status = None
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        finally:
            self._current = None
        log.write_line(f"{time.strftime('%Y-%m-%d %H:%M:%S')} privacy purge: run {self.runs}, exit status {status}")
        if status != 0 and not self._stop.is_set():
            what = "timed out" if status is None else f"failed (exit status {status})"
            print(f"warning: privacy purge {what}; see {self.services.log_dir / 'purge.log'}; "
                  f"next try in {self.interval_s:g} s", file=sys.stderr, flush=True)
        return status

    def stop(self) -> None:
        self._stop.set()
        current = self._current
        if current is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(current.pid, signal.SIGTERM)
        if self._thread.is_alive():
            self._thread.join(timeout=20)


@contextlib.contextmanager
def running(services: Services | None = None) -> Iterator[Services]:
    services = services or Services()
    services.start(ensure_model(quiet=True))
    try:
        yield services
    finally:
        services.stop()


class Stopped(Exception):
    """SIGTERM or SIGINT arrived: stop everything and exit 0."""


def _stop_on_signal(signum: int, frame: object) -> None:
    for s in (signal.SIGTERM, signal.SIGINT):  # a second signal must not interrupt the clean-up
        signal.signal(s, signal.SIG_IGN)
    raise Stopped(signal.Signals(signum).name)


def serve_forever() -> int:
    """``make run``: check the ports, train if needed, start everything, print the URLs, stop on a signal."""
    os.umask(PRIVATE_UMASK)
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, _stop_on_signal)
    services = Services()
    purge = PurgeSchedule(services, _env_int("PRIVACY_PURGE_INTERVAL_S", 3600))
    try:
        services.check_ports()
        print("Checking the model (trains only if the training data changed) ...", flush=True)
        model = ensure_model()
        print("Starting the action server and the Rasa server ...", flush=True)
        services.start(model)
        purge.start()
        token_note = "RASA_API_TOKEN" if os.environ.get("RASA_API_TOKEN") else "a random token for this run; set RASA_API_TOKEN to choose it"
        print(f"\n晋才助手 is running ({services.profile} profile, {services.rasa_replicas} Rasa, "
              f"{services.action_replicas} action server(s)).\n  Chat page:    {services.public_url}/\n"
              f"  Staff FAQ:    {services.public_url}/staff (needs STAFF_TOKEN)\n"
              f"  REST channel: POST {services.rest_url}\n"
              f"  Rasa API:     {services.rasa_url}/ (?token=: {token_note})\n"
              f"  Actions:      {services.action_url} (Rasa only)\n"
              f"  Logs:         {services.log_dir}\nPress Ctrl-C to stop.", flush=True)
        while all(p.poll() is None for p in services.processes):
            time.sleep(1)
        print("error: a service stopped; see the logs", file=sys.stderr)
        return 1
    except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except Stopped:
        print("Stopping ...", flush=True)
        return 0
    finally:
        purge.stop()
        services.stop()
