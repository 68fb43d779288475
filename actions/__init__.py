"""The rasa-sdk action server: thin actions that read the tracker, ask policy_kb, and format.

One module per concern: language, policy answers, eligibility, handoff. ``rasa run actions``
registers every Action subclass found in this package.

May import: ``rasa_sdk`` and the libraries (``lexicon``, ``i18n``, ``policy_kb``, ``appointments``,
``registry``, ``extraction``, ``ratelimit``); never ``bot`` (the action server is its own process) nor
``rasa``, ``sanic`` or ``aiohttp``.
"""
