"""A returned change filing keeps its proposal: the edit form starts from what was proposed, and a
change that proposes the current values can be neither resubmitted nor approved."""
import re
from datetime import timedelta

import pytest

from portal.core import clock
from portal.core.errors import InvalidState, ValidationFailed
from portal.extensions import db
from portal.filings import changes as change_filings
from portal.filings.models import ChangeFiling
from tests.filings.builders import FilingWorld, acting_as


@pytest.fixture
def world(build):
    return FilingWorld(build)


@pytest.fixture
def running(world):
    return world.advance(world.submitted(), "confirm", "register", "start_work")


def _returned_staff_change(build, world, running):
    newcomer = build.staff(world.firm, name="Chen Jiu")
    effective = clock.today() + timedelta(days=5)
    with acting_as(world.vendor):
        change = change_filings.submit_change(
            running.id, "staff", {"staff_ids": [world.staff[0].id, newcomer.id], "effective_date": effective},
            "Wang Wu left the project")
    with acting_as(world.regulator):
        change_filings.decide_change(change.id, "start_review")
        change_filings.decide_change(change.id, "return", reason="Attach Chen Jiu's commitment")
    return change, newcomer, effective


def _checked_staff(page: str) -> set[int]:
    return {int(v) for v in re.findall(r'<input[^>]*checked[^>]*name="staff_ids"[^>]*value="(\d+)"', page)
            + re.findall(r'<input[^>]*name="staff_ids"[^>]*value="(\d+)"[^>]*checked', page)}


def test_edit_after_return_shows_every_proposed_value(build, client, login, world, running):
    change, newcomer, effective = _returned_staff_change(build, world, running)
    login(world.vendor)
    page = client.get(f"/filings/changes/{change.id}/edit").get_data(as_text=True)
    assert _checked_staff(page) == {world.staff[0].id, newcomer.id}
    assert f'value="{effective.isoformat()}"' in page
    assert "Wang Wu left the project" in page


def test_resubmitting_the_current_values_is_refused(build, world, running):
    change, _newcomer, effective = _returned_staff_change(build, world, running)
    current = [m.id for m in running.staff]
    with acting_as(world.vendor), pytest.raises(ValidationFailed) as exc:
        change_filings.resubmit_change(change.id, {"staff_ids": current, "effective_date": effective}, "again")
    assert exc.value.field_errors[""] == [change_filings.SAME_AS_CURRENT]


def test_a_change_proposing_the_current_values_cannot_be_approved(build, world, running):
    change, _newcomer, _effective = _returned_staff_change(build, world, running)
    # A proposal that became the current state (e.g. the same staff were assigned another way).
    stored = db.session.get(ChangeFiling, change.id)
    stored.after = {**change_filings.snapshot(running, "staff"), "effective_date": stored.after["effective_date"]}
    stored.status = "under_review"
    db.session.commit()
    with acting_as(world.regulator), pytest.raises(InvalidState):
        change_filings.decide_change(change.id, "approve", reason="ok")
