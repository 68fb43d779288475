"""Turn py-spy's raw stacks into "where does a turn's time go" (``python -m bench profile``).

py-spy ``--format raw`` writes one line per distinct stack, ``frame;frame;...;leaf COUNT``, each frame
``function (file:line)``. A category is a set of frame patterns; a sample counts towards every
category one of its frames matches (inclusive time, as a flame graph's widths), so nested categories
(the DIET classifier inside the NLU pipeline) are reported inside their parent. Percentages are of
the process's busy samples (py-spy leaves idle threads out).
"""

from __future__ import annotations

import re
from collections import Counter

#: category -> regex on a frame (``function (file:line)``), first the Rasa server's, then the action server's
CATEGORIES: dict[str, dict[str, str]] = {
    "rasa": {
        "handle one message (processor)": r"handle_message \(rasa/core/processor",
        "NLU pipeline": r"parse_message \(rasa/core/processor",
        "NLU: DIET classifier (TensorFlow)": r"rasa/nlu/classifiers/diet_classifier|tensorflow/",
        "NLU: logistic regression (scikit-learn)": r"rasa/nlu/classifiers/logistic_regression|sklearn/",
        "NLU: featurizers": r"rasa/nlu/featurizers/",
        "NLU: our components (jieba, language, KB entities)": r"\(bot/nlu/|\(extraction/",
        "policy prediction (all policies)": r"_predict_next_with_tracker \(rasa/core/processor|predict_next_action \(rasa/core/processor",
        "policies: tracker state featurisation": r"past_states|rasa/core/featurizers/",
        "policies: TED": r"rasa/core/policies/ted_policy",
        "policies: Memoization": r"rasa/core/policies/memoization",
        "policies: RulePolicy": r"rasa/core/policies/rule_policy",
        "tracker store: read (retrieve)": r"retrieve(_full_tracker)? \((rasa/core|bot)/tracker_store|fetch_tracker",
        "tracker store: write (save)": r"save \((rasa/core|bot)/tracker_store",
        "custom action round trips (HTTP client)": r"run \(rasa/core/actions/action\.py",
        "  of which action_validate_slot_mappings": r"_execute_validation_action|action_validate_slot_mappings",
        "  of which response schema check": r"jsonschema|_validate_action_result|validate_response",
        "events (de)serialisation": r"as_dict \(rasa/shared/core/events|from_parameters|rasa/shared/core/events\.py",
        "json encode/decode": r"\(json/|ujson|orjson",
        "sanic / asyncio / aiohttp plumbing": r"sanic/|asyncio/|aiohttp/",
    },
    "actions": {
        "action server request (rasa_sdk)": r"webhook \(rasa_sdk/endpoint|rasa_sdk/executor\.py",
        "action_validate_slot_mappings / form validation": r"rasa_sdk/forms\.py",
        "KB search (policy_kb.search)": r"\(policy_kb/search\.py",
        "KB text normalisation / matching": r"\(policy_kb/text\.py|\(lexicon/",
        "eligibility engine": r"\(policy_kb/eligibility/",
        "appointments store (SQLAlchemy)": r"\(appointments/|sqlalchemy/",
        "tracker (de)serialisation in rasa_sdk": r"rasa_sdk/interfaces\.py|from_dict",
        "json encode/decode": r"\(json/|ujson|orjson",
        "sanic / asyncio plumbing": r"sanic/|asyncio/",
    },
}
LINE = re.compile(r"^(.*) (\d+)$")
FRAME_NAME = re.compile(r"^(.*?) \((.*?):\d+\)$")


def parse(raw: str) -> list[tuple[list[str], int]]:
    stacks = []
    for line in raw.splitlines():
        m = LINE.match(line.strip())
        if m:
            stacks.append((m.group(1).split(";"), int(m.group(2))))
    return stacks


def summarise(raw: str, process: str, top: int = 25) -> dict:
    """Busy samples per category (inclusive, % of busy), and the heaviest functions for a second look."""
    stacks = parse(raw)
    total = sum(n for _, n in stacks) or 1
    patterns = {name: re.compile(rx) for name, rx in CATEGORIES[process].items()}
    categories = {name: 0 for name in patterns}
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, n in stacks:
        for name, rx in patterns.items():
            if any(rx.search(f) for f in frames):
                categories[name] += n
        for f in {_short(f) for f in frames}:  # a recursive or wrapping function counts once per sample
            inclusive[f] += n
        own[_short(frames[-1])] += n
    return {
        "busy_samples": total,
        "categories_pct": {name: round(100 * n / total, 1) for name, n in categories.items()},
        "top_inclusive_pct": {f: round(100 * n / total, 1) for f, n in inclusive.most_common(top)},
        "top_self_pct": {f: round(100 * n / total, 1) for f, n in own.most_common(top)},
    }


def _short(frame: str) -> str:
    m = FRAME_NAME.match(frame)
    return f"{m.group(1)} ({m.group(2)})" if m else frame
