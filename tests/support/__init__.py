"""What the test suites share, in one importable package (never imported from a ``conftest.py``).

- helper modules the tests import: :mod:`~tests.support.locations` (where things are),
  :mod:`~tests.support.env` (environment changes that always undo), :mod:`~tests.support.net` (free
  ports, HTTP), :mod:`~tests.support.cli` (``python -m bot`` as a user runs it), :mod:`~tests.support.chat`
  (a REST conversation), :mod:`~tests.support.actions` (calling actions directly),
  :mod:`~tests.support.appointments` (a fixed clock and database URLs), :mod:`~tests.support.web` (web
  fronts, a stub Rasa, the browser's watch), :mod:`~tests.support.wechat` (the channel served in-process);
- :mod:`~tests.support.stack`: the assistant's processes as the tests start them, on ``bot.runner.Services``;
- :mod:`~tests.support.fixtures`: the fixtures more than one suite uses (the session's one stack first), a
  pytest plugin that ``tests/conftest.py`` loads.

It may import the code under test and :mod:`tools` (the WeChat platform simulator); nothing outside
``tests/`` imports it.
"""
