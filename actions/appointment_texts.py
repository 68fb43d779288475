"""The booking conversation's bilingual texts (``actions/texts_appointments.yml``)."""

from pathlib import Path

from i18n import Catalogue

atext = Catalogue(Path(__file__).resolve().parent / "texts_appointments.yml")
