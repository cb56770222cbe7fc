"""Who may see what: the portal's one visibility policy, used by every page, API endpoint, export,
download and form.

The actor predicates come first (`is_supervisor`, `in_jurisdiction`, `is_firm_user`,
`is_agency_user`), then one rule per resource. `visible(actor, Model)` gives the rule as an SQL
condition; `can_see(actor, obj)` and `get_visible(actor, Model, id)` (NotFound otherwise, so existence
is never confirmed) ask the database the same condition, so no second copy of a rule exists in Python.

The rules, OR-ed over all of an actor's roles:
- a supervisor (regulator or lead) sees everything in the jurisdiction (a district office its district,
  the city office the whole city), except drafts of project filings;
- a firm user sees its own firm's records, drafts included;
- site security checks (patrols, weekly checks, monthly self-inspections) follow their filing;
- an agency user sees the non-draft filings naming its agency and the records derived from them
  (its feedback and their bad-rating follow-ups);
- a firm sees its scores, and the periods they belong to, only once a period is published
  (PUBLISHED_PERIOD_STATUSES);
- an agency is seen by its own users, by the firms that have filed a project for it (drafts included:
  the firm named it), and by the supervisors of its district.

Shape: this module imports the feature *models* (plain persistence classes that import nothing but
portal.core's column helpers and constants) and never a feature's services, so every feature may
import it without a cycle. Each rule takes the model or an alias of it, so a record derived from
another (a change filing from its filing, a score from its firm) states its rule as a correlated
EXISTS on an alias of the parent, which stays correct inside statements that join the parent
themselves.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, False_, Select, True_, and_, exists, false, inspect, or_, select, true
from sqlalchemy.orm import aliased

from portal.auth.models import User, UserRole
from portal.core import inbox
from portal.core.constants import AGENCY, SUPERVISOR_ROLES, VENDOR
from portal.core.context import Actor
from portal.core.errors import NotFound
from portal.extensions import db
from portal.feedback.models import Feedback
from portal.filings.models import ChangeFiling, ProjectFiling
from portal.firms.models import Certificate, Firm, FirmChangeRequest, StaffMember
from portal.followups.models import FollowUp
from portal.incidents.models import Incident
from portal.orgs.models import Agency, RegulatorOffice
from portal.scoring.models import FirmScore, FocusPlan, NegativeListEntry, Objection, ScoringPeriod
from portal.sitechecks.models import SiteMonthlyInspection, SitePatrol, SiteWeeklyCheck
from portal.supervision.models import (
    Alert,
    Inspection,
    InspectionDraw,
    Notice,
    NoticeRecipient,
    RectificationOrder,
)

# Scoring periods whose scores a firm may read (before that, the scores are the bureau's working copy).
PUBLISHED_PERIOD_STATUSES = ("published", "final", "applied")
# Inspections a firm sees: once checked (a planned inspection is not announced through the portal).
INSPECTION_STATUSES_SHOWN_TO_FIRMS = ("checked", "passed", "rectification_required", "closed")
DRAFT = "draft"


# --- who the actor is -----------------------------------------------------------------------------

def is_supervisor(actor: Actor) -> bool:
    return bool(set(actor.roles) & set(SUPERVISOR_ROLES))


def is_firm_user(actor: Actor) -> bool:
    return VENDOR in actor.roles and actor.firm_id is not None


def is_agency_user(actor: Actor) -> bool:
    return AGENCY in actor.roles and actor.agency_id is not None


def in_jurisdiction(actor: Actor, district_code: str | None) -> bool:
    """A supervisor's jurisdiction: the whole city for a city office, its district for a district office."""
    return is_supervisor(actor) and (actor.district_code is None or actor.district_code == district_code)


def require_supervisor(actor: Actor) -> None:
    """Supervision records exist only for regulators and leads; others get 404, never a hint."""
    if not is_supervisor(actor):
        raise NotFound()


def jurisdiction(actor: Actor, district_column) -> ColumnElement[bool]:
    """`in_jurisdiction` as an SQL condition on a district column."""
    if not is_supervisor(actor):
        return false()
    if actor.district_code is None:
        return true()
    return district_column == actor.district_code


def scoped(stmt: Select, actor: Actor, district_column) -> Select:
    """A supervisor's statement limited to the jurisdiction (unchanged for a city office)."""
    condition = jurisdiction(actor, district_column)
    return stmt if isinstance(condition, True_) else stmt.where(condition)


# --- the rules ------------------------------------------------------------------------------------
# Each rule takes the actor and the model (or an alias of it) and returns an SQL condition; a part of an
# OR that cannot hold for the actor is None (dropped), so a firm user's filings stay `firm_id = ?`.

def _any(*parts: ColumnElement[bool] | None) -> ColumnElement[bool]:
    kept = [p for p in parts if p is not None and not isinstance(p, False_)]
    if any(isinstance(p, True_) for p in kept):
        return true()
    return or_(*kept) if len(kept) > 1 else (kept[0] if kept else false())


def _all(*parts: ColumnElement[bool]) -> ColumnElement[bool]:
    if any(isinstance(p, False_) for p in parts):
        return false()
    kept = [p for p in parts if not isinstance(p, True_)]
    return and_(*kept) if len(kept) > 1 else (kept[0] if kept else true())


def _parent(foreign_key, parent, rule: Callable[[object], ColumnElement[bool]]) -> ColumnElement[bool]:
    """The parent row the foreign key points at satisfies `rule` (a correlated EXISTS on an alias)."""
    alias = aliased(parent)
    condition = rule(alias)
    if isinstance(condition, True_ | False_):
        return condition
    return exists().where(alias.id == foreign_key, condition)


def _own(actor: Actor, firm_id) -> ColumnElement[bool] | None:
    return firm_id == actor.firm_id if is_firm_user(actor) else None


def _firm_supervised(actor: Actor, firm_id) -> ColumnElement[bool]:
    """The supervisor's part for a record that carries only its firm: the firm is in the jurisdiction."""
    return _parent(firm_id, Firm, lambda f: jurisdiction(actor, f.district_code))


def _agency_filing(actor: Actor, f) -> ColumnElement[bool]:
    if not is_agency_user(actor):
        return false()
    return and_(f.agency_id == actor.agency_id, f.status != DRAFT)


def _firms(actor: Actor, f) -> ColumnElement[bool]:
    return _any(_own(actor, f.id), jurisdiction(actor, f.district_code))


def _firm_records(actor: Actor, m) -> ColumnElement[bool]:
    return _any(_own(actor, m.firm_id), _firm_supervised(actor, m.firm_id))


def _filings(actor: Actor, f) -> ColumnElement[bool]:
    return _any(_own(actor, f.firm_id), _agency_filing(actor, f),
                _all(jurisdiction(actor, f.district_code), f.status != DRAFT))


def _agencies(actor: Actor, a) -> ColumnElement[bool]:
    hired = None
    if is_firm_user(actor):
        filing = aliased(ProjectFiling)
        hired = exists().where(filing.agency_id == a.id, filing.firm_id == actor.firm_id)
    return _any(a.id == actor.agency_id if is_agency_user(actor) else None, hired,
                jurisdiction(actor, a.district_code))


def _change_filings(actor: Actor, c) -> ColumnElement[bool]:
    return _parent(c.filing_id, ProjectFiling, lambda f: _filings(actor, f))


def _site_records(actor: Actor, r) -> ColumnElement[bool]:
    # Site checks belong to their filing: seen by whoever sees the filing (firm, its agency, the district).
    return _parent(r.filing_id, ProjectFiling, lambda f: _filings(actor, f))


def _feedback(actor: Actor, fb) -> ColumnElement[bool]:
    # Feedback is given on registered work only: its firm and agency columns are those of its filing.
    return _any(_own(actor, fb.firm_id),
                fb.agency_id == actor.agency_id if is_agency_user(actor) else None,
                _parent(fb.filing_id, ProjectFiling, lambda f: jurisdiction(actor, f.district_code)))


def _followups(actor: Actor, f) -> ColumnElement[bool]:
    # A bad-rating follow-up: the rated firm, the rating agency, and supervisors of the project's district.
    return _any(_own(actor, f.firm_id),
                f.agency_id == actor.agency_id if is_agency_user(actor) else None,
                jurisdiction(actor, f.district_code))


def _incidents(actor: Actor, i) -> ColumnElement[bool]:
    return _any(_own(actor, i.firm_id),
                _parent(i.filing_id, ProjectFiling, lambda f: _agency_filing(actor, f)),
                jurisdiction(actor, i.district_code))


def _inspections(actor: Actor, i) -> ColumnElement[bool]:
    own = _own(actor, i.firm_id)
    return _any(None if own is None else and_(own, i.status.in_(INSPECTION_STATUSES_SHOWN_TO_FIRMS)),
                jurisdiction(actor, i.district_code))


def _rectification_orders(actor: Actor, o) -> ColumnElement[bool]:
    return _any(_own(actor, o.firm_id), jurisdiction(actor, o.district_code))


def _periods(actor: Actor, p) -> ColumnElement[bool]:
    return _any(p.status.in_(PUBLISHED_PERIOD_STATUSES) if is_firm_user(actor) else None,
                true() if is_supervisor(actor) else None)


def _scores(actor: Actor, s) -> ColumnElement[bool]:
    own = _own(actor, s.firm_id)
    if own is not None:
        own = and_(own, _parent(s.period_id, ScoringPeriod, lambda p: p.status.in_(PUBLISHED_PERIOD_STATUSES)))
    return _any(own, _firm_supervised(actor, s.firm_id))


def _objections(actor: Actor, o) -> ColumnElement[bool]:
    return _parent(o.firm_score_id, FirmScore, lambda s: _scores(actor, s))


def _notices(actor: Actor, n) -> ColumnElement[bool]:
    sent_to_firm = sent_to_agency = None
    if is_firm_user(actor):
        receipt = aliased(NoticeRecipient)
        sent_to_firm = exists().where(receipt.notice_id == n.id, receipt.firm_id == actor.firm_id)
    if is_agency_user(actor):
        receipt = aliased(NoticeRecipient)
        sent_to_agency = exists().where(receipt.notice_id == n.id, receipt.agency_id == actor.agency_id)
    return _all(n.published_at.is_not(None),
                _any(sent_to_firm, sent_to_agency, true() if is_supervisor(actor) else None))


def _notice_recipients(actor: Actor, r) -> ColumnElement[bool]:
    """A receipt is the supervisors' record: of a firm in the jurisdiction, or of an agency in it."""
    return _any(_firm_supervised(actor, r.firm_id),
                _parent(r.agency_id, Agency, lambda a: jurisdiction(actor, a.district_code)))


def _supervised_by_district(actor: Actor, m) -> ColumnElement[bool]:
    return jurisdiction(actor, m.district_code)


def _supervised_by_firm(actor: Actor, m) -> ColumnElement[bool]:
    return _firm_supervised(actor, m.firm_id)


_RULES: dict[type, Callable[[Actor, object], ColumnElement[bool]]] = {
    Firm: _firms,
    Agency: _agencies,
    FirmChangeRequest: _firm_records,
    StaffMember: _firm_records,
    Certificate: _firm_records,
    ProjectFiling: _filings,
    ChangeFiling: _change_filings,
    Feedback: _feedback,
    FollowUp: _followups,
    Incident: _incidents,
    Inspection: _inspections,
    InspectionDraw: _supervised_by_district,
    RectificationOrder: _rectification_orders,
    Alert: _supervised_by_district,
    ScoringPeriod: _periods,
    FirmScore: _scores,
    Objection: _objections,
    FocusPlan: _rectification_orders,  # the firm its own; regulators their jurisdiction
    NegativeListEntry: _supervised_by_firm,
    Notice: _notices,
    SitePatrol: _site_records,
    SiteWeeklyCheck: _site_records,
    SiteMonthlyInspection: _site_records,

    NoticeRecipient: _notice_recipients,
}


def scope_key(actor: Actor) -> tuple:
    """Everything these rules read of an actor: the part of a cache key that makes a cached count or
    list follow the actor's visibility (portal.core.cache keys are built by their callers)."""
    return tuple(sorted(actor.roles)), actor.firm_id, actor.agency_id, actor.district_code


def visible(actor: Actor, model) -> ColumnElement[bool]:
    """The SQL condition on `model` (a class or an alias of one) for the rows the actor may see."""
    return _RULES[inspect(model).mapper.class_](actor, model)


def can_see(actor: Actor, obj) -> bool:
    """The same rule as `visible`, for an object already in hand (asked of the database)."""
    if obj is None or obj.id is None:
        return False
    cls = type(obj)
    condition = visible(actor, cls)
    if isinstance(condition, True_ | False_):
        return isinstance(condition, True_)
    return db.session.scalar(select(cls.id).where(cls.id == obj.id, condition)) is not None


def get_visible(actor: Actor, model, object_id: int | None):
    """The row if the actor may see it; NotFound otherwise (existence is never confirmed)."""
    if object_id is None:
        raise NotFound()
    row = db.session.scalar(select(model).where(model.id == object_id, visible(actor, model)))
    if row is None:
        raise NotFound()
    return row


# --- who is told ----------------------------------------------------------------------------------

def regulators_of(district_code: str | None) -> list[int]:
    """Active regulators of a jurisdiction: a district office's staff, or the city office's staff."""
    stmt = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .join(RegulatorOffice, RegulatorOffice.id == User.office_id)
        .where(UserRole.role == "regulator", User.active.is_(True))
    )
    if district_code:
        stmt = stmt.where(RegulatorOffice.level == "district", RegulatorOffice.district_code == district_code)
    else:
        stmt = stmt.where(RegulatorOffice.level == "city")
    return sorted(set(db.session.scalars(stmt)))


def regulators_for_district(district_code: str | None) -> list[int]:
    """Who hears about something in a district: its district office and the city office."""
    return inbox.regulators_for(district_code)
