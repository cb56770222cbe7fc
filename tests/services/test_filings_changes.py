"""Change filings: filed on a registered or running project, reviewed, applied when approved."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.core.errors import InvalidState, NotFound, ValidationFailed
from portal.core.models import StateTransition
from portal.core.workflow import ActionNotPermitted, InvalidTransition, ReasonRequired
from portal.extensions import db
from portal.filings import changes as change_filings
from portal.filings.models import ChangeFiling, ProjectFiling
from tests.filings.builders import FilingWorld, acting_as


@pytest.fixture
def world(build):
    return FilingWorld(build)


@pytest.fixture
def running(world):
    return world.advance(world.submitted(), "confirm", "register", "start_work")


def test_staff_change_shows_before_and_after_and_applies_on_approval(build, world, running):
    newcomer = build.staff(world.firm, name="Chen Jiu")
    with acting_as(world.vendor):
        change = change_filings.submit_change(running.id, "staff", {"staff_ids": [world.staff[0].id, newcomer.id]},
                                              "Wang Wu left the project")
    rows = {r["key"]: r for r in change_filings.diff(change)}
    assert rows["staff"]["changed"]
    assert "Wang Wu" in rows["staff"]["before"] and "Chen Jiu" in rows["staff"]["after"]
    with acting_as(world.regulator):
        change_filings.decide_change(change.id, "start_review")
        change_filings.decide_change(change.id, "approve", reason="qualified replacement")
    db.session.expire_all()
    filing = db.session.get(ProjectFiling, running.id)
    assert sorted(m.name for m in filing.staff) == ["Chen Jiu", "Li Si"]
    assert filing.status == "in_progress"
    change = db.session.get(ChangeFiling, change.id)
    assert change.status == "approved" and change.decided_by_id == world.regulator.id


def test_staff_change_to_untrained_worker_is_refused(build, world, running):
    trainee = build.staff(world.firm, name="Trainee", training_days=2)
    with acting_as(world.vendor), pytest.raises(ValidationFailed) as exc:
        change_filings.submit_change(running.id, "staff", {"staff_ids": [trainee.id]}, "more hands")
    assert "staff_ids" in exc.value.field_errors


def test_schedule_change_returned_then_resubmitted(world, running):
    today = clock.today()
    data = {"start_date": running.start_date, "end_date": running.end_date + timedelta(days=30)}
    with acting_as(world.vendor):
        change = change_filings.submit_change(running.id, "schedule", data, "More volumes found")
    with acting_as(world.regulator), pytest.raises(ReasonRequired):
        change_filings.decide_change(change.id, "return")
    with acting_as(world.regulator):
        change_filings.decide_change(change.id, "return", reason="Attach the agency's agreement")
    with acting_as(world.vendor):
        change_filings.resubmit_change(change.id, {**data, "effective_date": today}, "Agency agreed in writing")
    with acting_as(world.regulator):
        change_filings.decide_change(change.id, "approve")
    db.session.expire_all()
    assert db.session.get(ProjectFiling, running.id).end_date == data["end_date"]
    actions = list(db.session.scalars(select(StateTransition.action).where(
        StateTransition.object_type == "change_filing", StateTransition.object_id == change.id)
        .order_by(StateTransition.id)))
    assert actions == ["submit", "return", "resubmit", "approve"]


def test_scope_change_updates_quantities(world, running):
    with acting_as(world.vendor):
        change = change_filings.submit_change(
            running.id, "scope", {"contract_scope": "Digitise 2,500 volumes", "quantities": {"volumes": 2500}},
            "Agency added 500 volumes")
    rows = {r["key"]: r for r in change_filings.diff(change)}
    assert rows["qty_volumes"]["before"] == "2000" and rows["qty_volumes"]["after"] == "2500"
    with acting_as(world.regulator):
        change_filings.decide_change(change.id, "approve")
    db.session.expire_all()
    assert db.session.get(ProjectFiling, running.id).quantities == {"volumes": 2500}


def test_site_change_off_site_needs_reason(world, running):
    with acting_as(world.vendor), pytest.raises(ValidationFailed) as exc:
        change_filings.submit_change(running.id, "site", {"site_type": "off_site"}, "Move to our premises")
    assert {"off_site_reason", "off_site_safeguards", "site_address"} <= set(exc.value.field_errors)


def test_change_filed_after_it_took_effect_is_late(world, running):
    with acting_as(world.vendor):
        change = change_filings.submit_change(
            running.id, "schedule",
            {"start_date": running.start_date, "end_date": running.end_date + timedelta(days=5),
             "effective_date": clock.today() - timedelta(days=4)}, "Delay")
    assert change.is_late


def test_change_refused_before_registration(world):
    filing = world.submitted()
    with acting_as(world.vendor), pytest.raises(InvalidState):
        change_filings.submit_change(filing.id, "schedule", {}, "x")


def test_second_open_change_of_same_kind_refused(world, running):
    data = {"start_date": running.start_date, "end_date": running.end_date + timedelta(days=5)}
    with acting_as(world.vendor):
        change_filings.submit_change(running.id, "schedule", data, "first")
        with pytest.raises(ValidationFailed):
            change_filings.submit_change(running.id, "schedule", data, "second")


def test_vendor_cannot_approve_and_other_district_cannot_see(build, world, running):
    data = {"start_date": running.start_date, "end_date": running.end_date + timedelta(days=5)}
    with acting_as(world.vendor):
        change = change_filings.submit_change(running.id, "schedule", data, "delay")
        with pytest.raises(ActionNotPermitted):
            change_filings.decide_change(change.id, "approve")
    with acting_as(build.district_regulator("510521")), pytest.raises(NotFound):
        change_filings.decide_change(change.id, "approve")
    with acting_as(world.regulator):
        change_filings.decide_change(change.id, "approve")
        with pytest.raises(InvalidTransition):
            change_filings.decide_change(change.id, "return", reason="changed my mind")


def test_unchanged_values_are_refused(world, running):
    with acting_as(world.vendor), pytest.raises(ValidationFailed):
        change_filings.submit_change(running.id, "schedule",
                                     {"start_date": running.start_date, "end_date": running.end_date}, "nothing")
