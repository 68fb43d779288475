"""``make bench``: run every benchmark, print a summary, write ``bench/results/*.json``."""

from __future__ import annotations

import json
from pathlib import Path

from bench import search_eval

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    search = search_eval.run()
    (RESULTS / "search.json").write_text(json.dumps(search, ensure_ascii=False, indent=1), encoding="utf-8")
    print("Search (policy_kb.search) on bench/eval_questions.yml")
    for lang, s in search["accuracy"]["per_lang"].items():
        print(f"  {lang}: n={s['n']}  top-1={s['top1_acc']:.3f}  top-3={s['top3_acc']:.3f}  "
              f"out-of-scope rejected {s['oos_ok']}/{s['oos_n']}")
    lat = search["latency_ms"]
    print(f"  warm search latency over {lat['n']} queries: p50={lat['p50']} ms  p95={lat['p95']} ms")


if __name__ == "__main__":
    main()
