"""Evidence for scoring: late filings, late changes, completions, first-pass acceptance, staff."""
from datetime import timedelta

from portal.core import clock
from portal.filings import changes as change_filings
from portal.filings.evidence import filing_evidence
from tests.filings.builders import FilingWorld, acting_as


def test_evidence_counts_what_happened_in_the_period(build):
    world = FilingWorld(build)
    today = clock.today()
    on_time = world.advance(world.submitted(), "confirm", "register", "start_work", "complete", "fail_acceptance",
                            "complete", "accept")
    late = world.draft(start_date=today - timedelta(days=2), contract_date=today - timedelta(days=9))
    with acting_as(world.vendor):
        from portal.filings import service as filings

        filings.submit_filing(late.id)
    running = world.advance(world.submitted(), "confirm", "register", "start_work")
    with acting_as(world.vendor):
        change_filings.submit_change(running.id, "schedule",
                                     {"start_date": running.start_date, "end_date": running.end_date + timedelta(days=9),
                                      "effective_date": today - timedelta(days=1)}, "delay")
    build.filing(firm=build.firm(), status="closed")  # another firm's project counts for nothing here
    evidence = filing_evidence(world.firm.id, today - timedelta(days=30), today)
    assert evidence.filings_submitted == 3 and evidence.filed_late == 1
    assert evidence.changes_filed == 1 and evidence.changes_late == 1
    assert evidence.acceptances == 1 and evidence.accepted_first_time == 0 and evidence.failed_acceptances == 1
    assert evidence.staff_assigned == 0  # the projects run in the future, outside the period
    later = filing_evidence(world.firm.id, today, today + timedelta(days=200))
    assert later.staff_assigned == 2 and later.staff_qualified == 2
    assert later.completions_due == 2 and later.completions_late == 1
    assert on_time.status == "accepted"
