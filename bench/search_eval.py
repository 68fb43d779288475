"""Search accuracy and latency on ``bench/eval_questions.yml``.

Top-1 / top-3: the question counts as answered when the first (any of the first three) result is one
of its labelled articles. Out-of-scope questions (no label) count as right when the search finds
nothing. Latency: a warm search (index built, each query run once to warm caches, then timed).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from policy_kb.citation import parse_ref
from policy_kb.search import Searcher, default_searcher

EVAL_FILE = Path(__file__).resolve().parent / "eval_questions.yml"


@dataclass
class Case:
    q: str
    lang: str
    articles: list


def load_cases() -> list[Case]:
    doc = yaml.safe_load(EVAL_FILE.read_text(encoding="utf-8"))
    return [Case(c["q"], c["lang"], [parse_ref(a) for a in c["articles"]]) for c in doc["questions"]]


def evaluate(searcher: Searcher, cases: list[Case]) -> dict:
    """Accuracy per language, plus the misses for inspection."""
    stats: dict[str, dict] = {}
    misses = []
    for case in cases:
        resp = searcher.search(case.q, top=3)
        got = [r.article for r in resp.results]
        s = stats.setdefault(case.lang, {"n": 0, "top1": 0, "top3": 0, "lang_ok": 0, "oos_n": 0, "oos_ok": 0})
        s["n"] += 1
        s["lang_ok"] += resp.lang == case.lang
        if not case.articles:
            s["oos_n"] += 1
            ok1 = ok3 = not got
            s["oos_ok"] += ok1
        else:
            ok1 = bool(got) and got[0] in case.articles
            ok3 = any(a in case.articles for a in got)
        s["top1"] += ok1
        s["top3"] += ok3
        if not ok1:
            misses.append({"q": case.q, "want": case.articles, "got": got, "scores": [r.score for r in resp.results]})
    for s in stats.values():
        s["top1_acc"] = round(s["top1"] / s["n"], 3)
        s["top3_acc"] = round(s["top3"] / s["n"], 3)
    return {"per_lang": stats, "misses": misses}


def latency_ms(searcher: Searcher, cases: list[Case], rounds: int = 5) -> dict:
    for case in cases:
        searcher.search(case.q)
    samples = []
    for _ in range(rounds):
        for case in cases:
            t0 = time.perf_counter()
            searcher.search(case.q)
            samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {
        "n": len(samples),
        "p50": round(statistics.median(samples), 2),
        "p95": round(samples[int(0.95 * (len(samples) - 1))], 2),
    }


def run() -> dict:
    searcher = default_searcher()
    cases = load_cases()
    return {"accuracy": evaluate(searcher, cases), "latency_ms": latency_ms(searcher, cases)}
