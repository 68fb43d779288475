"""The website front: the chat page, the staff FAQ page and their small API (``python -m bot.web``).

The chat page talks to Rasa's REST channel through a same-origin proxy (``POST /api/chat``); the
staff page searches the knowledge base with the same search as ``python -m bot faq``. See
the "website" section of the README.

Its own program (an aiohttp process), not a Rasa plugin. May import: ``aiohttp``, the libraries
(``lexicon``, ``i18n``, ``policy_kb``, ``appointments``, ``registry``, ``ratelimit``) and the shared
modules at the top of ``bot`` (metrics); never ``rasa``, ``rasa_sdk``, ``sanic``, ``bot.cli`` (the
staff search's JSON shape is ``policy_kb``'s), ``bot.channels`` or ``actions``.
"""

from bot.web.app import create_app

__all__ = ["create_app"]
