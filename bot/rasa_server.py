"""``python -m bot.rasa_server run ...``: Rasa's own command line, with :mod:`bot.rasa_patches` applied first.

This is how the runner starts every Rasa server (:meth:`bot.runner.Services.start_rasa`): the patch
belongs to the server process, so it is applied where that process starts, not as a side effect of
importing an NLU component (which training, ``rasa test`` and the tests import too). The arguments are
``rasa``'s, unchanged. One line on stderr (the server's log) says the patch is in place in which process;
``tests/assistant/test_rasa_patches.py`` looks for it in a running server's log.
"""

from __future__ import annotations

import os
import sys

APPLIED = "bot.rasa_server: Rasa patches applied (bot.rasa_patches)"


def patched_rasa(*args: str) -> list[str]:
    """The command line that starts ``rasa <args>`` with the patches applied."""
    return [sys.executable, "-m", "bot.rasa_server", *args]


def main() -> None:
    from rasa.__main__ import main as rasa_main

    from bot import rasa_patches

    rasa_patches.apply()
    print(f"{APPLIED} in pid {os.getpid()}", file=sys.stderr, flush=True)
    sys.argv[0] = "rasa"  # Rasa's help and errors name the command users know
    rasa_main()


if __name__ == "__main__":
    main()
