"""Notices: per-firm read and acknowledgement tracking, reminders; quarterly liaison confirmation."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core import clock
from portal.core.errors import NotFound, ValidationFailed
from portal.core.models import AuditEvent, Notification
from portal.extensions import db
from portal.firms.models import Firm
from portal.supervision import notices
from portal.supervision.models import LiaisonConfirmation, NoticeRecipient
from tests.supervision import builders as sb


def _inbox(user, prefix):
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.message.like(f"{prefix}%"))) or 0


@pytest.fixture
def three_firms(build):
    regulator = build.user("regulator")
    firms = [build.firm() for _ in range(3)]
    vendors = [build.user("vendor", firm_id=f.id) for f in firms]
    build.firm(status="draft")  # never a recipient
    return regulator, firms, vendors


def test_read_acknowledge_and_remind_the_rest(three_firms):
    regulator, firms, vendors = three_firms
    notice = notices.publish_notice(sb.actor(regulator), "Quarterly security check", "Check your media logs.")
    assert db.session.scalar(select(func.count(NoticeRecipient.id)).where(NoticeRecipient.notice_id == notice.id)) == 3
    assert all(_inbox(v, "New notice") == 1 for v in vendors)
    notices.open_notice(sb.actor(vendors[0]), notice.id)
    notices.open_notice(sb.actor(vendors[1]), notice.id)
    notices.acknowledge_notice(sb.actor(vendors[1]), notice.id)
    page, counts = notices.list_notices_for_regulator(sb.actor(regulator), 1)
    row = counts[notice.id]
    assert (row.recipients, row.read, row.acknowledged) == (3, 2, 1)
    unacked = db.session.execute(notices.receipts_query(sb.actor(regulator), notice.id, "unacknowledged")).all()
    assert {name for _r, name, _d in unacked} == {firms[0].name, firms[2].name}
    assert notices.remind(sb.actor(regulator), notice.id) == 2
    assert [_inbox(v, "Reminder") for v in vendors] == [1, 0, 1]
    reminded = db.session.scalars(select(NoticeRecipient).where(NoticeRecipient.reminded_at.is_not(None)))
    assert {r.firm_id for r in reminded} == {firms[0].id, firms[2].id}


def test_notice_to_chosen_firms_only_and_others_cannot_open_it(three_firms):
    regulator, firms, vendors = three_firms
    notice = notices.publish_notice(sb.actor(regulator), "For one", "Only you", firm_ids=[firms[0].id])
    notices.open_notice(sb.actor(vendors[0]), notice.id)
    with pytest.raises(NotFound):
        notices.open_notice(sb.actor(vendors[1]), notice.id)
    assert notices.notices_for_firm(sb.actor(vendors[1]), 1).total == 0
    assert notices.unread_notice_count(firms[0].id) == 0


def test_district_regulator_publishes_to_its_district_and_sees_its_receipts(build):
    d = build.district_regulator("510503")
    inside = build.firm(district_code="510503")
    build.firm(district_code="510502")
    notice = notices.publish_notice(sb.actor(d), "District", "Only ours")
    rows = db.session.execute(select(NoticeRecipient.firm_id).where(NoticeRecipient.notice_id == notice.id)).all()
    assert [r[0] for r in rows] == [inside.id]
    with pytest.raises(ValidationFailed):
        notices.publish_notice(sb.actor(d), "", "")


def test_liaison_confirmation_per_quarter_updates_the_firm(build, travel):
    firm = build.firm()
    vendor = build.user("vendor", firm_id=firm.id)
    assert notices.liaison_due(firm)
    with pytest.raises(ValidationFailed):
        notices.confirm_liaison(sb.actor(vendor), "Li Lian", "12345", "")
    notices.confirm_liaison(sb.actor(vendor), "Li Lian", "13912345678", "li@example.cn")
    firm = db.session.get(Firm, firm.id)
    assert not notices.liaison_due(firm)
    assert firm.liaison_name == "Li Lian" and firm.liaison_confirmed_at is not None
    notices.confirm_liaison(sb.actor(vendor), "Li Lian", "13912345679", "")
    assert db.session.scalar(select(func.count(LiaisonConfirmation.id))) == 1
    travel(days=95)
    assert notices.liaison_due(firm)


def test_contact_directory_masks_and_reveal_is_audited(build):
    regulator = build.user("regulator")
    firm = build.firm(liaison_name="Zhao", liaison_confirmed_at=clock.utcnow() - timedelta(days=100))
    from portal.core import crypto

    firm.liaison_phone_enc = crypto.encrypt("13812345678")
    db.session.commit()
    page = notices.contact_directory(sb.actor(regulator), overdue_only=True)
    assert page.total == 1 and page.items[0].overdue
    assert notices.reveal_liaison_phone(sb.actor(regulator), firm.id) == "13812345678"
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "personal_data.reveal")) == 1
    with pytest.raises(NotFound):
        notices.reveal_liaison_phone(sb.actor(build.district_regulator("510503")), firm.id)
