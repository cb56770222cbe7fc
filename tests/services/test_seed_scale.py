"""`flask seed-scale` at tiny sizes: consistent identifiers, timelines, numbers, feedback, inspections
and an intact audit chain (the default sizes run only in the benchmark, never in the test suite)."""
from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import func, select

from portal.auth.models import User
from portal.core import audit, crypto
from portal.core.identifiers import validate_id_number, validate_uscc
from portal.core.models import AuditEvent, StateTransition
from portal.extensions import db
from portal.feedback.models import Feedback
from portal.filings.models import FilingNumberCounter, ProjectFiling
from portal.firms.models import Firm, StaffMember
from portal.orgs.models import Agency
from portal.supervision.models import Inspection, InspectionResult, RectificationOrder

# The demo data seeded first already holds 200 projects and their feedback: sizes are totals.
TINY = ["--firms", "30", "--agencies", "45", "--projects", "220", "--feedback", "200",
        "--inspection-items", "60", "--audit-rows", "100", "--staff-per-firm", "4", "--no-progress"]
TIMELINE = ("submitted_at", "confirmed_at", "registered_at", "started_at", "completed_at", "accepted_at",
            "closed_at")
# The timestamps a filing in each state must have (later ones must be empty).
REACHED = {
    "draft": 0, "submitted": 1, "declined": 1, "confirmed": 2, "under_review": 2, "returned": 2,
    "rejected": 2, "registered": 3, "in_progress": 4, "completed": 5, "accepted": 6, "closed": 7,
}


def _seed(runner, *extra):
    result = runner.invoke(args=["seed-scale", *TINY, *extra])
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_scale_tiny_sizes_give_consistent_data(app, runner):
    _seed(runner)

    assert db.session.scalar(select(func.count(Firm.id))) == 30
    assert db.session.scalar(select(func.count(Agency.id))) == 45
    assert db.session.scalar(select(func.count(ProjectFiling.id))) == 220
    assert all(validate_uscc(u) == [] for u in db.session.scalars(select(Firm.uscc)))
    assert all(validate_uscc(u) == [] for u in db.session.scalars(select(Agency.uscc)))
    assert db.session.scalar(select(func.count(User.id)).where(User.username == "vendor01")) == 1

    for member in db.session.scalars(select(StaffMember)):
        number = crypto.decrypt(member.id_number_enc)
        assert validate_id_number(number) == []
        assert member.id_number_hash == crypto.lookup_hash(number)

    numbers = []
    for filing in db.session.scalars(select(ProjectFiling)):
        stamps = [getattr(filing, name) for name in TIMELINE]
        reached = REACHED[filing.status]
        assert all(s is not None for s in stamps[:reached]), (filing.status, stamps)
        assert all(s is None for s in stamps[reached:]), (filing.status, stamps)
        present = [s for s in stamps if s is not None]
        assert present == sorted(present), (filing.status, stamps)
        if filing.status == "draft":
            assert filing.number is None
        else:
            assert re.fullmatch(r"LZWB-\d{4}-\d{4}", filing.number)
            assert filing.number[5:9] == str(filing.submitted_at.year)
            numbers.append(filing.number)
        if filing.status != "draft":
            assert filing.staff and all(m.firm_id == filing.firm_id for m in filing.staff)
        steps = db.session.scalars(select(StateTransition).where(
            StateTransition.object_type == "project_filing", StateTransition.object_id == filing.id)
            .order_by(StateTransition.at)).all()
        assert (steps[-1].to_state if steps else "draft") == filing.status
    assert len(numbers) == len(set(numbers))
    counters = dict(db.session.execute(select(FilingNumberCounter.year, FilingNumberCounter.last_number)).all())
    for number in numbers:
        assert int(number[10:]) <= counters[int(number[5:9])]


def test_seed_scale_feedback_inspections_and_audit_chain(app, runner):
    _seed(runner)

    rows = db.session.execute(
        select(Feedback.filing_id, Feedback.agency_id, Feedback.period_key, Feedback.firm_id, Feedback.created_at,
               ProjectFiling.agency_id, ProjectFiling.firm_id, ProjectFiling.started_at)
        .join(ProjectFiling, ProjectFiling.id == Feedback.filing_id)).all()
    assert 0 < len(rows) <= 200
    assert max(Counter((r[0], r[1], r[2]) for r in rows).values()) == 1
    for row in rows:
        assert (row[1], row[3]) == (row[5], row[6])  # the project's own agency rates the project's firm
        assert row[4] >= row[7]

    assert db.session.scalar(select(func.count(InspectionResult.id))) >= 60
    for inspection in db.session.scalars(select(Inspection)):
        results = db.session.scalar(select(func.count(InspectionResult.id))
                                    .where(InspectionResult.inspection_id == inspection.id))
        assert (results > 0) == (inspection.status in ("passed", "rectification_required"))
    # Orders raised from an upheld incident (demo feedback seed) have no inspection.
    for order in db.session.scalars(select(RectificationOrder).where(RectificationOrder.inspection_id.is_not(None))):
        assert db.session.get(Inspection, order.inspection_id).status == "rectification_required"

    # A total: the demo seed that runs first may already have written more audit rows than that.
    assert db.session.scalar(select(func.count(AuditEvent.id))) >= 100
    report = audit.verify()
    assert report.ok, report
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_seed_scale_twice_adds_nothing_and_the_app_can_still_insert(app, runner):
    _seed(runner)
    before = db.session.scalar(select(func.count(ProjectFiling.id)))
    output = _seed(runner)
    assert "unchanged" in output
    assert db.session.scalar(select(func.count(ProjectFiling.id))) == before
    # Explicit ids must not leave the id sequences behind (PostgreSQL): ordinary inserts still work.
    from tests.builders import Builder

    filing = Builder(seed=99).filing(number="LZWB-2099-0001")
    assert filing.id > before


def test_seed_scale_rectification_orders_list_their_items_as_the_portal_writes_them(app, runner, client, login):
    """Orders list their failed checklist items as text ("code text"), like rectification.failed_items:
    the seed once stored {"item_id": n} objects and the order page answered 500 on every seeded order."""
    from portal.seed import DEMO_PASSWORD

    before = db.session.scalar(select(func.max(RectificationOrder.id))) or 0  # the demo seed's own orders
    _seed(runner, "--inspection-items", "3000")
    orders = db.session.scalars(select(RectificationOrder).where(RectificationOrder.inspection_id.is_not(None),
                                                                 RectificationOrder.id > before)).all()
    assert orders
    assert all(order.items and all(isinstance(item, str) for item in order.items) for order in orders)
    regulator = db.session.scalar(select(User).where(User.username == "regulator"))
    login(regulator, DEMO_PASSWORD)
    order = orders[len(orders) // 2]
    response = client.get(f"/supervision/rectifications/{order.id}")
    assert response.status_code == 200
    assert order.items[0].split(" ", 1)[1] in response.get_data(as_text=True)
