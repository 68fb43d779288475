"""What a registration holds, by article 8 (祖籍地、所在国、从事行业、发展状况) and issue 16 (interests, contact).

The interests are a fixed list, each tied to what article 9 offers for it (the KB's benefit or procedure
ids in ``policy_kb/data/facts.yml``), so the closing message cites exactly the KB's words.
"""

from __future__ import annotations

from pathlib import Path

from i18n import Catalogue

labels = Catalogue(Path(__file__).with_name("texts.yml"))

#: Interest id -> the article 9 facts that answer it (several interests may share one).
INTERESTS: dict[str, tuple[str, ...]] = {
    "return_visit": ("merchant_visit_subsidy",),
    "business": ("merchant_policy_support",),
    "investing": ("merchant_policy_support",),
    "family_contact": ("merchant_family_liaison",),
    "permit_residence": ("merchant_policy_support",),
}
#: Free-text answers are kept to this many characters (after cleaning).
INDUSTRY_MAX = 100
SITUATION_MAX = 300
#: What a skipped question holds: asked, not answered.
SKIPPED = "-"
#: The contact kind of "message me through the Official Account": staff see the record's reference, never the openid.
WECHAT = "wechat"


def interest_label(interest: str, lang: str) -> str:
    return labels(f"interest_{interest}", lang)


def given(value: str | None) -> bool:
    """Whether a field holds an answer (not skipped, not empty)."""
    return bool(value) and value != SKIPPED
