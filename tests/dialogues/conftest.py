"""The typed-dialogue suite's pass count per language, printed at the end of the run."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

_LANG = {d["name"]: d["lang"] for d in
         yaml.safe_load((Path(__file__).resolve().parent / "dialogues.yml").read_text("utf-8"))["dialogues"]}


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's reporter
    counts: Counter = Counter()
    for outcome in ("passed", "failed", "xfailed", "xpassed"):
        for report in terminalreporter.stats.get(outcome, []):
            m = re.search(r"test_typed_dialogue\[(.*)\]$", getattr(report, "nodeid", ""))
            if m and getattr(report, "when", "call") in ("call", "setup") and m.group(1) in _LANG:
                counts[(_LANG[m.group(1)], outcome in ("passed", "xpassed"))] += 1
    if not counts:
        return
    terminalreporter.section("typed dialogues over REST")
    for lang in sorted({lang for lang, _ in counts}):
        passed, missed = counts[(lang, True)], counts[(lang, False)]
        terminalreporter.write_line(f"{lang}: {passed}/{passed + missed} dialogues reached their goal")
