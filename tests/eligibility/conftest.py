"""Shared fixtures for the eligibility pre-check tests.

Hypothesis strategies are handed out as session fixtures and drawn with ``st.data()``, so test
modules need no imports from this file. The strategies produce only *valid* profiles (years of work
never exceed the age, no ``degree_from`` without a degree); invalid ones are tested one by one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from policy_kb.eligibility import evaluate
from policy_kb.eligibility.data import load_facts
from policy_kb.eligibility.points import load_table
from policy_kb.eligibility.profile import DEGREE_FROM, DEGREES, PROGRAMMES, ROLES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def run_eligibility() -> Callable[..., subprocess.CompletedProcess]:
    """``python -m bot eligibility ARGS`` as a user runs it, with text output captured.

    TensorFlow, pulled in by other subcommands' imports, logs a warning on stderr at start-up;
    TF_CPP_MIN_LOG_LEVEL=2 silences it so that the one-line error contract can be checked exactly.
    """

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
        return subprocess.run(
            [sys.executable, "-m", "bot", "eligibility", *args],
            input=stdin, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
        )

    return run


@pytest.fixture(scope="session")
def category() -> Callable[..., dict[str, Any]]:
    """The result entry of one category for a profile: ``category(profile, "senior_professional")``."""

    def get(profile: dict[str, Any], category_id: str, lang: str = "en") -> dict[str, Any]:
        return next(c for c in evaluate(profile, lang)["categories"] if c["id"] == category_id)

    return get


@pytest.fixture(scope="session")
def benefit_ids() -> Callable[[dict[str, Any]], list[str]]:
    return lambda profile: [b["id"] for b in evaluate(profile, "en")["benefits"]]


@pytest.fixture(scope="session")
def item_points() -> Callable[[dict[str, Any]], dict[str, int]]:
    """Points per item id (the result names items in the user's language, in table order)."""
    ids = [item["id"] for item in load_table()["items"]]

    def get(profile: dict[str, Any]) -> dict[str, int]:
        items = evaluate(profile, "en")["work_permit"]["items"]
        return dict(zip(ids, (i["points"] for i in items), strict=True))

    return get


def _field_texts() -> list[str]:
    fields = load_facts().fields
    return [f["zh"] for f in fields] + [f["en"] for f in fields] + ["basket weaving", "量子纺织"]


@st.composite
def _profiles(draw: st.DrawFn, complete: bool) -> dict[str, Any]:
    def answer(strategy: st.SearchStrategy) -> Any:
        return draw(strategy if complete else st.none() | strategy)

    age = answer(st.integers(0, 120))
    cap = 100 if age is None else min(age, 100)
    years = st.integers(0, cap) | st.floats(0, cap, allow_nan=False)
    profile = {
        "degree": answer(st.sampled_from(DEGREES)),
        "years_experience": answer(years),
        "field": answer(st.sampled_from(_field_texts()) | st.text(min_size=1, max_size=20).filter(str.strip)),
        "age": age,
        "role": answer(st.sampled_from(ROLES)),
        "years_in_shanxi": answer(years),
        "talent_programme": answer(st.sampled_from(PROGRAMMES)),
        "annual_salary_cny": answer(st.integers(0, 2_000_000) | st.floats(0, 2e6, allow_nan=False)),
        "months_per_year_in_china": answer(st.integers(0, 12) | st.floats(0, 12, allow_nan=False)),
        "hsk_level": answer(st.integers(0, 6)),
        **{
            key: answer(st.booleans())
            for key in ("advanced_technology", "shanxi_roots", "hk_macao_taiwan",
                        "former_chinese_national", "fortune500_experience", "holds_ip")
        },
    }
    if profile["degree"] != "none":
        profile["degree_from"] = answer(st.sampled_from(DEGREE_FROM))
    return {k: v for k, v in profile.items() if v is not None}


@pytest.fixture(scope="session")
def profiles() -> st.SearchStrategy[dict[str, Any]]:
    """Any valid profile, each answer present or not."""
    return _profiles(complete=False)


@pytest.fixture(scope="session")
def complete_profiles() -> st.SearchStrategy[dict[str, Any]]:
    """Valid profiles that answer every question (``degree_from`` only with a degree)."""
    return _profiles(complete=True)
