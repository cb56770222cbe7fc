"""The portal's workflow tables. State codes here are stored in status columns and their check constraints.

Labels are msgids: state labels are lower case because they appear inside sentences ("while the
project filing is under review"); action labels are capitalised because they appear on buttons.
Where two workflows share a state or action code with different meanings the labels differ, so each
meaning gets its own translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from portal.core.msgids import N_
from portal.core.workflow import Role, Transition, Workflow

VENDOR = Role.VENDOR
AGENCY = Role.AGENCY
REGULATOR = Role.REGULATOR
LEAD = Role.LEAD
SYSTEM = Role.SYSTEM


def _t(
    action: str,
    from_states: str,
    to_state: str,
    roles: tuple[Role, ...],
    label: str,
    *,
    reason: bool = False,
) -> Transition:
    # from_states is written "a|b|c" so each table row reads like the design document.
    return Transition(
        action=action,
        from_states=tuple(from_states.split("|")),
        to_state=to_state,
        roles=tuple(roles),
        reason_required=reason,
        label=label,
    )


# 外包企业备案: registration of an outsourcing firm, its periodic re-check and the bureau's sanctions.
FIRM_REGISTRATION = Workflow(
    name="firm_registration",
    object_label=N_("firm registration"),
    states={
        "draft": N_("draft"),
        "submitted": N_("submitted"),
        "under_review": N_("under review"),
        "returned": N_("returned"),
        "active": N_("active"),
        "expiring": N_("expiring"),
        "recheck_submitted": N_("re-check submitted"),
        "lapsed": N_("lapsed"),
        "suspended": N_("suspended"),
        "negative_listed": N_("negative-listed"),
        "revoked": N_("revoked"),
    },
    initial="draft",
    transitions=(
        _t("submit", "draft|returned", "submitted", (VENDOR,), N_("Submit")),
        _t("start_review", "submitted", "under_review", (REGULATOR,), N_("Start review")),
        _t("return", "submitted|under_review", "returned", (REGULATOR,), N_("Return"), reason=True),
        _t("approve", "submitted|under_review", "active", (REGULATOR,), N_("Approve")),
        _t("mark_expiring", "active", "expiring", (SYSTEM,), N_("Mark as expiring")),
        _t("submit_recheck", "active|expiring|lapsed", "recheck_submitted", (VENDOR,), N_("Submit re-check")),
        _t("approve_recheck", "recheck_submitted", "active", (REGULATOR,), N_("Approve re-check")),
        # A returned re-check falls back to expiring: the expiry job then lapses the firm if the
        # validity date passes before a corrected re-check is approved.
        _t(
            "return_recheck",
            "recheck_submitted",
            "expiring",
            (REGULATOR,),
            N_("Return re-check"),
            reason=True,
        ),
        _t("lapse", "expiring", "lapsed", (SYSTEM,), N_("Lapse")),
        _t("suspend", "active|expiring", "suspended", (LEAD,), N_("Suspend"), reason=True),
        _t("reinstate", "suspended|negative_listed", "active", (LEAD,), N_("Reinstate"), reason=True),
        _t(
            "negative_list",
            "active|expiring|suspended",
            "negative_listed",
            (LEAD,),
            N_("Put on the negative list"),
            reason=True,
        ),
        _t(
            "revoke",
            "submitted|under_review|returned|active|expiring|recheck_submitted|lapsed|suspended|negative_listed",
            "revoked",
            (LEAD,),
            N_("Revoke"),
            reason=True,
        ),
    ),
)

# 项目报备: one outsourcing project from filing through agency confirmation, review, work and acceptance.
PROJECT_FILING = Workflow(
    name="project_filing",
    object_label=N_("project filing"),
    states={
        "draft": N_("draft"),
        "submitted": N_("submitted"),
        "confirmed": N_("confirmed by the agency"),
        "declined": N_("declined by the agency"),
        "under_review": N_("under review"),
        "returned": N_("returned"),
        "rejected": N_("rejected"),
        "registered": N_("registered"),
        "in_progress": N_("in progress"),
        "completed": N_("completed"),
        "accepted": N_("accepted"),
        "closed": N_("closed"),
    },
    initial="draft",
    transitions=(
        _t("submit", "draft|returned|declined", "submitted", (VENDOR,), N_("Submit")),
        _t("confirm", "submitted", "confirmed", (AGENCY,), N_("Confirm")),
        _t("decline", "submitted", "declined", (AGENCY,), N_("Decline"), reason=True),
        _t("start_review", "confirmed", "under_review", (REGULATOR,), N_("Start review")),
        _t("return", "confirmed|under_review", "returned", (REGULATOR,), N_("Return"), reason=True),
        _t("reject", "confirmed|under_review", "rejected", (REGULATOR,), N_("Reject"), reason=True),
        _t("register", "confirmed|under_review", "registered", (REGULATOR,), N_("Register")),
        _t("start_work", "registered", "in_progress", (VENDOR, SYSTEM), N_("Start work")),
        _t("complete", "in_progress", "completed", (VENDOR,), N_("Report completion")),
        _t("accept", "completed", "accepted", (AGENCY,), N_("Accept")),
        _t(
            "fail_acceptance",
            "completed",
            "in_progress",
            (AGENCY,),
            N_("Fail acceptance"),
            reason=True,
        ),
        _t("close", "accepted", "closed", (VENDOR, SYSTEM), N_("Close")),
    ),
)

# 变更报备: a change (staff, site, scope, schedule) to a registered project, reviewed while work goes on.
CHANGE_FILING = Workflow(
    name="change_filing",
    object_label=N_("change filing"),
    states={
        "submitted": N_("submitted"),
        "under_review": N_("under review"),
        "approved": N_("approved"),
        "returned": N_("returned"),
    },
    initial="submitted",
    transitions=(
        _t("start_review", "submitted", "under_review", (REGULATOR,), N_("Start review")),
        _t("approve", "submitted|under_review", "approved", (REGULATOR,), N_("Approve")),
        _t("return", "submitted|under_review", "returned", (REGULATOR,), N_("Return"), reason=True),
        _t("resubmit", "returned", "submitted", (VENDOR,), N_("Resubmit")),
    ),
)

# 检查: an on-site inspection, planned by hand or drawn at random.
INSPECTION = Workflow(
    name="inspection",
    object_label=N_("inspection"),
    states={
        "planned": N_("planned"),
        "notified": N_("notified"),
        "checked": N_("checked"),
        "passed": N_("passed"),
        "rectification_required": N_("rectification required"),
        "closed": N_("closed after rectification"),
    },
    initial="planned",
    transitions=(
        _t("notify", "planned", "notified", (REGULATOR,), N_("Notify the firm")),
        # Unannounced inspections are recorded straight from planned.
        _t("record_results", "planned|notified", "checked", (REGULATOR,), N_("Record results")),
        _t("pass", "checked", "passed", (REGULATOR,), N_("Pass")),
        _t(
            "require_rectification",
            "checked",
            "rectification_required",
            (REGULATOR,),
            N_("Require rectification"),
        ),
        # Closed when every rectification order it led to is verified (portal.supervision.rectification).
        _t("close", "rectification_required", "closed", (REGULATOR,), N_("Close after rectification")),
    ),
)

# 整改通知: a rectification order, answered by the firm and verified by the regulator.
RECTIFICATION = Workflow(
    name="rectification",
    object_label=N_("rectification order"),
    states={
        "issued": N_("issued"),
        "answered": N_("answered"),
        "rejected": N_("answer rejected"),
        "verified": N_("verified"),
        "overdue": N_("overdue"),
        "escalated": N_("escalated"),
    },
    initial="issued",
    transitions=(
        _t("answer", "issued|rejected|overdue|escalated", "answered", (VENDOR,), N_("Answer")),
        _t("verify", "answered", "verified", (REGULATOR,), N_("Verify")),
        _t("reject", "answered", "rejected", (REGULATOR,), N_("Reject answer"), reason=True),
        _t("mark_overdue", "issued|rejected", "overdue", (SYSTEM,), N_("Mark as overdue")),
        _t("escalate", "overdue", "escalated", (REGULATOR, LEAD), N_("Escalate"), reason=True),
    ),
)

# 安全事件: a security incident handled by a regulator to a conclusion.
INCIDENT = Workflow(
    name="incident",
    object_label=N_("incident"),
    states={
        "reported": N_("reported"),
        "investigating": N_("investigating"),
        "upheld": N_("upheld"),
        "not_upheld": N_("not upheld"),
    },
    initial="reported",
    transitions=(
        _t("investigate", "reported", "investigating", (REGULATOR,), N_("Investigate")),
        _t("uphold", "investigating", "upheld", (REGULATOR,), N_("Conclude: upheld"), reason=True),
        _t("dismiss", "investigating", "not_upheld", (REGULATOR,), N_("Conclude: not upheld"), reason=True),
    ),
)

# 评分周期: a quarter or year of credit scoring, from computed draft to applied consequences.
SCORING_PERIOD = Workflow(
    name="scoring_period",
    object_label=N_("scoring period"),
    states={
        "draft": N_("draft"),
        "published": N_("published"),
        "final": N_("final"),
        "applied": N_("applied"),
    },
    initial="draft",
    transitions=(
        # Scores may be recomputed only while nobody outside the bureau has seen them.
        _t("recompute", "draft", "draft", (LEAD, SYSTEM), N_("Recompute")),
        _t("publish", "draft", "published", (LEAD,), N_("Publish")),
        _t("finalise", "published", "final", (LEAD, SYSTEM), N_("Finalise")),
        _t("apply", "final", "applied", (LEAD, SYSTEM), N_("Apply results")),
    ),
)

# 评分异议: a firm's objection to a published score, decided by the lead.
OBJECTION = Workflow(
    name="objection",
    object_label=N_("objection"),
    states={
        "submitted": N_("submitted"),
        # "upheld" here means the original score stands, unlike an upheld incident.
        "upheld": N_("score upheld"),
        "amended": N_("score amended"),
    },
    initial="submitted",
    transitions=(
        _t("uphold", "submitted", "upheld", (LEAD,), N_("Keep the score"), reason=True),
        _t("amend", "submitted", "amended", (LEAD,), N_("Amend the score"), reason=True),
    ),
)

# 信息变更: a change of a key field (name, legal representative, address ...) of an active firm.
CHANGE_REQUEST = Workflow(
    name="change_request",
    object_label=N_("change request"),
    states={
        "submitted": N_("submitted"),
        "approved": N_("approved"),
        "returned": N_("returned"),
    },
    initial="submitted",
    transitions=(
        _t("approve", "submitted", "approved", (REGULATOR,), N_("Approve")),
        _t("return", "submitted", "returned", (REGULATOR,), N_("Return"), reason=True),
        _t("resubmit", "returned", "submitted", (VENDOR,), N_("Resubmit")),
    ),
)

# 重点监管整改方案: the rectification plan a firm on the focus-supervision list submits to its regulator.
FOCUS_PLAN = Workflow(
    name="focus_plan",
    object_label=N_("rectification plan"),
    states={
        "submitted": N_("submitted"),
        # Not "accepted" (已验收, the acceptance of delivered work): a plan is adopted.
        "accepted": N_("plan accepted"),
        "returned": N_("returned"),
    },
    initial="submitted",
    transitions=(
        _t("accept", "submitted", "accepted", (REGULATOR,), N_("Accept the plan")),
        _t("return", "submitted", "returned", (REGULATOR,), N_("Return the plan"), reason=True),
        _t("resubmit", "returned", "submitted", (VENDOR,), N_("Resubmit the plan")),
    ),
)

ALL_WORKFLOWS: tuple[Workflow, ...] = (
    FIRM_REGISTRATION,
    PROJECT_FILING,
    CHANGE_FILING,
    INSPECTION,
    RECTIFICATION,
    INCIDENT,
    SCORING_PERIOD,
    OBJECTION,
    CHANGE_REQUEST,
    FOCUS_PLAN,
)

WORKFLOWS: Mapping[str, Workflow] = MappingProxyType({workflow.name: workflow for workflow in ALL_WORKFLOWS})

__all__ = [
    "ALL_WORKFLOWS",
    "CHANGE_FILING",
    "CHANGE_REQUEST",
    "FIRM_REGISTRATION",
    "FOCUS_PLAN",
    "INCIDENT",
    "INSPECTION",
    "OBJECTION",
    "PROJECT_FILING",
    "RECTIFICATION",
    "SCORING_PERIOD",
    "WORKFLOWS",
]
