"""Every export opens with a title row: the list's filter in words (never a code) and the local time of
export, above a frozen, filtered header; then typed cells."""
from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from portal.core import audit, clock
from portal.extensions import db
from tests.feedback.builders import accepted_project, feedback_rows
from tests.firms.builders import fresh
from tests.supervision import builders as sb

TIME = re.compile(r"导出时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
# Codes the filters below are made with; none may reach the title row.
CODES = re.compile(r"510502|in_progress|leak|high|random|overdue|failure|completion|\bopen\b|firm_id")


def _book(response):
    assert response.status_code == 200, response.status_code
    return load_workbook(BytesIO(response.data))


def _title(response) -> str:
    sheet = _book(response).worksheets[0]
    title = sheet["A1"].value
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref.startswith("A2:")
    assert TIME.search(title), title
    assert not CODES.search(title), title
    return title


@pytest.fixture
def regulator(build, login):
    user = build.user("regulator")
    login(user)
    return user


def test_filings_title_row_names_status_and_district_in_words(client, build, regulator):
    build.filing(status="in_progress")
    title = _title(client.get("/filings/export.xlsx?status=in_progress&district=510502&date_from=2026-01-01"))
    assert title.startswith("项目报备（") and "状态：实施中" in title and "区县：江阳区" in title
    assert "提交日期自：2026-01-01" in title


def test_unfiltered_export_says_every_row(client, build, regulator):
    title = _title(client.get("/filings/export.xlsx"))
    assert "未筛选，全部可见记录" in title


def test_feedback_title_row(client, build, login):
    filing, _agency_user, firm_user = accepted_project(build)
    feedback_rows(filing, 1)
    login(firm_user)
    title = _title(client.get("/feedback/export.xlsx?kind=completion&low=1&reply=open"))
    assert "类型：验收（项目完成）" in title and "回复：尚未回复" in title


def test_incidents_title_row(client, build, login):
    _filing, agency_user, _ = accepted_project(build, status="in_progress")
    login(agency_user)
    title = _title(client.get("/incidents/export.xlsx?type=leak&status=open"))
    assert "事件类型：" in title and "状态：未结（已报告或调查中）" in title


def test_supervision_title_rows(client, build, regulator):
    firm = build.firm(name="江阳档案整理有限公司")
    sb.order(firm)
    title = _title(client.get(f"/supervision/alerts?format=xlsx&state=open&severity=high&firm_id={firm.id}"))
    assert "外包企业：江阳档案整理有限公司" in title and "严重程度：" in title
    assert "检查方式：随机抽查" in _title(client.get("/supervision/inspections?format=xlsx&kind=random"))
    assert "状态：未办结" in _title(client.get("/supervision/rectifications?format=xlsx&status=open"))
    year = clock.today().year
    book = _book(client.get(f"/supervision/summary?year={year}"))
    assert all(f"年度：{year}" in ws["A1"].value for ws in book.worksheets)


def test_followups_sitechecks_and_firms_title_rows(client, build, regulator):
    assert "状态：逾期" in _title(client.get("/followups/export.xlsx?status=overdue"))
    assert "区县：江阳区" in _title(client.get("/sitechecks/export.xlsx?district=510502"))
    assert "区县：江阳区" in _title(client.get("/firms/export.xlsx?district=510502"))


def test_staff_roster_title_row_names_the_firm(client, build, login):
    firm = build.firm(name="纳溪数字档案有限公司")
    build.staff(firm)
    login(build.user("regulator"))
    title = _title(fresh(client).get(f"/firms/{firm.id}/staff/export.xlsx"))
    assert title.startswith("人员名册（外包企业：纳溪数字档案有限公司）")


def test_audit_title_row_and_typed_time(client, build, login):
    login(build.user("auditor"))
    audit.record("test.event", "thing", 1, outcome="failure")
    db.session.commit()
    response = client.get("/admin/audit/export?outcome=failure&date_from=2020-01-01")
    title = _title(response)
    assert "结果：失败" in title and "起始日期：2020-01-01" in title
    sheet = _book(client.get("/admin/audit/export?outcome=failure")).active
    times = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert times and all(isinstance(t, datetime) for t in times)


def test_annual_summary_months_are_text_in_words_and_counts_numbers(client, build, regulator):
    build.filing(status="in_progress", submitted_at=datetime(clock.today().year, 3, 5, 2, 0))
    book = _book(client.get(f"/supervision/summary?year={clock.today().year}"))
    filings = book.worksheets[1]
    row = next(filings.iter_rows(min_row=3, values_only=True))
    assert row[1] == f"{clock.today().year}年3月" and row[2] == "实施中" and row[3] == 1
