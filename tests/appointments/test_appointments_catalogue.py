"""The catalogue: shipped data is honest (placeholders, articles), lookups work, overrides merge."""

from __future__ import annotations

import re

import pytest
import yaml

from appointments import catalogue as cat
from appointments.catalogue import CatalogueError, UnknownId, load_catalogue

PREFECTURE_CITIES = {"taiyuan", "datong", "yangquan", "changzhi", "jincheng", "shuozhou", "jinzhong",
                     "yuncheng", "xinzhou", "linfen", "lvliang"}


def test_shipped_catalogue_has_the_provincial_window_and_every_prefecture_city() -> None:
    c = load_catalogue()
    assert list(c.windows)[0] == "shanxi_provincial"
    assert c.windows["shanxi_provincial"].level == "provincial"
    assert {w.id for w in c.windows.values() if w.level == "city"} == PREFECTURE_CITIES


def test_services_cover_the_issue_and_cite_articles() -> None:
    c = load_catalogue()
    expected = {"work_permit": 17, "residence_permit": 17, "green_channel": 17, "social_insurance": 18,
                "schooling": 18, "medical_appointment": 18, "permanent_residence": 19, "returnee_support": 9,
                "policy_consultation": 18}
    assert {sid: c.services[sid].article for sid in expected} == expected
    assert all(1 <= s.article <= 25 and s.name_zh and s.name_en for s in c.services.values())


def test_no_invented_contact_details_ship() -> None:
    for w in load_catalogue().windows.values():
        assert w.contact.placeholder is True
        assert (w.contact.address_zh, w.contact.address_en, w.contact.phone, w.contact.email) == (None,) * 4
        assert w.hours_operator_default is True


def test_default_hours_have_a_lunch_break() -> None:
    w = load_catalogue().window("datong")
    assert [(p.start.isoformat("minutes"), p.end.isoformat("minutes")) for p in w.hours] == [
        ("09:00", "12:00"), ("14:00", "17:30")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("大同", ["datong"]),
        ("我想去大同市的窗口", ["datong"]),
        ("Datong", ["datong"]),
        ("I'd like to go to DATONG please", ["datong"]),
        ("太原市", ["taiyuan"]),
        ("Taiyuan City", ["taiyuan"]),
        ("太原", ["shanxi_provincial", "taiyuan"]),  # ambiguous: the conversation asks
        ("并州", ["shanxi_provincial", "taiyuan"]),
        ("省级窗口", ["shanxi_provincial"]),
        ("the provincial window", ["shanxi_provincial"]),
        ("太原 省级", ["shanxi_provincial"]),
        ("Shanxi province, Datong", ["datong"]),  # a place beats a level word
        ("吕梁", ["lvliang"]),
        ("Lüliang", ["lvliang"]),
        ("lvliang", ["lvliang"]),
        ("榆次", ["jinzhong"]),
        ("晋城", ["jincheng"]),
        ("晋中", ["jinzhong"]),
        ("上党", ["changzhi"]),
        ("ｄａｔｏｎｇ", ["datong"]),  # full-width letters
        ("dating", []),  # whole words only
        ("北京", []),
        ("", []),
    ],
)
def test_find_windows(text: str, expected: list[str]) -> None:
    assert [w.id for w in cat.find_windows(text, load_catalogue())] == expected


def test_find_window_returns_the_first_match_or_none() -> None:
    c = load_catalogue()
    assert cat.find_window("运城", c).id == "yuncheng"
    assert cat.find_window("Taiyuan", c).id == "shanxi_provincial"
    assert cat.find_window("Paris", c) is None


def test_contact_text_is_honest_while_placeholder() -> None:
    c = load_catalogue()
    zh, en = cat.contact_text("datong", "zh", c), cat.contact_text("datong", "en", c)
    assert "运营方配置" in zh and "大同" in zh
    assert "being configured by the operator" in en and "Datong" in en
    assert not re.search(r"\d{5,}", zh + en), "no phone number may appear"


def test_contact_text_unknown_window() -> None:
    with pytest.raises(UnknownId, match="unknown window id 'paris'"):
        load_catalogue().contact_text("paris", "en")


def test_override_sets_contact_hours_and_capacity(write_overrides, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_overrides({
        "booking": {"horizon_days": 14},
        "calendar": {"closed_dates": ["2026-12-31"]},
        "windows": {"datong": {
            "capacity": 5, "slot_minutes": 20,
            "hours": [{"start": "08:30", "end": "12:00"}],
            "contact": {"placeholder": False, "address_zh": "大同市某路1号（测试）", "email": "window@example.org"},
        }},
        "services": {"work_permit": {"name_en": "Work permit (test name)"}},
    })
    monkeypatch.setenv(cat.OVERRIDES_ENV, str(path))
    c = cat.reload_catalogue()
    w = c.window("datong")
    assert (w.capacity, w.slot_minutes, len(w.hours)) == (5, 20, 1)
    assert c.rules.horizon_days == 14 and str(next(iter(c.closed_dates))) == "2026-12-31"
    assert c.service("work_permit").name_en == "Work permit (test name)"
    zh = cat.contact_text("datong", "zh")
    assert "地址：大同市某路1号（测试）" in zh and "邮箱：window@example.org" in zh and "电话" not in zh
    en = cat.contact_text("datong", "en")
    assert "Address: 大同市某路1号（测试）" in en  # no English address: the Chinese one helps a taxi driver
    assert c.window("linfen").contact.placeholder is True  # other windows untouched
    assert len(c.sources) == 2


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"windows": {"beijing": {"capacity": 2}}}, "unknown id 'beijing'"),
        ({"windows": {"datong": {"contact": {"phone": "0352-0000000"}}}}, "placeholder is still true"),
        ({"windows": {"datong": {"contact": {"placeholder": False}}}}, "no address, phone or email"),
        ({"windows": {"datong": {"capacity": 0}}}, "windows.datong.capacity"),
        ({"windows": {"datong": {"hours": [{"start": 540, "end": "12:00"}]}}}, "quote the time"),
        ({"windows": {"datong": {"hours": [{"start": "14:00", "end": "12:00"}]}}}, "not after start"),
        ({"windows": {"datong": {"hours": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "15:00"}]}}},
         "not overlap"),
        ({"windows": {"datong": {"services": ["astrology"]}}}, "unknown service id 'astrology'"),
        ({"services": {"work_permit": {"article": 26}}}, "services.work_permit.article"),
        ({"calendar": {"closed_dates": ["31/12/2026"]}}, "YYYY-MM-DD"),
        ({"calendar": {"closed_dates": ["2026-12-31"], "extra_working_dates": ["2026-12-31"]}}, "both closed"),
        ({"windws": {}}, "unknown section"),
    ],
)
def test_bad_overrides_fail_with_a_clear_message(write_overrides, doc: dict, message: str) -> None:
    with pytest.raises(CatalogueError, match=re.escape(message)):
        load_catalogue(overrides=write_overrides(doc))


def test_missing_override_file_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv(cat.OVERRIDES_ENV, str(tmp_path / "nope.yml"))
    with pytest.raises(CatalogueError, match="no such file"):
        load_catalogue()


def test_window_service_restriction(write_overrides) -> None:
    c = load_catalogue(overrides=write_overrides({"windows": {"shuozhou": {"services": ["work_permit"]}}}))
    assert c.window("shuozhou").offers("work_permit") and not c.window("shuozhou").offers("schooling")
    assert c.window("datong").offers("schooling")


@pytest.mark.parametrize(
    ("doc", "path", "problem"),
    [
        ({"windows": {"datong": {"hours": [{"start": "9:00", "end": "12:00"}]}}},
         "windows.datong.hours[0].start", "expected a time \"HH:MM\" (got '9:00')"),
        ({"windows": {"datong": {"closed_dates": ["2026-12-31"], "extra_working_dates": ["2026-12-31"]}}},
         "windows.datong", "dates both closed and extra working: 2026-12-31"),
        ({"windows": {"datong": {"capacity": "3"}}}, "windows.datong.capacity", "(got '3')"),
        ({"windows": {"datong": {"capcity": 3}}}, "windows.datong.capcity", "extra fields not permitted"),
        ({"services": {"schooling": {"name_zh": " "}}}, "services.schooling.name_zh", "at least 1 characters"),
        ({"booking": {"horizon_days": 0}}, "booking.horizon_days", "greater than or equal to 1 (got 0)"),
    ],
)
def test_an_override_mistake_names_the_override_file_the_path_and_the_problem(
        write_overrides, doc: dict, path: str, problem: str) -> None:
    overrides = write_overrides(doc)
    with pytest.raises(CatalogueError) as err:
        load_catalogue(overrides=overrides)
    assert str(err.value).startswith(f"{overrides}: {path}: ")
    assert problem in str(err.value)


def test_a_mistake_in_the_shipped_file_names_that_file(tmp_path) -> None:
    doc = yaml.safe_load(cat.DATA_FILE.read_text(encoding="utf-8"))
    del next(s for s in doc["services"] if s["id"] == "employment")["name_zh"]
    broken = tmp_path / "catalogue.yml"
    text = yaml.safe_dump(doc, allow_unicode=True)
    broken.write_text(text.replace("start: '14:00'", "start: 14:00", 1), encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(broken)
    problems = str(err.value).split("; ")
    assert f"{broken}: services.employment.name_zh: field required" in problems
    # YAML 1.1 reads an unquoted 14:00 as 840 (base 60): the defaults' hours apply to every window
    assert f'{broken}: windows.shanxi_provincial.hours[1].start: quote the time, e.g. "09:00" ' \
           "(YAML read it as the number 840) (got 840)" in problems
