"""The staff register pages: over HTTP (token only, masked list, one in full, contacted, CSV, audit logged
without personal data) and in the real browser (Debian's Chromium through Playwright): sign in, list,
filter, open one, mark contacted, export. The pages need no Rasa: the web front runs against a dead one.
Screenshot: ``test-results/screenshots/staff-registrations.png``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from registry.store import CSV_COLUMNS, Answers, RegistryStore, close_stores, open_store
from tests.support.net import http
from tests.support.web import STAFF_TOKEN, screenshot, web_process

HASH_KEY = "staff-web-test-key"
#: How long the page may take to show what the server answers (a loaded machine is slow, not wrong).
SLOW_MS = 60_000
AUTH = {"Authorization": f"Bearer {STAFF_TOKEN}"}
PEOPLE = {
    "wx:openid-zhang": Answers(lang="zh", city_code="1408", county_code="140821", country_code="CA", industry="国际贸易",
                               situation="多伦多进出口公司，约30人", interests=("return_visit", "investing"),
                               contact_kind="email", contact="zhang.wei@example.com"),
    "web:anna": Answers(lang="en", city_code="1401", county_code="140105", country_code="MY", industry="software",
                        interests=("family_contact",), contact_kind="phone", contact="+60123456789"),
    "wx:openid-li": Answers(lang="zh", city_code="1408", country_code="US", interests=("business",), contact_kind="wechat"),
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, RegistryStore]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('registry') / 'registry.sqlite3'}"
    mp = pytest.MonkeyPatch()
    mp.setenv("APPOINTMENTS_HASH_KEY", HASH_KEY)
    store = open_store(url)
    for sender, answers in PEOPLE.items():
        store.save(sender, answers)
    yield url, store
    close_stores([url])
    mp.undo()


@pytest.fixture(scope="module")
def web(seeded: tuple[str, RegistryStore]) -> Iterator:
    url, _ = seeded
    with web_process("http://127.0.0.1:9", STAFF_TOKEN, name="web-registry",
                     env={"REGISTRY_DATABASE_URL": url, "APPOINTMENTS_HASH_KEY": HASH_KEY}) as proc:
        yield proc


def test_without_a_staff_token_the_pages_do_not_exist(seeded: tuple[str, RegistryStore]) -> None:
    with web_process("http://127.0.0.1:9", None, name="web-registry-off", env={"REGISTRY_DATABASE_URL": seeded[0]}) as w:
        for path in ("/staff/registrations", "/staff/registry.js", "/api/staff/registrations", "/api/staff/registrations.csv"):
            assert http("GET", w.url + path).status == 404, path


def test_the_api_needs_the_bearer_token(web) -> None:
    for path in ("/api/staff/registrations", "/api/staff/registrations.csv", "/api/staff/registrations/R-2222222"):
        assert http("GET", web.url + path).status == 401
        assert http("GET", web.url + path, headers={"Authorization": "Bearer wrong-token-xxxxxxxxxxxxxxxx"}).status == 401
    assert http("POST", web.url + "/api/staff/registrations/R-2222222/contacted", {"contacted": True}).status == 401


def test_list_masked_newest_first_filtered_one_in_full_and_contacted(web, seeded) -> None:
    listed = http("GET", web.url + "/api/staff/registrations", headers=AUTH).json()
    rows = listed["registrations"]
    assert [r["country_code"] for r in rows] == ["US", "MY", "CA"], "newest first"
    assert rows[2]["contact"] == "zhan***@example.com" and "zhang.wei@" not in str(listed)
    assert "openid" not in str(listed) and all(r["ref"].startswith("R-") for r in rows)
    assert {c["code"] for c in listed["countries"]} == {"CA", "MY", "US"} and len(listed["cities"]) == 11
    by_city = http("GET", web.url + "/api/staff/registrations?city=1408", headers=AUTH).json()["registrations"]
    assert [r["country_code"] for r in by_city] == ["US", "CA"]
    by_interest = http("GET", web.url + "/api/staff/registrations?interest=family_contact", headers=AUTH).json()
    assert [r["country_code"] for r in by_interest["registrations"]] == ["MY"]
    assert http("GET", web.url + "/api/staff/registrations?city=9999", headers=AUTH).status == 400
    ref = rows[2]["ref"]
    full = http("GET", f"{web.url}/api/staff/registrations/{ref}", headers=AUTH).json()
    assert full["contact"] == "zhang.wei@example.com" and full["county"] == "临猗县" and full["situation"]
    marked = http("POST", f"{web.url}/api/staff/registrations/{ref}/contacted", {"contacted": True}, headers=AUTH).json()
    assert marked["contacted_at"]
    assert http("POST", f"{web.url}/api/staff/registrations/{ref}/contacted", {"contacted": "yes"}, headers=AUTH).status == 400
    assert http("GET", f"{web.url}/api/staff/registrations/R-2222222", headers=AUTH).status == 404
    http("POST", f"{web.url}/api/staff/registrations/{ref}/contacted", {"contacted": False}, headers=AUTH)


def test_the_csv_export_and_the_log_carries_no_personal_data(web) -> None:
    got = http("GET", web.url + "/api/staff/registrations.csv?country=CA", headers=AUTH)
    assert got.status == 200 and got.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in got.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(got.body.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 2 and "zhang.wei@example.com" in rows[1]
    log = Path(web.log).read_text(encoding="utf-8", errors="replace")
    assert "register export by staff-web: rows=1 filters=country=CA" in log and "register list" in log
    for personal in ("zhang.wei", "60123456789", "国际贸易", "多伦多", "openid"):
        assert personal not in log, personal


def test_staff_page_in_the_browser_list_filter_open_mark_and_export(open_page, web) -> None:
    page, watch = open_page(web.url + "/staff", locale="zh-CN")
    page.get_by_label("工作人员令牌").fill(STAFF_TOKEN)
    page.get_by_role("button", name="登录 / Sign in").click()
    page.locator("#registry-link").click()
    page.wait_for_selector("body[data-ready=true]")
    rows = page.locator("#registrations tbody tr")
    expect(rows).to_have_count(3, timeout=SLOW_MS)  # signed in through the FAQ page: the tab keeps the token
    expect(rows.first.locator("td").nth(3)).to_have_text("美国")
    expect(page.locator("#registrations")).not_to_contain_text("zhang.wei@")

    page.locator("#city").select_option("1408")
    page.get_by_role("button", name="筛选 / Filter").click()
    expect(rows).to_have_count(2, timeout=SLOW_MS)
    zhang = rows.filter(has_text="加拿大")
    expect(zhang.locator("td").nth(2)).to_have_text("运城市临猗县")
    expect(zhang.locator("td").nth(5)).to_have_text("zhan***@example.com")

    zhang.get_by_role("button", name="查看 / Open").click()
    expect(page.locator("#detail")).to_be_visible(timeout=SLOW_MS)
    expect(page.locator("#detail-fields")).to_contain_text("zhang.wei@example.com")
    expect(page.locator("#detail-fields")).to_contain_text("多伦多进出口公司")

    zhang.get_by_role("button", name="标记已联系 / Mark contacted").click()
    expect(rows.filter(has_text="加拿大").locator("td.status")).to_contain_text("已联系", timeout=SLOW_MS)

    with page.expect_download(timeout=SLOW_MS) as download:
        page.get_by_role("button", name="导出 CSV / Export CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    header, *records = list(csv.reader(io.StringIO(text)))
    assert tuple(header) == CSV_COLUMNS and len(records) == 2 and all(r[4] == "运城市" for r in records)
    page.locator("#city").select_option("")
    page.get_by_role("button", name="筛选 / Filter").click()
    expect(rows).to_have_count(3, timeout=SLOW_MS)
    screenshot(page, "staff-registrations")
    assert watch.script_errors() == []
