"""The web front's catalogue (``texts.yml``), also what Rasa's REST channel says to bad input.

JSON errors carry both languages: ``texts.both(key, **values)``.
"""

from __future__ import annotations

from pathlib import Path

from i18n import Catalogue

texts = Catalogue(Path(__file__).with_name("texts.yml"))
