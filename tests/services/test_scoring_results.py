"""Result application: every rule firing, being recorded and notified, and being lifted again."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.core import clock
from portal.core.errors import InvalidState, NotAllowed, ValidationFailed
from portal.core.models import AuditEvent, Notification, StateTransition
from portal.core.workflow import InvalidTransition
from portal.extensions import db
from portal.firms.models import Firm
from portal.scoring import service as scoring
from portal.scoring.models import NegativeListEntry, ResultApplication
from tests.scoring.builders import ScoringBuilder, as_user, system

Q2_DAY, Q3_DAY = date(2026, 5, 10), date(2026, 8, 10)


@pytest.fixture
def sb(build):
    return ScoringBuilder(build)


@pytest.fixture
def lead(build):
    return build.user("regulator", "lead")


def grade_evidence(sb, firm, grade: str, day: date, quarter: str):
    """Evidence giving exactly ``grade`` in the quarter of ``day``."""
    sb.liaison(firm, quarter)
    if grade == "A":
        sb.project(firm, start=day)  # 100
    elif grade == "B":
        sb.project(firm, start=day)
        sb.incident(firm, "device_media_violation", on=day)
        sb.incident(firm, "personnel_violation", on=day)
        sb.incident(firm, "personnel_violation", on=day)  # 100 − 5 − 6 = 89
    elif grade == "C":
        sb.project(firm, start=day)
        sb.project(firm, start=day)
        sb.project(firm, start=day, late=True)  # 66.67
    elif grade == "D":
        sb.project(firm, start=day, late=True)  # 0
    elif grade == "veto":
        sb.project(firm, start=day)
        sb.penalty(firm, on=day)


def through(lead, label: str, travel) -> scoring.ScoringPeriod:
    with as_user(lead):
        period = scoring.open_period(label)
        scoring.run_period(period.id)
        scoring.publish_period(period.id)
    travel(days=(period.objection_deadline - clock.today()).days + 1)
    with as_user(lead):
        scoring.finalise_period(period.id)
        scoring.apply_period(period.id)
    return period


def active_actions(firm) -> set[str]:
    return set(db.session.scalars(select(ResultApplication.action).where(
        ResultApplication.firm_id == firm.id, ResultApplication.lifted_at.is_(None))))


def test_each_grade_applies_its_rule(app, build, sb, lead, travel):
    firms = {g: build.firm() for g in ("A", "B", "C", "D", "veto")}
    for grade, firm in firms.items():
        grade_evidence(sb, firm, grade, Q3_DAY, "2026Q3")
    vendor = build.user("vendor", firm_id=firms["A"].id)
    through(lead, "2026Q3", travel)
    db.session.expire_all()
    a, b, c, d, v = (db.session.get(Firm, firms[g].id) for g in ("A", "B", "C", "D", "veto"))
    assert (a.grade, a.good_standing, a.inspection_weight, a.focus_supervision) == ("A", True, Decimal("0.50"), False)
    assert (b.grade, b.good_standing, b.inspection_weight, b.focus_supervision) == ("B", False, Decimal("1.00"), False)
    assert (c.grade, c.inspection_weight, c.focus_supervision) == ("C", Decimal("2.00"), False)
    assert (d.grade, d.inspection_weight, d.focus_supervision) == ("D", Decimal("4.00"), True)
    assert (v.grade, v.inspection_weight, v.focus_supervision) == ("D", Decimal("4.00"), True)
    assert active_actions(a) == {"grade", "inspection_weight", "badge"}
    assert active_actions(b) == {"grade", "inspection_weight"}
    assert active_actions(c) == {"grade", "inspection_weight", "agency_warning"}
    assert active_actions(d) == {"grade", "inspection_weight", "focus_supervision"}
    focus = db.session.scalar(select(ResultApplication).where(ResultApplication.firm_id == d.id,
                                                              ResultApplication.action == "focus_supervision"))
    assert focus.detail["plan_required"] is True
    assert db.session.scalar(select(Notification).where(Notification.user_id == vendor.id,
                                                        Notification.message.like("%applied%")))
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "scoring.apply")) == 5
    with as_user(lead):
        assert {f.id for f, _app in scoring.focus_firms()} == {d.id, v.id}
    # No negative-list proposal after a single D.
    assert db.session.scalar(select(func.count(NegativeListEntry.id))) == 0


def test_next_period_lifts_badge_and_focus(app, build, sb, lead, travel):
    good, bad = build.firm(), build.firm()
    grade_evidence(sb, good, "A", Q2_DAY, "2026Q2")
    grade_evidence(sb, bad, "D", Q2_DAY, "2026Q2")
    through(lead, "2026Q2", travel)
    grade_evidence(sb, good, "B", Q3_DAY, "2026Q3")
    grade_evidence(sb, bad, "B", Q3_DAY, "2026Q3")
    through(lead, "2026Q3", travel)
    db.session.expire_all()
    good, bad = db.session.get(Firm, good.id), db.session.get(Firm, bad.id)
    assert (good.grade, good.good_standing) == ("B", False)
    assert (bad.grade, bad.focus_supervision, bad.inspection_weight) == ("B", False, Decimal("1.00"))
    lifted = db.session.scalar(select(ResultApplication).where(ResultApplication.firm_id == good.id,
                                                               ResultApplication.action == "badge"))
    assert lifted.lifted_at is not None and "2026Q3" in lifted.lift_reason
    assert active_actions(bad) == {"grade", "inspection_weight"}


def test_two_d_grades_running_propose_the_negative_list(app, build, sb, lead, travel):
    firm, once = build.firm(), build.firm()
    grade_evidence(sb, firm, "D", Q2_DAY, "2026Q2")
    grade_evidence(sb, once, "B", Q2_DAY, "2026Q2")
    through(lead, "2026Q2", travel)
    assert db.session.scalar(select(func.count(NegativeListEntry.id))) == 0
    grade_evidence(sb, firm, "D", Q3_DAY, "2026Q3")
    grade_evidence(sb, once, "D", Q3_DAY, "2026Q3")
    through(lead, "2026Q3", travel)
    entries = db.session.scalars(select(NegativeListEntry)).all()
    assert [(e.firm_id, e.status) for e in entries] == [(firm.id, "proposed")]
    reasons = scoring.proposal_reasons(entries[0])  # kept as messages, rendered in the reader's language
    assert reasons[0].msgid.startswith("Grade %(grade)s in %(count)s periods running")
    assert "2 periods running" in reasons[0].render()
    assert db.session.scalar(select(Notification).where(Notification.user_id == lead.id,
                                                        Notification.message.like("%negative list%")))
    assert db.session.get(Firm, firm.id).status == "active"  # only a proposal


def test_refused_rectification_proposes_the_negative_list(app, build, sb, lead, travel):
    firm = build.firm()
    grade_evidence(sb, firm, "A", Q3_DAY, "2026Q3")
    sb.rectification(firm, deadline=date(2026, 9, 25), status="issued", refused=True)
    sb.rectification(firm, deadline=date(2026, 8, 20), closed=date(2026, 8, 1))
    through(lead, "2026Q3", travel)
    entry = db.session.scalar(select(NegativeListEntry))
    assert entry.firm_id == firm.id and "Refused rectification" in scoring.proposal_reasons(entry)[0].render()


def _listed(build, sb, lead, travel):
    firm = build.firm()
    grade_evidence(sb, firm, "A", Q3_DAY, "2026Q3")
    sb.rectification(firm, deadline=date(2026, 9, 1), status="issued", refused=True)
    vendor = build.user("vendor", firm_id=firm.id)
    through(lead, "2026Q3", travel)
    entry = db.session.scalar(select(NegativeListEntry))
    return firm, vendor, entry


def test_lead_decides_the_negative_list_with_reason_and_end_date(app, build, sb, lead, travel):
    firm, vendor, entry = _listed(build, sb, lead, travel)
    regulator = build.user("regulator")
    until = clock.today() + timedelta(days=180)
    with as_user(regulator), pytest.raises(NotAllowed):
        scoring.decide_negative_list(entry.id, "list", "refused", until)
    with as_user(lead), pytest.raises(ValidationFailed) as caught:
        scoring.decide_negative_list(entry.id, "list", "", None)
    assert set(caught.value.field_errors) == {"reason", "ends_on"}
    with as_user(lead):
        scoring.decide_negative_list(entry.id, "list", "Refused to rectify the storage room", until)
    db.session.refresh(firm)
    assert (firm.status, firm.negative_list_until) == ("negative_listed", until)
    assert entry.status == "listed" and entry.ends_on == until
    assert "negative_list" in active_actions(firm)
    assert db.session.scalar(select(StateTransition).where(StateTransition.object_type == "firm",
                                                           StateTransition.action == "negative_list"))
    assert db.session.scalar(select(Notification).where(Notification.user_id == vendor.id,
                                                        Notification.message.like("%negative list until%")))
    with as_user(lead), pytest.raises(InvalidState):
        scoring.decide_negative_list(entry.id, "decline", "changed my mind")
    with as_user(lead):
        scoring.lift_negative_list(entry.id, "Rectified and inspected")
    db.session.refresh(firm)
    assert (firm.status, firm.negative_list_until) == ("active", None)
    assert entry.status == "lifted" and "negative_list" not in active_actions(firm)


def test_declined_proposal_changes_nothing(app, build, sb, lead, travel):
    firm, _vendor, entry = _listed(build, sb, lead, travel)
    with as_user(lead):
        scoring.decide_negative_list(entry.id, "decline", "A first refusal, since corrected")
    db.session.refresh(firm)
    assert entry.status == "declined" and firm.status == "active"


def test_lift_expired_reinstates_when_the_end_date_passes(app, build, sb, lead, travel, runner):
    firm, _vendor, entry = _listed(build, sb, lead, travel)
    with as_user(lead):
        scoring.decide_negative_list(entry.id, "list", "refused", clock.today() + timedelta(days=30))
    out = runner.invoke(args=["scoring", "lift-expired"])
    assert "reinstated 0" in out.output
    travel(days=31)
    out = runner.invoke(args=["scoring", "lift-expired"])
    assert "reinstated 1" in out.output
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).status == "active"
    assert db.session.get(NegativeListEntry, entry.id).status == "lifted"
    again = runner.invoke(args=["scoring", "lift-expired"])
    assert "reinstated 0" in again.output


def test_result_policy_is_configurable(app, build, sb, lead, travel):
    firm = build.firm()
    grade_evidence(sb, firm, "B", Q3_DAY, "2026Q3")
    app.config["SCORING_RESULT_POLICY"] = {"badge_grades": ["A", "B"],
                                           "inspection_weights": {"A": "0.5", "B": "0.8", "C": "2", "D": "4"}}
    try:
        through(lead, "2026Q3", travel)
    finally:
        app.config.pop("SCORING_RESULT_POLICY")
    db.session.refresh(firm)
    assert firm.good_standing is True and firm.inspection_weight == Decimal("0.80")


def test_apply_refused_before_final(app, build, sb, lead):
    grade_evidence(sb, build.firm(), "A", Q3_DAY, "2026Q3")
    with as_user(lead):
        period = scoring.open_period("2026Q3")
        scoring.run_period(period.id)
    with as_user(lead), pytest.raises(Exception) as caught:
        scoring.apply_period(period.id)
    assert "not possible" in str(caught.value)
    with system(), pytest.raises(InvalidTransition):
        scoring.apply_period(period.id)
