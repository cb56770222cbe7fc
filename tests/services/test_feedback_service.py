"""Feedback service: one per period, narrative rule, edit window and history, firm reply, summaries,
reminders."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core import clock
from portal.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from portal.core.models import Notification
from portal.extensions import db
from portal.feedback import service
from portal.feedback.models import Feedback, FeedbackReply, FeedbackVersion
from portal.supervision.models import Alert
from tests.feedback.builders import GOOD, accepted_project, acting, feedback_rows


def _submit(user, filing, period="completion", ratings=None, narrative="", hire_again=True, files=()):
    with acting(user):
        return service.submit_feedback(filing.id, period, ratings or dict(GOOD), narrative, hire_again, files)


def test_completion_feedback_recorded_and_firm_told(app, build):
    filing, agency_user, firm_user = accepted_project(build)
    fb = _submit(agency_user, filing)
    assert fb.kind == "completion" and fb.firm_id == filing.firm_id and fb.agency_id == filing.agency_id
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == firm_user.id)) == 1


def test_second_feedback_for_same_period_refused_with_message(app, build):
    filing, agency_user, _firm_user = accepted_project(build)
    _submit(agency_user, filing)
    with pytest.raises(ValidationFailed) as exc:
        _submit(agency_user, filing, ratings={**GOOD, "quality": 3})
    assert "already rated" in exc.value.field_errors["period_key"][0]
    assert db.session.scalar(select(func.count(Feedback.id))) == 1


def test_unique_constraint_race_is_a_validation_error_not_a_crash(app, build, monkeypatch):
    filing, agency_user, _ = accepted_project(build)
    _submit(agency_user, filing)
    # Pretend the pre-check saw nothing, as a concurrent request would: the database decides.
    monkeypatch.setattr(service, "periods_for", lambda f, *a, **k: [service.PeriodOption("completion", "completion", None)])
    with pytest.raises(ValidationFailed):
        _submit(agency_user, filing)
    assert db.session.scalar(select(func.count(Feedback.id))) == 1


@pytest.mark.parametrize("level", [1, 2, 5])
def test_rating_of_one_two_or_five_needs_narrative(app, build, level):
    filing, agency_user, _ = accepted_project(build)
    with pytest.raises(ValidationFailed) as exc:
        _submit(agency_user, filing, ratings={**GOOD, "security": level}, narrative="  ")
    assert "narrative" in exc.value.field_errors
    assert db.session.scalar(select(func.count(Feedback.id))) == 0
    fb = _submit(agency_user, filing, ratings={**GOOD, "security": level}, narrative="Staff used a private USB stick.")
    assert fb.security == level


def test_hire_again_must_be_answered(app, build):
    filing, agency_user, _ = accepted_project(build)
    with pytest.raises(ValidationFailed) as exc:
        _submit(agency_user, filing, hire_again=None)
    assert "hire_again" in exc.value.field_errors


def test_completion_refused_before_acceptance(app, build):
    filing, agency_user, _ = accepted_project(build, status="completed")
    with pytest.raises(ValidationFailed) as exc:
        _submit(agency_user, filing)
    assert "accepted" in exc.value.field_errors["period_key"][0]


def test_completion_allowed_on_closed_project(app, build):
    filing, agency_user, _ = accepted_project(build, status="closed")
    assert _submit(agency_user, filing).period_key == "completion"


@pytest.mark.clause("LOCAL-feedback_milestone_months")
def test_milestone_periods_every_configured_months(app, build):
    firm = build.firm()
    agency = build.agency()
    user = build.user("agency", agency_id=agency.id)
    today = clock.today()
    filing = build.filing(firm=firm, agency=agency, status="in_progress", started_at=None,
                          start_date=today - timedelta(days=200), end_date=today + timedelta(days=300))
    keys = [p.key for p in service.periods_for(filing)]
    assert len(keys) == 2 and all(k.startswith("m") for k in keys)
    app.config["FEEDBACK_MILESTONE_MONTHS"] = 1
    try:
        assert len(service.periods_for(filing)) >= 6
    finally:
        app.config["FEEDBACK_MILESTONE_MONTHS"] = 3
    fb = _submit(user, filing, period=keys[0])
    assert fb.kind == "milestone"
    with pytest.raises(ValidationFailed):
        _submit(user, filing, period="m1999-01")
    with pytest.raises(ValidationFailed):
        _submit(user, filing, period="completion")


def test_agency_cannot_rate_project_not_naming_it(app, build):
    filing, _agency_user, _ = accepted_project(build)
    stranger = build.user("agency")
    with pytest.raises(NotFound):
        _submit(stranger, filing)
    firm_user = build.user("vendor", firm_id=filing.firm_id)
    with pytest.raises(NotFound):
        _submit(firm_user, filing)
    assert db.session.scalar(select(func.count(Feedback.id))) == 0


def test_edit_keeps_earlier_version_and_counts(app, build):
    filing, agency_user, _ = accepted_project(build)
    fb = _submit(agency_user, filing)
    with acting(agency_user):
        service.edit_feedback(fb.id, {**GOOD, "quality": 2}, "Two boxes mislabelled.", False, expected_edit_count=0)
        service.edit_feedback(fb.id, {**GOOD, "quality": 3}, "", True, expected_edit_count=1)
    db.session.refresh(fb)
    assert (fb.quality, fb.edit_count, fb.hire_again) == (3, 2, True)
    history = service.versions(fb.id)
    assert [v.snapshot["quality"] for v in history] == [2, 4]
    assert history[0].snapshot["narrative"] == "Two boxes mislabelled."


def test_edit_with_stale_count_is_a_conflict(app, build):
    filing, agency_user, _ = accepted_project(build)
    fb = _submit(agency_user, filing)
    with acting(agency_user):
        service.edit_feedback(fb.id, GOOD, "", True, expected_edit_count=0)
        with pytest.raises(Conflict):
            service.edit_feedback(fb.id, {**GOOD, "quality": 3}, "", True, expected_edit_count=0)


def test_edit_refused_after_fourteen_days(app, build, travel):
    filing, agency_user, _ = accepted_project(build)
    fb = _submit(agency_user, filing)
    travel(days=14, hours=1)
    with acting(agency_user), pytest.raises(Conflict):
        service.edit_feedback(fb.id, {**GOOD, "quality": 3}, "", True)
    assert db.session.scalar(select(func.count(FeedbackVersion.id))) == 0


def test_edit_refused_after_firm_reply(app, build):
    filing, agency_user, firm_user = accepted_project(build)
    fb = _submit(agency_user, filing)
    with acting(firm_user):
        service.reply_to_feedback(fb.id, "Thank you; we will keep the standard.")
    with acting(agency_user), pytest.raises(Conflict):
        service.edit_feedback(fb.id, {**GOOD, "quality": 3}, "", True)
    with acting(agency_user):
        assert not service.can_edit(service.current_actor(), db.session.get(Feedback, fb.id))


def test_other_agency_user_same_agency_may_edit_but_not_other_agency(app, build):
    filing, agency_user, _ = accepted_project(build)
    colleague = build.user("agency", agency_id=filing.agency_id)
    fb = _submit(agency_user, filing)
    with acting(colleague):
        service.edit_feedback(fb.id, {**GOOD, "timeliness": 3}, "", True)
    outsider = build.user("agency")
    with acting(outsider), pytest.raises(NotFound):
        service.edit_feedback(fb.id, {**GOOD, "timeliness": 1}, "bad", True)
    assert db.session.get(Feedback, fb.id).timeliness == 3


def test_firm_replies_once_within_window(app, build, travel):
    filing, agency_user, firm_user = accepted_project(build)
    fb = _submit(agency_user, filing)
    travel(days=13)
    with acting(firm_user):
        service.reply_to_feedback(fb.id, "We have retrained the team.")
        with pytest.raises(Conflict):
            service.reply_to_feedback(fb.id, "Second thoughts.")
    assert db.session.scalar(select(func.count(FeedbackReply.id))) == 1
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == agency_user.id)) == 1


def test_reply_refused_after_fourteen_days(app, build, travel):
    filing, agency_user, firm_user = accepted_project(build)
    fb = _submit(agency_user, filing)
    travel(days=15)
    with acting(firm_user), pytest.raises(Conflict):
        service.reply_to_feedback(fb.id, "Late reply.")
    assert db.session.scalar(select(func.count(FeedbackReply.id))) == 0


def test_other_firm_cannot_reply_or_see(app, build):
    filing, agency_user, _ = accepted_project(build)
    fb = _submit(agency_user, filing)
    other = build.user("vendor")
    with acting(other):
        with pytest.raises(NotFound):
            service.reply_to_feedback(fb.id, "Not ours.")
        with pytest.raises(NotFound):
            service.get_feedback(None, fb.id)
        assert db.session.execute(service.visible_feedback()).all() == []


def test_agency_user_cannot_reply(app, build):
    filing, agency_user, _ = accepted_project(build)
    fb = _submit(agency_user, filing)
    with acting(agency_user), pytest.raises(NotAllowed):
        service.reply_to_feedback(fb.id, "Replying to myself.")


def test_visibility_by_role(app, build):
    filing, agency_user, firm_user = accepted_project(build, district_code="510502")
    _submit(agency_user, filing)
    other_filing, other_agency_user, _ = accepted_project(build)
    _submit(other_agency_user, other_filing)
    city = build.user("regulator")
    district = build.district_regulator("510502")
    elsewhere = build.district_regulator("510521")
    for user, expected in [(agency_user, 1), (firm_user, 1), (city, 2), (elsewhere, 0)]:
        with acting(user):
            assert len(db.session.execute(service.visible_feedback()).all()) == expected, user.username
    with acting(district):
        assert len(db.session.execute(service.visible_feedback()).all()) >= 1


def test_summary_aggregates_in_sql(app, build):
    filing, _agency_user, _ = accepted_project(build)
    feedback_rows(filing, 3, prefix="a", quality=5, timeliness=2)
    feedback_rows(filing, 1, prefix="b", hire_again=False, quality=1, timeliness=4)
    result = service.feedback_summary(filing.firm_id)
    assert result.count == 4
    assert result.averages["quality"] == 4.0
    assert result.averages["timeliness"] == 2.5
    assert result.distribution["quality"] == {1: 1, 2: 0, 3: 0, 4: 0, 5: 3}
    assert result.hire_again == 3 and result.hire_again_share == 0.75


@pytest.mark.parametrize("rows", [10, 1000])
def test_summary_query_count_constant(app, build, count_queries, rows):
    filing, _agency_user, _ = accepted_project(build)
    feedback_rows(filing, rows)
    firm_id = filing.firm_id
    with count_queries() as q:
        result = service.feedback_summary(firm_id)
    assert result.count == rows
    assert q.count == 2, q.statements


def test_reminder_sent_once_after_fourteen_days(app, build):
    filing, agency_user, _ = accepted_project(build, days_ago=15)
    regulator = build.user("regulator")
    elsewhere = build.district_regulator("510521")
    recent, _, _ = accepted_project(build, days_ago=3)
    rated, rated_user, _ = accepted_project(build, days_ago=20)
    _submit(rated_user, rated)
    assert service.send_missing_feedback_reminders(clock.today()) == 1
    assert service.send_missing_feedback_reminders(clock.today()) == 0
    alert = db.session.scalar(select(Alert))
    assert alert.key == f"feedback_missing:{filing.id}"
    inbox_of = lambda u: db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == u.id))  # noqa: E731
    assert inbox_of(agency_user) == 1 and inbox_of(regulator) == 1 and inbox_of(elsewhere) == 0
    assert db.session.scalar(select(func.count(Alert.id)).where(Alert.object_id == recent.id)) == 0


def test_reminder_closes_when_completion_feedback_arrives(app, build):
    filing, agency_user, _ = accepted_project(build, days_ago=20)
    assert service.send_missing_feedback_reminders(clock.today()) == 1
    _submit(agency_user, filing)
    assert db.session.scalar(select(Alert.closed_at)) is not None


def test_remind_command_is_idempotent(app, build, runner):
    accepted_project(build, days_ago=30)
    first = runner.invoke(args=["feedback", "remind"])
    second = runner.invoke(args=["feedback", "remind"])
    assert "sent: 1" in first.output, first.output
    assert "sent: 0" in second.output


def test_attachments_readable_only_by_those_who_see_the_feedback(app, build):
    from portal.core import uploads as attachments

    filing, agency_user, firm_user = accepted_project(build)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    fb = _submit(agency_user, filing, files=[(pdf, "photos.pdf")])
    files = service.files_of(fb.id)
    assert len(files) == 1
    with acting(firm_user):
        assert attachments.get_readable(files[0].id).id == files[0].id
    with acting(build.user("vendor")), pytest.raises(NotFound):
        attachments.get_readable(files[0].id)


def test_workspace_lists_what_waits_on_the_agency(app, build):
    filing, agency_user, _ = accepted_project(build)
    agency = db.session.get(type(filing).agency.property.mapper.class_, filing.agency_id)
    build.filing(firm=None, agency=agency, status="submitted")
    build.filing(agency=agency, status="completed")
    with acting(agency_user):
        ws = service.agency_workspace()
    assert len(ws.to_confirm) == 1 and len(ws.to_accept) == 1
    assert [(d.filing.id, d.period.key) for d in ws.feedback_due if d.period.kind == "completion"] == [(filing.id, "completion")]
    assert ws.by_status["accepted"] == 1


def test_workspace_work_to_accept_is_oldest_completion_first_without_a_statement_of_its_own(app, build):
    """Completed work is among the filings checked for feedback due: the list to accept is picked from them,
    oldest completion first, capped at WORKSPACE_LIMIT (issue 16: one statement fewer on /home/ and /agency/)."""
    from tests.querycount import recording

    filing, agency_user, _ = accepted_project(build)
    agency = db.session.get(type(filing).agency.property.mapper.class_, filing.agency_id)
    now = clock.utcnow()
    done = [build.filing(agency=agency, status="completed", completed_at=now - timedelta(days=d)) for d in (3, 9, 1)]
    build.filing(agency=agency, status="in_progress")
    with acting(agency_user), recording() as log:
        ws = service.agency_workspace()
    assert [f.id for f in ws.to_accept] == [done[1].id, done[0].id, done[2].id]
    assert sum(1 for s in log.statements if s.startswith("SELECT project_filing.id")) == 2  # to confirm; the rest
