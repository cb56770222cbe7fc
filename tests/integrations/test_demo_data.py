"""Demo data a person reads: no record dated in the future, people's names as display names, and a
platform case queued for every numbered filing."""
from sqlalchemy import func, select

from portal.auth.models import User
from portal.core import clock
from portal.core.models import OutboxMessage
from portal.extensions import db
from portal.feedback.models import Feedback, FeedbackReply, FeedbackVersion
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm
from portal.orgs.models import Agency
from portal.seed import seed_demo


def test_demo_data_reads_like_real_records(app):
    seed_demo(echo=lambda *_: None)
    now = clock.utcnow()
    assert db.session.scalar(select(func.count(Feedback.id)).where(Feedback.created_at > now)) == 0
    assert db.session.scalar(select(func.count(FeedbackReply.id)).where(FeedbackReply.created_at > now)) == 0
    assert db.session.scalar(select(func.count(FeedbackVersion.id)).where(FeedbackVersion.replaced_at > now)) == 0

    org_names = set(db.session.scalars(select(Firm.name))) | set(db.session.scalars(select(Agency.name)))
    for user in db.session.scalars(select(User).where(User.username.like("vendor%") | User.username.like("agency%"))):
        # A person's name, never a cut-off organisation name.
        assert 2 <= len(user.display_name) <= 4, user.display_name
        assert not any(name.startswith(user.display_name[:4]) for name in org_names), user.display_name

    numbered = set(db.session.scalars(select(ProjectFiling.number).where(ProjectFiling.number.is_not(None))))
    cases = {m.payload["case_no"] for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "case_create"))}
    assert numbered and cases == numbered
