"""The filing list: scoping, search, sorting, a constant number of queries, and the Excel export."""
import re
from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from portal.core import clock
from tests.filings.builders import FilingWorld


def _without_card_labels(html: str) -> str:
    """The rows as they read on a desktop: each cell's column name for phone cards left out."""
    return re.sub(r' data-label="[^"]*"', "", html)


@pytest.fixture
def world(build):
    return FilingWorld(build)


def _rows(response) -> list[list]:
    sheet = load_workbook(BytesIO(response.data)).active
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]


def _make(build, world, n, status="registered", **kw):
    return [build.filing(firm=world.firm, agency=world.agency, status=status, staff=world.staff, **kw)
            for _ in range(n)]


def _queries_for_page(client, count_queries, url):
    client.get(url)  # warm caches (templates, translations)
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    return q.count


def test_list_uses_a_constant_number_of_queries(build, client, login, count_queries, world):
    login(world.regulator)
    _make(build, world, 5)
    five = _queries_for_page(client, count_queries, "/filings/?per_page=50")
    _make(build, world, 45)
    page = client.get("/filings/?per_page=50").get_data(as_text=True)
    assert page.count('href="/filings/') >= 50
    fifty = _queries_for_page(client, count_queries, "/filings/?per_page=50")
    assert fifty == five


def test_firm_user_lists_only_its_own_filings(build, client, login, world):
    mine = _make(build, world, 2)
    other = build.filing(title="Someone else's project")
    login(world.vendor)
    page = client.get("/filings/").get_data(as_text=True)
    assert all(f.title in page for f in mine) and other.title not in page


def test_district_regulator_lists_only_its_district(build, client, login, world):
    here = _make(build, world, 1)[0]
    elsewhere = build.filing(agency=build.agency(district_code="510524"), title="Far away project")
    login(world.district_regulator)
    page = client.get("/filings/").get_data(as_text=True)
    assert here.title in page and elsewhere.title not in page


def test_search_by_number_status_service_type_district_and_dates(build, client, login, world):
    a = build.filing(firm=world.firm, agency=world.agency, status="registered", title="Alpha arrangement",
                     service_types=["arrangement"])
    b = build.filing(firm=world.firm, agency=world.agency, status="in_progress", title="Beta digitisation",
                     service_types=["digitisation"], submitted_at=clock.utcnow() - timedelta(days=40))
    login(world.regulator)

    def titles(query):
        page = client.get("/filings/?" + query).get_data(as_text=True)
        return {t for t in (a.title, b.title) if t in page}

    assert titles(f"number={a.number}") == {a.title}
    assert titles("status=in_progress") == {b.title}
    assert titles("service_type=arrangement") == {a.title}
    assert titles("district=510502") == {a.title, b.title}
    assert titles("district=510503") == set()
    since = (clock.today() - timedelta(days=10)).isoformat()
    assert titles(f"date_from={since}") == {a.title}
    assert titles(f"firm={world.firm.name[:10]}") == {a.title, b.title}
    assert titles("agency=no-such-agency") == set()


def test_sorting_is_whitelisted(build, client, login, world):
    _make(build, world, 2)
    login(world.regulator)
    assert client.get("/filings/?sort=title;drop table&direction=asc").status_code == 200
    page = client.get("/filings/?sort=number&direction=asc").get_data(as_text=True)
    numbers = [line for line in page.split() if "LZWB-" in line]
    assert numbers


def test_export_contains_exactly_the_filtered_rows(build, client, login, world):
    keep = _make(build, world, 3, status="in_progress")
    _make(build, world, 2, status="registered")
    other_district = build.filing(agency=build.agency(district_code="510522"), status="in_progress")
    other_firm_same_district = build.filing(agency=world.agency, status="in_progress")
    login(world.vendor)
    rows = _rows(client.get("/filings/export.xlsx?status=in_progress"))
    assert sorted(r[0] for r in rows) == sorted(f.number for f in keep)
    assert other_district.number not in {r[0] for r in rows}
    client.post("/auth/logout")
    login(world.district_regulator)
    rows = _rows(client.get("/filings/export.xlsx?status=in_progress"))
    assert sorted(r[0] for r in rows) == sorted([f.number for f in keep] + [other_firm_same_district.number])


@pytest.mark.parametrize("lang, status, late, draft, service", [
    ("en", "in progress", "late", "(draft)", "Digitisation, Arrangement"),
    ("zh_CN", "实施中", "逾期", "（草稿）", "档案数字化, 档案整理"),
])
def test_rows_show_names_translated_labels_links_and_escaped_titles(build, client, login, world, lang, status,
                                                                      late, draft, service):
    shown = build.filing(firm=world.firm, agency=world.agency, status="in_progress", is_late=True,
                         title="Scan <b>A&B</b>", service_types=["digitisation", "arrangement"])
    drafted = build.filing(firm=world.firm, agency=world.agency, status="draft", title="Unnumbered")
    start = shown.start_date.isoformat()
    shown_id, drafted_id = shown.id, drafted.id
    firm_name, agency_name = world.firm.name, world.agency.name
    login(world.vendor)
    client.get(f"/filings/?lang={lang}")
    page = _without_card_labels(client.get("/filings/").get_data(as_text=True))
    assert "Scan &lt;b&gt;A&amp;B&lt;/b&gt;" in page and "<b>A&B</b>" not in page
    assert f'<a href="/filings/{shown_id}">{shown.number}</a> <span class="status status-late">{late}</span>' in page
    assert f'<a href="/filings/{drafted_id}">{draft}</a>' in page
    assert f"<td>{firm_name}</td>" in page and f"<td>{agency_name}</td>" in page
    assert f'<span class="status status-in_progress">{status}</span>' in page
    assert f'<td class="hide-mobile">{service}</td>' in page
    assert f"<td>{start}</td>" in page
    assert f'<option value="in_progress">{status}</option>' in page
    filtered = client.get("/filings/?status=in_progress&sort=firm").get_data(as_text=True)
    assert f'<option value="in_progress" selected>{status}</option>' in filtered
    assert '<option value="firm" selected>' in filtered and "Unnumbered" not in filtered


@pytest.mark.parametrize("query", ["", "&sort=firm&direction=asc", "&sort=number&direction=asc&status=registered"])
def test_pages_list_the_search_results_in_order_without_gaps(app, build, client, login, world, query):
    import re

    from portal.extensions import db
    from portal.filings import queries as filing_search
    from tests.filings.builders import acting_as

    other = build.firm(name="Aardvark archives", district_code="510502")
    for i in range(33):
        build.filing(firm=world.firm if i % 2 else other, agency=world.agency,
                     status="registered" if i % 3 else "in_progress")
    login(world.regulator)
    shown = []
    for page in (1, 2, 3):
        html = client.get(f"/filings/?per_page=20&page={page}{query}").get_data(as_text=True)
        shown.append([int(i) for i in re.findall(r'<a href="/filings/(\d+)">', html)])
    criteria = filing_search.FilingFilter.from_args(dict(p.split("=") for p in query.split("&") if p))
    with acting_as(world.regulator):
        expected = [f.id for f in db.session.scalars(filing_search.search(criteria))]
    assert len(expected) > 20
    assert shown[0] == expected[:20] and shown[1] == expected[20:] and shown[2] == shown[1]  # past the end: last


def test_list_rows_escape_every_value(client, build, login):
    from datetime import date, datetime

    firm = build.firm(name="Firm & <Co>")
    agency = build.agency(name='A "B"')
    build.filing(firm=firm, agency=agency, number='N<1>&"', title="<script>alert('x')</script>",
                 service_types=["digitisation", "<odd>"], start_date=date(2026, 3, 1),
                 submitted_at=datetime(2026, 2, 28, 20, 0))
    draft = build.filing(firm=firm, agency=agency, status="draft", is_late=True, service_types=[],
                         start_date=None, submitted_at=None)
    login(build.user("vendor", firm_id=firm.id))
    html = client.get("/filings/?lang=en").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert '">N&lt;1&gt;&amp;&#34;</a></td>' in html
    # On a phone each row is a card whose values carry their column's name.
    assert '<td data-label="Firm">Firm &amp; &lt;Co&gt;</td>' in html and '<td data-label="Agency">A &#34;B&#34;</td>' in html
    html = _without_card_labels(html)
    assert "<td>Firm &amp; &lt;Co&gt;</td>" in html and "<td>A &#34;B&#34;</td>" in html
    assert '<span class="status status-registered">registered</span>' in html
    assert '<td class="hide-mobile">Digitisation, &lt;odd&gt;</td>' in html  # an unknown code shown as it is
    assert "<td>2026-03-01</td>" in html and '<td class="hide-mobile">2026-03-01</td>' in html  # +8 h: next day
    assert f'<a href="/filings/{draft.id}">(draft)</a> <span class="status status-late">late</span>' in html
    assert html.count('<tr>\n    <td><a href="/filings/') == 2 and '<td class="hide-mobile"></td>' in html


def test_list_total_is_cached_per_scope_and_filter_and_follows_writes(app, build, client, login, world, monkeypatch):
    from portal.core import cache as aggregates

    monkeypatch.setitem(app.config, "AGGREGATE_CACHE_SECONDS", 300)  # the cache on, whatever ran before
    _make(build, world, 3, status="registered")
    _make(build, world, 1, status="in_progress")
    login(world.regulator)
    assert "4 in all" in client.get("/filings/?lang=en").get_data(as_text=True)
    hits = aggregates.stats()["hits"]
    assert "4 in all" in client.get("/filings/?lang=en").get_data(as_text=True)
    assert aggregates.stats()["hits"] > hits  # the total came from the cache
    assert "1 in all" in client.get("/filings/?lang=en&status=in_progress").get_data(as_text=True)
    _make(build, world, 1, status="in_progress")
    assert "2 in all" in client.get("/filings/?lang=en&status=in_progress").get_data(as_text=True)
    assert "5 in all" in client.get("/filings/?lang=en").get_data(as_text=True)
    client.post("/auth/logout")
    login(build.user("vendor", firm_id=build.firm().id))  # another scope: none of these filings
    assert "in all" not in client.get("/filings/?lang=en").get_data(as_text=True)
