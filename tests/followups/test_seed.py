"""Demo data: follow-ups in both waiting states and a notice to the agencies with a deadline."""
from sqlalchemy import func, select

from portal.extensions import db
from portal.followups.models import FollowUp
from portal.seed import seed_demo
from portal.supervision.models import Notice, NoticeRecipient


def test_demo_seed_has_followups_and_an_agency_notice(app):
    seed_demo(echo=lambda *_: None)
    assert set(db.session.scalars(select(FollowUp.status))) == {"open", "answered"}
    notice = db.session.scalar(select(Notice).where(Notice.audience == "agencies"))
    assert notice is not None and notice.ack_deadline is not None
    assert db.session.scalar(select(func.count(NoticeRecipient.id)).where(
        NoticeRecipient.notice_id == notice.id, NoticeRecipient.agency_id.is_not(None))) > 0
    seed_demo(echo=lambda *_: None)
    assert db.session.scalar(select(func.count(FollowUp.id))) == 2
