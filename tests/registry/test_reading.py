"""Reading what people type, without Rasa: Shanxi's places, countries, interests, consent, corrections."""

from __future__ import annotations

import pytest

from registry.countries import country_name, find_country
from registry.places import divisions, find_place
from registry.reading import read_consent, read_correction, read_interests


def test_the_divisions_file_holds_shanxis_11_cities_and_their_counties() -> None:
    d = divisions()
    assert [c.zh for c in d.cities] == ["太原市", "大同市", "阳泉市", "长治市", "晋城市", "朔州市", "晋中市", "运城市",
                                        "忻州市", "临汾市", "吕梁市"]
    counties = [c for c in d.by_code.values() if c.parent]
    assert len(counties) == 121 and all(c.code.startswith(c.parent) for c in counties)
    assert d.get("140821").zh == "临猗县" and d.get("140428").en == "Zhangzi County"  # 长子: zhǎng, not cháng
    assert d.get("1404").en == "Changzhi" and d.get("141002").en == "Yaodu District"


@pytest.mark.parametrize(("text", "city", "county"), [
    ("太原小店", "太原市", "小店区"), ("Xiaodian, Taiyuan", "太原市", "小店区"), ("运城 临猗县", "运城市", "临猗县"),
    ("临猗", "运城市", "临猗县"), ("運城臨猗縣", "运城市", "临猗县"), ("山西省太原市小店区", "太原市", "小店区"),
    ("Linyi County, Yuncheng", "运城市", "临猗县"), ("我祖籍是山西洪洞大槐树", "临汾市", "洪洞县"), ("晋城城区", "晋城市", "城区"),
    ("Pinglu County, Yuncheng", "运城市", "平陆县"), ("盂县", "阳泉市", "盂县"), ("Yu County", "阳泉市", "盂县"),
    ("五台山", "忻州市", "五台山风景名胜区"), ("大同", "大同市", None), ("Lvliang", "吕梁市", None), ("长治", "长治市", None),
    ("ＴＡＩＹＵＡＮ", "太原市", None), ("Xiaodian-District, Taiyuan", "太原市", "小店区"),
    ("linyicounty yuncheng", "运城市", "临猗县"),
])
def test_a_place_typed_freely_is_found(text: str, city: str, county: str | None) -> None:
    place = find_place(text)
    assert place.city.zh == city and (place.county.zh if place.county else None) == county


@pytest.mark.parametrize(("text", "candidates"), [("城区", ["城区", "城区"]), ("Pinglu", ["平鲁区", "平陆县"]),
                                                  ("太原 临猗", ["临猗县"])])
def test_a_name_several_places_share_is_ambiguous(text: str, candidates: list[str]) -> None:
    place = find_place(text)
    assert not place.found and [c.zh for c in place.candidates] == candidates


@pytest.mark.parametrize("text", ["北京", "Shanxi", "山西", "", "香蕉", "<script>", "x" * 10_000, "yu", "🙂"])
def test_no_shanxi_place_is_no_match(text: str) -> None:
    place = find_place(text)
    assert not place.found and not place.candidates


@pytest.mark.parametrize(("text", "code"), [
    ("加拿大", "CA"), ("I live in Malaysia", "MY"), ("the US", "US"), ("美國", "US"), ("马来西亚吉隆坡", "MY"),
    ("UK", "GB"), ("Indonesia", "ID"), ("India", "IN"), ("澳洲", "AU"), ("住在Canada", "CA"),
])
def test_a_country_by_cldr_name_or_common_short_form(text: str, code: str) -> None:
    assert find_country(text) == code


@pytest.mark.parametrize("text", ["contact us", "香蕉", "Canada or the USA", ""])
def test_no_single_country_is_none(text: str) -> None:
    assert find_country(text) is None


def test_country_names_come_from_cldr_in_both_languages() -> None:
    assert (country_name("CA", "zh"), country_name("CA", "en")) == ("加拿大", "Canada")


@pytest.mark.parametrize(("text", "interests"), [
    ("回乡考察和投资", ["return_visit", "investing"]), ("starting a business and investing", ["business", "investing"]),
    ("都感兴趣", ["return_visit", "business", "investing", "family_contact", "permit_residence"]),
    ("all of them", ["return_visit", "business", "investing", "family_contact", "permit_residence"]),
    ("想联系国内的亲戚", ["family_contact"]), ("work permit help", ["permit_residence"]), ("香蕉", []),
])
def test_interests_by_their_words(text: str, interests: list[str]) -> None:
    assert read_interests(text) == interests


@pytest.mark.parametrize(("text", "consent"), [("同意", True), ("我同意登记", True), ("I agree", True), ("不同意", False),
                                                ("I don't agree", False), ("no thanks", False), ("香蕉", None)])
def test_consent_negations_first(text: str, consent: bool | None) -> None:
    assert read_consent(text) is consent


@pytest.mark.parametrize(("text", "field", "rest"), [
    ("国家改成加拿大", "reg_country", "加拿大"), ("change the industry", "reg_industry", ""),
    ("my country is Malaysia", "reg_country", "Malaysia"), ("祖籍改成运城临猗", "reg_city", "运城临猗"),
    ("联系方式改为 a@b.cn", "reg_contact", "a@b.cn"), ("确认", None, "确认"),
])
def test_a_correction_names_its_field(text: str, field: str | None, rest: str) -> None:
    assert read_correction(text) == (field, rest)
