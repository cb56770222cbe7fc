"""Submission rules for project filings: what the firm, its staff and the filing itself must satisfy.

Each check returns a list of (msgid, params) problems so the form can name every missing item at once.
`firm_problems` asks the firms area, which owns the firm eligibility rule (firm active, registration
valid, mandatory certificates current, not negative-listed while the local rule is on).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from portal.core.msgids import N_
from portal.extensions import db
from portal.filings.fields import FIELDS
from portal.firms.models import Firm, StaffMember

Problem = tuple[str, dict]
MIN_TRAINING_DAYS = 5
# DA/T 68.2 §5: a written work plan covering goals, scope and procedure, hardware and software, staffing,
# technical indicators, acceptance basis, security measures, schedule and risk control.
WORK_PLAN_FIELDS = tuple(f for f in FIELDS if f.section == "plan" and f.name.startswith("plan_"))


def firm_problems(firm: Firm, today: date) -> list[Problem]:
    """Why this firm may not file a project today (empty when it may): the firms area owns the rule."""
    from portal.firms.service import firm_can_file

    return firm_can_file(firm, today)


def staff_problems(firm_id: int, staff: Iterable[StaffMember]) -> list[Problem]:
    """DA/T 68.2 §5: every worker has a labour contract, a signed commitment, ≥5 training days and a
    passed assessment; and belongs to the firm's active roster."""
    staff = list(staff)
    problems: list[Problem] = []
    if not staff:
        problems.append((N_("Assign at least one staff member from the firm's roster."), {}))
    for member in staff:
        if member.firm_id != firm_id or not member.active:
            problems.append((N_("%(name)s is not on the firm's active roster."), {"name": member.name}))
            continue
        missing = []
        if not member.contract_date:
            missing.append("msg:" + N_("a labour contract"))
        if not member.commitment_date:
            missing.append("msg:" + N_("a confidentiality commitment"))
        if (member.training_days or 0) < MIN_TRAINING_DAYS:
            missing.append("msg:" + N_("at least 5 training days"))
        if not member.assessment_passed:
            missing.append("msg:" + N_("a passed assessment"))
        for item in missing:
            problems.append((N_("%(name)s lacks %(missing)s."), {"name": member.name, "missing": item}))
    return problems


def filing_problems(filing) -> dict[str, list[Problem]]:
    """Rules on the filing's own content, keyed by form field ("" for the whole form)."""
    found: dict[str, list[Problem]] = {}

    def add(field: str, msgid: str, params: dict | None = None) -> None:
        found.setdefault(field, []).append((msgid, params or {}))

    if not filing.agency_id:
        add("agency_id", N_("Choose the agency (立档单位) that hires the firm."))
    if not (filing.title or "").strip():
        add("title", N_("Give the project a title."))
    if not filing.non_classified_declared:
        add("non_classified_declared", N_("Declare that the archives are not classified."))
    for field, msgid in (
        ("contract_scope", N_("Fill in the service scope of the contract.")),
        ("quality_standard", N_("Fill in the quality standard of the contract.")),
        ("technical_standard", N_("Fill in the technical standard of the contract.")),
    ):
        if not (getattr(filing, field) or "").strip():
            add(field, msgid)
    if not filing.service_types:
        add("service_types", N_("Choose at least one service type."))
    if not filing.start_date:
        add("start_date", N_("Give the start date."))
    if not filing.end_date:
        add("end_date", N_("Give the end date."))
    if filing.start_date and filing.end_date and filing.end_date < filing.start_date:
        add("end_date", N_("The end date must not be before the start date."))
    if filing.contract_date and filing.start_date and filing.contract_date > filing.start_date:
        add("contract_date", N_("The contract must be signed before work starts."))
    if filing.year_from and filing.year_to and filing.year_to < filing.year_from:
        add("year_to", N_("The last archive year must not be before the first."))
    if not any((filing.quantities or {}).values()):
        add("qty_volumes", N_("Give the quantity of archives in at least one unit."))
    for field in WORK_PLAN_FIELDS:
        if not (getattr(filing, field.name) or "").strip():
            add(field.name, N_("The work plan must state its %(part)s (DA/T 68.2 §5)."),
                {"part": "msg:" + field.label})
    if filing.site_type == "off_site":
        if not (filing.off_site_reason or "").strip():
            add("off_site_reason", N_("Explain why the work is done off the agency's premises."))
        if not (filing.off_site_safeguards or "").strip():
            add("off_site_safeguards", N_("Describe the safeguards for off-site work."))
        if not (filing.site_address or "").strip():
            add("site_address", N_("Give the address of the off-site premises."))
    return found


def user_problems(real_name_level: int | None) -> list[Problem]:
    """DESIGN §5: a platform user needs real-name level 3 or higher to submit a filing."""
    if real_name_level is not None and real_name_level < 3:
        return [(N_("Your platform account is verified to real-name level %(level)s; level 3 or higher is needed to submit a filing."),
                 {"level": real_name_level})]
    return []


def qualified_staff_ids(firm_id: int) -> list[int]:
    """Active roster members who meet the DA/T 68.2 §5 requirements (for pick lists and seeding)."""
    rows = db.session.scalars(select(StaffMember).where(StaffMember.firm_id == firm_id,
                                                        StaffMember.active.is_(True)))
    return [m.id for m in rows if m.is_qualified]
