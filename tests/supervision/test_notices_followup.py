"""Notices: attachments, an acknowledgement deadline with reminders, the overdue filter, and agencies
as an audience."""
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from portal.core import clock, local_rules
from portal.core.errors import NotFound, ValidationFailed
from portal.core.models import Attachment, Notification
from portal.core.workdays import add_workdays
from portal.extensions import db
from portal.supervision import notices
from portal.supervision.models import NoticeRecipient
from tests.feedback.builders import acting
from tests.supervision import builders as sb

PDF = b"%PDF-1.4\n%%EOF\n"


def _inbox(user, text: str) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.message.contains(text))) or 0


@pytest.fixture
def world(build):
    regulator = build.user("regulator")
    firm = build.firm()
    vendor = build.user("vendor", firm_id=firm.id)
    agency = build.agency()
    agency_user = build.user("agency", agency_id=agency.id)
    return regulator, vendor, agency_user


def test_notice_to_agencies_is_seen_and_acknowledged_by_agency_users_only(world, build):
    regulator, vendor, agency_user = world
    notice = notices.publish_notice(sb.actor(regulator), "Archive room check", "Check the room.",
                                    audience="agencies")
    assert db.session.scalar(select(func.count(NoticeRecipient.id)).where(
        NoticeRecipient.notice_id == notice.id, NoticeRecipient.firm_id.is_not(None))) == 0
    assert _inbox(agency_user, "New notice") == 1 and _inbox(vendor, "New notice") == 0
    assert [n.id for n, _r in notices.notices_for_recipient(sb.actor(agency_user), 1).items] == [notice.id]
    with pytest.raises(NotFound):
        notices.open_notice(sb.actor(vendor), notice.id)
    receipt = notices.acknowledge_notice(sb.actor(agency_user), notice.id)
    assert receipt.agency_id == agency_user.agency_id and receipt.acknowledged_by_id == agency_user.id
    rows = db.session.execute(notices.receipts_query(sb.actor(regulator), notice.id)).all()
    assert len(rows) == 1 and rows[0][0].acknowledged_at is not None and rows[0][1]


def test_everyone_reaches_firms_and_agencies_of_the_district_only(world, build):
    _regulator, vendor, agency_user = world
    far_agency_user = build.user("agency", agency_id=build.agency(district_code="510503").id)
    district = build.district_regulator("510502")
    notices.publish_notice(sb.actor(district), "District notice", "Ours", audience="everyone")
    assert _inbox(vendor, "New notice") == 1 and _inbox(agency_user, "New notice") == 1
    assert _inbox(far_agency_user, "New notice") == 0


def test_deadline_in_the_past_refused_and_nothing_published(world):
    regulator, vendor, _ = world
    with pytest.raises(ValidationFailed) as exc:
        notices.publish_notice(sb.actor(regulator), "Late", "Body", ack_deadline=clock.today() - timedelta(days=1))
    assert "ack_deadline" in exc.value.field_errors and _inbox(vendor, "New notice") == 0


@pytest.mark.clause("LOCAL-notice_reminder_workdays")
def test_reminders_two_working_days_before_and_once_overdue(world, runner):
    regulator, vendor, agency_user = world
    deadline = add_workdays(clock.today(), 10)
    notices.publish_notice(sb.actor(regulator), "Sign the statement", "Sign it.", audience="everyone",
                           ack_deadline=deadline)
    assert notices.send_due_reminders(add_workdays(deadline, -3)) == 0
    assert notices.send_due_reminders(add_workdays(deadline, -2)) == 2
    assert notices.send_due_reminders(add_workdays(deadline, -1)) == 0  # once per stage
    assert _inbox(vendor, "Reminder: please acknowledge") == 1 and _inbox(agency_user, "Reminder: please acknowledge") == 1
    notices.acknowledge_notice(sb.actor(vendor), db.session.scalar(select(NoticeRecipient.notice_id)))
    result = runner.invoke(args=["notices", "remind", "--today", (deadline + timedelta(days=1)).isoformat()])
    assert result.exit_code == 0 and "notice reminders sent: 1" in result.output
    assert _inbox(agency_user, "please acknowledge it now") == 1 and _inbox(vendor, "please acknowledge it now") == 0


@pytest.mark.clause("LOCAL-notice_reminder_workdays")
def test_local_rule_moves_the_first_reminder(world, build):
    regulator, _vendor, _agency_user = world
    with acting(regulator):
        local_rules.set_rule("notice_reminder_workdays", 5, "Earlier reminders")
    deadline = add_workdays(clock.today(), 10)
    notices.publish_notice(sb.actor(regulator), "Early", "Body", ack_deadline=deadline)
    assert notices.send_due_reminders(add_workdays(deadline, -5)) == 1


def test_overdue_filter_on_the_regulators_list(world, travel, client, login):
    regulator, _vendor, _agency_user = world
    notices.publish_notice(sb.actor(regulator), "On time", "Body")
    late = notices.publish_notice(sb.actor(regulator), "Due soon", "Body", ack_deadline=clock.today())
    page, _counts = notices.list_notices_for_regulator(sb.actor(regulator), 1, overdue=True)
    assert page.items == []
    travel(days=3)
    page, _counts = notices.list_notices_for_regulator(sb.actor(regulator), 1, overdue=True)
    assert [n.id for n in page.items] == [late.id]
    login(regulator)
    html = client.get("/supervision/notices?overdue=1&lang=en").get_data(as_text=True)
    assert html.count('data-testid="notice-row"') == 1 and "Due soon" in html


def test_attachment_uploaded_checked_and_readable_by_recipients_only(world, build, client, login):
    regulator, vendor, agency_user = world
    login(regulator)
    response = client.post("/supervision/notices/new", data={
        "title": "With a file", "body": "See the attachment.", "audience": "all", "requires_ack": "y",
        "ack_deadline": (clock.today() + timedelta(days=7)).isoformat(),
        "files": (BytesIO(PDF), "rules.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    attachment = db.session.scalar(select(Attachment).where(Attachment.owner_type == "notice"))
    assert attachment is not None and attachment.original_name == "rules.pdf"
    bad = client.post("/supervision/notices/new", data={
        "title": "Bad file", "body": "x", "audience": "all", "files": (BytesIO(b"<html>"), "x.pdf")},
        content_type="multipart/form-data")
    assert bad.status_code in (200, 422) and db.session.scalar(select(func.count(Attachment.id))) == 1
    client.post("/auth/logout")
    login(vendor)
    page = client.get(f"/supervision/notices/{attachment.owner_id}?lang=en").get_data(as_text=True)
    assert 'data-testid="notice-file"' in page and "Please acknowledge by" in page
    assert client.get(f"/files/{attachment.id}").status_code == 200
    client.post("/auth/logout")
    login(agency_user)  # the notice went to firms only
    assert client.get(f"/files/{attachment.id}").status_code == 404
    assert client.get(f"/supervision/notices/{attachment.owner_id}").status_code == 404


def test_agency_user_acknowledges_through_the_pages(world, client, login):
    regulator, _vendor, agency_user = world
    notice = notices.publish_notice(sb.actor(regulator), "For agencies", "Body", audience="agencies")
    login(agency_user)
    assert "For agencies" in client.get("/supervision/notices?lang=en").get_data(as_text=True)
    assert client.post(f"/supervision/notices/{notice.id}/ack").status_code == 302
    assert 'data-testid="acked"' in client.get(f"/supervision/notices/{notice.id}").get_data(as_text=True)
