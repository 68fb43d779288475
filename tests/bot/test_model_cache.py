"""The model cache (bot.model): outside the clone, one training at a time, a model trained once per inputs.

Training for real takes minutes, so the trainer itself is replaced by one that writes a file after a
pause; what is tested is the cache around it: where models live, and that runs starting together for
the same inputs train once and all get the model.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import bot.model as model


def test_models_live_in_the_cache_directory_outside_the_clone(tmp_path: Path) -> None:
    code = "import bot.model as m; print(m.MODELS); print(m.model_path())"
    env = {**os.environ, "ASSISTANT_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", code], cwd=model.ROOT, env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert Path(out[0]) == tmp_path / "cache" / "models"
    assert Path(out[1]).parent == tmp_path / "cache" / "models" and Path(out[1]).name.startswith("model-")
    assert not Path(out[0]).is_relative_to(model.ROOT)


def test_runs_starting_together_train_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model, "MODELS", tmp_path / "models")
    monkeypatch.setattr(model, "TRAINING_LOCK", tmp_path / "models" / ".training.lock")
    trained: list[Path] = []

    def slow_train(path: Path, quiet: bool) -> None:
        trained.append(path)
        time.sleep(0.5)  # long enough for the other runs to be waiting
        path.write_bytes(b"model")

    monkeypatch.setattr(model, "_train", slow_train)
    got: list[Path] = []
    runs = [threading.Thread(target=lambda: got.append(model.ensure_model(quiet=True))) for _ in range(3)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=60)
    assert len(trained) == 1, trained
    assert len(got) == 3 and len(set(got)) == 1 and got[0].read_bytes() == b"model"
    assert got[0].parent == tmp_path / "models"
