"""The register of foreign-national Shanxi merchants (外籍晋商晋才): one record per conversation, with consent.

The ancestral place and the country read from what people type (:mod:`registry.places`,
:mod:`registry.countries`), the fields of interest, the store (SQLAlchemy) with audited staff reads,
CSV export and the retention purge. A plain library, used by the actions, the staff CLI and web pages.

May import: ``lexicon``, ``i18n``, ``datafile``, ``appointments`` (contact rules, keyed hashes) and
``policy_kb``; never ``rasa``, ``rasa_sdk``, ``sanic``, ``aiohttp``, ``bot`` or ``actions``.
"""
