"""The test conversations in ``tests/test_*.yml``, run by ``rasa test`` against the trained model.

``--fail-on-prediction-errors``: any wrong intent or action in any story fails this test, and the
failed stories are printed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from bot.model import ROOT, ensure_model, rasa_command
from tests.support.env import child_environ
from tests.support.stack import Stack

STORY_FILES = sorted((ROOT / "tests").glob("test_*.yml"))


def test_there_are_at_least_40_test_conversations() -> None:
    stories = [s for f in STORY_FILES for s in yaml.safe_load(f.read_text(encoding="utf-8"))["stories"]]
    assert len(stories) >= 40


def test_rasa_test_passes_every_story(tmp_path: Path, stack: Stack) -> None:
    """``rasa test`` runs the dialogues itself and calls the session stack's action server."""
    model = ensure_model(quiet=True)
    stories = tmp_path / "stories"  # rasa test takes one path: a folder holding just the story files
    stories.mkdir()
    for f in STORY_FILES:
        shutil.copy(f, stories / f.name)
    out = subprocess.run(
        rasa_command("test", "core", "--model", str(model), "--stories", str(stories),
                     "--endpoints", "endpoints.yml", "--fail-on-prediction-errors", "--out", str(tmp_path / "results")),
        cwd=ROOT, env=child_environ({"TRACKER_SQLITE_PATH": str(tmp_path / "tracker.sqlite3")}, stack.services.env()),
        capture_output=True, text=True, timeout=1800,
    )
    failed = tmp_path / "results" / "failed_test_stories.yml"
    detail = failed.read_text(encoding="utf-8") if failed.exists() else out.stdout[-3000:] + out.stderr[-3000:]
    assert out.returncode == 0, detail
