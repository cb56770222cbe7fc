"""The dashboard drills down: every figure of the district table and every bar of its charts links to a
list whose total is the figure shown; districts by name; the page's statement count stays constant."""
from __future__ import annotations

import html
import re
from datetime import timedelta

from portal.core import clock
from portal.extensions import db
from portal.supervision import alerts, inspections, rectification
from tests.supervision import builders as sb

FIGURE = re.compile(r'data-figure="(\w+)" href="([^"]+)">([\d.]+)<')
BAR = re.compile(r'<a href="([^"]+)" aria-label="[^"]*: (\d+)">')
TOTAL = re.compile(r"共 (\d+) 条")


def _seed(build, regulator, district: str, n: int):
    """`n` firms in `district`, each with a filing in progress, one submitted this quarter, an overdue and a
    closed rectification, an inspection planned today and open alerts."""
    actor = sb.actor(regulator)
    second = build.user("regulator", office_id=regulator.office_id)
    for i in range(n):
        firm = build.firm(district_code=district, liaison_confirmed_at=None)
        build.filing(firm=firm, status="in_progress", submitted_at=clock.utcnow() - timedelta(days=400))
        build.filing(firm=firm, status="confirmed", confirmed_at=clock.utcnow())
        inspections.plan_inspection(actor, firm.id, clock.today(), regulator.id, second.id)
        late = rectification.issue_by_hand(actor, firm.id, [f"item {i}"], "fix", clock.today() + timedelta(days=10))
        done = rectification.issue_by_hand(actor, firm.id, [f"item {i}"], "fix", clock.today() + timedelta(days=10))
        late.status = "overdue"
        done.status, done.closed_at = "verified", clock.utcnow()
        db.session.commit()
    alerts.scan()


def _total(client, href: str) -> int:
    page = client.get(html.unescape(href))
    assert page.status_code == 200, href
    found = TOTAL.search(page.get_data(as_text=True))
    return int(found.group(1)) if found else 0


def test_every_district_figure_links_to_a_list_of_that_many(build, login, client):
    regulator = build.user("regulator")
    _seed(build, regulator, "510503", 3)
    _seed(build, regulator, "510502", 2)
    login(regulator)
    page = client.get("/supervision/").get_data(as_text=True)
    table = page[page.index('data-testid="district-table"'):page.index("</table>")]
    assert "纳溪区" in table and "江阳区" in table and ">510503<" not in table  # names, not codes
    figures = FIGURE.findall(table)
    kinds = {kind for kind, _h, _n in figures}
    assert {"firms", "filed", "in_progress", "overdue", "open_alerts"} <= kinds
    checked = 0
    for kind, href, shown in figures:
        if kind == "average_score":
            continue
        assert _total(client, href) == int(shown), (kind, href)
        checked += int(shown) > 0
    assert checked >= 10  # non-zero figures of both districts and the totals were compared
    row = table[table.index('data-district="510503"'):]
    assert re.search(r'data-figure="in_progress" href="[^"]*status=in_progress[^"]*district=510503[^"]*">3<', row)
    assert re.search(r'data-figure="overdue" href="[^"]*overdue=1[^"]*district=510503[^"]*">3<', row)


def test_every_bar_links_to_a_list_of_that_many(build, login, client):
    regulator = build.user("regulator")
    _seed(build, regulator, "510503", 2)
    login(regulator)
    page = client.get("/supervision/").get_data(as_text=True)
    bars = BAR.findall(page)
    assert len(bars) >= 5 * 1 + 7  # seven districts and at least this quarter of each trend
    compared = 0
    for href, shown in bars:
        if "/scoring/" in href:
            continue
        assert _total(client, href) == int(shown), href
        compared += int(shown) > 0
    assert compared >= 4  # district in-progress, filed, inspections, closed rectifications


def test_a_district_drill_down_and_a_past_quarter(build, login, client):
    regulator = build.user("regulator")
    _seed(build, regulator, "510503", 2)
    _seed(build, regulator, "510502", 1)
    login(regulator)
    page = client.get("/supervision/?district=510503").get_data(as_text=True)
    table = page[page.index('data-testid="district-table"'):page.index("</table>")]
    assert table.count("<tr data-district=") == 1 and "纳溪区" in table
    for _kind, href, shown in FIGURE.findall(table):
        if "scoring" not in href:
            assert _total(client, href) == int(shown)
    last_year = clock.today().year - 1
    past = client.get(f"/supervision/?quarter={last_year}Q1").get_data(as_text=True)
    assert f"{last_year}年第1季度" in past
    assert client.get("/supervision/?quarter=nonsense&district=999999").status_code == 200
    assert client.get("/supervision/?quarter=2099Q1").status_code == 200  # a future quarter: the current one


def test_a_district_office_sees_its_district_only(build, login, client):
    city = build.user("regulator")
    _seed(build, city, "510503", 1)
    _seed(build, city, "510502", 2)
    office = build.office(level="district", district_code="510502")
    district_user = build.user("regulator", office_id=office.id)
    login(district_user)
    page = client.get("/supervision/?district=510503").get_data(as_text=True)
    table = page[page.index('data-testid="district-table"'):page.index("</table>")]
    assert 'data-district="510503"' not in table and 'data-district="510502"' in table
    for _kind, href, shown in FIGURE.findall(table):
        if "scoring" not in href:
            assert _total(client, href) == int(shown)


def test_charts_are_inline_svg_with_chinese_titles_and_a_table(build, login, client):
    regulator = build.user("regulator")
    _seed(build, regulator, "510503", 1)
    login(regulator)
    page = client.get("/supervision/").get_data(as_text=True)
    assert page.count("<svg class=\"chart\"") == 5 and "<script" not in page.split("<main")[-1]
    assert "<title id=\"chart-filed-t\">每季度报备数" in page or "<title id=\"chart-filed-t\">" in page
    assert page.count("<desc id=") == 5 and page.count('class="chart-data"') == 5
    assert "季度" in page and "<img" not in page.split("<main")[-1]


def test_dashboard_statement_count_is_constant(build, login, client, count_queries):
    regulator = build.user("regulator")
    _seed(build, regulator, "510503", 1)
    login(regulator)
    client.get("/supervision/")
    with count_queries() as small:
        assert client.get("/supervision/").status_code == 200
    _seed(build, regulator, "510502", 4)
    _seed(build, regulator, "510524", 3)
    client.get("/supervision/")
    with count_queries() as large:
        assert client.get("/supervision/").status_code == 200
    assert large.count == small.count


def test_the_regulator_home_shows_the_district_table_with_the_same_links(build, login, client):
    regulator = build.user("regulator")
    _seed(build, regulator, "510525", 2)
    login(regulator)
    page = client.get("/home/").get_data(as_text=True)
    table = page[page.index('data-testid="district-table"'):page.index("</table>")]
    assert "古蔺县" in table
    figures = [(k, h, n) for k, h, n in FIGURE.findall(table) if k != "average_score"]
    assert len(figures) >= 10 and any(n == "2" for _k, _h, n in figures)
    for _kind, href, shown in figures:
        assert _total(client, href) == int(shown)


PANEL = re.compile(r'<li><a href="([^"]+)"><span class="stat-label">[^<]*</span> <strong class="stat-value"[^>]*>(\d+)</strong>')


def test_every_panel_figure_links_to_a_list_of_that_many(build, login, client):
    regulator = build.user("regulator")
    _seed(build, regulator, "510503", 2)
    build.firm(district_code="510503", grade="B")
    login(regulator)
    page = client.get("/supervision/").get_data(as_text=True)
    panels = page[page.index('data-testid="dashboard"'):]
    figures = PANEL.findall(panels)
    assert len(figures) >= 8
    hrefs = " ".join(h for h, _n in figures)
    assert "grade=B" in hrefs and "grade=none" in hrefs and "status=upcoming" in hrefs and "/incidents/" in hrefs
    for href, shown in figures:
        if "/filings/" in href and href.split("/filings/")[1][:1].isdigit():
            continue  # a waiting filing's detail page
        assert _total(client, href) == int(shown), href
