"""The assistant's command line as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

from tests.support.locations import ROOT


def run_cli(*args: str, stdin: str | None = None, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m bot ARGS`` (in ``env``, default this process's environment), capturing text output."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, env=dict(os.environ if env is None else env),
        timeout=300,
    )
