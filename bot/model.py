"""The trained Rasa model, named by the content hash of everything that shapes it.

``make run`` and the tests call :func:`ensure_model`: it trains only when no model exists for the
current training data, config, domain, custom NLU code and KB (the KB's terms feed the tokenizer and
the entity extractor), so CI trains once per change and a laptop once per edit.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from policy_kb.source import KB_FILES

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
#: Files and folders whose content decides the model.
KEEP_MODELS = 3
MODEL_INPUTS = ("config.yml", "domain", "data", "bot/nlu", "policy_kb/text.py",
                *(f"policy_kb/data/{name}" for name in KB_FILES))


def _files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) if path.is_dir() else [path]


def content_hash() -> str:
    h = hashlib.sha256()
    for name in MODEL_INPUTS:
        for f in _files(ROOT / name):
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def model_path() -> Path:
    return MODELS / f"model-{content_hash()}.tar.gz"


def rasa_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "rasa", *args]


def ensure_model(quiet: bool = False) -> Path:
    """The model for the current inputs, training it first if it does not exist."""
    from bot.nlu.training_data import write_generated

    write_generated()
    path = model_path()
    if path.exists():
        return path
    MODELS.mkdir(exist_ok=True)
    cmd = rasa_command("train", "--config", "config.yml", "--domain", "domain", "--data", "data",
                       "--out", str(MODELS), "--fixed-model-name", path.name.removesuffix(".tar.gz"))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    subprocess.run(cmd, cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL if quiet else None)
    # keep the directory from growing with every edit, but leave recent models to processes using them
    for old in sorted(MODELS.glob("model-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP_MODELS:]:
        old.unlink(missing_ok=True)
    return path
