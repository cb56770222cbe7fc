"""Result application rules: badge, inspection weight, warnings, focus supervision, negative-list proposals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.scoring.result_rules import (
    DEFAULT_POLICY,
    ResultPolicy,
    apply_results,
    inspection_weight_for_grade,
)

P = DEFAULT_POLICY


def act(current, history=(), vetoed=False, refused=False, policy=P):
    return apply_results(policy, list(history), current, vetoed, refused)


def test_grade_a_earns_the_badge_and_halves_the_inspection_weight():
    a = act("A", ["B"])
    assert a.badge is True
    assert a.inspection_weight == Decimal("0.5")
    assert not (
        a.agency_warning or a.focus_supervision or a.rectification_plan_required or a.propose_negative_list
    )
    assert [str(r) for r in a.reasons] == [
        "Grade A: good-standing badge.",
        "Grade A: inspection weight ×0.5.",
    ]


def test_grade_b_changes_nothing():
    b = act("B", ["D"])
    assert (b.badge, b.agency_warning, b.focus_supervision, b.propose_negative_list) == (
        False,
        False,
        False,
        False,
    )
    assert b.inspection_weight == Decimal(1)
    assert b.reasons == ()


def test_grade_c_warns_agencies_and_doubles_the_inspection_weight():
    c = act("C")
    assert c.agency_warning is True
    assert c.inspection_weight == Decimal(2)
    assert not (c.badge or c.focus_supervision or c.rectification_plan_required or c.propose_negative_list)


def test_grade_d_puts_the_firm_under_focus_supervision():
    d = act("D", ["B"])
    assert d.focus_supervision is True
    assert d.rectification_plan_required is True
    assert d.inspection_weight == Decimal(4)
    assert d.propose_negative_list is False
    assert not (d.badge or d.agency_warning)


def test_veto_acts_as_grade_d_even_when_a_better_grade_is_passed():
    v = act("A", vetoed=True)
    assert v.grade == "D"
    assert (v.badge, v.focus_supervision, v.rectification_plan_required) == (False, True, True)
    assert v.inspection_weight == Decimal(4)
    assert any(r.msgid.startswith("Veto:") for r in v.reasons)


def test_two_d_grades_running_propose_the_negative_list():
    d = act("D", ["A", "D"])
    assert d.propose_negative_list is True
    assert any("negative list" in str(r) and r.params_dict.get("count") == "2" for r in d.reasons)


def test_a_veto_after_a_d_also_proposes_the_negative_list():
    assert act(None, ["D"], vetoed=True).propose_negative_list is True


@pytest.mark.parametrize(
    ("history", "current"),
    [([], "D"), (["D", "C"], "D"), (["D", None], "D"), (["D"], "C"), (["D", "D"], "B"), (["D"], None)],
)
def test_no_negative_list_proposal_without_two_d_grades_running(history, current):
    assert act(current, history).propose_negative_list is False


def test_refused_rectification_proposes_the_negative_list_whatever_the_grade():
    r = act("B", refused=True)
    assert r.propose_negative_list is True
    assert [str(x) for x in r.reasons] == [
        "Refused rectification: proposed for the negative list, for the lead to decide."
    ]


def test_refused_rectification_rule_can_be_switched_off():
    policy = ResultPolicy(propose_on_refused_rectification=False)
    assert act("B", refused=True, policy=policy).propose_negative_list is False


def test_a_longer_run_can_be_configured():
    policy = ResultPolicy(negative_list_run=3)
    assert act("D", ["D"], policy=policy).propose_negative_list is False
    assert act("D", ["B", "D", "D"], policy=policy).propose_negative_list is True


def test_not_rated_firm_gets_the_neutral_weight_and_no_action():
    n = act(None, ["D"])
    assert n.grade is None
    assert n.inspection_weight == Decimal(1)
    assert not (n.badge or n.agency_warning or n.focus_supervision or n.propose_negative_list)


def test_inspection_weight_for_grade_follows_the_policy():
    assert [inspection_weight_for_grade(P, g) for g in ("A", "B", "C", "D", None)] == [
        Decimal("0.5"),
        Decimal(1),
        Decimal(2),
        Decimal(4),
        Decimal(1),
    ]
    custom = ResultPolicy(inspection_weights={"A": "0.25", "B": 1, "C": 3, "D": 6})
    assert inspection_weight_for_grade(custom, "D") == Decimal(6)
    assert inspection_weight_for_grade(custom, "A") == Decimal("0.25")


def test_configured_grades_change_who_gets_what():
    policy = ResultPolicy(badge_grades={"A", "B"}, agency_warning_grades={"C", "D"})
    assert act("B", policy=policy).badge is True
    assert act("D", policy=policy).agency_warning is True


@pytest.mark.parametrize(
    "kwargs",
    [
        {"inspection_weights": {"A": -1, "D": 4}},
        {"inspection_weights": {"A": 1.5, "D": 4}},
        {"inspection_weights": {"A": 1}},
        {"negative_list_run": 0},
        {"badge_grades": "A"},
    ],
)
def test_impossible_policies_are_refused(kwargs):
    with pytest.raises(ValueError):
        ResultPolicy(**kwargs)


def test_a_veto_means_focus_supervision_even_when_no_grade_is_configured_for_it():
    policy = ResultPolicy(focus_supervision_grades=frozenset(), rectification_plan_grades=frozenset())
    assert act("D", policy=policy).focus_supervision is False
    vetoed = act("D", vetoed=True, policy=policy)
    assert (vetoed.focus_supervision, vetoed.rectification_plan_required) == (True, True)
