"""Official documents (文书) on the web: each carries its number, the issuing office, the date in Chinese,
the signature lines and the seal box; one issued before numbering gets its number on first print."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.core import clock
from portal.core.models import AuditEvent, DocumentNumber
from portal.extensions import db
from portal.supervision import alerts, rectification
from portal.supervision.models import Summons
from tests.supervision import builders as sb


@pytest.fixture
def setup(build):
    return sb.rectification_cast(build)


def _chinese_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def test_inspection_record_notice_and_summons_carry_number_office_date_signatures_and_seal(
        setup, build, client, login, travel):
    r1, r2, lead, firm, vendor = setup
    year, checked_on = clock.today().year, clock.today()
    inspection = sb.failed_inspection(r1, r2, firm)
    order = rectification.issue_from_inspection(sb.actor(r1), inspection.id, "Write and adopt the rules")
    travel(days=31)
    alerts.scan()  # the deadline passed: the order is overdue
    rectification.escalate(sb.actor(lead), order.id, "Deadline missed", clock.today(), "Firm manager; bureau",
                           "The manager promised the rules within seven days")
    summons = db.session.scalar(select(Summons))

    login(r1)
    record = client.get(f"/supervision/inspections/{inspection.id}/print?lang=zh_CN").get_data(as_text=True)
    assert f"泸档外检〔{year}〕1号" in record and "泸州市档案局" in record
    assert record.count('class="sign-line"') == 3 and "被检查单位" in record and 'data-testid="seal"' in record
    assert _chinese_date(checked_on) in record  # the day of the inspection, not of the print
    notice = client.get(f"/supervision/rectifications/{order.id}/print?lang=zh_CN").get_data(as_text=True)
    assert f"泸档外改〔{year}〕1号" in notice and "（盖章）" in notice and notice.count('class="sign-line"') == 2
    detail = client.get(f"/supervision/rectifications/{order.id}").get_data(as_text=True)
    assert f"/supervision/rectifications/{order.id}/summons/{summons.id}/print" in detail
    page = client.get(f"/supervision/rectifications/{order.id}/summons/{summons.id}/print?lang=zh_CN")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"泸档外谈〔{clock.today().year}〕1号" in html
    assert "约谈记录" in html and _chinese_date(clock.today()) in html
    assert "The manager promised the rules within seven days" in html

    # The firm reads its own summons record; another firm's user does not find it.
    client.post("/auth/logout")
    login(vendor)
    assert f"泸档外谈〔{clock.today().year}〕1号" in client.get(
        f"/supervision/rectifications/{order.id}/summons/{summons.id}/print").get_data(as_text=True)
    other_firm = build.firm()
    other_user = build.user("vendor", firm_id=other_firm.id)
    other_order = sb.order(other_firm, number="ZG-2099-9999")
    # The summons belongs to another order: not found under this one.
    assert client.get(f"/supervision/rectifications/{other_order.id}/summons/{summons.id}/print").status_code == 404
    client.post("/auth/logout")
    login(other_user)
    assert client.get(f"/supervision/rectifications/{order.id}/summons/{summons.id}/print").status_code == 404


def test_a_document_issued_before_numbering_gets_its_number_on_first_print_and_keeps_it(setup, client, login):
    r1, _r2, _lead, firm, _vendor = setup
    old = sb.order(firm, issued_at=clock.utcnow())  # written straight to the table: no number yet
    assert db.session.scalar(select(func.count()).select_from(DocumentNumber)) == 0
    login(r1)
    first = client.get(f"/supervision/rectifications/{old.id}/print").get_data(as_text=True)
    number = re.search(r'data-testid="document-number">([^<]+)<', first).group(1)
    assert number == f"泸档外改〔{clock.today().year}〕1号"
    again = client.get(f"/supervision/rectifications/{old.id}/print").get_data(as_text=True)
    assert number in again
    assert db.session.scalar(select(func.count()).select_from(DocumentNumber)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "document.number")) == 1
    # The next order issued by the service takes the next number: none is reused.
    new = rectification.issue_by_hand(sb.actor(r1), firm.id, ["b"], "do b")
    assert f"泸档外改〔{clock.today().year}〕2号" in client.get(
        f"/supervision/rectifications/{new.id}/print").get_data(as_text=True)


def test_issuing_office_and_scheme_come_from_the_configuration(setup, client, login, app, monkeypatch):
    r1, _r2, _lead, firm, _vendor = setup
    monkeypatch.setitem(app.config, "ISSUING_OFFICE", "泸州市档案局（馆）")
    monkeypatch.setitem(app.config, "DOCUMENT_NUMBER_FORMAT", "{prefix}〔{year}〕第{seq}号")
    monkeypatch.setitem(app.config, "DOCUMENT_NUMBER_PREFIXES", "rectification=泸档整改")
    order = rectification.issue_by_hand(sb.actor(r1), firm.id, ["a"], "do a")
    login(r1)
    html = client.get(f"/supervision/rectifications/{order.id}/print").get_data(as_text=True)
    assert f"泸档整改〔{clock.today().year}〕第1号" in html and "泸州市档案局（馆）" in html


def test_document_date_in_the_readers_language(setup, client, login):
    r1, _r2, _lead, firm, _vendor = setup
    order = rectification.issue_by_hand(sb.actor(r1), firm.id, ["a"], "do a")
    login(r1)
    day = clock.today()
    english = client.get(f"/supervision/rectifications/{order.id}/print?lang=en").get_data(as_text=True)
    assert f'data-testid="document-date">{day.day} {day.strftime("%B")} {day.year}<' in english
    assert "(seal)" in english and "Luzhou Archives Bureau" in english
    chinese = client.get(f"/supervision/rectifications/{order.id}/print?lang=zh_CN").get_data(as_text=True)
    assert f'data-testid="document-date">{_chinese_date(day)}<' in chinese
