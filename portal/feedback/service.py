"""Agency feedback (在线反馈): ratings at milestones and at acceptance, edits with history, firm replies,
SQL-aggregated summaries, and reminders when completion feedback is missing."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import Select, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from portal.core import access, audit, clock, inbox, local_rules, localtime, transactions
from portal.core import uploads as attachments
from portal.core.access import regulators_for_district
from portal.core.constants import AGENCY, VENDOR
from portal.core.context import Actor, current_actor
from portal.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from portal.core.exports import Column, fetch_rows
from portal.core.models import Attachment
from portal.core.msgids import N_
from portal.extensions import db
from portal.feedback import rules
from portal.feedback.models import RATING_FIELDS, Feedback, FeedbackReply, FeedbackVersion
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm
from portal.followups import service as followups
from portal.orgs.models import Agency
from portal.supervision.models import Alert

OWNER_TYPE = "feedback"
REMINDER_RULE = "feedback_missing"
# Completion feedback may be given once the agency has accepted the work (or the project is closed).
COMPLETION_STATUSES = ("accepted", "closed")
# Milestone feedback is for work under way or finished.
MILESTONE_STATUSES = ("in_progress", "completed", "accepted", "closed")


# -- configuration ---------------------------------------------------------------------------------

def milestone_months() -> int:
    value = local_rules.get("feedback_milestone_months")
    return int(value) if value else 3


def window_days() -> int:
    return int(current_app.config.get("FEEDBACK_WINDOW_DAYS", 14))


# -- scoping ---------------------------------------------------------------------------------------

def visible_feedback(actor: Actor | None = None) -> Select:
    """Feedback rows with their project, firm, agency and reply, limited to what the actor may see."""
    actor = actor or current_actor()
    return (
        select(Feedback, ProjectFiling.number, ProjectFiling.title, Firm.name.label("firm_name"),
               Agency.name.label("agency_name"), FeedbackReply.body.label("reply_body"))
        .join(ProjectFiling, ProjectFiling.id == Feedback.filing_id)
        .join(Firm, Firm.id == Feedback.firm_id)
        .join(Agency, Agency.id == Feedback.agency_id)
        .outerjoin(FeedbackReply, FeedbackReply.feedback_id == Feedback.id)
        .where(access.visible(actor, Feedback))
    )


def get_feedback(actor: Actor | None, feedback_id: int) -> Feedback:
    return access.get_visible(actor or current_actor(), Feedback, feedback_id)


def rateable_filing(actor: Actor | None, filing_id: int) -> ProjectFiling:
    """A filing the actor's agency may rate: one it may see that names the agency (else NotFound)."""
    actor = actor or current_actor()
    filing = access.get_visible(actor, ProjectFiling, filing_id)
    if not access.is_agency_user(actor) or filing.agency_id != actor.agency_id:
        raise NotFound()
    return filing


def _can_read_attachment(actor: Actor, owner_id: int | None, _attachment: Attachment) -> bool:
    if owner_id is None:
        return False
    try:
        get_feedback(actor, owner_id)
    except NotFound:
        return False
    return True


attachments.register_read_rule(OWNER_TYPE, _can_read_attachment)


# -- periods ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PeriodOption:
    key: str
    kind: str
    due: date | None  # milestone date; None for completion
    feedback_id: int | None = None


def _start_of(filing: ProjectFiling) -> date | None:
    if filing.started_at is not None:
        return localtime.local_date(filing.started_at)
    return filing.start_date


def periods_for(filing: ProjectFiling, today: date | None = None,
                existing: dict[str, int] | None = None, months: int | None = None) -> list[PeriodOption]:
    """Every period the agency may rate now (milestones reached, completion once accepted).

    Lists pass `months` (read once) so the local rule is not queried again for every row."""
    today = today or clock.today()
    months = months or milestone_months()
    existing = existing or {}
    options: list[PeriodOption] = []
    if filing.status in MILESTONE_STATUSES:
        for day in rules.milestone_dates(_start_of(filing), filing.end_date, today, months):
            key = rules.milestone_key(day)
            options.append(PeriodOption(key, rules.MILESTONE, day, existing.get(key)))
    if filing.status in COMPLETION_STATUSES:
        options.append(PeriodOption(rules.COMPLETION, rules.COMPLETION, None, existing.get(rules.COMPLETION)))
    return options


def existing_periods(filing_id: int, agency_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Feedback.period_key, Feedback.id).where(Feedback.filing_id == filing_id,
                                                      Feedback.agency_id == agency_id)
    )
    return {key: fid for key, fid in rows}


# -- submit and edit -------------------------------------------------------------------------------

Upload = tuple[bytes, str]  # (data, original file name)


def _check(ratings: dict[str, int | None], narrative: str, hire_again: bool | None) -> None:
    errors: dict[str, list] = {}
    for problem in rules.check_ratings(ratings, narrative):
        errors.setdefault(problem.field, []).append(problem.msgid)
    if hire_again is None:
        errors.setdefault("hire_again", []).append(N_("Say whether you would hire this firm again."))
    if errors:
        raise ValidationFailed(errors)


def _save_files(fb: Feedback, files: Iterable[Upload]) -> None:
    for data, name in files:
        attachments.save_upload(data, name, owner_type=OWNER_TYPE, owner_id=fb.id, kind="evidence",
                                firm_id=fb.firm_id, field="files")


def _duplicate() -> ValidationFailed:
    return ValidationFailed(
        {"period_key": [N_("Your agency has already rated this project for this period. Open that feedback to see or edit it.")]}
    )


def submit_feedback(filing_id: int, period_key: str, ratings: dict[str, int | None], narrative: str,
                    hire_again: bool | None, files: Sequence[Upload] = ()) -> Feedback:
    """Record one agency's feedback for a project and period; one per agency, project and period."""
    actor = current_actor()
    filing = rateable_filing(actor, filing_id)
    narrative = (narrative or "").strip()
    _check(ratings, narrative, hire_again)
    options = {o.key: o for o in periods_for(filing)}
    option = options.get(period_key)
    if option is None:
        if period_key == rules.COMPLETION:
            raise ValidationFailed({"period_key": [N_("Completion feedback opens once the agency has accepted the work.")]})
        raise ValidationFailed({"period_key": [N_("This period cannot be rated for this project now.")]})
    if option.feedback_id is not None:
        raise _duplicate()
    fb = Feedback(
        filing_id=filing.id, agency_id=actor.agency_id, firm_id=filing.firm_id, period_key=period_key,
        kind=option.kind, narrative=narrative, hire_again=bool(hire_again), source="portal",
        created_by_id=actor.user_id, edit_count=0, **{k: int(ratings[k]) for k in RATING_FIELDS},
    )
    try:
        with db.session.begin_nested():
            db.session.add(fb)
            db.session.flush()
    except IntegrityError:
        # Two submissions raced past the check above: the database's unique constraint decides.
        raise _duplicate() from None
    _save_files(fb, files)
    audit.record("feedback.submit", "feedback", fb.id,
                 detail={"filing": filing.number, "period": period_key, **_ratings_of(fb)})
    if period_key == rules.COMPLETION:
        _close_reminder(filing.id)
    followups.open_for_feedback(fb, filing)
    inbox.notify(inbox.users_of_firm(filing.firm_id),
                 N_("New feedback from the agency on project %(number)s (%(period)s)."),
                 {"number": filing.number or "", "period": period_key}, link=f"/feedback/{fb.id}")
    transactions.commit()
    return fb


def _ratings_of(fb: Feedback) -> dict:
    return {k: getattr(fb, k) for k in RATING_FIELDS}


def snapshot(fb: Feedback) -> dict:
    return {**_ratings_of(fb), "narrative": fb.narrative, "hire_again": fb.hire_again,
            "edit_count": fb.edit_count}


def has_reply(feedback_id: int) -> bool:
    return db.session.scalar(select(FeedbackReply.id).where(FeedbackReply.feedback_id == feedback_id)) is not None


def can_edit(actor: Actor, fb: Feedback, now: datetime | None = None) -> bool:
    return (AGENCY in actor.roles and actor.agency_id == fb.agency_id
            and rules.edit_allowed(fb.created_at, now or clock.utcnow(), has_reply(fb.id), window_days()))


def can_reply(actor: Actor, fb: Feedback, now: datetime | None = None) -> bool:
    return (VENDOR in actor.roles and actor.firm_id == fb.firm_id
            and rules.reply_allowed(fb.created_at, now or clock.utcnow(), has_reply(fb.id), window_days()))


def edit_feedback(feedback_id: int, ratings: dict[str, int | None], narrative: str, hire_again: bool | None,
                  expected_edit_count: int | None = None, files: Sequence[Upload] = ()) -> Feedback:
    """Change a feedback (its agency only, before a reply and within the window); keep the old version."""
    actor = current_actor()
    fb = get_feedback(actor, feedback_id)
    if AGENCY not in actor.roles or actor.agency_id != fb.agency_id:
        raise NotFound()
    if has_reply(fb.id):
        raise Conflict(N_("The firm has replied to this feedback; it can no longer be edited."))
    if not rules.within_days(fb.created_at, clock.utcnow(), window_days()):
        raise Conflict(N_("Feedback can be edited for %(days)s days after it was given; that time has passed."),
                       {"days": window_days()})
    if expected_edit_count is not None and expected_edit_count != fb.edit_count:
        raise Conflict(N_("This feedback was changed by someone else while you were editing. Reload to see the current version."))
    narrative = (narrative or "").strip()
    _check(ratings, narrative, hire_again)
    before = snapshot(fb)
    db.session.add(FeedbackVersion(feedback_id=fb.id, snapshot=before, replaced_at=clock.utcnow(),
                                   replaced_by_id=actor.user_id))
    for k in RATING_FIELDS:
        setattr(fb, k, int(ratings[k]))
    fb.narrative = narrative
    fb.hire_again = bool(hire_again)
    fb.edit_count = (fb.edit_count or 0) + 1
    _save_files(fb, files)
    followups.open_for_feedback(fb)
    audit.record("feedback.edit", "feedback", fb.id, detail={"before": before, "after": snapshot(fb)})
    inbox.notify(inbox.users_of_firm(fb.firm_id), N_("The agency changed its feedback #%(id)s."),
                 {"id": fb.id}, link=f"/feedback/{fb.id}")
    transactions.commit()
    return fb


def versions(feedback_id: int) -> list[FeedbackVersion]:
    """Earlier versions, newest first (the caller has already checked visibility)."""
    return list(db.session.scalars(
        select(FeedbackVersion).where(FeedbackVersion.feedback_id == feedback_id)
        .order_by(FeedbackVersion.replaced_at.desc(), FeedbackVersion.id.desc())
    ))


def reply_of(feedback_id: int) -> FeedbackReply | None:
    return db.session.scalar(select(FeedbackReply).where(FeedbackReply.feedback_id == feedback_id))


def files_of(feedback_id: int) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment).where(Attachment.owner_type == OWNER_TYPE, Attachment.owner_id == feedback_id)
        .order_by(Attachment.id)
    ))


# -- firm reply ------------------------------------------------------------------------------------

def reply_to_feedback(feedback_id: int, body: str) -> FeedbackReply:
    """The firm's single reply, within the window after the feedback was given."""
    actor = current_actor()
    fb = get_feedback(actor, feedback_id)
    if VENDOR not in actor.roles or actor.firm_id != fb.firm_id:
        raise NotAllowed(N_("Only the rated firm can reply to this feedback."))
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": [N_("Write your reply.")]})
    if has_reply(fb.id):
        raise Conflict(N_("Your firm has already replied to this feedback; a feedback takes one reply."))
    if not rules.within_days(fb.created_at, clock.utcnow(), window_days()):
        raise Conflict(N_("A reply is possible for %(days)s days after the feedback was given; that time has passed."),
                       {"days": window_days()})
    reply = FeedbackReply(feedback_id=fb.id, body=body, created_by_id=actor.user_id, created_at=clock.utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(reply)
            db.session.flush()
    except IntegrityError:
        raise Conflict(N_("Your firm has already replied to this feedback; a feedback takes one reply.")) from None
    audit.record("feedback.reply", "feedback", fb.id, detail={"reply": reply.id})
    inbox.notify(inbox.users_of_agency(fb.agency_id), N_("The firm replied to your feedback #%(id)s."),
                 {"id": fb.id}, link=f"/feedback/{fb.id}")
    transactions.commit()
    return reply


# -- export ----------------------------------------------------------------------------------------

# The level name beside each 1–5 rating in the export (one msgid per dimension, so headers stay distinct).
LEVEL_HEADERS = {
    "quality": N_("Quality: level"),
    "timeliness": N_("Timeliness: level"),
    "security": N_("Security: level"),
    "conduct": N_("Conduct: level"),
    "communication": N_("Communication: level"),
}


def export_columns(translate=lambda s: s, period_label=lambda s: s) -> tuple[Column, ...]:
    """Columns of the feedback export, for rows of a `visible_feedback` query."""
    ratings = tuple(column for k, label in zip(RATING_FIELDS, rules.DIMENSIONS.values(), strict=True)
                    for column in (Column(label, lambda r, k=k: getattr(r[0], k), "number"),
                                   Column(LEVEL_HEADERS[k],
                                          lambda r, k=k: translate(rules.level_label(getattr(r[0], k))))))
    return (
        Column(N_("Project"), lambda r: f"{r[1] or ''} {r[2]}", width=30),
        Column(N_("Firm"), lambda r: r[3], width=24),
        Column(N_("Agency"), lambda r: r[4], width=24),
        Column(N_("Period"), lambda r: period_label(r[0].period_key)),
        Column(N_("Given"), lambda r: localtime.to_local(r[0].created_at), "datetime"),
        *ratings,
        Column(N_("Would hire again"), lambda r: translate(N_("Yes")) if r[0].hire_again else translate(N_("No"))),
        Column(N_("Narrative"), lambda r: r[0].narrative, width=40),
        Column(N_("Firm's reply"), lambda r: r[5], width=40),
    )


def export_rows(query: Select) -> Iterable:
    """Every row of a `visible_feedback` query (already filtered and sorted), fetched in batches."""
    return fetch_rows(query)


# -- summaries (aggregated in SQL) -----------------------------------------------------------------

@dataclass
class FeedbackSummary:
    count: int = 0
    averages: dict[str, float | None] = field(default_factory=dict)
    overall: float | None = None
    hire_again: int = 0
    replied: int = 0
    distribution: dict[str, dict[int, int]] = field(default_factory=dict)

    @property
    def hire_again_share(self) -> float | None:
        return None if not self.count else self.hire_again / self.count


def _aggregate_columns() -> list:
    columns = [func.count(Feedback.id).label("n"),
               func.sum(case((Feedback.hire_again.is_(True), 1), else_=0)).label("hire")]
    for k in RATING_FIELDS:
        col = getattr(Feedback, k)
        columns.append(func.avg(col).label(f"avg_{k}"))
        columns.extend(func.sum(case((col == level, 1), else_=0)).label(f"{k}_{level}") for level in rules.LEVELS)
    return columns


def _summary_from_row(row) -> FeedbackSummary:
    mapping = row._mapping
    n = int(mapping["n"] or 0)
    summary = FeedbackSummary(count=n, hire_again=int(mapping["hire"] or 0))
    for k in RATING_FIELDS:
        avg = mapping[f"avg_{k}"]
        summary.averages[k] = None if avg is None else round(float(avg), 2)
        summary.distribution[k] = {level: int(mapping[f"{k}_{level}"] or 0) for level in rules.LEVELS}
    values = [v for v in summary.averages.values() if v is not None]
    summary.overall = round(sum(values) / len(values), 2) if values else None
    return summary


def _filters(stmt: Select, since: datetime | None, until: datetime | None, district_code: str | None,
             actor: Actor | None) -> Select:
    if since is not None:
        stmt = stmt.where(Feedback.created_at >= since)
    if until is not None:
        stmt = stmt.where(Feedback.created_at < until)
    if district_code is not None or actor is not None:
        stmt = stmt.join(ProjectFiling, ProjectFiling.id == Feedback.filing_id)
        if district_code is not None:
            stmt = stmt.where(ProjectFiling.district_code == district_code)
        if actor is not None:
            stmt = stmt.where(access.visible(actor, Feedback))
    return stmt


def feedback_summary(firm_id: int, since: datetime | None = None, until: datetime | None = None,
                     district_code: str | None = None, actor: Actor | None = None) -> FeedbackSummary:
    """Averages, counts, hire-again share and 1–5 distribution of one firm, in two SQL queries."""
    stmt = _filters(select(*_aggregate_columns()).where(Feedback.firm_id == firm_id), since, until,
                    district_code, actor)
    summary = _summary_from_row(db.session.execute(stmt).one())
    replied = _filters(select(func.count(FeedbackReply.id)).join(Feedback, Feedback.id == FeedbackReply.feedback_id)
                       .where(Feedback.firm_id == firm_id), since, until, district_code, actor)
    summary.replied = int(db.session.scalar(replied) or 0)
    return summary


def summary_for_viewer(firm_id: int) -> tuple[Firm, FeedbackSummary]:
    """The summary page: a firm sees its own; regulators see feedback from their jurisdiction."""
    actor = current_actor()
    firm = db.session.get(Firm, firm_id)
    if firm is None:
        raise NotFound()
    if VENDOR in actor.roles and actor.firm_id == firm_id:
        return firm, feedback_summary(firm_id)
    if not access.is_supervisor(actor):
        raise NotFound()
    return firm, feedback_summary(firm_id, district_code=actor.district_code)


# -- reminders -------------------------------------------------------------------------------------

def reminder_key(filing_id: int) -> str:
    return f"{REMINDER_RULE}:{filing_id}"


def _close_reminder(filing_id: int) -> None:
    alert = db.session.scalar(select(Alert).where(Alert.key == reminder_key(filing_id), Alert.closed_at.is_(None)))
    if alert is not None:
        alert.closed_at = clock.utcnow()


def filings_missing_completion_feedback(today: date, days: int | None = None) -> Select:
    """Accepted or closed filings, accepted more than `days` ago, without completion feedback or reminder."""
    days = window_days() if days is None else days
    cutoff = datetime.combine(today, datetime.min.time()) - timedelta(days=days)
    has_feedback = select(Feedback.id).where(
        Feedback.filing_id == ProjectFiling.id, Feedback.agency_id == ProjectFiling.agency_id,
        Feedback.period_key == rules.COMPLETION,
    ).exists()
    reminded = select(Alert.id).where(Alert.rule == REMINDER_RULE, Alert.object_type == "project_filing",
                                      Alert.object_id == ProjectFiling.id).exists()
    return (
        select(ProjectFiling)
        .where(ProjectFiling.status.in_(COMPLETION_STATUSES), ProjectFiling.accepted_at.is_not(None),
               ProjectFiling.accepted_at < cutoff, ~has_feedback, ~reminded)
        .order_by(ProjectFiling.id)
    )


def send_missing_feedback_reminders(today: date | None = None) -> int:
    """Remind agency users and regulators in jurisdiction, once per filing; returns reminders sent.

    Each reminder is an Alert with the unique key `feedback_missing:<filing_id>`, so running this
    again (or from two processes at once) never sends a second reminder for the same filing.
    """
    today = today or clock.today()
    days = window_days()
    sent = 0
    filings = list(db.session.scalars(filings_missing_completion_feedback(today, days)))
    for filing in filings:
        alert = Alert(
            key=reminder_key(filing.id), rule=REMINDER_RULE, object_type="project_filing", object_id=filing.id,
            firm_id=filing.firm_id, district_code=filing.district_code, severity="low",
            message=N_("No completion feedback on project %(number)s %(days)s days after acceptance."),
            params={"number": filing.number or "", "days": days}, raised_at=clock.utcnow(),
        )
        try:
            with db.session.begin_nested():
                db.session.add(alert)
                db.session.flush()
        except IntegrityError:
            continue  # another run raised it first
        params = {"number": filing.number or "", "title": filing.title, "days": days}
        inbox.notify(inbox.users_of_agency(filing.agency_id),
                     N_("Please rate the firm's work on project %(number)s (%(title)s): it was accepted more than %(days)s days ago and no completion feedback has arrived."),
                     params, link=f"/feedback/project/{filing.id}", dedupe=reminder_key(filing.id))
        inbox.notify(regulators_for_district(filing.district_code),
                     N_("Project %(number)s (%(title)s) has no completion feedback from its agency %(days)s days after acceptance."),
                     params, link=f"/filings/{filing.id}", dedupe=f"{reminder_key(filing.id)}:reg")
        audit.record("feedback.reminder", "project_filing", filing.id, detail={"key": alert.key})
        sent += 1
    transactions.commit()
    return sent


# -- the agency's workspace ------------------------------------------------------------------------

@dataclass
class FeedbackDue:
    filing: ProjectFiling
    period: PeriodOption


@dataclass
class Workspace:
    by_status: dict[str, int]
    to_confirm: list[ProjectFiling]
    to_accept: list[ProjectFiling]
    feedback_due: list[FeedbackDue]
    open_incidents: list
    firm_names: dict[int, str]


WORKSPACE_LIMIT = 50


def agency_workspace(actor: Actor | None = None) -> Workspace:
    """What waits on an agency: filings to confirm, work to accept, feedback due, open incidents."""
    from portal.incidents.models import Incident

    actor = actor or current_actor()
    if AGENCY not in actor.roles or not actor.agency_id:
        raise NotFound()
    agency_id = actor.agency_id
    # The agency's filings it may see: never a firm's draft (portal.core.access).
    naming_agency = (ProjectFiling.agency_id == agency_id, access.visible(actor, ProjectFiling))
    by_status = dict(db.session.execute(
        select(ProjectFiling.status, func.count(ProjectFiling.id)).where(*naming_agency)
        .group_by(ProjectFiling.status)
    ).all())
    # The workspace shows no staff: skip the roster eager load so the page costs the same queries
    # whether the agency has no projects or many.
    base = select(ProjectFiling).where(*naming_agency).options(lazyload(ProjectFiling.staff))
    to_confirm = list(db.session.scalars(base.where(ProjectFiling.status == "submitted")
                                         .order_by(ProjectFiling.submitted_at, ProjectFiling.id).limit(WORKSPACE_LIMIT)))
    candidates = list(db.session.scalars(base.where(ProjectFiling.status.in_(MILESTONE_STATUSES))
                                         .order_by(ProjectFiling.id)))
    # Completed work is a milestone status, so the candidates already hold every filing to accept: picked
    # here (oldest completion first) rather than read again in a statement of its own.
    to_accept = sorted((f for f in candidates if f.status == "completed"),
                       key=lambda f: (f.completed_at is None, f.completed_at or datetime.min, f.id))[:WORKSPACE_LIMIT]
    rated: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(Feedback.filing_id, Feedback.period_key, Feedback.id)
        .where(Feedback.agency_id == agency_id, Feedback.filing_id.in_([f.id for f in candidates]))
    )
    for filing_id, key, fid in rows:
        rated.setdefault(filing_id, {})[key] = fid
    today = clock.today()
    months = milestone_months()
    due: list[FeedbackDue] = []
    for filing in candidates:
        for option in periods_for(filing, today, rated.get(filing.id), months):
            if option.feedback_id is None:
                due.append(FeedbackDue(filing, option))
    # Completion first (it feeds scoring), then the oldest milestones.
    due.sort(key=lambda d: (d.period.kind != rules.COMPLETION, d.period.due or date.min, d.filing.id))
    open_incidents = list(db.session.scalars(
        select(Incident).join(ProjectFiling, ProjectFiling.id == Incident.filing_id)
        .where(ProjectFiling.agency_id == agency_id, Incident.status.in_(("reported", "investigating")))
        .order_by(Incident.created_at.desc()).limit(WORKSPACE_LIMIT)
    ))
    firm_ids = {f.firm_id for f in to_confirm + to_accept + [d.filing for d in due]}
    firm_ids |= {i.firm_id for i in open_incidents}
    firm_names = dict(db.session.execute(select(Firm.id, Firm.name).where(Firm.id.in_(firm_ids))).all()) if firm_ids else {}
    return Workspace(by_status, to_confirm, to_accept, due[:WORKSPACE_LIMIT], open_incidents, firm_names)
