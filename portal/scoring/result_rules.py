"""Result application (服务绩效结果运用): what a firm's grade sets in motion, as a configurable local rule.

Pure decisions only: the service layer records each application, notifies and publishes it. A proposal
for the negative list is only a proposal; the lead decides it with a reason and an end date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from portal.core.messages import Message
from portal.core.msgids import N_


def _default_weights() -> Mapping[str, Decimal]:
    return {"A": Decimal("0.5"), "B": Decimal(1), "C": Decimal(2), "D": Decimal(4)}


@dataclass(frozen=True)
class ResultPolicy:
    """The bureau's rule for applying grades; defaults follow DESIGN §3.

    ``inspection_weights`` scale a firm's chance in the random inspection draw; a firm without a grade
    (not rated) gets ``unrated_inspection_weight``; a veto counts as ``veto_grade``.
    """

    badge_grades: frozenset[str] = frozenset({"A"})
    agency_warning_grades: frozenset[str] = frozenset({"C"})
    focus_supervision_grades: frozenset[str] = frozenset({"D"})
    rectification_plan_grades: frozenset[str] = frozenset({"D"})
    inspection_weights: Mapping[str, Decimal] = field(default_factory=_default_weights)
    unrated_inspection_weight: Decimal = Decimal(1)
    veto_grade: str = "D"
    # "Two D grades running": this many consecutive periods, the current one included.
    negative_list_grade: str = "D"
    negative_list_run: int = 2
    propose_on_refused_rectification: bool = True

    def __post_init__(self) -> None:
        for attr in (
            "badge_grades",
            "agency_warning_grades",
            "focus_supervision_grades",
            "rectification_plan_grades",
        ):
            value = getattr(self, attr)
            if isinstance(value, str):
                raise ValueError(f"{attr} must be a collection of grades, not one string")
            object.__setattr__(self, attr, frozenset(value))
        weights = {
            str(g): _weight(w, f"inspection weight of {g}") for g, w in dict(self.inspection_weights).items()
        }
        object.__setattr__(self, "inspection_weights", MappingProxyType(dict(sorted(weights.items()))))
        object.__setattr__(
            self,
            "unrated_inspection_weight",
            _weight(self.unrated_inspection_weight, "unrated inspection weight"),
        )
        if (
            isinstance(self.negative_list_run, bool)
            or not isinstance(self.negative_list_run, int)
            or self.negative_list_run < 1
        ):
            raise ValueError("negative_list_run must be a whole number of at least 1")
        if self.veto_grade not in self.inspection_weights:
            raise ValueError(f"the veto grade {self.veto_grade!r} has no inspection weight")


def _weight(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise ValueError(f"{what} must be an int, Decimal or numeric string")
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        raise ValueError(f"{what} must be a number of at least 0")
    return number


DEFAULT_POLICY = ResultPolicy()


@dataclass(frozen=True)
class ResultActions:
    """What applying one period's result means for a firm, with the reason for each action."""

    grade: str | None
    badge: bool
    inspection_weight: Decimal
    agency_warning: bool
    focus_supervision: bool
    rectification_plan_required: bool
    propose_negative_list: bool
    reasons: tuple[Message, ...]


def inspection_weight_for_grade(policy: ResultPolicy, grade: str | None) -> Decimal:
    """The multiplier of a firm's chance in the random inspection draw (双随机) for its current grade."""
    if grade is None:
        return policy.unrated_inspection_weight
    return policy.inspection_weights.get(grade, policy.unrated_inspection_weight)


def apply_results(
    policy: ResultPolicy,
    grade_history: Sequence[str | None],
    current_grade: str | None,
    vetoed: bool,
    refused_rectification: bool,
) -> ResultActions:
    """Decide the actions for a firm's newest result.

    ``grade_history`` holds the grades of the firm's earlier periods, oldest first, None where it was
    not rated (a not-rated period breaks a run). ``current_grade`` is the grade just decided (None when
    not rated); ``vetoed`` counts as ``policy.veto_grade`` whatever grade was passed.
    """
    grade = policy.veto_grade if vetoed else current_grade
    reasons: list[Message] = []
    note = reasons.append

    badge = grade in policy.badge_grades
    if badge:
        note(Message.of(N_("Grade %(grade)s: good-standing badge."), grade=grade))

    weight = inspection_weight_for_grade(policy, grade)
    if grade is None:
        note(Message.of(N_("Not rated: inspection weight ×%(weight)s."), weight=weight))
    elif weight != 1:
        note(Message.of(N_("Grade %(grade)s: inspection weight ×%(weight)s."), grade=grade, weight=weight))

    agency_warning = grade in policy.agency_warning_grades
    if agency_warning:
        note(
            Message.of(
                N_("Grade %(grade)s: agencies confirming a project with this firm are warned."), grade=grade
            )
        )

    focus = grade in policy.focus_supervision_grades or vetoed
    plan = grade in policy.rectification_plan_grades or vetoed
    if vetoed:
        note(Message.of(N_("Veto: placed on the focus-supervision list; a rectification plan is required.")))
    else:
        if focus:
            note(Message.of(N_("Grade %(grade)s: placed on the focus-supervision list."), grade=grade))
        if plan:
            note(Message.of(N_("Grade %(grade)s: a rectification plan is required."), grade=grade))

    run = policy.negative_list_run
    earlier = list(grade_history)[-(run - 1) :] if run > 1 else []
    in_run = (
        grade == policy.negative_list_grade
        and len(earlier) == run - 1
        and all(g == policy.negative_list_grade for g in earlier)
    )
    if in_run:
        note(
            Message.of(
                N_(
                    "Grade %(grade)s in %(count)s periods running: proposed for the negative list, "
                    "for the lead to decide."
                ),
                grade=grade,
                count=run,
            )
        )
    refused = refused_rectification and policy.propose_on_refused_rectification
    if refused:
        note(Message.of(N_("Refused rectification: proposed for the negative list, for the lead to decide.")))

    return ResultActions(
        grade=grade,
        badge=badge,
        inspection_weight=weight,
        agency_warning=agency_warning,
        focus_supervision=focus,
        rectification_plan_required=plan,
        propose_negative_list=in_run or refused,
        reasons=tuple(reasons),
    )
