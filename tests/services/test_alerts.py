"""Each alert rule raises once when its condition starts and closes once when it ends; one inbox
message per alert, however many scans run."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core import clock
from portal.core.models import Notification, StateTransition
from portal.extensions import db
from portal.feedback.models import Feedback
from portal.firms.models import Firm
from portal.supervision import alerts
from portal.supervision.models import Alert, RectificationOrder
from tests.supervision import builders as sb


@pytest.fixture
def world(build):
    regulator = build.user("regulator")
    firm = build.firm(liaison_confirmed_at=clock.utcnow())
    vendor = build.user("vendor", firm_id=firm.id)
    return regulator, firm, vendor


def _alerts(rule):
    return list(db.session.scalars(select(Alert).where(Alert.rule == rule).order_by(Alert.id)))


def _open(rule):
    return [a for a in _alerts(rule) if a.closed_at is None]


def _messages(user, prefix):
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.message.like(f"{prefix}%"))) or 0


def _scan_twice():
    first = alerts.scan()
    second = alerts.scan()
    assert second.total_raised == 0 and second.total_closed == 0, (second.raised, second.closed)
    return first


def test_certificate_alert_one_per_stage_raised_and_closed_once(world, travel):
    regulator, firm, vendor = world
    sb.certificate(firm, days_left=70)
    _scan_twice()
    assert _alerts("cert_expiry") == []
    travel(days=11)  # 59 days left
    _scan_twice()
    assert [a.key.rsplit(":", 1)[1] for a in _open("cert_expiry")] == ["60"]
    travel(days=30)  # 29 days left
    _scan_twice()
    assert [a.key.rsplit(":", 1)[1] for a in _open("cert_expiry")] == ["30"]
    travel(days=15)  # 14 days left
    _scan_twice()
    travel(days=15)  # expired
    _scan_twice()
    stages = [(a.key.rsplit(":", 1)[1], a.closed_at is None) for a in _alerts("cert_expiry")]
    assert stages == [("60", False), ("30", False), ("15", False), ("expired", True)]
    assert _messages(vendor, "Certificate") == 4
    assert _messages(regulator, "Certificate") == 4


def test_firm_registration_moves_to_expiring_then_lapsed_with_alerts(world, travel):
    regulator, firm, vendor = world
    firm.valid_until = clock.today() + timedelta(days=61)
    db.session.commit()
    _scan_twice()
    assert db.session.get(Firm, firm.id).status == "active"
    travel(days=2)
    _scan_twice()
    assert db.session.get(Firm, firm.id).status == "expiring"
    assert len(_open("firm_expiring")) == 1
    travel(days=60)
    _scan_twice()
    firm = db.session.get(Firm, firm.id)
    assert firm.status == "lapsed"
    assert _open("firm_expiring") == [] and len(_alerts("firm_expiring")) == 1
    assert len(_open("firm_lapsed")) == 1
    actions = list(db.session.scalars(select(StateTransition.action).where(
        StateTransition.object_type == "firm", StateTransition.object_id == firm.id).order_by(StateTransition.id)))
    assert actions == ["mark_expiring", "lapse"]
    firm.status, firm.valid_until = "active", clock.today() + timedelta(days=365)
    db.session.commit()
    _scan_twice()
    assert _open("firm_lapsed") == []
    assert _messages(vendor, "The registration") == 2


def test_project_past_end_date_raises_and_clears(world, build, travel):
    regulator, firm, vendor = world
    filing = build.filing(firm=firm, status="in_progress", end_date=clock.today() + timedelta(days=3))
    _scan_twice()
    assert _alerts("project_overdue") == []
    travel(days=4)
    _scan_twice()
    assert len(_open("project_overdue")) == 1
    filing.status = "completed"
    db.session.commit()
    _scan_twice()
    assert _open("project_overdue") == [] and len(_alerts("project_overdue")) == 1
    assert _messages(vendor, "Project") == 1


def test_completion_not_reported_30_days_after_acceptance(world, build, travel):
    regulator, firm, vendor = world
    filing = build.filing(firm=firm, status="accepted", accepted_at=clock.utcnow(),
                          end_date=clock.today() + timedelta(days=400))
    travel(days=29)
    _scan_twice()
    assert _alerts("completion_late") == []
    travel(days=2)
    _scan_twice()
    assert len(_open("completion_late")) == 1
    filing.status = "closed"
    db.session.commit()
    _scan_twice()
    assert _open("completion_late") == [] and len(_alerts("completion_late")) == 1


@pytest.mark.clause("AL45")
def test_rectification_overdue_marks_order_and_closes_when_answered(world, travel):
    regulator, firm, vendor = world
    order = sb.order(firm, deadline_days=3)
    travel(days=4)
    _scan_twice()
    order = db.session.get(RectificationOrder, order.id)
    assert order.status == "overdue"
    assert len(_open("rectification_overdue")) == 1
    order.status = "answered"
    db.session.commit()
    _scan_twice()
    assert _open("rectification_overdue") == []
    assert _messages(vendor, "Rectification order") == 1
    assert _messages(regulator, "Rectification order") == 1


@pytest.mark.clause("DAT68-training", "DAT68-contract", "DAT68-confidentiality")
def test_unqualified_staff_on_active_project(world, build):
    regulator, firm, vendor = world
    member = build.staff(firm, qualified=False)
    build.filing(firm=firm, status="in_progress", staff=[member], end_date=clock.today() + timedelta(days=90))
    _scan_twice()
    assert len(_open("staff_unqualified")) == 1
    member.contract_date, member.commitment_date = clock.today(), clock.today()
    member.training_days, member.assessment_passed = 5, True
    db.session.commit()
    _scan_twice()
    assert _open("staff_unqualified") == [] and len(_alerts("staff_unqualified")) == 1


def test_feedback_missing_14_days_after_acceptance(world, build, travel):
    regulator, firm, vendor = world
    filing = build.filing(firm=firm, status="accepted", accepted_at=clock.utcnow(),
                          end_date=clock.today() + timedelta(days=400))
    travel(days=15)
    _scan_twice()
    assert len(_open("feedback_missing")) == 1
    assert _messages(vendor, "No completion feedback") == 0  # the agency's duty, not the firm's
    db.session.add(Feedback(filing_id=filing.id, agency_id=filing.agency_id, firm_id=firm.id, period_key="final",
                            kind="completion", quality=4, timeliness=4, security=4, conduct=4, communication=4,
                            hire_again=True))
    db.session.commit()
    _scan_twice()
    assert _open("feedback_missing") == []


def test_liaison_not_confirmed_for_90_days(world, travel):
    regulator, firm, vendor = world
    firm.liaison_confirmed_at = clock.utcnow() - timedelta(days=85)
    db.session.commit()
    _scan_twice()
    assert _alerts("liaison_unconfirmed") == []
    travel(days=6)
    _scan_twice()
    assert len(_open("liaison_unconfirmed")) == 1
    db.session.get(Firm, firm.id).liaison_confirmed_at = clock.utcnow()
    db.session.commit()
    _scan_twice()
    assert _open("liaison_unconfirmed") == []
    assert _messages(vendor, "%(firm)s has not confirmed") == 1


def test_filing_waiting_more_than_five_working_days(world, build, travel):
    from portal.core.workdays import add_workdays

    regulator, firm, vendor = world
    filing = build.filing(firm=firm, status="confirmed", confirmed_at=clock.utcnow())
    travel(days=1)
    _scan_twice()
    assert _alerts("review_waiting") == []
    confirmed_day = (filing.confirmed_at + timedelta(hours=8)).date()
    deadline = add_workdays(confirmed_day, 5)
    # The day after the fifth working day the filing is late, whatever weekends or holidays fall between.
    clock.reset()
    travel(days=(deadline - clock.today()).days)
    _scan_twice()
    assert _alerts("review_waiting") == []
    travel(days=1)
    _scan_twice()
    assert len(_open("review_waiting")) == 1
    filing.status = "registered"
    db.session.commit()
    _scan_twice()
    assert _open("review_waiting") == []
    assert _messages(vendor, "Filing") == 0
    assert _messages(regulator, "Filing") == 1


def test_scan_is_scoped_notifications_reach_district_regulators_only_for_their_district(build):
    city = build.user("regulator")
    d1 = build.district_regulator("510502")
    d2 = build.district_regulator("510503")
    build.firm(district_code="510503", liaison_confirmed_at=None)
    alerts.scan()
    assert _messages(city, "%(firm)s") == 1
    assert _messages(d2, "%(firm)s") == 1
    assert _messages(d1, "%(firm)s") == 0


def test_acknowledge_needs_a_note_and_district_regulator_sees_only_its_district(build):
    from portal.core.errors import NotFound, ValidationFailed

    d1 = build.district_regulator("510502")
    build.firm(district_code="510502", liaison_confirmed_at=None)
    other = build.firm(district_code="510503", liaison_confirmed_at=None)
    alerts.scan()
    actor = sb.actor(d1)
    page = alerts.list_alerts(actor, alerts.AlertFilter(), 1)
    assert page.total == 1 and page.items[0].district_code == "510502"
    foreign = db.session.scalar(select(Alert).where(Alert.firm_id == other.id))
    with pytest.raises(NotFound):
        alerts.get_alert(actor, foreign.id)
    with pytest.raises(ValidationFailed):
        alerts.acknowledge(actor, page.items[0].id, " ")
    alerts.acknowledge(actor, page.items[0].id, "Called the firm")
    assert alerts.list_alerts(actor, alerts.AlertFilter(state="acknowledged"), 1).total == 1
    assert alerts.list_alerts(actor, alerts.AlertFilter(state="open"), 1).total == 0


def test_cli_scan_runs_and_reports(runner, build):
    build.firm(liaison_confirmed_at=None)
    result = runner.invoke(args=["alerts", "scan"])
    assert result.exit_code == 0, result.output
    assert "alerts raised: 1" in result.output
    result = runner.invoke(args=["alerts", "scan"])
    assert "alerts raised: 0, closed: 0" in result.output


def test_open_filter_lists_only_unacknowledged_unclosed_alerts_newest_first(build):
    regulator = sb.actor(build.user("regulator"))
    now = clock.utcnow()
    rows = {}
    for name, raised_ago, closed, acked in [("open_old", 3, False, False), ("open_new", 1, False, False),
                                            ("acked", 2, False, True), ("closed", 0, True, False),
                                            ("closed_acked", 4, True, True)]:
        alert = Alert(key=f"test:{name}", rule="liaison_overdue", object_type="firm", object_id=1,
                      district_code="510502", severity="low", message=name, params={},
                      raised_at=now - timedelta(days=raised_ago), closed_at=now if closed else None,
                      acknowledged_at=now if acked else None)
        db.session.add(alert)
        rows[name] = alert
    db.session.commit()

    def listed(state):
        return [a.message for a in alerts.list_alerts(regulator, alerts.AlertFilter(state=state), 1).items]

    assert listed("open") == ["open_new", "open_old"]
    assert listed("acknowledged") == ["acked"]
    assert listed("closed") == ["closed", "closed_acked"]
    assert listed("all") == ["closed", "open_new", "acked", "open_old", "closed_acked"]
    assert alerts.list_alerts(regulator, alerts.AlertFilter(state="open"), 1).total == 2


def test_open_counts_by_rule_are_scoped_and_follow_writes(build):
    now = clock.utcnow()

    def add(rule, district, closed=False):
        alert = Alert(key=f"count:{rule}:{district}:{closed}:{now}", rule=rule, object_type="firm", object_id=1,
                      district_code=district, severity="low", message="m", params={}, raised_at=now,
                      closed_at=now if closed else None)
        db.session.add(alert)
        db.session.commit()
        return alert

    first = add("cert_expiry", "510502")
    add("cert_expiry", "510503")
    add("liaison_overdue", "510502")
    add("liaison_overdue", "510502", closed=True)
    city = sb.actor(build.user("regulator"))
    district = sb.actor(build.district_regulator("510502"))
    assert alerts.open_counts_by_rule(city) == {"cert_expiry": 2, "liaison_overdue": 1}
    assert alerts.open_counts_by_rule(district) == {"cert_expiry": 1, "liaison_overdue": 1}
    first.closed_at = now
    db.session.commit()
    assert alerts.open_counts_by_rule(district) == {"liaison_overdue": 1}
    assert alerts.open_counts_by_rule(city) == {"cert_expiry": 1, "liaison_overdue": 1}
