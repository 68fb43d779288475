"""The assistant over REST: answer accuracy on the evaluation set, turn latency, training cost.

* accuracy: every question of the evaluation sets (the tuning sets dev, dev2, dev3 and dev_zh, the
  held-out test, and the older ``bench/eval_questions.yml``; :data:`bench.search_eval.EVAL_SETS`) in a
  fresh conversation; right when the reply cites one of its labelled articles in the question's language
  (``（依据：第N条）`` / ``(Source: Article N)``, read in simplified characters: a traditional question gets
  a traditional reply), or, for out-of-scope questions, when it says the policy does not cover it. Counted per
  language, colloquial slice, code-mixed and out of scope (:meth:`bench.search_eval.Case.slices`), with
  in-scope questions wrongly refused, in-scope questions left without any cited answer (a form started
  instead, say), and *invented figures*: numbers in a reply that appear nowhere in the KB, the domain,
  the assistant's texts or the question (an amount, phone, address or duration made up);
* latency: p50/p95 of policy-answer turns, and of a plain Rasa server (a one-rule bot with a static
  response) measured in the same run on the same machine, reported as a ratio. Both servers get the
  same traffic shape: warm-up turns, then conversations of :data:`CONVERSATION_TURNS` turns each (Rasa
  re-reads and re-featurizes the whole conversation every turn, so one endless conversation would
  measure conversation length rather than the assistant);
* training (``python -m bench train``): wall time and peak memory (max RSS) of a cold ``rasa train`` on
  the project's data, with an empty Rasa training cache (the shared one would make it a cache hit).
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

from bench.load import assistant_server
from bench.search_eval import EVAL_SETS, Case, load_cases
from bot.model import ROOT, rasa_command, training_env
from bot.nlu.training_data import write_generated
from bot.runner import Services
from policy_kb.citation import cite
from policy_kb.lang import to_simplified
from policy_kb.messages import message

PLAIN_BOT = {
    "config.yml": "recipe: default.v1\nassistant_id: plain\nlanguage: en\npipeline:\n"
                  "  - name: KeywordIntentClassifier\npolicies:\n  - name: RulePolicy\n",
    "domain.yml": 'version: "3.1"\nintents: [greet]\nresponses:\n  utter_greet:\n  - text: "Hello!"\n',
    "data/nlu.yml": 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hello\n    - hi\n',
    "data/rules.yml": 'version: "3.1"\nrules:\n- rule: greet\n  steps:\n  - intent: greet\n  - action: utter_greet\n',
}
LATENCY_TURNS = 150
CONVERSATION_TURNS = 10


def _post(url: str, sender: str, text: str) -> tuple[list[dict], float]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as r:
        reply = json.loads(r.read())
    return reply, (time.perf_counter() - t0) * 1000


def _percentiles(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {"n": len(samples), "p50": round(statistics.median(samples), 1),
            "p95": round(samples[int(0.95 * (len(samples) - 1))], 1)}


#: Where every figure the assistant may say comes from.
KNOWN_TEXT_FILES = ("policy_kb/data/*.yml", "domain/*.yml", "actions/*.yml", "bot/web/texts.yml",
                    "bot/channels/*.yml")
_NUMBER = re.compile(r"\d+(?:[,.]\d+)*")


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


def known_numbers() -> set[str]:
    known: set[str] = set()
    for pattern in KNOWN_TEXT_FILES:
        for path in ROOT.glob(pattern):
            known |= _numbers(path.read_text(encoding="utf-8"))
    return known


def _says_not_covered(reply: str, lang: str) -> bool:
    """The search's "not found" or the domain's out-of-scope reply (its own words, not just "outside",
    which an article 4 or 11 answer says too)."""
    return message("not_found", lang) in reply or ("outside what I can answer" if lang == "en" else "不在我能回答") in reply


def _verdict(reply: str, case: Case) -> str:
    """right | refused (in scope, said not covered) | unanswered (in scope, no citation) | wrong.

    "Not covered" is read first: it names the service window's article (18) as where to ask, which is
    no answer to a question about article 18 itself.
    """
    reply = to_simplified(reply)
    if not case.articles:
        return "right" if _says_not_covered(reply, case.lang) else "wrong"
    if _says_not_covered(reply, case.lang):
        return "refused"
    if any(cite(a, case.lang) in reply for a in case.articles):
        return "right"
    return "wrong" if "依据：" in reply or "(Source:" in reply else "unanswered"


def accuracy(services: Services, name: str, known: set[str]) -> dict:
    """One evaluation set over REST: per slice n, right, refused, unanswered; invented figures; misses."""
    stats: dict[str, dict] = {}
    misses, invented, policy_ms = [], [], []
    for case in load_cases(name):
        reply, ms = _post(services.rest_url, f"bench-{uuid.uuid4().hex[:10]}", case.q)
        text = "\n".join(m.get("text") or "" for m in reply)
        verdict = _verdict(text, case)
        for slice_ in case.slices():
            s = stats.setdefault(slice_, {"n": 0, "right": 0, "refused": 0, "unanswered": 0})
            s["n"] += 1
            s["right"] += verdict == "right"
            s["refused"] += verdict == "refused"
            s["unanswered"] += verdict == "unanswered"
        if case.articles:
            policy_ms.append(ms)
        if made_up := _numbers(text) - known - _numbers(case.q):
            invented.append({"q": case.q, "numbers": sorted(made_up), "reply": text[:200]})
        if verdict != "right":
            misses.append({"q": case.q, "want": case.articles, "verdict": verdict, "reply": text[:160]})
    for s in stats.values():
        s["accuracy"] = round(s["right"] / s["n"], 3)
    return {"slices": stats, "invented": invented, "misses": misses, "first_turn_ms": policy_ms}


def accuracy_and_latency(services: Services) -> dict:
    known = known_numbers()
    sets = {name: accuracy(services, name, known) for name in EVAL_SETS}
    policy_ms = [ms for result in sets.values() for ms in result.pop("first_turn_ms")]
    questions = [c.q for c in load_cases("dev") if c.articles]
    turns = _timed_conversations(services.rest_url, lambda i: questions[i % len(questions)])
    return {"sets": sets, "latency_ms": _percentiles(turns), "latency_first_turn_ms": _percentiles(policy_ms)}


def _timed_conversations(url: str, message_at: Callable[[int], str]) -> list[float]:
    """Turn times of :data:`LATENCY_TURNS` messages in conversations of :data:`CONVERSATION_TURNS`."""
    sender = ""
    for i in range(10):
        _post(url, f"warm-{uuid.uuid4().hex[:8]}", message_at(i))
    times = []
    for i in range(LATENCY_TURNS):
        if i % CONVERSATION_TURNS == 0:
            sender = f"bench-{uuid.uuid4().hex[:10]}"
        times.append(_post(url, sender, message_at(i))[1])
    return times


def plain_rasa_latency() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in PLAIN_BOT.items():
            (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / name).write_text(content)
        subprocess.run(rasa_command("train", "--out", "models"), cwd=tmp, check=True, capture_output=True)
        model = next((Path(tmp) / "models").glob("*.tar.gz"))
        proc = subprocess.Popen(rasa_command("run", "--model", str(model), "--port", "5699", "--interface", "127.0.0.1",
                                            "--enable-api"), cwd=tmp,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            Services()._wait("http://127.0.0.1:5699/status", 300, need_model=True)  # noqa: SLF001
            return _percentiles(_timed_conversations("http://127.0.0.1:5699/webhooks/rest/webhook", lambda _: "hello"))
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)


def training_cost() -> dict:
    write_generated()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run(rasa_command("train", "--config", "config.yml", "--domain", "domain", "--data", "data",
                                    "--out", tmp), cwd=ROOT, check=True, capture_output=True,
                       env=training_env(Path(tmp) / "rasa-cache"))
        seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(peak_mb)}


def run() -> dict:
    with assistant_server() as (services, _):
        assistant = accuracy_and_latency(services)
    plain = plain_rasa_latency()
    assistant["latency_ratio_p50"] = round(assistant["latency_ms"]["p50"] / plain["p50"], 2)
    assistant["latency_ratio_p95"] = round(assistant["latency_ms"]["p95"] / plain["p95"], 2)
    return {"assistant": assistant, "plain_rasa_latency_ms": plain}


def table(sets: dict) -> str:
    """A Markdown table: one row per evaluation set, cited-correct per slice, refusals and invented figures."""
    slices = ("zh", "en", "colloquial", "mixed", "in_scope", "out_of_scope", "all")
    lines = ["| set | " + " | ".join(slices) + " | in scope refused | in scope unanswered | invented figures |",
             "|" + "---|" * (len(slices) + 4)]
    for name, result in sets.items():
        st = result["slices"]
        cells = [f"{st[s]['accuracy']:.3f} (n={st[s]['n']})" if s in st else "-" for s in slices]
        inside = st.get("in_scope", {"n": 0, "refused": 0, "unanswered": 0})
        rates = [f"{inside[k] / inside['n']:.3f}" if inside["n"] else "-" for k in ("refused", "unanswered")]
        lines.append(f"| {name} | " + " | ".join(cells + rates) + f" | {len(result['invented'])} |")
    return "\n".join(lines) + "\n"
