"""Environment changes that always undo: the one way the tests set variables outside a test function.

Inside a test, ``monkeypatch`` does this; a fixture of a wider scope (a module's action server, the
scale stack) or a child process uses these instead of saving and restoring ``os.environ`` by hand (one
such hand-written restore once leaked ``PROFILE=scale`` and a dead ``REDIS_URL`` into every later suite).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping

import pytest

#: A change: a value sets the variable, None removes it.
Changes = Mapping[str, "str | None"]


@contextlib.contextmanager
def patched_environ(changes: Changes) -> Iterator[None]:
    """``os.environ`` with ``changes`` applied, restored on the way out (also after a failure)."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in changes.items():
            if value is None:
                mp.delenv(name, raising=False)
            else:
                mp.setenv(name, value)
        yield


def child_environ(changes: Changes, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of ``base`` (default: ``os.environ``) with ``changes`` applied, for a child process."""
    env = dict(os.environ if base is None else base)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env
