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
from bot.model import ROOT
from tests.scale.stack import ScaleStack, Turn, in_order_without_interleaving, scale_stack, talk, user_texts

RESULTS = ROOT / "bench" / "results"
CONVERSATIONS, TURNS = 200, 10
LENGTHS = (10, 100, 1000)
SCALING_USERS = 20
SCALING_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "40"))
MESSAGES = ["你好", "What is the green card good for?", "外籍高层次人才可以享受哪些住房补贴？", "hello",
            "Is there a housing subsidy for foreign experts?", "子女入学有什么优惠政策", "thanks",
            "工作许可怎么办理", "How much is the Friendship Award?", "谢谢"]


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


def overbooked_slots() -> int:
    """Slots holding more active bookings than their window's capacity, from the appointments database."""
    from appointments.catalogue import get_catalogue

    capacity = {w.id: w.capacity for w in get_catalogue().windows.values()}
    engine = create_engine(os.environ["APPOINTMENTS_DATABASE_URL"], future=True)
    try:
        if not inspect(engine).has_table("appointments"):  # the store makes its table on the first booking
            return 0
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT window_id, slot_start, count(*) FROM appointments "
                                     "WHERE status = 'booked' GROUP BY window_id, slot_start")).all()
    finally:
        engine.dispose()
    return sum(1 for window, _, n in rows if n > capacity.get(window, 0))


def load(stack: ScaleStack) -> dict:
    senders = [f"web:{uuid.uuid4().hex}" for _ in range(CONVERSATIONS)]
    start = time.perf_counter()
    with ThreadPoolExecutor(CONVERSATIONS) as pool:
        results = list(pool.map(lambda s: _timed_talk(stack, s, MESSAGES[:TURNS]), senders))
    wall = time.perf_counter() - start
    times = [t for _, ts in results for t in ts]
    errors = sum(1 for turns, _ in results for t in turns if t.status != 200 or not t.texts)
    exact = ordered = 0
    for s, (turns, _) in zip(senders, results, strict=True):
        logged, sent = user_texts(stack, s), [t.message for t in turns]
        exact += logged == sent and in_order_without_interleaving(stack, s)
        # a turn the client gave up on (a timeout) may still have run: the tracker then holds it, but
        # never twice and never out of the order it was sent in
        rest = iter(sent)
        ordered += len(logged) == len(set(logged)) and all(m in rest for m in logged)
    return {"conversations": CONVERSATIONS, "turns_per_conversation": TURNS, "turns": len(times), "errors": errors,
            "turns_per_s": round(len(times) / wall, 2), "p50_ms": _pct(times, 50), "p95_ms": _pct(times, 95),
            "trackers_exact_and_in_order": f"{exact}/{CONVERSATIONS}",
            "trackers_without_duplicates_in_send_order": f"{ordered}/{CONVERSATIONS}", "overbooked_slots": overbooked_slots()}


def length(stack: ScaleStack) -> dict:
    sender, out, i = f"web:{uuid.uuid4().hex}", {}, 0
    for target in LENGTHS:
        while len(stack.tracker(sender)["events"]) < target:
            talk(stack, sender, [MESSAGES[i % len(MESSAGES)]])
            i += 1
        events = len(stack.tracker(sender)["events"])
        _, times = _timed_talk(stack, sender, MESSAGES)
        out[str(target)] = {"events": events, "p50_ms": _pct(times, 50), "p95_ms": _pct(times, 95)}
    return out


def scaling(tmp: Path) -> dict:
    out: dict = {}
    for replicas, cpus in ((1, "0"), (2, "0,1")):
        with scale_stack(tmp / f"r{replicas}", rasa_replicas=replicas, action_replicas=replicas, model=_model(),
                         RASA_CPUS=cpus) as stack:
            base = stack.services.web_rasa_url
            locust("assistant", base, 2, WARMUP_SECONDS, tmp / f"warm{replicas}")
            stats = locust("assistant", base, SCALING_USERS, SCALING_SECONDS, tmp / f"scale{replicas}")["scenarios"]
            out[str(replicas)] = {"cpus": cpus, **{k: stats["all"][k] for k in ("turns_per_s", "p50", "p95", "errors")}}
    out["ratio"] = round(out["2"]["turns_per_s"] / out["1"]["turns_per_s"], 2) if out["1"]["turns_per_s"] else None
    return out


def table(result: dict) -> str:
    lines = ["# Scale profile (bench/scale.py)", "", f"load average at start / end: {result['load_average']}", ""]
    if "load" in result:
        r = result["load"]
        lines += ["## 200 conversations x 10 turns, 2 Rasa replicas, 2 action servers", "",
                  "| turns | errors | turns/s | p50 ms | p95 ms | trackers exact, in order | overbooked slots |",
                  "|---:|---:|---:|---:|---:|---:|---:|",
                  f"| {r['turns']} | {r['errors']} | {r['turns_per_s']} | {r['p50_ms']} | {r['p95_ms']} | "
                  f"{r['trackers_exact_and_in_order']} | {r['overbooked_slots']} |", ""]
    if "length" in result:
        lines += ["## Turn latency against conversation length", "", "| events | p50 ms | p95 ms |", "|---:|---:|---:|"]
        lines += [f"| {v['events']} | {v['p50_ms']} | {v['p95_ms']} |" for v in result["length"].values()] + [""]
    if "scaling" in result:
        s = result["scaling"]
        lines += [f"## Scaling, Locust {SCALING_USERS} conversations, {SCALING_SECONDS} s each, taskset-pinned", "",
                  "| replicas | CPUs | turns/s | p50 ms | p95 ms | errors |", "|---:|---|---:|---:|---:|---:|"]
        lines += [f"| {k} | {s[k]['cpus']} | {s[k]['turns_per_s']} | {s[k]['p50']} | {s[k]['p95']} | {s[k]['errors']} |"
                  for k in ("1", "2")]
        lines += ["", f"ratio 2/1: {s['ratio']}x (target 1.7x)", ""]
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
