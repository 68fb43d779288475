"""Language switching and handoff."""

from __future__ import annotations

from actions.handoff import ActionHandoff
from actions.language import ActionSwitchLanguage, reply_language
from actions.texts import text
from tests.support.actions import make_tracker, run_action


def slot_events(events) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_switch_to_the_named_language() -> None:
    messages, events = run_action(
        ActionSwitchLanguage(), make_tracker("请用英文回答", entities=[{"entity": "target_language", "value": "en"}])
    )
    assert slot_events(events) == {"language_pref": "en", "language": "en"}
    assert messages[0]["text"] == text("language_switched", "en")


def test_switch_without_a_target_flips_the_language() -> None:
    _, events = run_action(ActionSwitchLanguage(), make_tracker("switch language"))
    assert slot_events(events)["language_pref"] == "zh"


def test_preference_overrides_detection_until_switched_again() -> None:
    """``language`` keeps what was detected; the preference decides the reply (the domain's responses
    follow the same rule: tests/bot/test_nlg.py)."""
    assert reply_language(make_tracker("绿卡", slots={"language_pref": "en"})) == "en"
    assert reply_language(make_tracker("green card", slots={"language_pref": "zh"})) == "zh"
    assert reply_language(make_tracker("绿卡")) == "zh"
    assert reply_language(make_tracker("green card")) == "en"


def test_handoff_gives_the_configured_contact_path_and_records_it() -> None:
    messages, events = run_action(ActionHandoff(), make_tracker("转人工", intent="handoff"))
    assert "服务窗口" in messages[0]["text"] and "运营方配置" in messages[0]["text"]
    assert not any(ch.isdigit() for ch in messages[0]["text"].replace("第十八条", "")), "no invented phone numbers"
    assert slot_events(events) == {"handoff_requested": True, "city": "shanxi_provincial"}


def test_handoff_uses_the_users_city() -> None:
    messages, events = run_action(
        ActionHandoff(), make_tracker("talk to a person in Datong", intent="handoff",
                                      entities=[{"entity": "city", "value": "datong"}])
    )
    assert "Datong" in messages[0]["text"] and slot_events(events)["city"] == "datong"


def test_every_action_text_has_both_languages() -> None:
    for key in text:
        assert text(key, "zh") and text(key, "en")
