"""The assistant's own words in actions/ (``actions/texts.yml``): the package's one catalogue, for every
action and form, looked up one way: ``text(key, lang, **values)``."""

from pathlib import Path

from i18n import Catalogue

text = Catalogue(Path(__file__).resolve().parent / "texts.yml")
