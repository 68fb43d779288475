"""The policy knowledge base of 晋发〔2017〕47号: data, storage, bilingual search, eligibility.

A plain Python library (no Rasa): the CLI, the Rasa actions and the tests all use it.
``policy_kb/data/*.yml`` is the single source of truth; everything else is built from it.

May import: ``lexicon``, ``i18n``, ``datafile`` and ``appointments`` (masking personal data in the
questions staff review); never ``rasa``, ``rasa_sdk``, ``sanic``, ``aiohttp``, ``bot`` or ``actions``.
"""
