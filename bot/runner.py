"""Start the assistant's processes, wait until they answer, stop them all together.

Used by ``make run`` (``python -m bot run``) and by the end-to-end tests, so both start the same
thing the same way: the action server, then the Rasa server with the REST channel.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.model import ROOT, ensure_model, rasa_command

VAR = ROOT / "var"


@dataclass
class Services:
    rasa_port: int = int(os.environ.get("RASA_PORT", "5005"))
    action_port: int = int(os.environ.get("ACTION_PORT", "5055"))
    web_port: int = int(os.environ.get("WEB_PORT", "8000"))
    with_web: bool = True  # the chat and staff pages; REST-only tests leave them out
    endpoints: str = os.environ.get("ENDPOINTS", "endpoints.yml")
    log_dir: Path = VAR / "logs"
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "ACTION_PORT": str(self.action_port),
            "TRACKER_SQLITE_PATH": os.environ.get("TRACKER_SQLITE_PATH", str(VAR / "tracker.sqlite3")),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONPATH": str(ROOT),
        }

    def _spawn(self, name: str, cmd: list[str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - owned by the process
        self.processes.append(
            subprocess.Popen(cmd, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
        )

    def start_actions(self, timeout: float = 300) -> None:
        """The action server alone (``rasa test`` runs the dialogue itself and only calls actions)."""
        VAR.mkdir(exist_ok=True)
        self._spawn("actions", rasa_command("run", "actions", "--actions", "actions", "--port", str(self.action_port)))
        self._wait(f"http://127.0.0.1:{self.action_port}/health", timeout)

    def start(self, model: Path, timeout: float = 300) -> None:
        self.start_actions(timeout)
        self._spawn("rasa", rasa_command("run", "--model", str(model), "--port", str(self.rasa_port),
                                         "--endpoints", self.endpoints, "--credentials", "credentials.yml",
                                         "--enable-api", "--cors", "*"))
        self._wait(f"http://127.0.0.1:{self.rasa_port}/status", timeout, need_model=True)
        if not self.with_web:
            return
        self._spawn("web", [sys.executable, "-m", "bot.web", "--port", str(self.web_port),
                            "--rasa-url", f"http://127.0.0.1:{self.rasa_port}"])
        self._wait(f"http://127.0.0.1:{self.web_port}/health", timeout)

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
        raise TimeoutError(f"{url} did not answer within {timeout:.0f}s; see {self.log_dir}")

    def stop(self) -> None:
        for p in reversed(self.processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        self.processes.clear()


@contextlib.contextmanager
def running(services: Services | None = None) -> Iterator[Services]:
    services = services or Services()
    services.start(ensure_model(quiet=True))
    try:
        yield services
    finally:
        services.stop()


def serve_forever() -> int:
    """``make run``: train if needed, start everything, print the URLs, stop on Ctrl-C."""
    print("Checking the model (trains only if the training data changed) ...", flush=True)
    model = ensure_model()
    services = Services()
    print("Starting the action server and the Rasa server ...", flush=True)
    try:
        services.start(model)
    except (RuntimeError, TimeoutError) as e:
        services.stop()
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"\n晋才助手 is running.\n  Chat page:    http://localhost:{services.web_port}/\n"
          f"  Staff FAQ:    http://localhost:{services.web_port}/staff (needs STAFF_TOKEN)\n"
          f"  REST channel: POST {services.rest_url}\n"
          f"  Rasa API:     http://127.0.0.1:{services.rasa_port}/\n"
          f"  Actions:      http://127.0.0.1:{services.action_port}/\n"
          f"  Logs:         {services.log_dir}\nPress Ctrl-C to stop.", flush=True)
    try:
        while all(p.poll() is None for p in services.processes):
            time.sleep(1)
        print("error: a service stopped; see the logs", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        services.stop()
