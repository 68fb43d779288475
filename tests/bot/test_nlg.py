"""The response generator of ``endpoints.yml`` (bot.nlg): the domain's responses in ``language_pref`` first.

``language`` holds what the detector found in the user's latest message; an explicit switch
(``language_pref``) wins until the user switches again, as :func:`actions.language.reply_language`
decides for the actions.
"""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.nlg import NaturalLanguageGenerator
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from actions.language import reply_language
from bot import nlg
from bot.model import ROOT
from i18n.responses import response
from tests.support.actions import make_tracker

DOMAIN = Domain.load(ROOT / "domain")


@pytest.fixture(scope="module")
def generator() -> NaturalLanguageGenerator:
    """Made the way ``rasa run`` makes it from ``endpoints.yml``."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ("ACTION_SERVER_URL", "ACTION_SERVER_TOKEN", "TRACKER_SQLITE_PATH"):
            mp.setenv(name, "x")
        endpoints = read_endpoints_from_path(ROOT / "endpoints.yml")
    made = NaturalLanguageGenerator.create(endpoints.nlg, DOMAIN)
    assert type(made) is nlg.PreferredLanguageNLG
    return made


def greeting(generator: NaturalLanguageGenerator, **slots: str) -> str:
    tracker = DialogueStateTracker.from_events("nlg", [SlotSet(k, v) for k, v in slots.items()], slots=DOMAIN.slots)
    return asyncio.run(generator.generate("utter_greet", tracker, "rest"))["text"]


@pytest.mark.parametrize(("detected", "preferred", "expected"), [
    ("zh", None, "zh"), ("en", None, "en"),  # no switch: the language written in
    ("zh", "en", "en"), ("en", "zh", "zh"),  # after a switch: the chosen one, whatever is written
    ("en", "en", "en"), ("zh", "zh", "zh"),
])
def test_the_preference_wins_over_detection(generator, detected: str, preferred: str | None, expected: str) -> None:
    slots = {"language": detected, **({"language_pref": preferred} if preferred else {})}
    assert greeting(generator, **slots) == response("utter_greet", expected)["text"]
    text = {"zh": "绿卡有什么用", "en": "what does the green card give"}[detected]
    assert reply_language(make_tracker(text, slots=slots)) == expected, "the actions decide the same"


def test_no_language_yet_gets_the_bilingual_default(generator) -> None:
    assert "Hello" in greeting(generator) and "您好" in greeting(generator)


def test_the_tracker_is_not_changed() -> None:
    slots = {"language": "zh", "language_pref": "en"}
    assert nlg.with_preference(slots) == {"language": "en", "language_pref": "en"}
    assert slots == {"language": "zh", "language_pref": "en"}
