"""Dashboard trend and annual summary put a filing in the quarter or month of the bureau's calendar (China time)."""
from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

from openpyxl import load_workbook

from portal.core import clock
from portal.core.exports import write_workbook
from portal.supervision import dashboard
from tests.supervision.builders import actor


def test_filings_trend_counts_a_filing_in_its_local_quarter(build):
    regulator = actor(build.user("regulator", "regulator"))
    clock.freeze(datetime(2026, 9, 15, 4, 0))
    build.filing(submitted_at=datetime(2026, 6, 30, 16, 30))  # 00:30 on 1 July in Luzhou: third quarter
    build.filing(submitted_at=datetime(2026, 6, 30, 15, 30))  # 23:30 on 30 June: second quarter
    trend = dashboard.drilldown(regulator, date(2026, 7, 1)).trend
    assert [(q.label, q.filed) for q in trend[-2:]] == [("2026Q2", 1), ("2026Q3", 1)]


def test_annual_summary_puts_new_year_filings_in_january(build):
    regulator = actor(build.user("regulator", "regulator"))
    build.filing(submitted_at=datetime(2025, 12, 31, 19, 0))  # 03:00 on 1 January 2026 in Luzhou
    build.filing(submitted_at=datetime(2026, 12, 31, 15, 0))  # 23:00 on 31 December 2026
    build.filing(submitted_at=datetime(2026, 12, 31, 17, 0))  # 01:00 on 1 January 2027: another year
    out = BytesIO()
    write_workbook(out, dashboard.annual_summary(regulator, 2026))
    book = load_workbook(BytesIO(out.getvalue()))
    sheet = book.worksheets[1]
    months = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert set(months) == {"2026年1月", "2026年12月"}
