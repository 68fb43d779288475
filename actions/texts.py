"""The assistant's own bilingual texts (``actions/texts.yml``)."""

from pathlib import Path

from policy_kb.messages import BilingualTexts

text = BilingualTexts(Path(__file__).resolve().parent / "texts.yml")
