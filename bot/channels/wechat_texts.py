"""What the WeChat channel itself says (``wechat_texts.yml``): not the assistant's answers, but the
channel's own words around them (numbered options, the "更多" hint, the follow greeting, rate limits,
message types it cannot read)."""

from __future__ import annotations

from pathlib import Path

from i18n import Catalogue

texts = Catalogue(Path(__file__).with_suffix(".yml"))
