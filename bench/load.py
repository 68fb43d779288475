"""Load bench: Locust against the assistant and a vanilla ``rasa init`` bot, in the same run.

The peer is the bot a team would otherwise start from: ``rasa init --no-prompt`` (the default pipeline
and policies, its demo data), trained here by the project's own Rasa and served with a SQLite tracker
store like ours. Both servers run side by side; at each concurrency level (:data:`LEVELS` concurrent
conversations) Locust drives one bot, then the other, so machine noise hits both alike. Locust runs in
its own venv (``bench/.venv``): its gevent and pins must not touch Rasa's.

Written to ``bench/results/``: ``load.json`` (turns/s, p50/p95/p99 and errors per scenario and level),
``load.md`` (the same as a table) and ``load.png`` (latency and throughput against concurrency).
``python -m bench profile`` (:func:`profile`) samples the servers with py-spy under the 20-conversation
load instead, and writes ``profile.json``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bench.profile_stacks import summarise
from bench.scenarios import SCENARIOS
from bot.model import ROOT, ensure_model, rasa_command
from bot.runner import Services

BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
WORK = ROOT / "var" / "bench"
LOCUST = BENCH / ".venv" / "bin" / "locust"
PY_SPY = BENCH / ".venv" / "bin" / "py-spy"
LEVELS = (1, 5, 20, 50)
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "40"))
WARMUP_SECONDS = 8
PROFILE_USERS = 20
VANILLA_DIR = WORK / "vanilla"
VANILLA_ENDPOINTS = "tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: tracker.sqlite3\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rest_ready(base: str, message: str, timeout: float = 300) -> None:
    """Wait until the REST channel answers a turn (the model is loaded and warm)."""
    body = json.dumps({"sender": "bench-ready", "message": message}).encode()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        req = urllib.request.Request(f"{base}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
        with contextlib.suppress(OSError), urllib.request.urlopen(req, timeout=30) as r:
            if r.status == 200 and json.loads(r.read()):
                return
        time.sleep(1)
    raise TimeoutError(f"{base} did not answer within {timeout:.0f}s")


def vanilla_model() -> Path:
    """The ``rasa init --no-prompt`` bot, created and trained once (again when it is gone)."""
    models = sorted((VANILLA_DIR / "models").glob("*.tar.gz")) if VANILLA_DIR.is_dir() else []
    if models:
        return models[-1]
    shutil.rmtree(VANILLA_DIR, ignore_errors=True)
    VANILLA_DIR.mkdir(parents=True)
    print("Creating and training the vanilla `rasa init --no-prompt` bot (once) ...", flush=True)
    subprocess.run(rasa_command("init", "--no-prompt", "--init-dir", "."), cwd=VANILLA_DIR, check=True,
                   capture_output=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return sorted((VANILLA_DIR / "models").glob("*.tar.gz"))[-1]


@contextlib.contextmanager
def vanilla_server() -> Iterator[str]:
    model = vanilla_model()
    (VANILLA_DIR / "endpoints-bench.yml").write_text(VANILLA_ENDPOINTS)
    (VANILLA_DIR / "tracker.sqlite3").unlink(missing_ok=True)
    port = _free_port()
    log = open(WORK / "vanilla.log", "wb")  # noqa: SIM115 - owned by the process
    proc = subprocess.Popen(rasa_command("run", "--model", str(model), "--port", str(port), "--interface", "127.0.0.1",
                                         "--endpoints", "endpoints-bench.yml"),
                            cwd=VANILLA_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false"})
    try:
        base = f"http://127.0.0.1:{port}"
        _rest_ready(base, "hello", timeout=600)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # Rasa on a busy machine can take longer to stop
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@contextlib.contextmanager
def assistant_server() -> Iterator[tuple[Services, str]]:
    """The assistant as ``make run`` starts it (without the web front), on fresh stores of its own.

    ``BENCH_MODEL`` names a model file to serve instead of the current inputs' (to compare configs on
    the same training data while the data keeps changing).
    """
    WORK.mkdir(parents=True, exist_ok=True)
    stores = Path(tempfile.mkdtemp(dir=WORK, prefix="assistant-"))  # two benches may run side by side
    os.environ["TRACKER_SQLITE_PATH"] = str(stores / "tracker.sqlite3")
    os.environ["APPOINTMENTS_DATABASE_URL"] = f"sqlite:///{stores / 'appointments.sqlite3'}"
    model = Path(os.environ["BENCH_MODEL"]) if os.environ.get("BENCH_MODEL") else ensure_model(quiet=True)
    services = Services(rasa_port=_free_port(), action_port=_free_port(), with_web=False, log_dir=stores / "logs")
    try:
        services.start(model, timeout=600)
        base = services.rest_url.removesuffix("/webhooks/rest/webhook")
        _rest_ready(base, "你好")
        yield services, base
    finally:
        services.stop()
        shutil.rmtree(stores, ignore_errors=True)


def locust(bot: str, base: str, users: int, seconds: int, out: Path) -> dict:
    """One headless Locust run; per scenario (and ``all``): turns, turns/s, p50/p95/p99 ms, errors."""
    if not LOCUST.exists():
        raise SystemExit(f"{LOCUST} is missing: run `make bench` (it builds the bench venv)")
    subprocess.run([str(LOCUST), "-f", str(BENCH / "locustfile.py"), "--headless", "--only-summary",
                    "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", base,
                    "--csv", str(out), "--loglevel", "WARNING"],
                   env={**os.environ, "BENCH_BOT": bot}, check=False, capture_output=True)
    return read_stats(out)


def read_stats(out: Path) -> dict:
    """Locust's CSV files of one run, per scenario (and ``all``)."""
    rows = {}
    with open(f"{out}_stats.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            name = "all" if row["Name"] == "Aggregated" else row["Name"]
            rows[name] = {"turns": int(row["Request Count"]), "turns_per_s": round(float(row["Requests/s"]), 2),
                          "p50": float(row["50%"]), "p95": float(row["95%"]), "p99": float(row["99%"]),
                          "errors": int(row["Failure Count"])}
    with open(f"{out}_failures.csv", encoding="utf-8") as f:
        failures = [{"scenario": r["Name"], "error": r["Error"], "count": int(r["Occurrences"])} for r in csv.DictReader(f)]
    return {"scenarios": rows, "failures": failures}


def run(levels: tuple[int, ...] = LEVELS, seconds: int = SECONDS) -> dict:
    WORK.mkdir(parents=True, exist_ok=True)
    raw = WORK / "locust"
    raw.mkdir(exist_ok=True)
    result: dict = {"seconds_per_level": seconds, "levels": list(levels), "machine_cores": os.cpu_count(),
                    "load_average_at_start": os.getloadavg(), "assistant": {}, "vanilla": {}}
    with vanilla_server() as vanilla, assistant_server() as (_, assistant):
        bases = {"vanilla": vanilla, "assistant": assistant}
        for bot, base in bases.items():  # first turns of a server are slow (graph tracing, caches)
            locust(bot, base, 2, WARMUP_SECONDS, raw / f"{bot}-warmup")
        for users in levels:
            for bot, base in bases.items():
                print(f"  {bot}: {users} concurrent conversations for {seconds} s ...", flush=True)
                result[bot][str(users)] = locust(bot, base, users, seconds, raw / f"{bot}-{users}")
    result["load_average_at_end"] = os.getloadavg()
    result["targets"] = targets(result)
    return result


def _policy_p95(level: dict) -> float:
    return max(level["scenarios"][name]["p95"] for name in SCENARIOS["assistant"] if name.startswith("policy")
               and name in level["scenarios"])


def targets(result: dict) -> dict:
    """The issue's ratios, computed from this run only."""
    out = {}
    a, v = result["assistant"], result["vanilla"]
    if "20" in a:
        out["throughput_ratio_at_20"] = round(a["20"]["scenarios"]["all"]["turns_per_s"]
                                              / v["20"]["scenarios"]["all"]["turns_per_s"], 2)
        out["assistant_p95_ms_at_20"] = a["20"]["scenarios"]["all"]["p95"]
    if "1" in a:
        out["sequential_policy_p95_ratio"] = round(_policy_p95(a["1"]) / v["1"]["scenarios"]["all"]["p95"], 2)
    return out


def table(result: dict) -> str:
    lines = ["| bot | scenario | concurrent | turns | turns/s | p50 ms | p95 ms | p99 ms | errors |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for users in result["levels"]:
        for bot in ("vanilla", "assistant"):
            for name, s in result[bot][str(users)]["scenarios"].items():
                lines.append(f"| {bot} | {name} | {users} | {s['turns']} | {s['turns_per_s']} | {s['p50']:.0f} | "
                             f"{s['p95']:.0f} | {s['p99']:.0f} | {s['errors']} |")
    t = result["targets"]
    lines += ["", f"At 20 concurrent conversations the assistant serves {t.get('throughput_ratio_at_20')}x the "
              f"vanilla bot's turns/s (target >= 2) with p95 {t.get('assistant_p95_ms_at_20')} ms (target <= 600); "
              f"sequential cited policy turn p95 / vanilla static-reply p95 = {t.get('sequential_policy_p95_ratio')} "
              "(target <= 0.7)."]
    return "\n".join(lines) + "\n"


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullLocator

    fig, (lat, thr) = plt.subplots(1, 2, figsize=(11, 4.2))
    levels = result["levels"]
    for bot, colour in (("vanilla", "tab:grey"), ("assistant", "tab:blue")):
        rows = [result[bot][str(u)]["scenarios"]["all"] for u in levels]
        for pct, style in (("p50", ":"), ("p95", "-"), ("p99", "--")):
            lat.plot(levels, [r[pct] for r in rows], style, color=colour, marker="o", label=f"{bot} {pct}")
        thr.plot(levels, [r["turns_per_s"] for r in rows], "-", color=colour, marker="o", label=bot)
    lat.set(xscale="log", yscale="log", xlabel="concurrent conversations", ylabel="turn latency (ms)",
            title="Latency against concurrency")
    thr.set(xscale="log", xlabel="concurrent conversations", ylabel="turns/s", title="Throughput (one replica)")
    for ax in (lat, thr):
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticks(levels, [str(u) for u in levels])
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    start = result.get("load_average_at_start") or [0.0]
    fig.suptitle(f"assistant vs vanilla `rasa init`, same run, {result.get('machine_cores', '?')} cores, "
                 f"load average {start[0]:.1f} at start")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def save(result: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    (RESULTS / "load.md").write_text(table(result), encoding="utf-8")
    plot(result, RESULTS / "load.png")


def _py_spy(pid: int, seconds: int, out: Path) -> subprocess.Popen:
    return subprocess.Popen([str(PY_SPY), "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "200",
                             "--format", "raw", "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def profile(seconds: int = SECONDS) -> dict:
    """Where a turn's time goes: py-spy samples both servers while Locust holds 20 conversations."""
    WORK.mkdir(parents=True, exist_ok=True)
    raw = WORK / "locust"
    raw.mkdir(exist_ok=True)
    with assistant_server() as (services, base):
        locust("assistant", base, 2, WARMUP_SECONDS, raw / "profile-warmup")
        actions, rasa = services.processes[0], services.processes[1]
        spies = {name: (_py_spy(p.pid, seconds - 4, WORK / f"{name}.pyspy.txt"), WORK / f"{name}.pyspy.txt")
                 for name, p in (("rasa", rasa), ("actions", actions))}
        load = locust("assistant", base, PROFILE_USERS, seconds, raw / "profile")
        for spy, _ in spies.values():
            spy.wait(timeout=60)
    out = {"users": PROFILE_USERS, "seconds": seconds, "load": load["scenarios"]["all"]}
    for name, (_, path) in spies.items():
        out[name] = summarise(path.read_text(encoding="utf-8"), name)
    return out
