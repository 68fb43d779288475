"""The typed dialogues of ``dialogues.yml``, end to end over REST against the trained model.

The action server and Rasa are the session's stack (``stack``, :mod:`tests.support.fixtures`), with its
own tracker and appointments databases;
"now" is the real time, so the scripts type relative dates ("下周三上午") and pick from what is offered.
Each dialogue is one test; the pass count per language is printed at the end (``conftest.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from appointments.contacts import format_code, normalise_code
from policy_kb.lang import word_units
from tests.support.chat import Chat
from tests.support.stack import Stack

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DIALOGUES = yaml.safe_load((HERE / "dialogues.yml").read_text("utf-8"))["dialogues"]
#: What counts as a sentence rather than a short reply (Chinese characters count one each).
SENTENCE_UNITS = 4
#: The reference code of a booking just made (not the example code a question shows).
CODE = re.compile(r"(?:预约编号：|reference code is )([2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})")


@pytest.fixture(scope="module")
def services(stack: Stack) -> Stack:
    """The session's stack (its own tracker and appointments databases)."""
    return stack



def test_at_least_40_dialogues_half_in_each_language() -> None:
    langs = [d["lang"] for d in DIALOGUES]
    assert len(DIALOGUES) >= 40 and abs(langs.count("zh") - langs.count("en")) <= 2
    assert any(d.get("mixed") for d in DIALOGUES) and any(d.get("held_out") for d in DIALOGUES)


def _training_examples() -> set[str]:
    examples = set()
    for f in (ROOT / "data" / "nlu").rglob("*.yml"):
        for block in yaml.safe_load(f.read_text("utf-8")).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}", r"\1\2", line.strip().removeprefix("- "))
                examples.add(text.casefold().strip())
    return examples


def test_held_out_turns_are_not_training_examples() -> None:
    """Held-out dialogues' sentences are not NLU examples (short replies and names like "yes", "大同" are
    in every form of the data by nature: the form's question reads them, not the classifier)."""
    examples = _training_examples()
    seen = [t["say"] for d in DIALOGUES if d.get("held_out") for t in d["turns"]
            if "{code}" not in t["say"] and word_units(t["say"]) >= SENTENCE_UNITS
            and t["say"].casefold().strip() in examples]
    assert not seen, f"held-out turns found in data/nlu: {seen}"


@pytest.mark.parametrize("dialogue", [
    pytest.param(d, marks=pytest.mark.xfail(reason=d["known_nlu_miss"], strict=False)) if d.get("known_nlu_miss") else d
    for d in DIALOGUES], ids=[d["name"] for d in DIALOGUES])
def test_typed_dialogue(services: Stack, dialogue: dict) -> None:
    chat = Chat(services, "dialogue")
    code = ""
    for turn in dialogue["turns"]:
        reply = chat.text(turn["say"].replace("{code}", format_code(code) if code else ""))
        for phrase in turn["expect"]:
            assert any(alt in reply for alt in phrase.split("|")), f"expected {phrase!r}\n" + "\n".join(chat.transcript)
        found = CODE.search(reply)
        code = normalise_code(found.group(1)) if found else code
