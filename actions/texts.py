"""The assistant's own words in actions/ (``actions/texts.yml``): the package's one catalogue, for every
action and form, looked up one way: ``text(key, lang, **values)``."""

from pathlib import Path

from i18n import Catalogue

text = Catalogue(Path(__file__).resolve().parent / "texts.yml")


def book_button(lang: str) -> dict[str, str]:
    """The "book an appointment" button: under policy answers, verdicts, the handoff and every
    outcome that leaves nothing booked."""
    return {"title": text("button_booking", lang), "payload": "/book_appointment"}
