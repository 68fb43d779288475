"""The trained Rasa model, named by the content hash of everything that shapes it, kept in a cache.

``make run`` and the tests call :func:`ensure_model`: it trains only when no model exists for the
current training data, config, domain, custom NLU code and KB (the KB's terms feed the tokenizer and
the entity extractor), so CI trains once per change and a laptop once per edit.

The models live outside the clone, in :data:`CACHE_DIR` (``ASSISTANT_CACHE_DIR``, else
``$XDG_CACHE_HOME/shanxi-talent-assistant``, else ``~/.cache/shanxi-talent-assistant``), so a fresh
clone on the same machine (CI's, every run) finds the model its inputs already produced instead of
training for minutes. Rasa's own training cache sits beside them: a change to the domain alone reuses
the trained NLU components. One training runs at a time on the machine (a file lock): several test
runs starting together on inputs that differ only in rules or domain used to train DIET side by side,
each at a third of the speed; in a queue the first trains and the others restore its components from
the cache, and a run that needs the very model being trained just waits for it. A model lands by an
atomic rename, so nobody loads half a file.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bot.nlu.training_data import write_generated
from policy_kb.source import KB_FILES

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(os.environ.get("ASSISTANT_CACHE_DIR")
                 or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shanxi-talent-assistant")
MODELS = CACHE_DIR / "models"
RASA_CACHE = CACHE_DIR / "rasa-training-cache"
TRAINING_LOCK = MODELS / ".training.lock"
#: models kept; several clones (CI runs, engineers' branches) share the directory
KEEP_MODELS = 8
#: Files and folders whose content decides the model.
MODEL_INPUTS = ("config.yml", "domain", "data", "bot/nlu", "extraction", "lexicon", "policy_kb/text.py",
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


def training_env(rasa_cache: Path = RASA_CACHE) -> dict[str, str]:
    """The environment of ``rasa train``: quiet TensorFlow, Rasa's training cache at ``rasa_cache``."""
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_CACHE_DIRECTORY": str(rasa_cache),
            "PYTHONPATH": str(ROOT)}


def ensure_model(quiet: bool = False) -> Path:
    """The model for the current inputs, training it first if it does not exist."""
    write_generated()
    path = model_path()
    if path.exists():
        return path
    MODELS.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(TRAINING_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one training at a time on the machine: see the module docstring
        write_generated()
        path = model_path()  # the files may have changed while this run waited
        if not path.exists():
            _train(path, quiet)
    # keep the directory from growing with every edit, but leave recent models to processes using them
    for old in sorted(MODELS.glob("model-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP_MODELS:]:
        old.unlink(missing_ok=True)
    return path


def _train(path: Path, quiet: bool) -> None:
    with tempfile.TemporaryDirectory(dir=MODELS, prefix=".training-") as tmp:
        name = path.name.removesuffix(".tar.gz")
        cmd = rasa_command("train", "--config", "config.yml", "--domain", "domain", "--data", "data",
                           "--out", tmp, "--fixed-model-name", name)
        subprocess.run(cmd, cwd=ROOT, env=training_env(), check=True, stdout=subprocess.DEVNULL if quiet else None)
        os.replace(Path(tmp) / path.name, path)
