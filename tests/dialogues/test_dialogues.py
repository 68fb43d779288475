"""The typed dialogues of ``dialogues.yml``, end to end over REST against the trained model.

The action server and Rasa run on free ports with their own tracker and appointments databases;
"now" is the real time, so the scripts type relative dates ("下周三上午") and pick from what is offered.
Each dialogue is one test; the pass count per language is printed at the end (``conftest.py``).
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from appointments.contacts import format_code, normalise_code
from bot.runner import Services, running
from policy_kb.lang import word_units
from tests.assistant.conftest import Chat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DIALOGUES = yaml.safe_load((HERE / "dialogues.yml").read_text("utf-8"))["dialogues"]
#: What counts as a sentence rather than a short reply (Chinese characters count one each).
SENTENCE_UNITS = 4
#: The reference code of a booking just made (not the example code a question shows).
CODE = re.compile(r"(?:预约编号：|reference code is )([2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    keys = ("TRACKER_SQLITE_PATH", "APPOINTMENTS_DATABASE_URL", "APPOINTMENTS_CATALOGUE_OVERRIDES")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ["TRACKER_SQLITE_PATH"] = str(tmp_path_factory.mktemp("tracker") / "tracker.sqlite3")
    os.environ["APPOINTMENTS_DATABASE_URL"] = f"sqlite:///{tmp_path_factory.mktemp('appointments') / 'a.sqlite3'}"
    os.environ.pop("APPOINTMENTS_CATALOGUE_OVERRIDES", None)
    try:
        with running(Services(rasa_port=_free_port(), action_port=_free_port(), with_web=False,
                              log_dir=tmp_path_factory.mktemp("logs"))) as s:
            yield s
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


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
def test_typed_dialogue(services: Services, dialogue: dict) -> None:
    chat = Chat(services, "dialogue")
    code = ""
    for turn in dialogue["turns"]:
        reply = chat.text(turn["say"].replace("{code}", format_code(code) if code else ""))
        for phrase in turn["expect"]:
            assert any(alt in reply for alt in phrase.split("|")), f"expected {phrase!r}\n" + "\n".join(chat.transcript)
        found = CODE.search(reply)
        code = normalise_code(found.group(1)) if found else code
