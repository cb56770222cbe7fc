"""An export has the columns of the page it comes from: every column header a list page shows (action
columns aside) is, word for word, a header of its Excel export, in both languages. The export may add
columns the page has no room for (contract details, notes, times of closing)."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.words.crawl import signed_in_client, temporary_demo

# (role, list page, export link pattern on that page)
LISTS = [
    ("regulator", "/filings/", r"/filings/export\.xlsx"),
    ("regulator", "/firms/", r"/firms/export\.xlsx"),
    ("regulator", "/feedback/", r"/feedback/export\.xlsx"),
    ("regulator", "/incidents/", r"/incidents/export\.xlsx"),
    ("regulator", "/followups/", r"/followups/export\.xlsx"),
    ("regulator", "/sitechecks/", r"/sitechecks/export\.xlsx"),
    ("regulator", "/supervision/inspections", r"format=xlsx"),
    ("regulator", "/supervision/rectifications", r"format=xlsx"),
    ("regulator", "/supervision/alerts", r"format=xlsx"),
    ("auditor", "/admin/audit", r"/admin/audit/export\?[^\"]*format=xlsx"),
]


class _Headers(HTMLParser):
    """The text of the first table's <th> cells, visually-hidden text included (screen readers read it)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headers: list[str] = []
        self._in_th = False
        self._tables = 0
        self._buffer: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._tables += 1
        if tag == "th" and self._tables == 1:
            self._in_th, self._buffer = True, []

    def handle_endtag(self, tag):
        if tag == "th" and self._in_th:
            self.headers.append(" ".join("".join(self._buffer).split()))
            self._in_th = False

    def handle_data(self, data):
        if self._in_th:
            self._buffer.append(data)


@pytest.fixture(scope="module")
def demo():
    with temporary_demo("portal-columns-") as app:
        yield app


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize(("role", "page", "link"), LISTS, ids=[p for _r, p, _l in LISTS])
def test_export_has_the_columns_of_its_page(demo, role, page, link, lang):
    client = signed_in_client(demo, role)
    html = client.get(f"{page}?lang={lang}").get_data(as_text=True)
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', html) if re.search(link, h.replace("&amp;", "&"))]
    assert hrefs, f"{page} offers no export link"
    parser = _Headers()
    parser.feed(html)
    action = {"操作", "Actions", ""}
    shown = [h for h in parser.headers if h not in action]
    assert shown, f"{page} shows no table"
    response = client.get(hrefs[0] + ("&" if "?" in hrefs[0] else "?") + f"lang={lang}")
    assert response.status_code == 200, (hrefs[0], response.status_code)
    sheet = load_workbook(BytesIO(response.data), read_only=True).worksheets[0]
    header = [str(c) for c in next(sheet.iter_rows(min_row=2, max_row=2, values_only=True)) if c is not None]
    missing = [h for h in shown if h not in header]
    assert not missing, f"{page} ({lang}) shows {missing} that its export lacks; export: {header}"
