"""``python -m bench.scale``: the scale profile under load, tracker length, and 1 against 2 replicas.

Three measurements on the real processes (``bot.runner.Services(profile="scale")``: nginx, Rasa
replicas, action servers, PostgreSQL trackers, Redis locks; started by ``tests/scale/stack.py`` with its
own Redis and database names, as the tests start it), written to ``bench/results/scale.json`` and
``scale.md``:

- **load**: 200 concurrent conversations x 10 turns across 2 Rasa replicas and 2 action servers;
  errors, turns/s, p50/p95, and afterwards every tracker checked (exactly its own user turns, in order,
  each answered before the next) and no slot holding more bookings than its capacity;
- **tracker length**: turn latency at conversation lengths of about 10, 100 and 1,000 tracker events
  (one conversation grown turn by turn; Rasa reloads the current session's events on every turn);
- **scaling**: Locust's 20-conversation load (``bench/locustfile.py``) against 1 replica pinned to CPU 0
  and against 2 replicas pinned to CPUs 0 and 1, in one run; turns/s, p95 and the ratio.

``BENCH_SCALE`` picks some of ``load,length,scaling`` (default all); ``BENCH_MODEL`` serves a given
trained model instead of training one for the current inputs. The machine is shared: the load average
at start and end is recorded with the numbers.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from bench.load import WARMUP_SECONDS, locust
from bench.scenarios import BOOKING_EN, PICK_SLOT, SLOT_PAYLOAD
from bot.channels.safe_rest import BUSY, NOT_PROCESSED, UNANSWERED
from bot.model import ROOT
from bot.runner import TURN_DEFAULTS
from tests.scale.stack import ScaleStack, Turn, in_order_without_interleaving, scale_stack, talk, user_texts

RESULTS = ROOT / "bench" / "results"
CONVERSATIONS, TURNS = 200, 10
#: every 4th conversation books a slot (all at the same window and time, so they contend for it): the
#: English booking of bench/scenarios.py, then policy questions up to 10 turns
BOOKING_EVERY = 4
BOOKING = [m for m, _ in BOOKING_EN] + ["你好", "子女入学有什么优惠政策", "谢谢"]
#: a person told "not processed, please send it again" does so, after a moment, at most twice
RESENDS, RESEND_PAUSE_S = 2, 2.0
LENGTHS = (10, 100, 1000)
SCALING_USERS = 20
SCALING_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "40"))
MESSAGES = ["你好", "What is the green card good for?", "外籍高层次人才可以享受哪些住房补贴？", "hello",
            "Is there a housing subsidy for foreign experts?", "子女入学有什么优惠政策", "thanks",
            "工作许可怎么办理", "How much is the Friendship Award?", "谢谢"]


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(stack: ScaleStack | None = None) -> dict[str, float]:
    """CPU seconds used so far, by role: each stack service (its process group), PostgreSQL, Redis, the
    load generators (this process, Locust), everything else on the machine, and the machine's busy total."""
    groups = {p.pid: name.split("-")[0] for name, p in stack.services.named.items()} if stack else {}
    redis_pid = stack.redis.process.pid if stack and stack.redis.process else None
    out: dict[str, float] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            raw = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        comm, fields = raw[raw.index("(") + 1:raw.rindex(")")], raw[raw.rindex(")") + 2:].split()
        # utime, stime and the waited-for children's (a finished Locust, PostgreSQL's exited backends)
        pid, pgid, used = int(proc.name), int(fields[2]), sum(map(int, fields[11:15])) / CLK_TCK
        if pgid in groups:
            role = groups[pgid]
        elif pid == redis_pid:
            role = "redis"
        elif comm.startswith("postgres"):
            role = "postgres"
        elif pid == os.getpid() or b"locust" in cmdline:
            role = "load generator"
        else:
            role = "other"
        out[role] = out.get(role, 0.0) + used
    with open("/proc/stat", encoding="ascii") as f:
        user, nice, system, idle, iowait, irq, softirq, steal = map(int, f.readline().split()[1:9])
    out["machine busy"] = (user + nice + system + irq + softirq + steal) / CLK_TCK
    return out


def cpu_used(before: dict[str, float], after: dict[str, float], turns: int) -> dict:
    """CPU seconds by role between two :func:`cpu_seconds` snapshots, and ms per turn."""
    used = {k: round(after.get(k, 0.0) - before.get(k, 0.0), 1) for k in sorted(set(before) | set(after))}
    return {"cpu_s": used, "cpu_ms_per_turn": {k: round(v * 1000 / turns, 1) for k, v in used.items()} if turns else {}}


def _model() -> Path | None:
    return Path(os.environ["BENCH_MODEL"]) if os.environ.get("BENCH_MODEL") else None


def _pct(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100)[q - 1], 1) if len(values) > 1 else round(values[0], 1)


def _timed_talk(stack: ScaleStack, sender: str, messages: list[str]) -> tuple[list[Turn], list[float]]:
    turns, times = [], []
    for m in messages:
        start = time.perf_counter()
        turns += talk(stack, sender, [m])
        times.append((time.perf_counter() - start) * 1000)
    return turns, times


def bookings() -> dict:
    """Bookings made, slots booked and slots holding more than their window's capacity (the database's)."""
    from appointments.catalogue import get_catalogue

    capacity = {w.id: w.capacity for w in get_catalogue().windows.values()}
    engine = create_engine(os.environ["APPOINTMENTS_DATABASE_URL"], future=True)
    try:
        if not inspect(engine).has_table("appointments"):  # the store makes its table on the first booking
            return {"bookings": 0, "slots_booked": 0, "overbooked_slots": 0}
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT window_id, slot_start, count(*) FROM appointments "
                                     "WHERE status = 'booked' GROUP BY window_id, slot_start")).all()
    finally:
        engine.dispose()
    return {"bookings": sum(n for *_, n in rows), "slots_booked": len(rows),
            "overbooked_slots": sum(1 for window, _, n in rows if n > capacity.get(window, 0))}


def _offered_slot(turns: list[Turn]) -> str | None:
    replies = turns[-1].replies if turns else []
    return next((b["payload"] for r in replies for b in r.get("buttons") or [] if SLOT_PAYLOAD in b.get("payload", "")),
                None)


def _conversation(stack: ScaleStack, sender: str, messages: list[str]) -> tuple[list[Turn], list[float]]:
    """One person's conversation: each message waits for its answer; one answered "not processed, send it
    again" is sent again after ``RESEND_PAUSE_S``, at most ``RESENDS`` times (every try is counted).
    ``PICK_SLOT`` clicks the first time slot the last reply offered (skipped when none was offered)."""
    turns: list[Turn] = []
    times: list[float] = []
    for m in messages:
        if m == PICK_SLOT:
            m = _offered_slot(turns)
            if m is None:
                continue
        for attempt in range(RESENDS + 1):
            start = time.perf_counter()
            turn = talk(stack, sender, [m])[0]
            times.append((time.perf_counter() - start) * 1000)
            turns.append(turn)
            if not turn.not_processed:
                break
            if attempt < RESENDS:
                time.sleep(RESEND_PAUSE_S)
    return turns, times


def load(stack: ScaleStack) -> dict:
    senders = [f"web:{uuid.uuid4().hex}" for _ in range(CONVERSATIONS)]
    scripts = {s: BOOKING if i % BOOKING_EVERY == 0 else MESSAGES[:TURNS] for i, s in enumerate(senders)}
    before = cpu_seconds(stack)
    start = time.perf_counter()
    with ThreadPoolExecutor(CONVERSATIONS) as pool:
        results = list(pool.map(lambda s: _conversation(stack, s, scripts[s]), senders))
    wall = time.perf_counter() - start
    cpu = cpu_used(before, cpu_seconds(stack), sum(len(t) for t, _ in results))
    tries = [t for turns, _ in results for t in turns]
    times = [ms for _, ts in results for ms in ts]
    answered_ms = [ms for turns, ts in results for t, ms in zip(turns, ts, strict=True) if t.answered]
    exact = 0
    for s, (turns, _) in zip(senders, results, strict=True):
        # exactly the turns that were processed, each once, in the order sent, each answered before the next
        exact += user_texts(stack, s) == [t.message for t in turns if t.processed] and in_order_without_interleaving(stack, s)
    never = sum(1 for turns, _ in results for m in dict.fromkeys(t.message for t in turns)
                if not any(t.processed and t.message == m for t in turns))
    count = {
        "answered": sum(t.answered for t in tries),
        "busy": sum(BUSY in t.outcomes for t in tries),
        "not_processed": sum(NOT_PROCESSED in t.outcomes for t in tries),
        "unanswered_but_stored": sum(UNANSWERED in t.outcomes for t in tries),
        "http_error_or_timeout": sum(t.status != 200 for t in tries),
    }
    return {"conversations": CONVERSATIONS, "turns_per_conversation": TURNS, "requests": len(tries),
            "wall_s": round(wall, 1), **count,
            "errors": len(tries) - count["answered"], "messages_never_processed": never,
            "answered_per_s": round(count["answered"] / wall, 2), "p50_ms": _pct(times, 50), "p95_ms": _pct(times, 95),
            "answered_p95_ms": _pct(answered_ms, 95) if answered_ms else None, "max_ms": round(max(times), 1),
            "trackers_exact_and_in_order": f"{exact}/{CONVERSATIONS}",
            "booking_conversations": sum(1 for v in scripts.values() if v is BOOKING), **bookings(),
            "turn_queue": {k: os.environ.get(k) or v for k, v in TURN_DEFAULTS.items()}, **cpu}


def length(stack: ScaleStack) -> dict:
    sender, out, i = f"web:{uuid.uuid4().hex}", {}, 0
    for target in LENGTHS:
        while len(stack.tracker(sender)["events"]) < target:
            talk(stack, sender, [MESSAGES[i % len(MESSAGES)]])
            i += 1
        tracker = stack.tracker(sender)
        _, times = _timed_talk(stack, sender, MESSAGES)
        # what every action call carries: Rasa sends the action server the whole tracker, as this JSON
        size_kb = round(len(json.dumps(tracker, ensure_ascii=False).encode()) / 1024, 1)
        out[str(target)] = {"events": len(tracker["events"]), "tracker_json_kb": size_kb,
                            "p50_ms": _pct(times, 50), "p95_ms": _pct(times, 95)}
    return out


def scaling(tmp: Path) -> dict:
    """1 replica on CPU 0, then 2 on CPUs 0 and 1, same Locust load; the CPU each role used per turn.

    The bound: with ``r`` CPU ms per turn in Rasa and ``o`` in everything else (action servers, nginx,
    PostgreSQL, Redis, Locust), one pinned replica can use the other core for ``o``, two replicas share both
    cores with it, so on 2 cores 2/1 <= 2r / (r + o) (``bound``), whatever the code does.
    """
    out: dict = {}
    for replicas, cpus in ((1, "0"), (2, "0,1")):
        with scale_stack(tmp / f"r{replicas}", rasa_replicas=replicas, action_replicas=replicas, model=_model(),
                         RASA_CPUS=cpus) as stack:
            base = stack.services.web_rasa_url
            locust("assistant", base, 2, WARMUP_SECONDS, tmp / f"warm{replicas}")
            before, load_before = cpu_seconds(stack), os.getloadavg()[0]
            stats = locust("assistant", base, SCALING_USERS, SCALING_SECONDS, tmp / f"scale{replicas}")["scenarios"]
            cpu = cpu_used(before, cpu_seconds(stack), stats["all"]["turns"])
            out[str(replicas)] = {"cpus": cpus, **{k: stats["all"][k] for k in ("turns", "turns_per_s", "p50", "p95",
                                                                                "errors")},
                                  "load_average_1min_before": round(load_before, 2), **cpu}
    out["ratio"] = round(out["2"]["turns_per_s"] / out["1"]["turns_per_s"], 2) if out["1"]["turns_per_s"] else None
    per_turn = out["1"]["cpu_ms_per_turn"]
    rasa = per_turn.get("rasa", 0.0)
    stack_roles = ("rasa", "actions", "nginx", "web", "postgres", "redis", "load generator")
    rest = sum(per_turn.get(k, 0.0) for k in stack_roles) - rasa
    out["bound"] = round(2 * rasa / (rasa + rest), 2) if rasa + rest else None
    return out


def table(result: dict) -> str:
    lines = ["# Scale profile (bench/scale.py)", "", f"load average at start / end: {result['load_average']}", ""]
    if "load" in result:
        r = result["load"]
        lines += [f"## {r['conversations']} conversations x {r['turns_per_conversation']} turns, 2 Rasa replicas, "
                  "2 action servers", "", f"turn queue per replica: {r.get('turn_queue')}", "",
                  "| requests | answered | busy | not processed | stored, unanswered | HTTP error/timeout | "
                  "never processed | answered/s | p50 ms | p95 ms | max ms | trackers exact, in order | overbooked |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
                  f"| {r['requests']} | {r['answered']} | {r['busy']} | {r['not_processed']} | "
                  f"{r['unanswered_but_stored']} | {r['http_error_or_timeout']} | {r['messages_never_processed']} | "
                  f"{r['answered_per_s']} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | "
                  f"{r['trackers_exact_and_in_order']} | {r['overbooked_slots']} |", "",
                  f"{r.get('booking_conversations')} conversations booked the same window and time: "
                  f"{r.get('bookings')} bookings in {r.get('slots_booked')} slots, {r['overbooked_slots']} over capacity",
                  "",
                  f"CPU ms per request by role: {r.get('cpu_ms_per_turn')}", ""]
    if "length" in result:
        lines += ["## Turn latency against conversation length", "", "| events | tracker JSON KiB | p50 ms | p95 ms |",
                  "|---:|---:|---:|---:|"]
        lines += [f"| {v['events']} | {v.get('tracker_json_kb')} | {v['p50_ms']} | {v['p95_ms']} |"
                  for v in result["length"].values()] + [""]
    if "scaling" in result:
        s = result["scaling"]
        lines += [f"## Scaling, Locust {SCALING_USERS} conversations, {SCALING_SECONDS} s each, taskset-pinned", "",
                  "| replicas | CPUs | turns | turns/s | p50 ms | p95 ms | errors | load 1 min before | "
                  "CPU ms/turn: Rasa | actions | nginx | PostgreSQL | Locust | other processes |",
                  "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for k in ("1", "2"):
            c = s[k].get("cpu_ms_per_turn", {})
            lines.append(f"| {k} | {s[k]['cpus']} | {s[k].get('turns')} | {s[k]['turns_per_s']} | {s[k]['p50']} | "
                         f"{s[k]['p95']} | {s[k]['errors']} | {s[k].get('load_average_1min_before')} | "
                         + " | ".join(str(c.get(role)) for role in ("rasa", "actions", "nginx", "postgres",
                                                                     "load generator", "other")) + " |")
        lines += ["", f"ratio 2/1: {s['ratio']}x (target 1.7x); what 2 cores allow at this CPU split: "
                  f"{s.get('bound')}x (2r / (r + o))", ""]
    return "\n".join(lines)


def main() -> None:
    chosen = set((os.environ.get("BENCH_SCALE") or "load,length,scaling").split(","))
    result: dict = {"machine_cores": os.cpu_count()}
    start_load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        if chosen & {"load", "length"}:
            with scale_stack(Path(tmp) / "load", model=_model()) as stack:
                if "load" in chosen:
                    print("scale: 200 conversations x 10 turns ...", flush=True)
                    result["load"] = load(stack)
                if "length" in chosen:
                    print("scale: latency against conversation length ...", flush=True)
                    result["length"] = length(stack)
        if "scaling" in chosen:
            print("scale: 1 against 2 pinned replicas ...", flush=True)
            result["scaling"] = scaling(Path(tmp))
    result["load_average"] = [start_load, os.getloadavg()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    previous = RESULTS / "scale.json"
    if previous.exists():  # a run of some parts keeps the others' last numbers
        result = {**json.loads(previous.read_text(encoding="utf-8")), **result}
    (RESULTS / "scale.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (RESULTS / "scale.md").write_text(table(result), encoding="utf-8")
    print(table(result))


if __name__ == "__main__":
    sys.exit(main())
