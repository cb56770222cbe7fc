"""Demo supervision data: every rectification state, draws, notices with partial receipts; idempotent."""
from sqlalchemy import func, select

from portal.extensions import db
from portal.seed import seed_demo
from portal.supervision.models import (
    Inspection,
    InspectionDraw,
    LiaisonConfirmation,
    NoticeRecipient,
    RectificationOrder,
)


def test_demo_seed_covers_every_state_and_is_idempotent(app):
    seed_demo(echo=lambda *_: None)
    states = set(db.session.scalars(select(RectificationOrder.status).distinct()))
    assert {"issued", "answered", "rejected", "verified", "escalated"} <= states
    assert "overdue" in states
    kinds = set(db.session.scalars(select(Inspection.kind).distinct()))
    assert kinds == {"planned", "random"}
    assert db.session.scalar(select(func.count(InspectionDraw.id))) == 1
    assert db.session.scalar(select(func.count(Inspection.id)).where(Inspection.published.is_(True))) == 1
    read = db.session.scalar(select(func.count(NoticeRecipient.id)).where(NoticeRecipient.read_at.is_not(None)))
    unread = db.session.scalar(select(func.count(NoticeRecipient.id)).where(NoticeRecipient.read_at.is_(None)))
    assert read > 0 and unread > 0
    assert db.session.scalar(select(func.count(LiaisonConfirmation.id))) == 10
    counts = db.session.scalar(select(func.count(RectificationOrder.id)))
    seed_demo(echo=lambda *_: None)
    assert db.session.scalar(select(func.count(RectificationOrder.id))) == counts
