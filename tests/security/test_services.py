"""Attacks on the assistant's processes as ``make run`` starts them (issue 12: findings 1, 9 and 10).

One real ``python -m bot run`` (the trained model, the action server, Rasa, the web front) runs on free
ports with its own state directory and is attacked the way the issue did:

- **from another address**: a network namespace joined to this one by a veth pair is "another machine on
  the network" (when namespaces cannot be made here, this machine's own non-loopback address stands in);
  a listener on 0.0.0.0 proves that the namespace does reach this machine, so "refused" means refused;
- **from loopback without credentials**: Rasa's HTTP API without its token, a foreign CORS origin,
  forged action-server calls;
- **on the files it leaves**: store files and logs readable by other users, logs that never rotate;
- **on the process**: a taken port, and SIGTERM (the last test) leaving services running.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.model import ROOT, ensure_model
from tests.support.net import free_port
from tests.support.stack import booted

START_TIMEOUT_S = 900
LOG_MAX_BYTES = 2048  # small, so start-up output alone fills several files
LOG_BACKUPS = 2
PURGE_INTERVAL_S = 3
FOREIGN_ORIGIN = "http://evil.example"
#: Run inside the namespace: one HTTP request, prints the status or "refused".
PROBE = """
import sys, http.client
host, port, method, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    c = http.client.HTTPConnection(host, port, timeout=5)
    c.request(method, path, body=b"{}" if method != "GET" else None, headers={"Content-Type": "application/json"})
    print(c.getresponse().status)
except OSError as e:
    print("refused", type(e).__name__)
"""


# --- another address -----------------------------------------------------------------------------------

@dataclass
class Outside:
    """Where "another machine" sends from: a network namespace, or (fallback) this machine's LAN address."""

    target: str  # the address of this machine as the outsider sees it
    netns: str | None = None
    how: str = ""

    def request(self, port: int, method: str = "GET", path: str = "/") -> str:
        cmd = [sys.executable, "-c", PROBE, self.target, str(port), method, path]
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns, *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()


@contextlib.contextmanager
def _netns() -> Iterator[Outside]:
    tag = f"{os.getpid() % 100000}"
    ns, host_if, ns_if = f"jcsec{tag}", f"jch{tag}", f"jcn{tag}"
    block = (os.getpid() % 16384) * 4  # a /30 of 198.18.0.0/15 (benchmarking range, never routed)
    base = f"198.{18 + block // 65536}.{block // 256 % 256}"
    host_ip, ns_ip = f"{base}.{block % 256 + 1}", f"{base}.{block % 256 + 2}"
    steps = [["ip", "netns", "add", ns], ["ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if],
             ["ip", "link", "set", ns_if, "netns", ns], ["ip", "addr", "add", f"{host_ip}/30", "dev", host_if],
             ["ip", "link", "set", host_if, "up"],
             ["ip", "netns", "exec", ns, "ip", "addr", "add", f"{ns_ip}/30", "dev", ns_if],
             ["ip", "netns", "exec", ns, "ip", "link", "set", ns_if, "up"],
             ["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"]]
    try:
        for step in steps:
            subprocess.run(step, check=True, capture_output=True, timeout=30)
        yield Outside(host_ip, ns, f"network namespace {ns} ({ns_ip} -> {host_ip})")
    finally:
        subprocess.run(["ip", "link", "del", host_if], capture_output=True, timeout=30)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)


def _lan_address() -> str | None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=10).stdout.split()
        return next((a for a in out if "." in a and not a.startswith("127.")), None)
    return None


@pytest.fixture(scope="module")
def outside() -> Iterator[Outside]:
    with contextlib.ExitStack() as cleanup:
        try:
            found = cleanup.enter_context(_netns())
        except (OSError, subprocess.SubprocessError) as e:
            address = _lan_address()
            if address is None:
                pytest.fail(f"no network namespace ({e}) and no non-loopback address: cannot test 'another address'")
            found = Outside(address, None, f"this machine's address {address}")
        # the control: a server on every interface answers the outsider, so a refusal below is the bind's doing
        control = ThreadingHTTPServer(("0.0.0.0", 0), BaseHTTPRequestHandler)
        threading.Thread(target=control.serve_forever, daemon=True).start()
        try:
            reached = found.request(control.server_address[1])
        finally:
            control.shutdown()
            control.server_close()
        assert reached.isdigit(), f"the outsider ({found.how}) cannot reach this machine at all: {reached}"
        yield found


# --- the stack, as make run starts it --------------------------------------------------------------------

@dataclass
class Stack:
    process: subprocess.Popen
    state: Path
    ports: dict[str, int]
    api_token: str
    action_token: str
    output: Path
    children: list[tuple[int, str]] = field(default_factory=list)  # (pid, start time) of every descendant

    def http(self, port: int, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def log_text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")[-4000:]


def _descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, start time) of every process below ``pid``, from /proc."""
    parents: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
                parents.setdefault(int(fields[1]), []).append(int(d.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append((child, _start_time(child)))
            todo.append(child)
    return found


def _start_time(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _alive(pid: int, started: str) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z" and fields[19] == started


def _stack_env(state: Path, ports: dict[str, int], api_token: str, action_token: str) -> dict[str, str]:
    return {**os.environ, "RASA_PORT": str(ports["rasa"]), "ACTION_PORT": str(ports["actions"]),
            "WEB_PORT": str(ports["web"]), "RASA_API_TOKEN": api_token, "ACTION_SERVER_TOKEN": action_token,
            "LOG_DIR": str(state / "logs"), "LOG_MAX_BYTES": str(LOG_MAX_BYTES), "LOG_BACKUPS": str(LOG_BACKUPS),
            "TRACKER_SQLITE_PATH": str(state / "tracker.sqlite3"),
            "APPOINTMENTS_DATABASE_URL": f"sqlite:///{state / 'appointments.sqlite3'}",
            "PRIVACY_PURGE_INTERVAL_S": str(PURGE_INTERVAL_S), "WEB_SESSION_SECRET": secrets.token_urlsafe(32),
            "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """``python -m bot run`` with its own ports, tokens and state; a store file already there is 0644.

    Not the session's stack, on purpose: what is tested is ``make run``'s own process (its log limits,
    its purge schedule, its children), and the last test stops it with SIGTERM."""
    from policy_kb.db import open_kb

    ensure_model(quiet=True)
    open_kb()  # the per-run KB file (tests/conftest.py), as `make kb` builds it before `make run`
    state = tmp_path_factory.mktemp("services-stack")
    sqlite3.connect(state / "appointments.sqlite3").close()  # a store file left by an earlier run ...
    (state / "appointments.sqlite3").chmod(0o644)             # ... with the old, world-readable mode
    ports = {"rasa": free_port(), "actions": free_port(), "web": free_port()}
    api_token, action_token = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    output = state / "make-run.out"
    with output.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, stdout=out,
                                   stderr=subprocess.STDOUT, env=_stack_env(state, ports, api_token, action_token))
    s = Stack(process, state, ports, api_token, action_token, output)
    try:
        with booted("python -m bot run (tests/security/test_services.py)"):
            deadline = time.monotonic() + START_TIMEOUT_S
            while "is running" not in output.read_text(errors="replace"):
                assert process.poll() is None, f"python -m bot run exited ({process.returncode}):\n{s.log_text()}"
                assert time.monotonic() < deadline, f"python -m bot run did not start:\n{s.log_text()}"
                time.sleep(1)
        s.children = _descendants(process.pid)
        yield s
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # Ctrl-C, which stopped everything even before issue 12
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(60)
        for pid, started in _descendants(process.pid) + s.children:
            if _alive(pid, started):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


# --- finding 1: internal services reachable from the network, without credentials -------------------------

@pytest.mark.parametrize("service", ["rasa", "actions"])
def test_internal_services_are_not_reachable_from_another_address(stack: Stack, outside: Outside, service: str) -> None:
    path = "/status" if service == "rasa" else "/health"
    answer = outside.request(stack.ports[service], "GET", path)
    assert answer == "refused ConnectionRefusedError", f"{service} port answered {answer} from {outside.how}"
    assert stack.http(stack.ports[service], "GET", f"{path}?token={stack.api_token}")[0] == 200  # up on loopback


@pytest.mark.parametrize(("method", "path", "body"), [
    ("DELETE", "/model", None),
    ("GET", "/conversations/{victim}/tracker", None),
    ("PUT", "/model", json.dumps({"model_server": {"url": "http://127.0.0.1:9/evil.tar.gz"}}).encode()),
])
def test_rasa_api_refuses_calls_without_its_token(stack: Stack, method: str, path: str, body: bytes | None) -> None:
    victim = f"web:victim-{uuid.uuid4().hex[:12]}"
    path = path.format(victim=victim)
    for query in ("", "?token=", f"?token={stack.api_token[:-1]}x"):
        status, _, reply = stack.http(stack.ports["rasa"], method, path + query, body)
        assert status == 401, f"{method} {path}{query} answered {status}: {reply[:200]!r}"
    status, _, reply = stack.http(stack.ports["rasa"], "GET", f"/status?token={stack.api_token}")
    assert status == 200 and b'"model_file"' in reply, "the model must still be loaded"
    status, _, reply = stack.http(stack.ports["rasa"], "GET", f"/conversations/{victim}/tracker?token={stack.api_token}")
    assert status == 200 and json.loads(reply)["sender_id"] == victim  # the token is what opens it


@pytest.mark.parametrize(("method", "path"), [("OPTIONS", "/webhooks/rest/webhook"), ("GET", "/version"),
                                              ("OPTIONS", "/conversations/x/tracker")])
def test_rasa_does_not_echo_a_foreign_cors_origin(stack: Stack, method: str, path: str) -> None:
    headers = {"Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": "POST"}
    _, reply_headers, _ = stack.http(stack.ports["rasa"], method, path, headers=headers)
    allowed = reply_headers.get("access-control-allow-origin")
    assert allowed not in (FOREIGN_ORIGIN, "*"), f"{method} {path} allows {allowed}"


def test_action_server_refuses_forged_calls(stack: Stack) -> None:
    call = json.dumps({"next_action": "action_my_appointments", "sender_id": "web:victim", "version": "3.6.21",
                       "tracker": {"sender_id": "web:victim", "slots": {}, "latest_message": {}, "events": [],
                                   "paused": False, "followup_action": None, "active_loop": {},
                                   "latest_action_name": "action_listen"},
                       "domain": {}}).encode()
    port = stack.ports["actions"]
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": f"Bearer {stack.action_token[:-1]}x"},
                    {"Authorization": stack.action_token}, {"Authorization": f"Basic {stack.action_token}"}):
        status, _, reply = stack.http(port, "POST", "/webhook", call, headers)
        assert status == 401, f"forged /webhook with {headers or 'no credentials'} answered {status}: {reply[:200]!r}"
        assert stack.http(port, "GET", "/actions", headers=headers)[0] == 401
    assert stack.http(port, "GET", "/actions", headers={"Authorization": f"Bearer {stack.action_token}"})[0] == 200


def test_action_server_will_not_listen_wider_without_a_token() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ACTION_SERVER_TOKEN"}
    out = subprocess.run([sys.executable, "-m", "bot.action_server", "--interface", "0.0.0.0", "--port", str(free_port())],
                         cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "ACTION_SERVER_TOKEN" in out.stderr, out.stderr[-2000:]


# --- finding 10: files readable by others, logs without bound ---------------------------------------------

def test_store_files_and_logs_are_private(stack: Stack) -> None:
    files = [stack.state / "tracker.sqlite3", stack.state / "appointments.sqlite3",
             *sorted((stack.state / "logs").glob("*.log*"))]
    kb_url = os.environ["KB_DATABASE_URL"]
    if kb_url.startswith("sqlite:///"):
        files.append(Path(kb_url.removeprefix("sqlite:///")))
    assert (stack.state / "tracker.sqlite3").exists(), "Rasa created no tracker store where the runner said"
    for f in files:
        mode = stat.S_IMODE(f.stat().st_mode)
        assert mode & 0o077 == 0, f"{f} is {oct(mode)}: readable by other users"
    assert stat.S_IMODE((stack.state / "logs").stat().st_mode) & 0o077 == 0


def test_logs_rotate_at_their_size_limit(stack: Stack) -> None:
    logs = stack.state / "logs"
    rotated = sorted(p.name for p in logs.glob("*.log.1"))
    assert rotated, f"no log was rotated at {LOG_MAX_BYTES} bytes: {sorted(p.name for p in logs.iterdir())}"
    assert not list(logs.glob(f"*.log.{LOG_BACKUPS + 1}")), "more old logs kept than LOG_BACKUPS"
    for f in logs.glob("*.log*"):
        lines = f.read_bytes().splitlines()
        assert f.stat().st_size <= LOG_MAX_BYTES or len(lines) == 1, f"{f.name} is {f.stat().st_size} bytes"


# --- personal data: the scheduled purge -------------------------------------------------------------------

def test_make_run_purges_on_a_schedule(stack: Stack) -> None:
    purge_log = stack.state / "logs" / "purge.log"
    deadline = time.monotonic() + 30 * PURGE_INTERVAL_S + 120
    while "privacy purge: run 2," not in (purge_log.read_text(errors="replace") if purge_log.exists() else ""):
        assert time.monotonic() < deadline, f"the purge did not run twice:\n{stack.log_text()}"
        time.sleep(1)
    assert "privacy purge: run 1, exit status 0" in purge_log.read_text(), purge_log.read_text()[-2000:]


def test_a_failing_purge_is_logged_and_tried_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.runner import PurgeSchedule, Services

    services = Services(log_dir=tmp_path / "logs")
    schedule = PurgeSchedule(services, 0.2, command=(sys.executable, "-c", "print('db down'); raise SystemExit(3)"))
    schedule.start()
    try:
        deadline = time.monotonic() + 120
        while schedule.runs < 3:
            assert time.monotonic() < deadline, "the schedule stopped after a failed purge"
            time.sleep(0.1)
    finally:
        schedule.stop()
        services.stop()
    log = (tmp_path / "logs" / "purge.log").read_text()
    assert "db down" in log and "run 2, exit status 3" in log, log
    assert "privacy purge failed (exit status 3)" in capsys.readouterr().err


# --- finding 9: a second make run, and SIGTERM ------------------------------------------------------------

def test_a_taken_port_stops_the_start_naming_it(tmp_path: Path) -> None:
    ports = {"rasa": free_port(), "actions": free_port(), "web": free_port()}
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports["rasa"]))
        holder.listen()
        out = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, capture_output=True, text=True,
                             timeout=600, env=_stack_env(tmp_path, ports, "t" * 32, "a" * 32))
    assert out.returncode != 0, out.stdout[-2000:]
    assert f"port {ports['rasa']}" in out.stderr, out.stderr[-2000:]
    assert "Starting" not in out.stdout, "it started services before finding the port taken"


def test_sigterm_stops_every_service_and_frees_the_ports(stack: Stack) -> None:
    """Last: it stops the module's stack."""
    children = _descendants(stack.process.pid)
    assert len(children) >= 3, f"expected the action server, Rasa and the web front below the runner: {children}"
    stack.process.send_signal(signal.SIGTERM)
    assert stack.process.wait(120) == 0, stack.log_text()
    deadline = time.monotonic() + 30
    while (left := [pid for pid, started in children if _alive(pid, started)]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, f"still running after SIGTERM to the runner: {left}"
    for name, port in stack.ports.items():
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError as e:
                pytest.fail(f"the {name} port {port} is still held after SIGTERM: {e}")
