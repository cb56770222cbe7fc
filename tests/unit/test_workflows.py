"""Workflow tables and engine: exact state codes, every (state, action) pair, roles, reasons and messages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.core import workflows as wf
from portal.core.workflow import (
    ROLES,
    ActionNotPermitted,
    InvalidTransition,
    ReasonRequired,
    Role,
    Transition,
    UnknownState,
    Workflow,
    WorkflowError,
    WorkflowTableError,
)

# ---------------------------------------------------------------------------------------------------
# The specification, written out by hand from the design brief, independent of the tables under test.
# Each action: (from states, to state, roles, reason required).
# ---------------------------------------------------------------------------------------------------

EXPECTED_STATES: dict[str, tuple[str, ...]] = {
    "firm_registration": (
        "draft",
        "submitted",
        "under_review",
        "returned",
        "active",
        "expiring",
        "recheck_submitted",
        "lapsed",
        "suspended",
        "negative_listed",
        "revoked",
    ),
    "project_filing": (
        "draft",
        "submitted",
        "confirmed",
        "declined",
        "under_review",
        "returned",
        "rejected",
        "registered",
        "in_progress",
        "completed",
        "accepted",
        "closed",
    ),
    "change_filing": ("submitted", "under_review", "approved", "returned"),
    "inspection": ("planned", "notified", "checked", "passed", "rectification_required", "closed"),
    "rectification": ("issued", "answered", "rejected", "verified", "overdue", "escalated"),
    "incident": ("reported", "investigating", "upheld", "not_upheld"),
    "scoring_period": ("draft", "published", "final", "applied"),
    "objection": ("submitted", "upheld", "amended"),
    "change_request": ("submitted", "approved", "returned"),
    "focus_plan": ("submitted", "accepted", "returned"),
}

EXPECTED_INITIAL: dict[str, str] = {
    "firm_registration": "draft",
    "project_filing": "draft",
    "change_filing": "submitted",
    "inspection": "planned",
    "rectification": "issued",
    "incident": "reported",
    "scoring_period": "draft",
    "objection": "submitted",
    "change_request": "submitted",
    "focus_plan": "submitted",
}

Spec = dict[str, tuple[set[str], str, set[str], bool]]

EXPECTED_ACTIONS: dict[str, Spec] = {
    "firm_registration": {
        "submit": ({"draft", "returned"}, "submitted", {"vendor"}, False),
        "start_review": ({"submitted"}, "under_review", {"regulator"}, False),
        "return": ({"submitted", "under_review"}, "returned", {"regulator"}, True),
        "approve": ({"submitted", "under_review"}, "active", {"regulator"}, False),
        "mark_expiring": ({"active"}, "expiring", {"system"}, False),
        "submit_recheck": ({"active", "expiring", "lapsed"}, "recheck_submitted", {"vendor"}, False),
        "approve_recheck": ({"recheck_submitted"}, "active", {"regulator"}, False),
        "return_recheck": ({"recheck_submitted"}, "expiring", {"regulator"}, True),
        "lapse": ({"expiring"}, "lapsed", {"system"}, False),
        "suspend": ({"active", "expiring"}, "suspended", {"lead"}, True),
        "reinstate": ({"suspended", "negative_listed"}, "active", {"lead"}, True),
        "negative_list": ({"active", "expiring", "suspended"}, "negative_listed", {"lead"}, True),
        "revoke": (
            {
                "submitted",
                "under_review",
                "returned",
                "active",
                "expiring",
                "recheck_submitted",
                "lapsed",
                "suspended",
                "negative_listed",
            },
            "revoked",
            {"lead"},
            True,
        ),
    },
    "project_filing": {
        "submit": ({"draft", "returned", "declined"}, "submitted", {"vendor"}, False),
        "confirm": ({"submitted"}, "confirmed", {"agency"}, False),
        "decline": ({"submitted"}, "declined", {"agency"}, True),
        "start_review": ({"confirmed"}, "under_review", {"regulator"}, False),
        "return": ({"confirmed", "under_review"}, "returned", {"regulator"}, True),
        "reject": ({"confirmed", "under_review"}, "rejected", {"regulator"}, True),
        "register": ({"confirmed", "under_review"}, "registered", {"regulator"}, False),
        "start_work": ({"registered"}, "in_progress", {"vendor", "system"}, False),
        "complete": ({"in_progress"}, "completed", {"vendor"}, False),
        "accept": ({"completed"}, "accepted", {"agency"}, False),
        "fail_acceptance": ({"completed"}, "in_progress", {"agency"}, True),
        "close": ({"accepted"}, "closed", {"vendor", "system"}, False),
    },
    "change_filing": {
        "start_review": ({"submitted"}, "under_review", {"regulator"}, False),
        "approve": ({"submitted", "under_review"}, "approved", {"regulator"}, False),
        "return": ({"submitted", "under_review"}, "returned", {"regulator"}, True),
        "resubmit": ({"returned"}, "submitted", {"vendor"}, False),
    },
    "inspection": {
        "notify": ({"planned"}, "notified", {"regulator"}, False),
        "record_results": ({"planned", "notified"}, "checked", {"regulator"}, False),
        "pass": ({"checked"}, "passed", {"regulator"}, False),
        "require_rectification": ({"checked"}, "rectification_required", {"regulator"}, False),
        "close": ({"rectification_required"}, "closed", {"regulator"}, False),
    },
    "rectification": {
        "answer": ({"issued", "rejected", "overdue", "escalated"}, "answered", {"vendor"}, False),
        "verify": ({"answered"}, "verified", {"regulator"}, False),
        "reject": ({"answered"}, "rejected", {"regulator"}, True),
        "mark_overdue": ({"issued", "rejected"}, "overdue", {"system"}, False),
        "escalate": ({"overdue"}, "escalated", {"regulator", "lead"}, True),
    },
    "incident": {
        "investigate": ({"reported"}, "investigating", {"regulator"}, False),
        "uphold": ({"investigating"}, "upheld", {"regulator"}, True),
        "dismiss": ({"investigating"}, "not_upheld", {"regulator"}, True),
    },
    "scoring_period": {
        "recompute": ({"draft"}, "draft", {"lead", "system"}, False),
        "publish": ({"draft"}, "published", {"lead"}, False),
        "finalise": ({"published"}, "final", {"lead", "system"}, False),
        "apply": ({"final"}, "applied", {"lead", "system"}, False),
    },
    "objection": {
        "uphold": ({"submitted"}, "upheld", {"lead"}, True),
        "amend": ({"submitted"}, "amended", {"lead"}, True),
    },
    "change_request": {
        "approve": ({"submitted"}, "approved", {"regulator"}, False),
        "return": ({"submitted"}, "returned", {"regulator"}, True),
        "resubmit": ({"returned"}, "submitted", {"vendor"}, False),
    },
    "focus_plan": {
        "accept": ({"submitted"}, "accepted", {"regulator"}, False),
        "return": ({"submitted"}, "returned", {"regulator"}, True),
        "resubmit": ({"returned"}, "submitted", {"vendor"}, False),
    },
}

ALL_ROLES = sorted(ROLES)
REASON = "Documents incomplete"


def _pairs() -> list[tuple[str, str, str]]:
    return [
        (name, state, action)
        for name, states in EXPECTED_STATES.items()
        for state in states
        for action in EXPECTED_ACTIONS[name]
    ]


def _expected_outcome(name: str, state: str, action: str) -> tuple[str, set[str], bool] | None:
    from_states, to_state, roles, reason_required = EXPECTED_ACTIONS[name][action]
    if state not in from_states:
        return None
    return to_state, roles, reason_required


# ---------------------------------------------------------------------------------------------------
# The tables match the hand-written specification exactly.
# ---------------------------------------------------------------------------------------------------


def test_every_workflow_is_exported_once_by_name() -> None:
    assert set(wf.WORKFLOWS) == set(EXPECTED_STATES)
    assert [w.name for w in wf.ALL_WORKFLOWS] == list(wf.WORKFLOWS)
    assert wf.WORKFLOWS["firm_registration"] is wf.FIRM_REGISTRATION
    assert wf.WORKFLOWS["project_filing"] is wf.PROJECT_FILING
    assert wf.WORKFLOWS["change_filing"] is wf.CHANGE_FILING
    assert wf.WORKFLOWS["inspection"] is wf.INSPECTION
    assert wf.WORKFLOWS["rectification"] is wf.RECTIFICATION
    assert wf.WORKFLOWS["incident"] is wf.INCIDENT
    assert wf.WORKFLOWS["scoring_period"] is wf.SCORING_PERIOD
    assert wf.WORKFLOWS["objection"] is wf.OBJECTION
    assert wf.WORKFLOWS["change_request"] is wf.CHANGE_REQUEST
    assert wf.WORKFLOWS["focus_plan"] is wf.FOCUS_PLAN


@pytest.mark.parametrize("name", EXPECTED_STATES)
def test_state_codes_are_exactly_those_the_database_constrains(name: str) -> None:
    workflow = wf.WORKFLOWS[name]
    assert workflow.state_codes == EXPECTED_STATES[name]
    assert workflow.initial == EXPECTED_INITIAL[name]


@pytest.mark.parametrize("name", EXPECTED_STATES)
def test_transition_table_matches_specification(name: str) -> None:
    workflow = wf.WORKFLOWS[name]
    actual = {
        t.action: (set(t.from_states), t.to_state, set(t.roles), t.reason_required)
        for t in workflow.transitions
    }
    assert actual == EXPECTED_ACTIONS[name]
    assert len(workflow.transitions) == len(EXPECTED_ACTIONS[name])


@pytest.mark.parametrize("workflow", wf.ALL_WORKFLOWS, ids=lambda w: w.name)
def test_check_table_passes(workflow: Workflow) -> None:
    workflow.check_table()


@pytest.mark.parametrize("workflow", wf.ALL_WORKFLOWS, ids=lambda w: w.name)
def test_labels_are_present(workflow: Workflow) -> None:
    assert workflow.object_label
    assert all(workflow.states.values())
    assert all(t.label for t in workflow.transitions)


def test_same_code_with_different_meaning_has_different_labels() -> None:
    # An upheld objection keeps the score; an upheld incident is a finding against the firm.
    assert wf.OBJECTION.state_label("upheld") != wf.INCIDENT.state_label("upheld")
    assert wf.RECTIFICATION.state_label("rejected") != wf.PROJECT_FILING.state_label("rejected")


# ---------------------------------------------------------------------------------------------------
# Every (state, action) pair of every workflow, generated from the hand-written specification.
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "state", "action"), _pairs())
def test_every_state_action_pair(name: str, state: str, action: str) -> None:
    workflow = wf.WORKFLOWS[name]
    outcome = _expected_outcome(name, state, action)
    if outcome is None:
        with pytest.raises(InvalidTransition) as caught:
            workflow.apply(state, action, ALL_ROLES, reason=REASON)
        assert caught.value.state == state
        assert caught.value.action == action
        assert action not in {t.action for t in workflow.allowed_actions(state, ALL_ROLES)}
        return
    to_state, roles, reason_required = outcome
    for role in roles:
        assert workflow.apply(state, action, [role], reason=REASON) == to_state
        assert action in {t.action for t in workflow.allowed_actions(state, [role])}
    for role in set(ALL_ROLES) - roles:
        with pytest.raises(ActionNotPermitted):
            workflow.apply(state, action, [role], reason=REASON)
        assert action not in {t.action for t in workflow.allowed_actions(state, [role])}
    some_role = sorted(roles)[0]
    if reason_required:
        for missing in (None, "", "   \n"):
            with pytest.raises(ReasonRequired):
                workflow.apply(state, action, [some_role], reason=missing)
    else:
        assert workflow.apply(state, action, [some_role]) == to_state


@pytest.mark.parametrize("workflow", wf.ALL_WORKFLOWS, ids=lambda w: w.name)
def test_unknown_action_is_invalid_in_every_state(workflow: Workflow) -> None:
    for state in workflow.state_codes:
        with pytest.raises(InvalidTransition):
            workflow.apply(state, "teleport", ALL_ROLES, reason=REASON)


@pytest.mark.parametrize("workflow", wf.ALL_WORKFLOWS, ids=lambda w: w.name)
def test_unknown_state_is_reported_not_guessed(workflow: Workflow) -> None:
    action = workflow.transitions[0].action
    with pytest.raises(UnknownState):
        workflow.apply("nonexistent", action, ALL_ROLES, reason=REASON)
    with pytest.raises(UnknownState):
        workflow.allowed_actions("nonexistent", ALL_ROLES)


@pytest.mark.parametrize("role", ["sysadmin", "secadmin", "auditor"])
@pytest.mark.parametrize("workflow", wf.ALL_WORKFLOWS, ids=lambda w: w.name)
def test_administrators_and_auditors_move_nothing(workflow: Workflow, role: str) -> None:
    # Separation of duties: platform administrators and auditors see, but never decide.
    for state in workflow.state_codes:
        assert workflow.allowed_actions(state, [role]) == []


# ---------------------------------------------------------------------------------------------------
# Hand-written main paths: each step names the role acting and the state expected after it.
# ---------------------------------------------------------------------------------------------------

Step = tuple[str, str, str]  # action, role, expected new state

MAIN_PATHS: list[tuple[str, list[Step]]] = [
    (
        "firm_registration",
        [
            ("submit", "vendor", "submitted"),
            ("start_review", "regulator", "under_review"),
            ("return", "regulator", "returned"),
            ("submit", "vendor", "submitted"),
            ("approve", "regulator", "active"),
            ("mark_expiring", "system", "expiring"),
            ("submit_recheck", "vendor", "recheck_submitted"),
            ("return_recheck", "regulator", "expiring"),
            ("lapse", "system", "lapsed"),
            ("submit_recheck", "vendor", "recheck_submitted"),
            ("approve_recheck", "regulator", "active"),
            ("suspend", "lead", "suspended"),
            ("negative_list", "lead", "negative_listed"),
            ("reinstate", "lead", "active"),
            ("revoke", "lead", "revoked"),
        ],
    ),
    (
        "project_filing",
        [
            ("submit", "vendor", "submitted"),
            ("decline", "agency", "declined"),
            ("submit", "vendor", "submitted"),
            ("confirm", "agency", "confirmed"),
            ("start_review", "regulator", "under_review"),
            ("return", "regulator", "returned"),
            ("submit", "vendor", "submitted"),
            ("confirm", "agency", "confirmed"),
            ("register", "regulator", "registered"),
            ("start_work", "system", "in_progress"),
            ("complete", "vendor", "completed"),
            ("fail_acceptance", "agency", "in_progress"),
            ("complete", "vendor", "completed"),
            ("accept", "agency", "accepted"),
            ("close", "vendor", "closed"),
        ],
    ),
    (
        "change_filing",
        [
            ("return", "regulator", "returned"),
            ("resubmit", "vendor", "submitted"),
            ("start_review", "regulator", "under_review"),
            ("approve", "regulator", "approved"),
        ],
    ),
    (
        "inspection",
        [
            ("notify", "regulator", "notified"),
            ("record_results", "regulator", "checked"),
            ("require_rectification", "regulator", "rectification_required"),
        ],
    ),
    (
        "rectification",
        [
            ("answer", "vendor", "answered"),
            ("reject", "regulator", "rejected"),
            ("mark_overdue", "system", "overdue"),
            ("escalate", "lead", "escalated"),
            ("answer", "vendor", "answered"),
            ("verify", "regulator", "verified"),
        ],
    ),
    (
        "incident",
        [
            ("investigate", "regulator", "investigating"),
            ("uphold", "regulator", "upheld"),
        ],
    ),
    (
        "scoring_period",
        [
            ("recompute", "system", "draft"),
            ("recompute", "lead", "draft"),
            ("publish", "lead", "published"),
            ("finalise", "system", "final"),
            ("apply", "lead", "applied"),
        ],
    ),
    ("objection", [("amend", "lead", "amended")]),
    (
        "change_request",
        [
            ("return", "regulator", "returned"),
            ("resubmit", "vendor", "submitted"),
            ("approve", "regulator", "approved"),
        ],
    ),
]


@pytest.mark.parametrize(("name", "steps"), MAIN_PATHS, ids=[name for name, _ in MAIN_PATHS])
def test_main_path(name: str, steps: list[Step]) -> None:
    workflow = wf.WORKFLOWS[name]
    state = workflow.initial
    for action, role, expected in steps:
        state = workflow.apply(state, action, [role], reason=REASON)
        assert state == expected, (action, role)


@pytest.mark.parametrize(
    ("name", "state", "action", "roles"),
    [
        ("firm_registration", "recheck_submitted", "lapse", ["system"]),
        ("firm_registration", "draft", "revoke", ["lead"]),
        ("firm_registration", "revoked", "reinstate", ["lead"]),
        ("firm_registration", "lapsed", "suspend", ["lead"]),
        ("firm_registration", "draft", "approve", ["regulator"]),
        ("project_filing", "submitted", "register", ["regulator"]),
        ("project_filing", "submitted", "start_review", ["regulator"]),
        ("project_filing", "rejected", "submit", ["vendor"]),
        ("project_filing", "in_progress", "accept", ["agency"]),
        ("project_filing", "closed", "start_work", ["vendor"]),
        ("inspection", "passed", "require_rectification", ["regulator"]),
        ("rectification", "verified", "answer", ["vendor"]),
        ("rectification", "answered", "mark_overdue", ["system"]),
        ("incident", "reported", "uphold", ["regulator"]),
        ("scoring_period", "published", "recompute", ["lead"]),
        ("scoring_period", "draft", "apply", ["lead"]),
        ("objection", "upheld", "amend", ["lead"]),
    ],
)
def test_forbidden_moves_are_invalid_transitions(
    name: str, state: str, action: str, roles: list[str]
) -> None:
    with pytest.raises(InvalidTransition):
        wf.WORKFLOWS[name].apply(state, action, roles, reason=REASON)


@pytest.mark.parametrize(
    ("name", "state", "action", "role"),
    [
        ("firm_registration", "submitted", "approve", "vendor"),
        ("firm_registration", "active", "suspend", "regulator"),
        ("firm_registration", "expiring", "lapse", "regulator"),
        ("project_filing", "submitted", "confirm", "vendor"),
        ("project_filing", "submitted", "confirm", "regulator"),
        ("project_filing", "completed", "accept", "vendor"),
        ("project_filing", "registered", "start_work", "agency"),
        ("rectification", "answered", "verify", "vendor"),
        ("rectification", "issued", "mark_overdue", "regulator"),
        ("scoring_period", "draft", "publish", "system"),
        ("objection", "submitted", "amend", "regulator"),
    ],
)
def test_wrong_role_is_not_permitted(name: str, state: str, action: str, role: str) -> None:
    with pytest.raises(ActionNotPermitted):
        wf.WORKFLOWS[name].apply(state, action, [role], reason=REASON)


# ---------------------------------------------------------------------------------------------------
# Engine behaviour: roles, ordering of checks, messages.
# ---------------------------------------------------------------------------------------------------


def test_allowed_actions_lists_table_order_for_the_actor() -> None:
    actions = [t.action for t in wf.FIRM_REGISTRATION.allowed_actions("active", ["lead"])]
    assert actions == ["suspend", "negative_list", "revoke"]
    actions = [t.action for t in wf.PROJECT_FILING.allowed_actions("under_review", ["regulator"])]
    assert actions == ["return", "reject", "register"]
    assert wf.PROJECT_FILING.allowed_actions("under_review", ["vendor"]) == []


def test_a_user_holding_several_roles_gets_the_union() -> None:
    actions = {t.action for t in wf.FIRM_REGISTRATION.allowed_actions("active", ["regulator", "lead"])}
    assert actions == {"suspend", "negative_list", "revoke"}
    assert wf.RECTIFICATION.apply("overdue", "escalate", ["vendor", "lead"], reason=REASON) == "escalated"


def test_a_single_role_string_is_one_role_not_letters() -> None:
    assert [t.action for t in wf.INCIDENT.allowed_actions("reported", "regulator")] == ["investigate"]
    assert wf.INCIDENT.apply("reported", "investigate", "regulator") == "investigating"
    with pytest.raises(ActionNotPermitted):
        wf.INCIDENT.apply("reported", "investigate", "r")


def test_role_enum_members_are_the_role_codes() -> None:
    assert {role.value for role in Role} == {
        "vendor",
        "agency",
        "regulator",
        "lead",
        "system",
        "sysadmin",
        "secadmin",
        "auditor",
    }
    assert wf.CHANGE_FILING.apply("returned", "resubmit", [Role.VENDOR]) == "submitted"


def test_invalid_transition_wins_over_wrong_role_and_missing_reason() -> None:
    with pytest.raises(InvalidTransition):
        wf.PROJECT_FILING.apply("draft", "reject", ["vendor"])


def test_wrong_role_wins_over_missing_reason() -> None:
    with pytest.raises(ActionNotPermitted):
        wf.PROJECT_FILING.apply("confirmed", "reject", ["agency"])


def test_resolve_returns_the_transition_for_the_timeline() -> None:
    transition = wf.PROJECT_FILING.resolve("submitted", "decline", ["agency"], reason=REASON)
    assert transition.action == "decline"
    assert transition.to_state == "declined"
    assert transition.reason_required is True
    assert transition.label == "Decline"


def test_invalid_transition_message_names_action_object_and_state() -> None:
    with pytest.raises(InvalidTransition) as caught:
        wf.PROJECT_FILING.apply("draft", "register", ["regulator"])
    error = caught.value
    assert error.msgid == "Action %(action)s is not possible while the %(object)s is %(state)s"
    assert error.params == {"action": "Register", "object": "project filing", "state": "draft"}
    assert str(error) == "Action Register is not possible while the project filing is draft"
    assert (error.workflow, error.state, error.action) == ("project_filing", "draft", "register")
    assert isinstance(error, WorkflowError)


def test_messages_translate_msgid_and_parameters() -> None:
    catalogue = {
        "Action %(action)s is not possible while the %(object)s is %(state)s": "当前%(object)s状态为%(state)s，不能%(action)s",
        "Approve": "通过",
        "firm registration": "企业备案",
        "draft": "草稿",
    }
    with pytest.raises(InvalidTransition) as caught:
        wf.FIRM_REGISTRATION.apply("draft", "approve", ["regulator"])
    assert caught.value.translated(lambda s: catalogue.get(s, s)) == "当前企业备案状态为草稿，不能通过"


def test_not_permitted_and_reason_required_messages() -> None:
    with pytest.raises(ActionNotPermitted) as denied:
        wf.FIRM_REGISTRATION.apply("active", "suspend", ["vendor"], reason=REASON)
    assert str(denied.value) == "Your role does not allow the action Suspend on this firm registration"
    with pytest.raises(ReasonRequired) as unexplained:
        wf.FIRM_REGISTRATION.apply("active", "suspend", ["lead"])
    assert str(unexplained.value) == "A reason is required for the action Suspend"
    assert unexplained.value.params == {"action": "Suspend"}


def test_terminal_states() -> None:
    assert wf.PROJECT_FILING.terminal_states == ("rejected", "closed")
    assert wf.FIRM_REGISTRATION.terminal_states == ("revoked",)
    assert wf.SCORING_PERIOD.terminal_states == ("applied",)


def test_transition_is_immutable() -> None:
    transition = wf.INCIDENT.transitions[0]
    with pytest.raises(AttributeError):
        transition.to_state = "upheld"  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------------
# check_table finds broken tables.
# ---------------------------------------------------------------------------------------------------


def _row(
    action: str, from_states: tuple[str, ...], to_state: str, roles: tuple[str, ...] = ("regulator",)
) -> Transition:
    return Transition(action, from_states, to_state, roles, False, action.title())


def _broken(*rows: Transition, states: tuple[str, ...] = ("a", "b"), initial: str = "a") -> Workflow:
    return Workflow("broken", "thing", {s: s for s in states}, initial, rows)


@pytest.mark.parametrize(
    ("workflow", "problem"),
    [
        (_broken(_row("go", ("a",), "b"), states=("a", "b", "c")), "not reachable from 'a': c"),
        (_broken(_row("go", ("a",), "z")), "undeclared state 'z'"),
        (_broken(_row("go", ("a",), "b"), _row("back", ("y",), "a")), "starts from undeclared state 'y'"),
        (_broken(_row("go", ("a",), "b", roles=("boss",))), "unknown role 'boss'"),
        (_broken(_row("go", ("a",), "b", roles=())), "allows no role"),
        (_broken(_row("go", ("a",), "b"), _row("go", ("a",), "a")), "defined twice from state 'a'"),
        (_broken(_row("go", (), "b")), "has no from-state"),
        (_broken(_row("go", ("a",), "b"), initial="q"), "initial state 'q' is not declared"),
    ],
)
def test_check_table_reports_problems(workflow: Workflow, problem: str) -> None:
    with pytest.raises(WorkflowTableError) as caught:
        workflow.check_table()
    assert any(problem in p for p in caught.value.problems), caught.value.problems


# ---------------------------------------------------------------------------------------------------
# Property: apply agrees with allowed_actions for any state, action, roles and reason.
# ---------------------------------------------------------------------------------------------------


@st.composite
def _moves(draw: st.DrawFn) -> tuple[Workflow, str, str, list[str], str | None]:
    workflow = draw(st.sampled_from(wf.ALL_WORKFLOWS))
    state = draw(st.sampled_from(workflow.state_codes))
    action = draw(st.sampled_from(workflow.action_codes))
    roles = draw(st.lists(st.sampled_from(ALL_ROLES), max_size=3))
    reason = draw(st.sampled_from([None, "", " ", REASON]))
    return workflow, state, action, roles, reason


@settings(max_examples=300, deadline=None, database=None)
@given(_moves())
def test_apply_agrees_with_allowed_actions(move: tuple[Workflow, str, str, list[str], str | None]) -> None:
    workflow, state, action, roles, reason = move
    allowed = {t.action: t for t in workflow.allowed_actions(state, roles)}
    possible = {t.action for t in workflow.transitions_from(state)}
    try:
        new_state = workflow.apply(state, action, roles, reason=reason)
    except InvalidTransition:
        assert action not in possible
    except ActionNotPermitted:
        assert action in possible and action not in allowed
    except ReasonRequired:
        assert action in allowed and allowed[action].reason_required and not (reason or "").strip()
    else:
        assert action in allowed
        assert new_state == allowed[action].to_state
        assert new_state in workflow.state_codes
