"""Supervision pages take "today" from the bureau's calendar (core.localtime via the portal clock),
not from the server's own date, which may be UTC and is deaf to time travel."""
from __future__ import annotations

from datetime import datetime

from portal.core import clock


def test_annual_summary_defaults_to_the_local_year(build, login, client):
    clock.freeze(datetime(2031, 12, 31, 17, 0))  # 01:00 on 1 January 2032 in Luzhou
    login(build.user("regulator"))
    response = client.get("/supervision/summary")
    assert response.status_code == 200
    assert "supervision-summary-2032.xlsx" in response.headers["Content-Disposition"]


def test_liaison_page_names_the_local_quarter(build, login, client):
    clock.freeze(datetime(2031, 3, 31, 17, 0))  # 01:00 on 1 April 2031 in Luzhou: the second quarter
    firm = build.firm()
    login(build.user("vendor", firm_id=firm.id))
    page = client.get("/supervision/liaison/confirm?lang=en").get_data(as_text=True)
    assert "2031-Q2" in page and "2031-Q1" not in page
