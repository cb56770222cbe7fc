"""Filing evidence counts by days of the bureau's calendar (China time), not by UTC days."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from portal.filings.evidence import filing_evidence

DAY = date(2026, 8, 20)


def test_a_filing_submitted_after_local_midnight_counts_on_the_local_day(build):
    firm = build.firm()
    build.filing(firm=firm, submitted_at=datetime(2026, 8, 19, 16, 30))  # 00:30 on 20 August in Luzhou
    assert filing_evidence(firm.id, DAY, DAY).filings_submitted == 1
    assert filing_evidence(firm.id, DAY - timedelta(days=1), DAY - timedelta(days=1)).filings_submitted == 0


def test_completion_early_the_morning_after_the_end_date_is_late(build):
    firm = build.firm()
    build.filing(firm=firm, status="completed", start_date=date(2026, 5, 1), end_date=DAY,
                 completed_at=datetime(2026, 8, 20, 15, 30))  # 23:30 on the end date: in time
    build.filing(firm=firm, status="completed", start_date=date(2026, 5, 1), end_date=DAY,
                 completed_at=datetime(2026, 8, 20, 21, 0))  # 05:00 the next day: late
    evidence = filing_evidence(firm.id, DAY, DAY)
    assert (evidence.completions_due, evidence.completions_late) == (2, 1)
