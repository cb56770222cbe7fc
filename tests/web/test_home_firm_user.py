"""The firm user's home panels (staff, certificates, rectification orders, notices, liaison) are cached
as plain counts per firm; each follows the write that changes it, and another firm's data never shows."""
from __future__ import annotations

import re
from datetime import timedelta

from portal.core import clock
from portal.supervision import notices, rectification
from tests.supervision import builders as sb


def _stat(page: str, label: str) -> str:
    return re.search(re.escape(label) + r'</span> <strong class="stat-value">([^<]*)</strong>', page).group(1)


def _home(client) -> str:
    return client.get("/home/?lang=en").get_data(as_text=True)


def test_firm_user_home_counts_follow_writes(client, build, login):
    user = build.user("vendor")
    firm = user.firm
    other = build.firm()
    regulator = sb.actor(build.user("regulator"))
    build.staff(firm, qualified=True)
    build.staff(other, qualified=True)
    sb.certificate(other, 10)
    rectification.issue_by_hand(regulator, other.id, ["item"], "fix", clock.today() + timedelta(days=10))
    login(user)
    page = _home(client)
    assert [_stat(page, label) for label in ("Active staff", "Qualified staff", "Certificates expiring within 60 days",
                                             "Open rectification orders", "Unread notices", "Liaison confirmation")] \
        == ["1", "1", "0", "0", "0", "Due"]

    build.staff(firm, qualified=False)
    sb.certificate(firm, 30)
    rectification.issue_by_hand(regulator, firm.id, ["item"], "fix", clock.today() + timedelta(days=10))
    notice = notices.publish_notice(regulator, "Title", "Body", firm_ids=[firm.id])
    page = _home(client)
    assert [_stat(page, label) for label in ("Active staff", "Qualified staff", "Certificates expiring within 60 days",
                                             "Open rectification orders", "Unread notices")] == ["2", "1", "1", "1", "1"]

    actor = sb.actor(user)
    notices.open_notice(actor, notice.id)
    notices.confirm_liaison(actor, "Li Hua", "13800000000", "li@example.com")
    page = _home(client)
    assert _stat(page, "Unread notices") == "0" and _stat(page, "Liaison confirmation") == "Done"


def test_answerable_feedback_count_follows_replies_new_feedback_and_the_window(client, build, login, travel, app):
    from portal.extensions import db
    from portal.feedback.models import Feedback, FeedbackReply
    from tests.feedback.builders import accepted_project, feedback_rows

    filing, _agency_user, firm_user = accepted_project(build)
    other, _a, _f = accepted_project(build)
    feedback_rows(filing, 2)
    feedback_rows(other, 3)
    login(firm_user)
    assert _stat(_home(client), "Feedback you can still answer") == "2"

    first = db.session.scalars(select_feedback(Feedback, filing.firm_id)).first()
    db.session.add(FeedbackReply(feedback_id=first.id, body="Thanks"))
    db.session.commit()
    assert _stat(_home(client), "Feedback you can still answer") == "1"

    travel(days=app.config.get("FEEDBACK_WINDOW_DAYS", 14) - 1)
    feedback_rows(filing, 1, prefix="y")
    login(firm_user)  # the session has expired meanwhile
    assert _stat(_home(client), "Feedback you can still answer") == "2"
    travel(days=2)  # the first rows leave the window without any write: the cached value is recounted
    login(firm_user)
    assert _stat(_home(client), "Feedback you can still answer") == "1"


def select_feedback(Feedback, firm_id):
    from sqlalchemy import select

    return select(Feedback).where(Feedback.firm_id == firm_id).order_by(Feedback.id)
