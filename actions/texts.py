"""The assistant's own bilingual texts (``actions/texts.yml``)."""

from pathlib import Path

from i18n import Catalogue

text = Catalogue(Path(__file__).resolve().parent / "texts.yml")
