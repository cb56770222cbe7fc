"""The demo seed leaves two final quarters with a spread of grades, decided objections and a focus firm."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.firms.models import Firm
from portal.scoring.models import FirmScore, Objection, ScoringPeriod
from portal.seed import seed_demo


def test_seed_scores_two_final_quarters(app):
    seed_demo(echo=lambda *_: None)
    periods = db.session.scalars(select(ScoringPeriod).order_by(ScoringPeriod.ends_on)).all()
    assert [p.status for p in periods] == ["applied", "applied"]
    assert [p.kind for p in periods] == ["quarter", "quarter"]
    grades = set(db.session.scalars(select(FirmScore.grade).where(FirmScore.period_id == periods[-1].id)))
    # A spread of grades (with every area seeded, each demo firm has enough activity to be rated).
    assert {"A", "B", "C", "D"} <= grades
    assert sorted(db.session.scalars(select(Objection.status))) == ["amended", "upheld"]
    assert db.session.scalar(select(func.count(Firm.id)).where(Firm.focus_supervision.is_(True))) >= 1
    assert db.session.scalar(select(func.count(Firm.id)).where(Firm.grade.is_not(None))) >= 20
    seed_demo(echo=lambda *_: None)  # idempotent
    assert db.session.scalar(select(func.count(ScoringPeriod.id))) == 2
