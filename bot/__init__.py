"""晋才助手 / Shanxi Talent Assistant: the three programs around the libraries, in one package.

* **Rasa plugins**, which run inside the Rasa server: the NLU components (:mod:`bot.nlu`), the input
  channels (:mod:`bot.channels`), the lock store (:mod:`bot.lock_store`) and the patch to Rasa's
  internals (:mod:`bot.rasa_patches`), applied by :mod:`bot.rasa_server`, the entry the Rasa server is
  started through.
* **The web front** (:mod:`bot.web`): the chat page, the staff pages and their API, an aiohttp
  process that talks to Rasa over HTTP.
* **The command line and the process runner**: ``python -m bot`` (:mod:`bot.cli`), the runner that
  starts every service (:mod:`bot.runner`), the model cache (:mod:`bot.model`), the action-server
  wrapper (:mod:`bot.action_server`) and the data-deletion rules (:mod:`bot.privacy`); the metrics
  (:mod:`bot.metrics`) are shared by all three.

The libraries below them hold the logic: ``policy_kb``, ``appointments``, ``registry``, ``extraction``,
``lexicon``, ``i18n``, ``ratelimit``. The modules at the top of ``bot`` may import those and
:mod:`bot.nlu` (training data); the subpackages' own docstrings say what each may import, and none of
``bot`` is imported by the libraries or by ``actions`` (``tests/test_layout.py`` checks all of it).
"""
