"""The knowledge base's own catalogue (``policy_kb/data/messages.yml``, the :mod:`i18n` format).

What the search says when it has no answer, and what a channel says when the assistant cannot answer
at all; loaded, and so checked, when this module is imported.
"""

from __future__ import annotations

from pathlib import Path

from i18n import Catalogue

#: Beside ``policy_kb.source.DATA_DIR``, named here so that :mod:`policy_kb.citation` (which the source
#: loader imports) can word its citations from this catalogue.
message = Catalogue(Path(__file__).resolve().parent / "data" / "messages.yml")
