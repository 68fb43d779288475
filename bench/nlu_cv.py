"""NLU 5-fold cross-validation with the project's own pipeline, intent F1 per language.

Rasa's own ``rasa test nlu --cross-validation`` reports one F1 over both languages; the target is
per language, so the folds are trained here (Rasa's fold generator and trainer) and every held-out
example is scored in the language it is written in (``policy_kb.lang.detect``).

As in ``rasa test nlu``, a FallbackClassifier prediction is undone before scoring (the classifier's
own intent is what F1 measures); how often the fallback would have fired is reported beside it,
because outside a form it sends the message to the KB search (``action_answer_policy``) rather than
to the classifier's intent. The classifier's top two confidences are kept, so ``threshold_sweep`` gives,
for FallbackClassifier settings (keyed "threshold/ambiguity threshold") on the same predictions, the
fallback rate, the rate on messages that are not policy questions (greetings, bookings, form answers:
sent to the KB search by mistake) and the share of the classifier's errors it would catch.
``route_accuracy`` scores what the dialogue does with the intent outside a form: ``ask_policy``,
``out_of_scope`` and the fallback all reach the KB answer, so confusing them with each other costs nothing.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from rasa.core.agent import Agent
from rasa.model_training import train_nlu
from rasa.nlu.classifiers.fallback_classifier import is_fallback_classifier_prediction, undo_fallback_prediction
from rasa.nlu.test import generate_folds
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.metrics import f1_score

from bot.model import ROOT
from bot.nlu.training_data import write_generated
from policy_kb.lang import detect

FOLDS = 5
SEED = 7
#: Intents whose rule (outside a form) is ``action_answer_policy``, like the fallback's (data/rules/).
KB_ROUTE = frozenset({"ask_policy", "out_of_scope", "nlu_fallback"})
#: FallbackClassifier thresholds and ambiguity thresholds scored by ``threshold_sweep``.
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
AMBIGUITIES = (0.0, 0.02, 0.05)

Prediction = tuple[str, str, str, bool, float, float]


async def _predict(model: str, examples: list[tuple[str, str]]) -> list[Prediction]:
    """(text, true intent, the classifier's intent, whether the fallback fired, top and second confidence)."""
    agent = Agent.load(model)
    out = []
    for text, intent in examples:
        parsed = await agent.parse_message(text)
        fell_back = is_fallback_classifier_prediction(parsed)
        if fell_back:
            parsed = undo_fallback_prediction(parsed)
        ranking = [r["confidence"] for r in parsed.get("intent_ranking") or [parsed["intent"]]]
        out.append((text, intent, parsed["intent"]["name"], fell_back, ranking[0],
                    ranking[1] if len(ranking) > 1 else 0.0))
    return out


def _route(intent: str, fell_back: bool) -> str:
    """Where a message goes outside a form: the KB answer, or its intent's own rule."""
    return "kb" if fell_back or intent in KB_ROUTE else intent


def threshold_sweep(rows: list[Prediction]) -> dict:
    """Per threshold: how often the fallback fires, on non-policy messages and on the classifier's errors, and
    the route accuracy it would give."""
    sweep = {}
    for t, ambiguity in ((t, a) for a in AMBIGUITIES for t in THRESHOLDS):
        fires = [c1 < t or c1 - c2 < ambiguity for _, _, _, _, c1, c2 in rows]
        other = [f for (_, true, *_), f in zip(rows, fires, strict=True) if true not in KB_ROUTE]
        wrong = [f for (_, true, pred, *_), f in zip(rows, fires, strict=True) if true != pred]
        routed = [_route(true, False) == _route(pred, f) for (_, true, pred, *_), f in zip(rows, fires, strict=True)]
        sweep[f"{t}/{ambiguity}"] = {"fallback_rate": round(sum(fires) / len(rows), 3),
                                     "route_accuracy": round(sum(routed) / len(rows), 3),
                         "fallback_on_non_policy": round(sum(other) / max(len(other), 1), 3),
                         "errors_caught": round(sum(wrong) / max(len(wrong), 1), 3)}
    return sweep


def run(folds: int = FOLDS, config: Path = ROOT / "config.yml", trained_folds: int | None = None,
        data_dir: Path = ROOT / "data" / "nlu") -> dict:
    """``config`` (``BENCH_CONFIG`` from the command line) compares a candidate pipeline on the same folds;
    ``trained_folds`` (``BENCH_TRAINED_FOLDS``) stops after the first few, e.g. fold 0 alone is one seeded
    80/20 split, for a pipeline too slow to train five times on a busy machine; ``data_dir``
    (``BENCH_NLU_DATA``) a frozen copy of ``data/nlu`` while others edit it."""
    write_generated()
    data = load_data(str(data_dir))
    np.random.seed(SEED)  # Rasa's folds shuffle with numpy's global state: the same folds for every config
    results: list[Prediction] = []
    train_seconds = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (train, test) in enumerate(generate_folds(folds, data)):
            if trained_folds is not None and i >= trained_folds:
                break
            train_file = Path(tmp) / f"train{i}.yml"
            train_file.write_text(train.nlu_as_yaml(), encoding="utf-8")
            t0 = time.perf_counter()
            model = train_nlu(str(config), str(train_file), str(Path(tmp) / f"model{i}"))
            train_seconds.append(round(time.perf_counter() - t0, 1))
            examples = [(m.get("text"), m.get("intent")) for m in test.intent_examples]
            results += asyncio.run(_predict(model, examples))
    by_lang: dict[str, list[Prediction]] = defaultdict(list)
    for row in results:
        by_lang[detect(row[0], default="zh")].append(row)
    report = {}
    for lang, rows in sorted(by_lang.items()):
        y_true = [r[1] for r in rows]
        y_pred = [r[2] for r in rows]
        routed = [_route(r[1], False) == _route(r[2], r[3]) for r in rows]
        report[lang] = {
            "n": len(rows),
            "f1_weighted": round(f1_score(y_true, y_pred, average="weighted"), 3),
            "f1_macro": round(f1_score(y_true, y_pred, average="macro"), 3),
            "accuracy": round(sum(t == p for t, p in zip(y_true, y_pred, strict=True)) / len(rows), 3),
            "fallback_rate": round(sum(r[3] for r in rows) / len(rows), 3),
            "route_accuracy": round(sum(routed) / len(rows), 3),
            "threshold_sweep": threshold_sweep(rows),
        }
    errors = [{"text": t, "intent": a, "predicted": p, "fallback": f, "confidence": round(c1, 3)}
              for t, a, p, f, c1, _ in results if a != p]
    return {"folds": folds, "trained_folds": trained_folds or folds, "config": str(config), "data": str(data_dir),
            "train_seconds": train_seconds, "per_lang": report,
            "errors": errors}
