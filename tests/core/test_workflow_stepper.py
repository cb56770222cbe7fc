"""The stepper's path is read from the workflow tables: the way an object goes when all goes well."""
import pytest

from portal.core.workflow import main_path, progress
from portal.core.workflows import CHANGE_FILING, FIRM_REGISTRATION, INCIDENT, PROJECT_FILING, RECTIFICATION


@pytest.mark.parametrize(("workflow", "until", "path"), [
    (PROJECT_FILING, None, ("draft", "submitted", "confirmed", "under_review", "registered", "in_progress",
                            "completed", "accepted", "closed")),
    (CHANGE_FILING, None, ("submitted", "under_review", "approved")),
    (RECTIFICATION, None, ("issued", "answered", "verified")),  # mark_overdue is the system's, not a step
    (INCIDENT, None, ("reported", "investigating", "upheld")),  # only reasoned ways out: the first final one
    (FIRM_REGISTRATION, "active", ("draft", "submitted", "under_review", "active")),
])
def test_main_path_follows_the_table(workflow, until, path):
    assert main_path(workflow, until) == path


def test_progress_marks_done_current_and_to_come():
    steps = progress(PROJECT_FILING, "under_review")
    assert [s.position for s in steps] == ["done"] * 3 + ["current"] + ["todo"] * 5
    assert steps[3].label == "under review"


@pytest.mark.parametrize(("workflow", "state", "after"), [
    (PROJECT_FILING, "returned", "under_review"),  # returned from review: the last step reached is the review
    (PROJECT_FILING, "declined", "submitted"),
    (INCIDENT, "not_upheld", "investigating"),
])
def test_a_state_off_the_path_is_the_current_step_after_the_one_it_left(workflow, state, after):
    steps = progress(workflow, state)
    assert steps[-1].state == state and steps[-1].position == "current"
    assert steps[-2].state == after and all(s.position == "done" for s in steps[:-1])
