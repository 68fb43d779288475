"""The register's store on SQLite and PostgreSQL: one record per conversation, staff reads audited without
personal data, the CSV, retention and deletion."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy.engine import Engine

from registry.store import CSV_COLUMNS, Answers, Filters, RegistryStore, normalise_ref

ZHANG = Answers(lang="zh", city_code="1408", county_code="140821", country_code="CA", industry="国际贸易",
                situation="=HYPERLINK(\"http://evil\")", interests=("return_visit", "investing"), contact_kind="email",
                contact="zhang.wei@example.com")
ANNA = Answers(lang="en", city_code="1401", county_code="140105", country_code="MY", interests=("family_contact",),
               contact_kind="phone", contact="+60123456789")


@pytest.fixture
def store(db_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> RegistryStore:
    monkeypatch.setenv("APPOINTMENTS_HASH_KEY", "test-key")
    return RegistryStore(db_engine)


def test_one_registration_per_conversation_updated_under_the_same_reference(store: RegistryStore) -> None:
    first = store.save("wx:openid-zhang", ZHANG)
    again = store.save("wx:openid-zhang", Answers(lang="zh", city_code="1401"))
    assert again.ref == first.ref and again.city_code == "1401" and again.contact is None
    assert first.channel == "wechat" and normalise_ref(first.display_ref.lower()) == first.ref
    assert store.for_conversation("wx:openid-zhang").ref == first.ref
    assert store.for_conversation("web:someone-else") is None


def test_staff_list_newest_first_and_filters(store: RegistryStore) -> None:
    t0 = dt.datetime(2026, 12, 1, 9, 0)
    z = store.save("wx:openid-zhang", ZHANG, now=t0)
    a = store.save("web:anna", ANNA, now=t0 + dt.timedelta(hours=1))
    assert [r.ref for r in store.list("test")] == [a.ref, z.ref]
    assert [r.ref for r in store.list("test", Filters(city="1408"))] == [z.ref]
    assert [r.ref for r in store.list("test", Filters(country="MY"))] == [a.ref]
    assert [r.ref for r in store.list("test", Filters(interest="investing"))] == [z.ref]
    assert store.list("test", Filters(interest="business")) == []
    assert store.countries() == ["CA", "MY"]
    with pytest.raises(ValueError):
        Filters(city="9999")


def test_openids_are_never_stored_and_staff_see_a_reference(store: RegistryStore, db_engine: Engine) -> None:
    r = store.save("wx:openid-zhang", ZHANG)
    shown = store.get(r.display_ref, "test").as_json("zh", masked=False)
    assert "openid" not in str(shown) and shown["ref"] == r.display_ref and shown["contact"] == "zhang.wei@example.com"
    assert store.list("test")[0].as_json("zh", masked=True)["contact"] == "zhan***@example.com"
    with db_engine.connect() as conn:
        dump = " ".join(str(row) for row in conn.exec_driver_sql("SELECT * FROM registrations"))
    assert "openid-zhang" not in dump


def test_every_staff_read_is_audited_without_personal_data(store: RegistryStore) -> None:
    r = store.save("wx:openid-zhang", ZHANG)
    store.list("staff-web", Filters(country="CA"))
    store.get(r.ref, "staff-web")
    store.mark_contacted(r.ref, "cli")
    store.export_csv("staff-web")
    trail = store.audit_trail()
    assert [a["action"] for a in trail] == ["export", "contacted", "view", "list"]
    assert trail[-1]["filters"] == "country=CA" and trail[1]["ref"] == r.display_ref and trail[0]["rows"] == 1
    text = str(trail)
    for personal in ("zhang.wei", "国际贸易", "HYPERLINK", "140821"):
        assert personal not in text
    assert store.get(r.ref, "x").contacted_at is not None


def test_the_csv_has_its_header_and_runs_no_formula(store: RegistryStore) -> None:
    store.save("wx:openid-zhang", ZHANG)
    rows = list(csv.reader(io.StringIO(store.export_csv("test", lang="zh"))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 2
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["city"] == "运城市" and record["county"] == "临猗县" and record["country"] == "加拿大"
    assert record["contact"] == "zhang.wei@example.com" and record["interests"] == "回乡考察、交流、访问; 在山西投资"
    assert record["situation"].startswith("'=")  # a spreadsheet shows it, never runs it


def test_retention_deletes_registrations_not_updated_for_the_period(store: RegistryStore, monkeypatch) -> None:
    monkeypatch.setenv("APPOINTMENTS_RETENTION_DAYS", "30")
    now = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    store.save("web:old", ANNA, now=dt.datetime(2026, 10, 1))
    store.save("web:recent", ANNA, now=dt.datetime(2026, 11, 20))
    assert store.purge_expired(now=now) == 1
    assert store.for_conversation("web:old") is None and store.for_conversation("web:recent") is not None


def test_deletion_by_contact_by_reference_and_by_the_conversation(store: RegistryStore) -> None:
    z = store.save("wx:openid-zhang", ZHANG)
    store.save("web:anna", ANNA)
    assert store.conversation_hashes("ZHANG.WEI@example.com") and store.forget_contact("zhang.wei@example.com") == 1
    assert store.get(z.ref, "t") is None
    a = store.for_conversation("web:anna")
    assert store.forget(a.display_ref, "t") is not None and store.for_conversation("web:anna") is None
    store.save("web:anna", ANNA)
    assert store.delete_for_conversation("web:anna") and not store.delete_for_conversation("web:anna")
