"""What a channel itself says when a turn was not processed (``turn_texts.yml``): the REST channel and
the WeChat channel answer a turn that raised, or one refused as busy, with the same words."""

from pathlib import Path

from i18n import Catalogue

turn_texts = Catalogue(Path(__file__).with_name("turn_texts.yml"))
