"""The booking conversation's bilingual texts (``actions/texts_appointments.yml``)."""

from pathlib import Path

from policy_kb.messages import BilingualTexts

atext = BilingualTexts(Path(__file__).resolve().parent / "texts_appointments.yml")
