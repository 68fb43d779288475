"""The typed-dialogue suite's pass count per language, printed at the end of the run."""

from __future__ import annotations

from collections import Counter

RESULTS: Counter = Counter()  # (lang, "passed" | "failed") -> dialogues


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's reporter
    if not RESULTS:
        return
    terminalreporter.section("typed dialogues over REST")
    for lang in sorted({lang for lang, _ in RESULTS}):
        passed, failed = RESULTS[(lang, "passed")], RESULTS[(lang, "failed")]
        terminalreporter.write_line(f"{lang}: {passed}/{passed + failed} dialogues reached their goal")
