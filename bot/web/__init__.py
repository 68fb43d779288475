"""The website front: the chat page, the staff FAQ page and their small API (``python -m bot.web``).

The chat page talks to Rasa's REST channel through a same-origin proxy (``POST /api/chat``); the
staff page searches the knowledge base with the same search as ``python -m bot faq``. See
the "website" section of the README.
"""

from bot.web.app import create_app

__all__ = ["create_app"]
