"""Periods: determinism, frozen rule sets, a fixed number of queries, due process and visibility."""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from portal.core import clock
from portal.core.errors import InvalidState, NotAllowed, NotFound, ValidationFailed
from portal.core.models import AuditEvent, Notification, StateTransition
from portal.core.workdays import add_workdays
from portal.core.workflow import ActionNotPermitted, ReasonRequired
from portal.extensions import db
from portal.scoring import service as scoring
from portal.scoring.models import FirmScore, Objection
from portal.scoring.rules import DEFAULT_RULE_SET
from tests.scoring.builders import Q3, ScoringBuilder, as_user, system

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def sb(build):
    return ScoringBuilder(build)


@pytest.fixture
def lead(build):
    return build.user("regulator", "lead")


def _busy_firm(build, sb, late_filings=0, ratings=(4, 4, 4, 4, 4)):
    firm = build.firm()
    sb.liaison(firm)
    project = sb.project(firm)
    for _ in range(late_filings):
        sb.project(firm, late=True)
    sb.feedback(firm, project, ratings)
    sb.inspection(firm, ("pass", "fail"))
    sb.accepted(firm, attempts=2, pass_rate="96.00")
    sb.rectification(firm, deadline=date(2026, 8, 20), closed=date(2026, 8, 10))
    return firm


def _open_and_run(lead, label=Q3):
    with as_user(lead):
        period = scoring.open_period(label)
        scoring.run_period(period.id)
    return period


def _results(period_id):
    return dict(db.session.execute(select(FirmScore.firm_id, FirmScore.result)
                                   .where(FirmScore.period_id == period_id)).all())


def test_running_twice_changes_nothing_and_recomputing_from_scratch_is_byte_identical(app, build, sb, lead):
    for late in range(3):
        _busy_firm(build, sb, late_filings=late)
    build.firm()
    period = _open_and_run(lead)
    first = _results(period.id)
    with as_user(lead):
        again = scoring.run_period(period.id)
    assert again.changed == 0
    assert _results(period.id) == first
    db.session.execute(delete(FirmScore).where(FirmScore.period_id == period.id))
    db.session.commit()
    with as_user(lead):
        scoring.run_period(period.id)
    assert _results(period.id) == first


def test_period_run_uses_a_fixed_number_of_queries_whatever_the_number_of_firms(app, build, sb, lead,
                                                                                  count_queries):
    _busy_firm(build, sb)
    with as_user(lead):
        period = scoring.open_period(Q3)
    with count_queries() as few:
        with as_user(lead):
            small = scoring.run_period(period.id)
    for late in range(6):
        _busy_firm(build, sb, late_filings=late % 2)
    with count_queries() as many:
        with as_user(lead):
            large = scoring.run_period(period.id)
    assert small.queries == large.queries
    # Only the number of changed rows may differ (bulk insert is one statement; updates are per row).
    assert many.count - few.count <= large.changed


def test_a_period_keeps_its_rule_set_after_the_current_one_changes(app, build, sb, lead):
    firm = _busy_firm(build, sb)
    old = _open_and_run(lead)
    before = _results(old.id)[firm.id]
    changed = dataclasses.replace(
        DEFAULT_RULE_SET, version="heavier-feedback",
        dimensions=tuple(dataclasses.replace(d, weight={"feedback": 35, "security": 5}.get(d.code, d.weight))
                         for d in DEFAULT_RULE_SET.dimensions))
    with as_user(lead):
        scoring.save_rule_set(changed)
        scoring.run_period(old.id)
        new = scoring.open_period("2026")
        scoring.run_period(new.id, before_end=True)  # the year may still be running
    assert _results(old.id)[firm.id] == before
    assert new.rule_set_id != old.rule_set_id
    assert '"rule_set_version":"heavier-feedback"' in _results(new.id)[firm.id]


def test_only_the_lead_saves_rule_sets_and_invalid_ones_are_refused_with_field_messages(app, build, lead):
    regulator = build.user("regulator")
    with as_user(regulator), pytest.raises(NotAllowed):
        scoring.save_rule_set(dataclasses.replace(DEFAULT_RULE_SET, version="x"))
    bad = dataclasses.replace(
        DEFAULT_RULE_SET, version="bad",
        dimensions=tuple(dataclasses.replace(d, weight=d.weight - (d.code == "filing")) for d in DEFAULT_RULE_SET.dimensions),
        bands=tuple(dataclasses.replace(b, minimum=b.minimum - 5 if b.grade == "B" else b.minimum)
                    for b in DEFAULT_RULE_SET.bands))
    with as_user(lead), pytest.raises(ValidationFailed) as caught:
        scoring.save_rule_set(bad)
    errors = caught.value.field_errors
    assert errors["weights"][0][0].startswith("Dimension weights add up to")
    assert errors["weights"][0][1] == {"total": "99"}
    assert any("overlap" in msgid for msgid, _p in errors["band_B_min"])


def test_publish_opens_a_working_day_window_and_notifies_firms(app, build, sb, lead):
    firm = _busy_firm(build, sb)
    vendor = build.user("vendor", firm_id=firm.id)
    period = _open_and_run(lead)
    with as_user(vendor), pytest.raises(NotFound):
        scoring.get_period(period.id)
    with as_user(vendor), pytest.raises(NotFound):
        scoring.get_score(db.session.scalar(select(FirmScore.id).where(FirmScore.firm_id == firm.id)))
    with as_user(lead):
        scoring.publish_period(period.id)
    assert period.status == "published"
    assert period.objection_deadline == add_workdays(clock.today(), 10)
    note = db.session.scalar(select(Notification).where(Notification.user_id == vendor.id))
    assert "is published" in note.message and note.link.startswith("/scoring/scores/")
    with as_user(lead), pytest.raises(Exception) as caught:
        scoring.run_period(period.id)  # no recompute once firms have seen the scores
    assert "not possible" in str(caught.value)


def test_objection_window_is_configurable(app, build, sb, lead):
    _busy_firm(build, sb)
    app.config["SCORING_OBJECTION_WORKDAYS"] = 3
    try:
        period = _open_and_run(lead)
        with as_user(lead):
            scoring.publish_period(period.id)
        assert period.objection_deadline == add_workdays(clock.today(), 3)
    finally:
        app.config.pop("SCORING_OBJECTION_WORKDAYS")


def _published(build, sb, lead):
    firm = _busy_firm(build, sb, late_filings=1)
    other = _busy_firm(build, sb)
    vendor = build.user("vendor", firm_id=firm.id)
    period = _open_and_run(lead)
    with as_user(lead):
        scoring.publish_period(period.id)
    score = db.session.scalar(select(FirmScore).where(FirmScore.period_id == period.id,
                                                      FirmScore.firm_id == firm.id))
    other_score = db.session.scalar(select(FirmScore).where(FirmScore.firm_id == other.id))
    return firm, vendor, period, score, other_score


def test_firm_sees_only_its_own_score_and_objections(app, build, sb, lead):
    firm, vendor, period, score, other_score = _published(build, sb, lead)
    with as_user(vendor):
        assert scoring.get_score(score.id).id == score.id
        with pytest.raises(NotFound):
            scoring.get_score(other_score.id)
        with pytest.raises(NotFound):
            scoring.submit_objection(other_score.id, "filing.before_start", "not ours")
        objection = scoring.submit_objection(score.id, "filing.before_start", "The late one was filed on paper")
    other_vendor = build.user("vendor", firm_id=other_score.firm_id)
    with as_user(other_vendor), pytest.raises(NotFound):
        scoring.get_objection(objection.id)
    agency = build.user("agency")
    with as_user(agency):
        assert db.session.scalars(scoring.visible_scores()).all() == []


def test_district_regulator_ranks_only_firms_of_its_district(app, build, sb, lead):
    _busy_firm(build, sb)
    far = build.firm(district_code="510521")
    sb.liaison(far)
    sb.project(far)
    period = _open_and_run(lead)
    district = build.district_regulator("510502")
    with as_user(district):
        names = [f.district_code for _s, f in scoring.ranking(period.id)]
    assert names and set(names) == {"510502"}
    with as_user(lead):
        assert {f.district_code for _s, f in scoring.ranking(period.id)} == {"510502", "510521"}


def test_objection_amended_keeps_both_versions_and_rescores(app, build, sb, lead):
    firm, vendor, period, score, _other = _published(build, sb, lead)
    original_total, original_result = score.total, score.result
    with as_user(vendor):
        objection = scoring.submit_objection(score.id, "filing.before_start", "Filed on paper in time",
                                             (PDF, "receipt.pdf"))
    assert objection.attachment_id is not None
    assert objection.original["item"]["numerator"] == "1" and objection.original["item"]["count"] == 2
    with as_user(vendor), pytest.raises(ValidationFailed):
        scoring.submit_objection(score.id, "filing.before_start", "again")  # one open objection per indicator
    with as_user(vendor), pytest.raises(NotAllowed):
        scoring.decide_objection(objection.id, "amend", "I say so", numerator="2", count="2")
    with as_user(lead), pytest.raises(ReasonRequired):
        scoring.decide_objection(objection.id, "amend", "  ", numerator="2", count="2")  # reason required
    with as_user(lead):
        scoring.decide_objection(objection.id, "amend", "Paper receipt dated before the start",
                                 numerator="2", count="2")
    db.session.refresh(score)
    assert score.result == original_result and score.total == original_total
    assert score.amended_total > original_total
    assert objection.status == "amended"
    assert objection.amended["item"]["numerator"] == "2" and objection.amended["total"] == str(score.amended_total)
    assert objection.original["total"] == str(original_total)
    assert scoring.effective_total(score) == score.amended_total
    assert db.session.scalar(select(func.count(StateTransition.id)).where(
        StateTransition.object_type == "objection", StateTransition.object_id == objection.id)) == 1
    assert db.session.scalar(select(Notification).where(Notification.user_id == vendor.id,
                                                        Notification.message.like("%amended%")))


def test_objection_upheld_keeps_the_score(app, build, sb, lead):
    firm, vendor, period, score, _other = _published(build, sb, lead)
    with as_user(vendor):
        objection = scoring.submit_objection(score.id, "feedback.quality", "The agency was unfair")
    with as_user(lead):
        scoring.decide_objection(objection.id, "uphold", "The ratings are the agency's own")
    db.session.refresh(score)
    assert objection.status == "upheld" and objection.amended == {}
    assert score.amended_result is None and scoring.effective_grade(score) == score.grade


def test_objection_can_remove_a_veto(app, build, sb, lead):
    firm, vendor, period, score, _other = (None, None, None, None, None)
    firm = _busy_firm(build, sb)
    sb.penalty(firm, on=date(2026, 9, 1))
    vendor = build.user("vendor", firm_id=firm.id)
    period = _open_and_run(lead)
    with as_user(lead):
        scoring.publish_period(period.id)
    score = db.session.scalar(select(FirmScore).where(FirmScore.firm_id == firm.id))
    assert score.grade == "D" and score.vetoed
    with as_user(vendor):
        objection = scoring.submit_objection(score.id, "administrative_penalty", "Penalty was revoked on appeal")
    with as_user(lead):
        scoring.decide_objection(objection.id, "amend", "The penalty decision was annulled")
    db.session.refresh(score)
    assert score.amended_grade != "D" and scoring.result_of(score).vetoed is False


def test_objection_after_the_window_is_refused(app, build, sb, lead, travel):
    firm, vendor, period, score, _other = _published(build, sb, lead)
    travel(days=(period.objection_deadline - clock.today()).days + 1)
    with as_user(vendor), pytest.raises(InvalidState):
        scoring.submit_objection(score.id, "filing.before_start", "too late")


def test_finalise_waits_for_the_window_and_for_decisions_then_grades_become_public(app, build, sb, lead, travel):
    firm, vendor, period, score, _other = _published(build, sb, lead)
    assert firm.grade is None  # published is not public
    with as_user(lead), pytest.raises(InvalidState):
        scoring.finalise_period(period.id)
    with as_user(vendor):
        objection = scoring.submit_objection(score.id, "filing.before_start", "paper filing")
    travel(days=(period.objection_deadline - clock.today()).days + 1)
    with as_user(lead), pytest.raises(InvalidState):
        scoring.finalise_period(period.id)
    with system():
        assert scoring.finalise_due() == []  # the undecided objection holds the period
    with as_user(lead):
        scoring.decide_objection(objection.id, "amend", "receipt", numerator="2", count="2")
        scoring.finalise_period(period.id)
    db.session.refresh(firm)
    db.session.refresh(score)
    assert period.status == "final" and firm.grade == score.amended_grade


def test_finalise_due_finalises_and_applies_once(app, build, sb, lead, travel, runner):
    firm, vendor, period, score, _other = _published(build, sb, lead)
    travel(days=(period.objection_deadline - clock.today()).days + 1)
    out = runner.invoke(args=["scoring", "finalise-due"])
    assert out.exit_code == 0 and Q3 in out.output
    db.session.expire_all()
    assert db.session.get(scoring.ScoringPeriod, period.id).status == "applied"
    assert db.session.get(scoring.Firm, firm.id).grade == score.grade
    audits = db.session.scalar(select(func.count(AuditEvent.id)))
    again = runner.invoke(args=["scoring", "finalise-due"])
    assert again.exit_code == 0 and "no period is due" in again.output
    assert db.session.scalar(select(func.count(AuditEvent.id))) == audits


def test_vendor_cannot_run_the_period(app, build, sb, lead):
    firm = _busy_firm(build, sb)
    vendor = build.user("vendor", firm_id=firm.id)
    with as_user(lead):
        period = scoring.open_period(Q3)
    with as_user(vendor), pytest.raises(ActionNotPermitted):
        scoring.run_period(period.id)


def test_period_labels(app):
    assert scoring.parse_period_label("2026q4") == ("quarter", date(2026, 10, 1), date(2026, 12, 31))
    assert scoring.parse_period_label("2026Q1")[2] == date(2026, 3, 31)
    for bad in ("2026Q5", "26Q1", "2026-Q1", ""):
        with pytest.raises(ValidationFailed):
            scoring.parse_period_label(bad)


def test_objection_notifies_the_lead(app, build, sb, lead):
    firm, vendor, period, score, _other = _published(build, sb, lead)
    with as_user(vendor):
        scoring.submit_objection(score.id, "feedback.conduct", "wrong project")
    assert db.session.scalar(select(Notification).where(Notification.user_id == lead.id,
                                                        Notification.message.like("%objected%")))
    assert db.session.scalar(select(func.count(Objection.id))) == 1
    assert timedelta(0) <= clock.utcnow() - db.session.scalar(select(Objection.submitted_at)) < timedelta(minutes=1)
