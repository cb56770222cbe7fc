"""The filing list's title filter (`/filings/?title=`), applied to the list and to its export alike."""
from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.filings.builders import FilingWorld


@pytest.fixture
def world(build):
    return FilingWorld(build)


def _exported_titles(response) -> set[str]:
    sheet = load_workbook(BytesIO(response.data)).active
    header = [c.value for c in sheet[2]]
    column = next(i for i, v in enumerate(header) if v in ("Project title", "项目名称"))
    return {row[column].value for row in sheet.iter_rows(min_row=3)}


def test_title_filter_on_the_list_and_its_export(build, client, login, world):
    wanted = build.filing(firm=world.firm, agency=world.agency, title="Salt works ledgers 1950-1960")
    other = build.filing(firm=world.firm, agency=world.agency, title="River survey maps")
    login(world.regulator)
    page = client.get("/filings/?title=salt+WORKS").get_data(as_text=True)
    assert wanted.title in page and other.title not in page
    assert 'name="title" maxlength="100" value="salt WORKS"' in page  # the filter keeps what was typed
    export = client.get("/filings/export.xlsx?title=salt+WORKS")
    assert export.status_code == 200 and _exported_titles(export) == {wanted.title}


def test_title_filter_does_not_match_numbers_and_escapes_wildcards(build, client, login, world):
    filing = build.filing(firm=world.firm, agency=world.agency, title="Half_done inventory")
    login(world.regulator)
    assert filing.title not in client.get(f"/filings/?title={filing.number}").get_data(as_text=True)
    assert filing.title in client.get("/filings/?title=f_d").get_data(as_text=True)
    assert filing.title not in client.get("/filings/?title=%25_%25").get_data(as_text=True)


def test_title_filter_keeps_the_firm_scope(build, client, login, world):
    mine = build.filing(firm=world.firm, agency=world.agency, title="Shared word project A")
    theirs = build.filing(title="Shared word project B")
    login(world.vendor)
    page = client.get("/filings/?title=Shared+word").get_data(as_text=True)
    assert mine.title in page and theirs.title not in page
    assert _exported_titles(client.get("/filings/export.xlsx?title=Shared+word")) == {mine.title}


@pytest.mark.parametrize("title", ["\u202esalt", "x" * 500])
def test_hostile_title_filter_is_cleaned_not_a_server_error(build, client, login, world, title):
    build.filing(firm=world.firm, agency=world.agency, title="Salt works ledgers")
    login(world.regulator)
    response = client.get("/filings/", query_string={"title": title})
    assert response.status_code == 200
    assert client.get("/filings/export.xlsx", query_string={"title": title}).status_code == 200


def test_a_title_filter_holding_nul_is_refused_before_the_list_is_read(build, client, login, world):
    """NUL is refused for every request in one place (portal.web.params.refuse_unreadable_values)."""
    login(world.regulator)
    for url in ("/filings/", "/filings/export.xlsx"):
        response = client.get(url, query_string={"title": "salt\x00", "lang": "zh_CN"})
        assert response.status_code == 400
        assert "不允许" in response.get_data(as_text=True) or "不能" in response.get_data(as_text=True)
