"""``python -m bot registry``: staff token only, contacts masked in the list, in full when shown, audited,
the CSV header, and ``forget`` deleting the registration with the conversation that made it."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore

from registry.store import CSV_COLUMNS, Answers, RegistryStore, close_stores, open_store
from tests.security.test_retention import rows_saying, save
from tests.support.cli import run_cli

TOKEN = "cli-staff-token-" + "x" * 16


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RegistryStore:
    url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    for k, v in {"REGISTRY_DATABASE_URL": url, "APPOINTMENTS_HASH_KEY": "test-key", "STAFF_TOKEN": TOKEN,
                 "TRACKER_SQLITE_PATH": str(tmp_path / "tracker.sqlite3"),
                 "APPOINTMENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'appointments.sqlite3'}"}.items():
        monkeypatch.setenv(k, v)
    store = open_store(url)
    store.save("wx:openid-zhang", Answers(lang="zh", city_code="1408", county_code="140821", country_code="CA",
                                          interests=("investing",), contact_kind="email", contact="zhang.wei@example.com"))
    store.save("web:anna", Answers(lang="en", city_code="1401", country_code="MY", contact_kind="phone",
                                   contact="+60123456789"))
    yield store
    close_stores([url])


def test_without_the_staff_token_nobody_is_listed(registry: RegistryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STAFF_TOKEN")
    done = run_cli("registry", "list")
    assert done.returncode == 2 and "STAFF_TOKEN" in done.stderr and done.stdout == ""
    monkeypatch.setenv("STAFF_TOKEN", "short")
    assert run_cli("registry", "list").returncode == 2


def test_list_is_newest_first_masked_filtered_and_shows_no_openid(registry: RegistryStore) -> None:
    listed = run_cli("registry", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert len(lines) == 2 and "+60123456789" not in listed.stdout
    assert lines[0].split(" | ")[2] == "太原市" and "zhan***@example.com" in lines[1]
    assert "zhang.wei@" not in listed.stdout and "openid" not in listed.stdout
    by_city = run_cli("registry", "list", "--city", "运城")
    assert by_city.stdout.count("\n") == 1 and "临猗县" in by_city.stdout
    by_country = run_cli("registry", "list", "--country", "Malaysia", "--json")
    assert '"country_code": "MY"' in by_country.stdout
    assert run_cli("registry", "list", "--city", "北京").returncode == 2


def test_show_contacted_export_and_every_step_audited(registry: RegistryStore, tmp_path: Path) -> None:
    ref = registry.for_conversation("wx:openid-zhang").display_ref
    shown = run_cli("registry", "show", ref.lower())
    assert shown.returncode == 0 and "zhang.wei@example.com" in shown.stdout
    assert run_cli("registry", "contacted", ref).stdout.strip() == f"{ref}: contacted"
    out = tmp_path / "export.csv"
    assert run_cli("registry", "export", "--out", str(out), "--interest", "investing").returncode == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 2 and rows[1][0] == ref and rows[1][12]
    assert oct(os.stat(out).st_mode & 0o777) == "0o600"
    trail = registry.audit_trail()
    assert [(a["action"], a["actor"]) for a in trail[:3]] == [("export", "cli"), ("contacted", "cli"), ("view", "cli")]
    assert "zhang" not in str(trail)


def test_forget_deletes_the_registration_and_its_conversation(registry: RegistryStore, tmp_path: Path) -> None:
    trackers = SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.sqlite3"))
    save(trackers, "wx:openid-zhang", 1_800_000_000, said="我祖籍运城临猗，邮箱 zhang.wei@example.com")
    save(trackers, "web:anna", 1_800_000_000, said="Taiyuan")
    ref = registry.for_conversation("wx:openid-zhang").display_ref
    done = run_cli("registry", "forget", ref)
    assert done.returncode == 0 and "5 tracker event(s)" in done.stdout, done.stdout + done.stderr
    assert registry.for_conversation("wx:openid-zhang") is None and registry.for_conversation("web:anna") is not None
    assert rows_saying(trackers.engine, "zhang.wei") == 0 and rows_saying(trackers.engine, "Taiyuan") == 1
    assert run_cli("registry", "forget", ref).returncode == 1
    trackers.engine.dispose()


def test_privacy_forget_by_contact_reaches_the_register(registry: RegistryStore) -> None:
    done = run_cli("privacy", "forget", "--contact", "Zhang.Wei@example.com")
    assert done.returncode == 0 and "1 registration(s)" in done.stdout
    assert registry.for_conversation("wx:openid-zhang") is None
