"""Question variants attached by service-window staff: the reviewable change the staff loop writes.

Staff attach a user's question to the article that answers it (``python -m bot unanswered attach`` or the
``/staff`` page). The question is not put into the database directly: it is written to
``policy_kb/data/questions_staff.yml`` (:func:`policy_kb.source.staff_variants_file`), in the format of
``questions.yml``, so the change is a plain file a person reviews and commits like any KB edit (or moves
into ``questions.yml``). The loader reads it with the other variants; the search uses it once the KB is
rebuilt (``python -m bot kb build``, or automatically when a process opens a stale KB).

Writes take a file lock and replace the file atomically, so two staff members attaching at once both land.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

import yaml

from policy_kb.citation import ArticleRef
from policy_kb.source import staff_variants_file

HEADER = """\
# Question variants that service-window staff attached from users' questions (the staff loop:
# /staff page or `python -m bot unanswered attach`). Same format as questions.yml; the text is masked
# (contacts, names) before it is ever stored. Review this file like any KB change: keep, correct or move
# each entry into questions.yml, and never copy evaluation questions here (tests/kb/test_eval_independence.py).
# The search uses it after `python -m bot kb build`.
"""


def _entries(path: Path) -> list[dict]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    return list((doc or {}).get("questions") or [])


def add_variant(article: ArticleRef, lang: str, text: str, path: Path | None = None) -> bool:
    """Add ``text`` as a ``lang`` variant of ``article``; False when it is there already."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be zh or en: {lang!r}")
    text = " ".join(text.split())
    if not text:
        raise ValueError("an empty question cannot be a variant")
    path = path or staff_variants_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = "closing" if article is None else article
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        entries = _entries(path)
        entry = next((e for e in entries if e.get("article") == key), None)
        if entry is None:
            entry = {"article": key}
            entries.append(entry)
        variants = entry.setdefault(lang, [])
        if text in variants:
            return False
        variants.append(text)
        entries.sort(key=lambda e: 99 if e["article"] == "closing" else int(e["article"]))
        body = yaml.safe_dump({"questions": entries}, allow_unicode=True, sort_keys=False, width=120)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(HEADER + body)
        os.replace(tmp, path)
    return True
