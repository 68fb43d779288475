"""NLU 5-fold cross-validation with the project's own pipeline, intent F1 per language.

Rasa's own ``rasa test nlu --cross-validation`` reports one F1 over both languages; the target is
per language, so the folds are trained here (Rasa's fold generator and trainer) and every held-out
example is scored in the language it is written in (``policy_kb.lang.detect``).

As in ``rasa test nlu``, a FallbackClassifier prediction is undone before scoring (the classifier's
own intent is what F1 measures); how often the fallback would have fired is reported beside it,
because in the conversation it turns into a "please rephrase" rather than a wrong answer.
"""

from __future__ import annotations

import asyncio
import tempfile
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


async def _predict(model: str, examples: list[tuple[str, str]]) -> list[tuple[str, str, str, bool]]:
    """(text, true intent, the classifier's intent, whether the fallback fired) per example."""
    agent = Agent.load(model)
    out = []
    for text, intent in examples:
        parsed = await agent.parse_message(text)
        fell_back = is_fallback_classifier_prediction(parsed)
        if fell_back:
            parsed = undo_fallback_prediction(parsed)
        out.append((text, intent, parsed["intent"]["name"], fell_back))
    return out


def run(folds: int = FOLDS, config: Path = ROOT / "config.yml", trained_folds: int | None = None,
        data_dir: Path = ROOT / "data" / "nlu") -> dict:
    """``config`` (``BENCH_CONFIG`` from the command line) compares a candidate pipeline on the same folds;
    ``trained_folds`` (``BENCH_TRAINED_FOLDS``) stops after the first few, e.g. fold 0 alone is one seeded
    80/20 split, for a pipeline too slow to train five times on a busy machine; ``data_dir``
    (``BENCH_NLU_DATA``) a frozen copy of ``data/nlu`` while others edit it."""
    write_generated()
    data = load_data(str(data_dir))
    np.random.seed(SEED)  # Rasa's folds shuffle with numpy's global state: the same folds for every config
    results: list[tuple[str, str, str, bool]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (train, test) in enumerate(generate_folds(folds, data)):
            if trained_folds is not None and i >= trained_folds:
                break
            train_file = Path(tmp) / f"train{i}.yml"
            train_file.write_text(train.nlu_as_yaml(), encoding="utf-8")
            model = train_nlu(str(config), str(train_file), str(Path(tmp) / f"model{i}"))
            examples = [(m.get("text"), m.get("intent")) for m in test.intent_examples]
            results += asyncio.run(_predict(model, examples))
    by_lang: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    for text, true, pred, fell_back in results:
        by_lang[detect(text, default="zh")].append((true, pred, fell_back))
    report = {}
    for lang, rows in sorted(by_lang.items()):
        y_true = [t for t, _, _ in rows]
        y_pred = [p for _, p, _ in rows]
        report[lang] = {
            "n": len(rows),
            "f1_weighted": round(f1_score(y_true, y_pred, average="weighted"), 3),
            "f1_macro": round(f1_score(y_true, y_pred, average="macro"), 3),
            "accuracy": round(sum(t == p for t, p, _ in rows) / len(rows), 3),
            "fallback_rate": round(sum(f for _, _, f in rows) / len(rows), 3),
        }
    errors = [{"text": t, "intent": a, "predicted": p, "fallback": f} for t, a, p, f in results if a != p]
    return {"folds": folds, "trained_folds": trained_folds or folds, "config": str(config), "data": str(data_dir),
            "per_lang": report,
            "errors": errors}
