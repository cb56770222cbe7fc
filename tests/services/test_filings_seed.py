"""Demo filings: every state, consistent timelines, gap-free numbers, deterministic and idempotent."""
import random
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from portal.core import clock
from portal.core.models import StateTransition
from portal.core.workflows import PROJECT_FILING
from portal.extensions import db
from portal.filings.models import ChangeFiling, FilingNumberCounter, ProjectFiling
from portal.seed import filings as filing_seed
from portal.seed import orgs


def _seed():
    rng = random.Random(20261125)
    orgs.seed(rng)
    db.session.commit()
    filing_seed.seed(rng)
    db.session.commit()


@pytest.mark.clause("SEC2014-project-file")
def test_demo_filings_cover_every_state_with_consistent_timelines(app):
    _seed()
    projects = list(db.session.scalars(select(ProjectFiling)))
    assert 180 <= len(projects) <= 220
    assert {p.status for p in projects} == set(PROJECT_FILING.states)
    assert any(p.is_late for p in projects)
    assert any(p.acceptance_attempts > 1 for p in projects)
    assert db.session.scalar(select(func.count(ChangeFiling.id))) > 5
    steps = defaultdict(list)
    for row in db.session.scalars(select(StateTransition).where(StateTransition.object_type == "project_filing")
                                  .order_by(StateTransition.id)):
        steps[row.object_id].append(row)
    now = clock.utcnow()
    for filing in projects:
        trail = steps[filing.id]
        assert trail[0].action == "create" and trail[-1].to_state == filing.status
        assert all(a.at <= b.at for a, b in zip(trail, trail[1:], strict=False))
        assert trail[-1].at <= now
        for a, b in zip(trail, trail[1:], strict=False):
            assert b.from_state == a.to_state
            PROJECT_FILING.resolve(a.to_state, b.action, ("vendor", "agency", "regulator"), "r")
        if filing.status != "draft":
            assert filing.submitted_at == trail[1].at
        assert filing.staff, filing.id


def test_demo_numbers_are_gap_free_per_year_and_counters_continue(app):
    _seed()
    by_year = defaultdict(list)
    for number in db.session.scalars(select(ProjectFiling.number).where(ProjectFiling.number.is_not(None))):
        _prefix, year, seq = number.split("-")
        by_year[int(year)].append(int(seq))
    for year, seqs in by_year.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
        assert db.session.get(FilingNumberCounter, year).last_number == len(seqs)


def test_demo_seed_is_idempotent(app):
    _seed()
    count = db.session.scalar(select(func.count(ProjectFiling.id)))
    filing_seed.seed(random.Random(1))
    assert db.session.scalar(select(func.count(ProjectFiling.id))) == count
