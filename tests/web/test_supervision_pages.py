"""Supervision pages: render, scope by jurisdiction (including Excel exports), constant query counts,
charts without script, and the firm user's side of notices and rectification."""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.core import clock
from portal.extensions import db
from portal.supervision import alerts, inspections, notices, rectification
from portal.supervision.models import Inspection, NoticeRecipient
from tests.supervision import builders as sb


def _seed(build, n_firms: int, district: str = "510502", regulator=None):
    """Firms with filings, an inspection, an order and an alert each, in one district."""
    regulator = regulator or build.user("regulator")
    second = build.user("regulator", office_id=regulator.office_id)
    actor = sb.actor(regulator)
    for i in range(n_firms):
        firm = build.firm(district_code=district, liaison_confirmed_at=None, grade="ABCD"[i % 4])
        build.filing(firm=firm, status="confirmed", confirmed_at=clock.utcnow() - timedelta(days=i))
        build.filing(firm=firm, status="in_progress")
        inspections.plan_inspection(actor, firm.id, clock.today(), regulator.id, second.id)
        rectification.issue_by_hand(actor, firm.id, [f"item {i}"], "fix", clock.today() + timedelta(days=10))
    alerts.scan()
    return regulator


def _sheet_rows(data: bytes):
    wb = load_workbook(BytesIO(data))
    return {ws.title: [list(r) for r in ws.iter_rows(min_row=2, values_only=True)] for ws in wb.worksheets}


def test_dashboard_query_count_is_constant_whatever_the_data_size(build, login, client, count_queries):
    regulator = _seed(build, 2)
    login(regulator)
    client.get("/supervision/")  # warm caches (templates, first-time lookups)
    with count_queries() as small:
        assert client.get("/supervision/").status_code == 200
    _seed(build, 12, regulator=regulator)
    client.get("/supervision/")  # same warm-up after the seeding commits expired the session
    with count_queries() as large:
        page = client.get("/supervision/")
    assert page.status_code == 200
    assert large.count == small.count, "\n".join(s.split("\n")[0][:80] for s in small.statements) + "\n-----\n" + "\n".join(s.split("\n")[0][:80] for s in large.statements)


def test_charts_are_inline_svg_without_script(build, login, client):
    regulator = _seed(build, 2)
    login(regulator)
    page = client.get("/supervision/").get_data(as_text=True)
    assert '<svg class="chart"' in page and "<script>" not in page
    assert client.get("/supervision/charts/filings.svg").status_code == 404  # the old pygal images are gone


def test_every_regulator_page_renders(build, login, client):
    regulator = _seed(build, 2)
    login(regulator)
    insp = inspections.list_inspections(sb.actor(regulator), inspections.InspectionFilter(), 1).items[0]
    order = rectification.list_orders(sb.actor(regulator), rectification.OrderFilter(), 1).items[0]
    alert = alerts.list_alerts(sb.actor(regulator), alerts.AlertFilter(), 1).items[0]
    notice = notices.publish_notice(sb.actor(regulator), "T", "B")
    record = inspections.random_draw(sb.actor(regulator), 1)
    for url in ["/supervision/", "/supervision/alerts", f"/supervision/alerts/{alert.id}", "/supervision/inspections",
                "/supervision/inspections/new", "/supervision/inspections/draw", f"/supervision/draws/{record.id}",
                f"/supervision/draws/{record.id}?rerun=1", f"/supervision/inspections/{insp.id}",
                f"/supervision/inspections/{insp.id}/record", f"/supervision/inspections/{insp.id}/print",
                "/supervision/checklists", "/supervision/rectifications", "/supervision/rectifications/new",
                f"/supervision/rectifications/{order.id}", f"/supervision/rectifications/{order.id}/print",
                f"/supervision/rectifications/{order.id}/escalate", "/supervision/notices",
                "/supervision/notices/new", f"/supervision/notices/{notice.id}", "/supervision/contacts",
                "/directory", "/home/"]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "data-testid=\"rerun-result\"" in client.get(f"/supervision/draws/{record.id}?rerun=1").get_data(as_text=True)


def test_firm_users_and_agencies_cannot_open_regulator_pages(build, login, client):
    vendor = build.user("vendor")
    login(vendor)
    for url in ["/supervision/", "/supervision/alerts", "/supervision/inspections", "/supervision/contacts",
                "/supervision/summary"]:
        assert client.get(url).status_code == 403, url
    assert client.get("/supervision/rectifications").status_code == 200
    assert client.get("/supervision/rectifications?format=xlsx").status_code == 403


def test_district_regulator_lists_and_exports_hold_only_its_district(build, login, client):
    city = build.user("regulator")
    _seed(build, 2, "510502", regulator=city)
    _seed(build, 2, "510503", regulator=city)
    d = build.district_regulator("510503")
    login(d)
    for url, col in [("/supervision/alerts?format=xlsx&state=all", 5), ("/supervision/inspections?format=xlsx", 1),
                     ("/supervision/rectifications?format=xlsx", 2)]:
        response = client.get(url)
        assert response.status_code == 200, url
        rows = next(iter(_sheet_rows(response.data).values()))[1:]
        assert rows, url
        assert {r[col] for r in rows} == {"纳溪区"}, url  # 510503, by name
    sheets = _sheet_rows(client.get(f"/supervision/summary?year={clock.today().year}").data)
    assert len(sheets) == 5
    for title, rows in sheets.items():
        districts = {r[0] for r in rows[1:]} if title != list(sheets)[3] else {r[1] for r in rows[1:]}
        assert districts <= {"纳溪区"}, title
    assert any(len(rows) > 1 for rows in sheets.values())
    page = client.get("/supervision/").get_data(as_text=True)
    assert 'data-testid="rect-open">2<' in page
    client.post("/auth/logout")
    login(city)
    assert 'data-testid="rect-open">4<' in client.get("/supervision/").get_data(as_text=True)


def test_notice_receipts_export_is_scoped(build, login, client):
    city = build.user("regulator")
    for district in ("510502", "510503"):
        build.firm(district_code=district)
    notice = notices.publish_notice(sb.actor(city), "All", "Body")
    d = build.district_regulator("510503")
    login(d)
    rows = next(iter(_sheet_rows(client.get(f"/supervision/notices/{notice.id}?format=xlsx").data).values()))[1:]
    assert [r[1] for r in rows] == ["纳溪区"]


def test_firm_user_reads_and_acknowledges_a_notice_in_the_browser_flow(build, login, client):
    regulator = build.user("regulator")
    firm = build.firm()
    vendor = build.user("vendor", firm_id=firm.id)
    notice = notices.publish_notice(sb.actor(regulator), "Read me", "Body text")
    login(vendor)
    assert "Read me" in client.get("/supervision/notices").get_data(as_text=True)
    assert "Body text" in client.get(f"/supervision/notices/{notice.id}").get_data(as_text=True)
    receipt = db.session.query(NoticeRecipient).filter_by(notice_id=notice.id).one()
    db.session.refresh(receipt)
    assert receipt.read_at is not None and receipt.acknowledged_at is None
    assert client.post(f"/supervision/notices/{notice.id}/ack").status_code == 302
    db.session.refresh(receipt)
    assert receipt.acknowledged_by_id == vendor.id
    home = client.get("/home/").get_data(as_text=True)
    assert "/supervision/liaison/confirm" in home


def test_directory_shows_nothing_personal_and_nothing_unpublished(build, client):
    from portal.core import crypto

    regulator = build.user("regulator")
    second = build.user("regulator", office_id=regulator.office_id)
    firm = build.firm(name="Open Firm Ltd", liaison_name="LIAISON-NAME", liaison_email="secret@example.cn")
    firm.liaison_phone_enc = crypto.encrypt("13955556666")
    db.session.commit()
    build.staff(firm, name="STAFF-NAME", phone="13877778888")
    build.firm(status="submitted", name="Pending Firm Ltd")
    actor = sb.actor(regulator)
    done = inspections.plan_inspection(actor, firm.id, clock.today(), regulator.id, second.id)
    items = inspections.template_items(done.template_id)
    inspections.record_results(actor, done.id, [inspections.ItemResult(i.id, "pass") for i in items],
                               "UNPUBLISHED-FINDINGS")
    inspections.conclude(actor, done.id, "pass")
    body = client.get("/directory").get_data(as_text=True)
    assert "Open Firm Ltd" in body and "Pending Firm Ltd" not in body
    for secret in ("LIAISON-NAME", "secret@example.cn", "13955556666", "STAFF-NAME", "13877778888",
                   "UNPUBLISHED-FINDINGS", "Zhang San"):
        assert secret not in body, secret
    assert 'data-testid="published-inspection"' not in body
    done.published = True
    db.session.commit()
    body = client.get("/directory?q=Open").get_data(as_text=True)
    assert 'data-testid="published-inspection"' in body and "UNPUBLISHED-FINDINGS" not in body


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_directory_renders_in_both_languages_without_login(client, build, lang):
    build.firm()
    assert client.get(f"/directory?lang={lang}").status_code == 200


def test_planning_an_inspection_names_the_project_by_its_filing_number(build, login, client):
    """The form asks for the LZWB number people see, not the database id; an unknown number, a
    number the regulator may not see and another firm's project are refused beside the field."""
    regulator = build.district_regulator("510502")
    second = build.user("regulator", office_id=regulator.office_id)
    firm = build.firm(district_code="510502")
    filing = build.filing(firm=firm, number="LZWB-2026-0042")
    other_firm_filing = build.filing(firm=build.firm(district_code="510502"), number="LZWB-2026-0043")
    elsewhere = build.filing(firm=firm, number="LZWB-2026-0044", district_code="510521")
    login(regulator)
    form = client.get("/supervision/inspections/new").get_data(as_text=True)
    assert 'name="filing_number"' in form and 'name="filing_id"' not in form
    base = {"firm_id": firm.id, "planned_on": clock.today().isoformat(),
            "inspector1_id": regulator.id, "inspector2_id": second.id}
    for number, message in ((str(filing.id), "No project filing numbered"),
                            ("LZWB-2026-9999", "No project filing numbered"),
                            (elsewhere.number, "No project filing numbered"),
                            (other_firm_filing.number, "does not belong to this firm")):
        refused = client.post("/supervision/inspections/new?lang=en", data={**base, "filing_number": number})
        assert refused.status_code == 200 and message in refused.get_data(as_text=True), number
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0
    done = client.post("/supervision/inspections/new", data={**base, "filing_number": " lzwb-2026-0042 "})
    assert done.status_code == 302
    assert db.session.scalar(select(Inspection.filing_id)) == filing.id


def test_inspection_links_to_its_draw_only_for_who_may_open_the_draw(build, login, client):
    """The city office's draw is not the district office's to open: no link that answers 404."""
    city = build.user("regulator")
    _seed(build, 1, "510503", regulator=city)
    record = inspections.random_draw(sb.actor(city), 1)
    drawn = db.session.scalar(select(Inspection).where(Inspection.draw_id == record.id))
    db.session.commit()
    login(build.district_regulator("510503"))
    page = client.get(f"/supervision/inspections/{drawn.id}")
    assert page.status_code == 200
    assert f"/supervision/draws/{record.id}" not in page.get_data(as_text=True)
    assert client.get(f"/supervision/draws/{record.id}").status_code == 404
    client.post("/auth/logout")
    login(city)
    assert f"/supervision/draws/{record.id}" in client.get(f"/supervision/inspections/{drawn.id}").get_data(as_text=True)
