"""``python -m bot appointments list|forget|purge`` as staff use it, on SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import csv
import io

import pytest

from appointments.store import AppointmentStore
from bot.cli import appointments as cli
from tests.support.appointments import at, database_url_for

MONDAY = "2026-11-30"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["appointments", *argv])
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def seeded(store: AppointmentStore, db_engine, monkeypatch: pytest.MonkeyPatch) -> AppointmentStore:
    """Three bookings on Monday 30 November (one anonymous, one cancelled) and one on Tuesday."""
    monkeypatch.setenv("APPOINTMENTS_DATABASE_URL", database_url_for(db_engine))
    book = store.book
    book(window_id="datong", service_id="work_permit", start=at(2026, 11, 30, 9, 0), consent=True, name="Anna",
         contact="anna@example.org", conversation_id="a")
    book(window_id="datong", service_id="schooling", start=at(2026, 11, 30, 10, 0), consent=True, name="李伟",
         contact="13800138000", conversation_id="b")
    book(window_id="linfen", service_id="social_insurance", start=at(2026, 11, 30, 9, 30), conversation_id="c")
    gone = book(window_id="datong", service_id="work_permit", start=at(2026, 11, 30, 11, 0), conversation_id="d")
    store.cancel(gone.appointment.code)
    book(window_id="datong", service_id="work_permit", start=at(2026, 12, 1, 9, 0), consent=True, name="Anna",
         contact="anna@example.org", conversation_id="a")
    return store


def test_list_a_day(seeded: AppointmentStore, capsys) -> None:
    code, out, err = run(capsys, "list", "--date", MONDAY)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"{MONDAY} · 全部窗口 · 3 个预约"
    assert [ln[:11] for ln in lines[1:]] == ["09:00-09:30", "09:30-10:00", "10:00-10:30"]
    assert "Anna" in lines[1] and "anna@example.org" in lines[1] and "外国人来华工作许可咨询" in lines[1]
    assert "（匿名）" in lines[2] and "linfen" in lines[2]
    assert "+8613800138000" in lines[3]


def test_list_one_window_by_alias_in_english(seeded: AppointmentStore, capsys) -> None:
    code, out, _ = run(capsys, "list", "--date", MONDAY, "--window", "Datong", "--lang", "en", "--all")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"{MONDAY} · Foreign Talent Service Window, Datong · 3 appointment(s)"
    assert len(lines) == 4 and "[cancelled]" in lines[3] and "Schooling for spouses and children" in lines[2]


def test_list_csv(seeded: AppointmentStore, capsys) -> None:
    code, out, _ = run(capsys, "list", "--date", MONDAY, "--window", "大同", "--csv")
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    assert list(table[0]) == list(cli.CSV_COLUMNS)
    assert [(r["start"], r["service_id"], r["name"], r["contact"]) for r in table] == [
        ("09:00", "work_permit", "Anna", "anna@example.org"), ("10:00", "schooling", "李伟", "+8613800138000")]
    assert all(len(r["code"]) == 9 and r["code"][4] == "-" for r in table)


def test_list_an_empty_day(seeded: AppointmentStore, capsys) -> None:
    code, out, _ = run(capsys, "list", "--date", "2026-12-25")
    assert code == 0 and out.strip() == "2026-12-25 · 全部窗口 · 0 个预约"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["list", "--date", "30/11/2026"], "--date: expected YYYY-MM-DD"),
        (["list", "--date", "2026-02-30"], "--date: expected YYYY-MM-DD"),
        (["list", "--window", "Paris"], "--window: unknown window 'Paris'"),
        (["list", "--window", "太原"], "matches several windows (shanxi_provincial, taiyuan)"),
        (["list", "--lang", "fr"], "--lang: expected zh or en"),
        (["forget"], "--contact: required"),
        (["forget", "--contact", "anna@"], "--contact: expected an e-mail address or a phone number"),
        (["forget", "--contact", "12345"], "--contact: expected"),
        (["purge", "--days", "x"], "--days: expected a whole number"),
        (["purge", "--days", "-3"], "--days: expected a whole number"),
        (["purge", "--days", "²"], "--days: expected a whole number"),
    ],
)
def test_bad_input_exits_2_with_one_line(seeded: AppointmentStore, capsys, argv: list[str], message: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err, err


def test_forget_says_how_many_records(seeded: AppointmentStore, capsys) -> None:
    code, out, _ = run(capsys, "forget", "--contact", "ANNA@example.org")
    assert code == 0 and out.strip() == ("Deleted 2 appointment record(s) and 0 tracker event(s) of 0 "
                                         "conversation(s) linked to that contact.")
    assert "anna" not in out, "personal data is never printed (cron logs keep stdout)"
    assert run(capsys, "forget", "--contact", "anna@example.org")[1].startswith("Deleted 0 ")
    assert run(capsys, "forget", "--contact", "138 0013 8000")[1].startswith("Deleted 1 ")
    assert [a.name for a in seeded.list_day(at(2026, 11, 30).date())] == [None]


def test_purge(seeded: AppointmentStore, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI runs at the real current time; the seeded slots (end of November 2026) are old
    # enough only if today is well past them, so compare with what the store itself computes.
    code, out, _ = run(capsys, "purge", "--days", "0")
    assert code == 0 and out.startswith("Retention 0 day(s): deleted 0 tracker event(s)")
    monkeypatch.setenv("APPOINTMENTS_RETENTION_DAYS", "seven")
    code, _, err = run(capsys, "purge")
    assert code == 2 and "APPOINTMENTS_RETENTION_DAYS must be a whole number" in err
    monkeypatch.setenv("APPOINTMENTS_RETENTION_DAYS", "7")
    code, out, _ = run(capsys, "purge")
    assert code == 0 and out.startswith("Retention 7 day(s)")


def test_purge_counts_against_the_real_clock(store: AppointmentStore, db_engine, capsys, monkeypatch) -> None:
    monkeypatch.setenv("APPOINTMENTS_DATABASE_URL", database_url_for(db_engine))
    from appointments.workdays import now_local

    real_now = now_local()
    store.schedule.clock = lambda: real_now.replace(year=real_now.year - 1)  # book a year ago
    slots = store.nearest_free_slots("datong", "work_permit", store.schedule.now(), 2)
    for i, slot in enumerate(slots):
        assert store.book(window_id="datong", service_id="work_permit", start=slot.start, consent=True,
                          name="Old", contact=f"old{i}@example.org").ok
    code, out, _ = run(capsys, "purge", "--days", "30")
    assert code == 0 and "removed personal data from 2 appointment record(s)" in out
    assert "removed personal data from 0 appointment record(s)" in run(capsys, "purge", "--days", "30")[1]


def test_broken_override_file_is_one_line(seeded: AppointmentStore, capsys, monkeypatch, write_overrides) -> None:
    from appointments import catalogue as cat

    monkeypatch.setenv(cat.OVERRIDES_ENV, str(write_overrides({"windows": {"atlantis": {}}})))
    cat.get_catalogue.cache_clear()
    code, _, err = run(capsys, "list")
    assert code == 2 and err.count("\n") == 1 and "unknown id 'atlantis'" in err


def test_unreachable_database_is_one_line(capsys, monkeypatch) -> None:
    monkeypatch.setenv("APPOINTMENTS_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    code, _, err = run(capsys, "list")
    assert code == 1 and err.count("\n") == 1 and err.startswith("error: appointments database:")


def test_through_the_bot_dispatcher(seeded: AppointmentStore, capsys, monkeypatch) -> None:
    import bot.cli as dispatcher

    monkeypatch.setattr(dispatcher, "SUBCOMMANDS", ("appointments",))  # as the lead will register it
    assert dispatcher.main(["appointments", "list", "--date", MONDAY, "--csv"]) == 0
    assert capsys.readouterr().out.count("\n") == 1 + 3
