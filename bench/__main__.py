"""``make bench``: run the benchmarks, print a summary, write ``bench/results/*.json``.

``python -m bench [search] [nlu] [rest] [train] [load] [profile]`` runs a subset; no argument runs all but
``profile`` (which samples the servers under load with py-spy and is run on its own).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _save(name: str, result: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


def search() -> None:
    from bench import search_eval

    result = search_eval.run()
    _save("search", result)
    for name in search_eval.EVAL_SETS:
        print(f"Search (policy_kb.search) top-1 on {search_eval.EVAL_SETS[name].relative_to(RESULTS.parent.parent)}")
        print(search_eval.table(result, name))
    lat = result["latency_ms"]
    print(f"  warm search latency over {lat['n']} queries: p50={lat['p50']} ms  p95={lat['p95']} ms")


def nlu() -> None:
    from bench import nlu_cv

    config = Path(os.environ.get("BENCH_CONFIG") or nlu_cv.ROOT / "config.yml")
    trained = os.environ.get("BENCH_TRAINED_FOLDS")
    data = Path(os.environ.get("BENCH_NLU_DATA") or nlu_cv.ROOT / "data" / "nlu")
    result = nlu_cv.run(config=config, trained_folds=int(trained) if trained else None, data_dir=data)
    _save(os.environ.get("BENCH_NAME", "nlu"), result)
    print(f"NLU {result['folds']}-fold cross-validation (intent), {result['trained_folds']} fold(s) trained")
    for lang, s in result["per_lang"].items():
        print(f"  {lang}: n={s['n']}  F1 weighted={s['f1_weighted']:.3f}  macro={s['f1_macro']:.3f}  "
              f"accuracy={s['accuracy']:.3f}  fallback would fire on {s['fallback_rate']:.1%}")


def rest() -> None:
    from bench import rest_eval

    result = rest_eval.run()
    _save("rest", result)
    a = result["assistant"]
    print("Assistant over REST (cited correctly, in the question's language; out of scope said so)")
    print(rest_eval.table(a["sets"]))
    print(f"  policy-answer turn latency: p50={a['latency_ms']['p50']} ms  p95={a['latency_ms']['p95']} ms; "
          f"plain Rasa static reply: p50={result['plain_rasa_latency_ms']['p50']} ms  "
          f"p95={result['plain_rasa_latency_ms']['p95']} ms; ratio p50={a['latency_ratio_p50']}  "
          f"p95={a['latency_ratio_p95']}")


def train() -> None:
    from bench import rest_eval

    result = rest_eval.training_cost()
    _save("train", result)
    print(f"Cold training (empty Rasa cache): {result['seconds']} s, peak memory {result['peak_rss_mb']} MB")


def load() -> None:
    from bench import load as load_bench

    print("Locust over REST: the assistant and a vanilla `rasa init` bot, same run")
    result = load_bench.run()
    load_bench.save(result)
    print(load_bench.table(result), end="")
    print(f"  (bench/results/load.md, load.json, load.png; load average {result['load_average_at_start']} at start)")


def profile() -> None:
    from bench import load as load_bench

    result = load_bench.profile()
    _save("profile", result)
    print(f"py-spy under {result['users']} concurrent conversations: {result['load']['turns_per_s']} turns/s")
    for process in ("rasa", "actions"):
        print(f"  {process} server, % of busy samples (inclusive):")
        for name, pct in result[process]["categories_pct"].items():
            print(f"    {pct:5.1f}  {name}")


def main() -> None:
    # a SIGTERM (timeout, CI) unwinds like Ctrl-C, so the servers the benches started are stopped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    chosen = sys.argv[1:] or ["search", "nlu", "rest", "train", "load"]
    commands = {"search": search, "nlu": nlu, "rest": rest, "train": train, "load": load, "profile": profile}
    for name in chosen:
        commands[name]()


if __name__ == "__main__":
    main()
