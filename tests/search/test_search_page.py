"""GET /search?q=: each kind found, grouped and capped, under the same visibility rule as the lists;
wildcards matched as themselves; hostile words refused or cleaned; a constant number of queries."""
from __future__ import annotations

import re

import pytest

from portal.extensions import db
from tests.querycount import assert_constant_queries

A, B = "510502", "510503"


class SearchWorld:
    """Two districts; in each a firm with a staff member, an agency and a registered filing; firm one
    also has a draft. Every name carries the word "Heron" so one search word meets all of them."""

    def __init__(self, build):
        self.build = build
        self.firm1 = build.firm(A, name="Heron Archive Services One")
        self.firm2 = build.firm(B, name="Heron Archive Services Two")
        self.agency1 = build.agency(A, name="Heron Water Bureau")
        self.agency2 = build.agency(B, name="Heron Land Bureau")
        self.staff1 = build.staff(self.firm1, name="Heron Zhao")
        self.staff2 = build.staff(self.firm2, name="Heron Qian")
        self.p1 = build.filing(firm=self.firm1, agency=self.agency1, title="Heron river ledgers")
        self.p2 = build.filing(firm=self.firm2, agency=self.agency2, title="Heron land deeds")
        self.draft = build.filing(firm=self.firm1, agency=self.agency2, status="draft", title="Heron draft plan")
        self.regulator = build.user("regulator")
        self.district = build.district_regulator(A)
        self.vendor1 = build.user("vendor", firm_id=self.firm1.id)
        self.agency_user1 = build.user("agency", agency_id=self.agency1.id)


@pytest.fixture
def world(build):
    return SearchWorld(build)


def _group(page: str, kind: str) -> str:
    match = re.search(rf'data-testid="search-{kind}">(.*?)</section>', page, re.S)
    return match.group(1) if match else ""


def _search(client, q: str, status: int = 200) -> str:
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == status
    return response.get_data(as_text=True)


def test_each_kind_is_found_and_grouped(client, login, world):
    login(world.regulator)
    page = _search(client, "heron")  # lower case: the match ignores case on both databases
    filings, firms = _group(page, "filings"), _group(page, "firms")
    agencies, staff = _group(page, "agencies"), _group(page, "staff")
    assert world.p1.title in filings and world.p2.title in filings and world.p1.number in filings
    assert f'href="/filings/{world.p1.id}"' in filings
    assert world.firm1.name in firms and world.firm2.name in firms and f'href="/firms/{world.firm1.id}"' in firms
    assert world.agency1.name in agencies and world.agency2.name in agencies
    assert "Heron Zhao" in staff and "Heron Qian" in staff
    assert f"/firms/{world.firm1.id}/staff" in staff


def test_filing_found_by_number_and_firm_by_uscc(client, login, world):
    login(world.regulator)
    by_number = _search(client, world.p2.number)
    assert world.p2.title in _group(by_number, "filings") and world.p1.title not in _group(by_number, "filings")
    by_uscc = _search(client, world.firm2.uscc[-8:].lower())
    assert world.firm2.name in _group(by_uscc, "firms") and world.firm1.name not in _group(by_uscc, "firms")


def test_the_start_of_a_filing_number_finds_the_numbers_it_begins(client, login, world, build):
    """A number-shaped word ("LZWB-2026-91", any case) is read off the number's index as a prefix."""
    year = world.p1.number.split("-")[1]
    other = build.filing(firm=world.firm1, agency=world.agency1, number=f"LZWB-{year}-7912", title="Heron maps")
    login(world.regulator)
    found = _group(_search(client, f"lzwb-{year}-79"), "filings")
    assert other.number in found and world.p1.number not in found
    every = _group(_search(client, f"LZWB-{year}"), "filings")
    assert other.number in every and world.p1.number in every and world.p2.number in every
    assert world.draft.title not in every  # numbered filings only, under the same visibility rule
    assert _group(_search(client, f"LZWB-{year}-7913"), "filings").count("/filings/") == 0


def test_leading_part_of_a_number():
    from portal.filings.numbers import leading_part

    assert leading_part(" lzwb-2026-14 ") == "LZWB-2026-14" and leading_part("LZWB-2026") == "LZWB-2026"
    assert leading_part("LZWB") is None and leading_part("2026-14") is None and leading_part("LZWB-2026-x") is None


def test_staff_id_numbers_are_neither_searched_nor_shown(client, login, world, build):
    from portal.core import crypto

    login(world.regulator)
    id_number = crypto.decrypt(world.staff1.id_number_enc)
    assert "search-staff" not in _search(client, id_number[-6:])
    page = _search(client, "Heron Zhao")
    assert id_number not in page and id_number[-4:] not in _group(page, "staff")


def test_a_firm_finds_only_its_own_records(client, login, world):
    login(world.vendor1)
    page = _search(client, "Heron")
    filings = _group(page, "filings")
    assert world.p1.title in filings and world.draft.title in filings  # its own draft too
    assert world.p2.title not in filings
    assert world.firm1.name in _group(page, "firms") and world.firm2.name not in page
    assert "Heron Zhao" in _group(page, "staff") and "Heron Qian" not in page  # another firm's staff
    # The agencies it filed for (the draft named agency two), and no other.
    assert world.agency1.name in _group(page, "agencies") and world.agency2.name in _group(page, "agencies")


def test_a_firm_does_not_find_agencies_it_never_filed_for(client, login, world, build):
    stranger = build.agency(B, name="Heron Tax Office")
    login(world.vendor1)
    assert stranger.name not in _search(client, "Heron")


def test_an_agency_finds_only_its_own(client, login, world):
    login(world.agency_user1)
    page = _search(client, "Heron")
    assert world.p1.title in _group(page, "filings")
    assert world.p2.title not in page and world.draft.title not in page
    assert world.agency1.name in _group(page, "agencies") and world.agency2.name not in page
    assert "search-firms" not in page and "search-staff" not in page


def test_a_district_regulator_finds_only_its_district(client, login, world):
    login(world.district)
    page = _search(client, "Heron")
    assert world.p1.title in page and world.p2.title not in page and world.draft.title not in page
    assert world.firm1.name in page and world.firm2.name not in page
    assert world.agency1.name in page and world.agency2.name not in page
    assert "Heron Zhao" in page and "Heron Qian" not in page


def test_like_wildcards_match_themselves(client, login, world, build):
    build.filing(firm=world.firm1, agency=world.agency1, title="Rate 100% checked")
    build.filing(firm=world.firm1, agency=world.agency1, title="snake_case index")
    build.filing(firm=world.firm1, agency=world.agency1, title="severe case file")  # "e c": `_` as a wildcard
    login(world.regulator)
    assert "Rate 100% checked" in _search(client, "100%")
    everything = _search(client, "%%")
    assert "search-filings" not in everything and "Heron" not in everything
    underscore = _search(client, "e_c")
    assert "snake_case index" in underscore and "severe case file" not in underscore
    assert "search-filings" not in _search(client, "\\\\")


def test_empty_or_short_query_gets_a_hint(client, login, world):
    login(world.regulator)
    for q in ("", "   ", "H"):
        page = _search(client, q)
        assert 'data-testid="search-hint"' in page and "search-filings" not in page


@pytest.mark.parametrize("q", ["Heron\x00", "x" * 101, "Her\u202eon", "a\x1bb"])
def test_hostile_query_is_a_translated_400(client, login, world, q):
    login(world.regulator)
    zh = _search(client, q, status=400)
    assert "请求有误" in zh and "search-filings" not in zh and "Bad request" not in zh
    client.get("/?lang=en")
    assert "Bad request" in _search(client, q, status=400)


def test_markup_in_the_query_is_shown_as_text(client, login, world):
    login(world.regulator)
    page = _search(client, "<script>x</script>")
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page


def test_more_than_the_cap_links_to_the_filtered_list(client, login, world, build):
    from portal.search.queries import CAP

    for i in range(CAP + 2):
        build.filing(firm=world.firm1, agency=world.agency1, title=f"Egret batch {i}")
        build.staff(world.firm1, name=f"Egret Worker {i}")
    login(world.regulator)
    page = _search(client, "Egret")
    filings = _group(page, "filings")
    assert filings.count("<li>") == CAP
    assert 'href="/filings/?number=Egret"' in filings
    listed = client.get("/filings/?number=Egret&per_page=50").get_data(as_text=True)
    assert listed.count("Egret batch") == CAP + 2
    staff = _group(page, "staff")
    assert staff.count("<li>") == CAP and 'data-testid="show-all"' not in staff


def test_firms_show_all_goes_to_the_firm_list_with_the_same_match(client, login, world, build):
    from portal.search.queries import CAP

    for i in range(CAP + 1):
        build.firm(A, name=f"Ibis Services {i}")
    login(world.regulator)
    page = _search(client, "ibis")
    assert 'href="/firms/?q=ibis"' in _group(page, "firms")
    listed = client.get("/firms/?q=ibis").get_data(as_text=True)
    assert listed.count("Ibis Services") >= CAP + 1


def test_queries_per_search_constant_as_data_grows(client, login, world, build):
    login(world.regulator)

    def grow():
        for i in range(15):
            firm = build.firm(A, name=f"Heron More {i}")
            agency = build.agency(A, name=f"Heron Office {i}")
            build.staff(firm, name=f"Heron Sun {i}")
            build.filing(firm=firm, agency=agency, title=f"Heron extra {i}")

    count = assert_constant_queries(client, "/search?q=Heron", grow)
    assert count <= 10


def test_the_header_box_is_on_every_signed_in_page(client, login, world):
    anonymous = client.get("/auth/login").get_data(as_text=True)
    assert 'role="search"' not in anonymous
    login(world.vendor1)
    for url in ("/home/", "/filings/", f"/firms/{world.firm1.id}"):
        page = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert 'role="search"' in page and 'action="/search"' in page, url
        assert '<label for="header-q"' in page and 'id="header-q" name="q"' in page, url


def test_search_needs_a_sign_in(client):
    response = client.get("/search?q=Heron")
    assert response.status_code in (302, 401)


def test_chinese_page_has_no_english_headings(client, login, world):
    login(world.regulator)
    client.get("/?lang=zh_CN")
    page = _search(client, "Heron")
    for heading in ("项目报备", "外包企业", "立档单位", "人员"):
        assert f"<h2>{heading}</h2>" in page
    assert "Results for" not in page and "left the firm" not in page


def test_staff_who_left_are_marked(client, login, world):
    world.staff1.active = False
    db.session.commit()
    login(world.regulator)
    assert "已离职" in _group(_search(client, "Heron Zhao"), "staff")
    assert "已离职" not in _group(_search(client, "Heron Qian"), "staff")
