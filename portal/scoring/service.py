"""Performance scoring (服务绩效评价): rule-set versions, periods, firm scores, objections and results.

A period freezes the rule set it used; running it counts evidence with set-based SQL
(``portal.scoring.evidence``) and scores each firm with the pure core (``portal.scoring.rules``).
Due process: draft → published to firms → objection window (working days) → objections decided by
the lead (both versions kept) → final (grades become public) → applied (badges, inspection weights,
focus-supervision list, negative-list proposals), every step audited and notified.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import Select, and_, func, select

from portal.auth.models import User, UserRole
from portal.core import access, audit, clock, docnumbers, inbox, localtime, transactions
from portal.core import uploads as attachments
from portal.core.context import Actor, current_actor
from portal.core.errors import InvalidState, NotAllowed, NotFound, ValidationFailed
from portal.core.messages import Message
from portal.core.models import Attachment
from portal.core.msgids import N_
from portal.core.timeline import record_transition
from portal.core.workdays import add_workdays
from portal.core.workflows import FIRM_REGISTRATION, OBJECTION, SCORING_PERIOD
from portal.extensions import db
from portal.firms.models import Firm
from portal.scoring import evidence
from portal.scoring.models import (
    FirmScore,
    NegativeListEntry,
    Objection,
    ResultApplication,
    RuleSetVersion,
    ScoringPeriod,
)
from portal.scoring.result_rules import DEFAULT_POLICY, ResultPolicy, apply_results
from portal.scoring.rules import (
    DEDUCTION_INPUTS,
    INDICATOR_INPUTS,
    VETO_CODES,
    FirmEvidence,
    FirmScoreResult,
    RuleSet,
    RuleSetFormatError,
    period_has_ended,
    score_firm,
    validate_rule_set,
)
from portal.supervision.models import RectificationOrder

# Firm states in which a firm is registered and therefore scored (with "not rated" when idle).
SCORED_FIRM_STATES = ("active", "expiring", "recheck_submitted", "suspended", "negative_listed", "lapsed")
FINAL_STATES = ("final", "applied")
# Applications that one period sets and the next period's application replaces.
PERIODIC_ACTIONS = ("grade", "badge", "agency_warning", "inspection_weight", "focus_supervision")


# --- who may see what --------------------------------------------------------------------------------


def _roles(actor: Actor) -> tuple[str, ...]:
    # Scheduled jobs act with no roles; the workflow tables call them "system".
    return actor.roles or ("system",)


def _require_lead(actor: Actor) -> None:
    if "lead" not in actor.roles:
        raise NotAllowed(N_("Only the regulator lead may do this."))


def visible_periods(actor: Actor | None = None) -> Select:
    actor = actor or current_actor()
    return (select(ScoringPeriod).where(access.visible(actor, ScoringPeriod))
            .order_by(ScoringPeriod.starts_on.desc(), ScoringPeriod.kind, ScoringPeriod.id))


def get_period(period_id: int, actor: Actor | None = None) -> ScoringPeriod:
    return access.get_visible(actor or current_actor(), ScoringPeriod, period_id)


def visible_scores(actor: Actor | None = None) -> Select:
    """Firm scores the actor may read (portal.core.access: a firm its own once the period is published),
    with their period and firm joined for filters and columns."""
    actor = actor or current_actor()
    return (select(FirmScore).join(ScoringPeriod, ScoringPeriod.id == FirmScore.period_id)
            .join(Firm, Firm.id == FirmScore.firm_id).where(access.visible(actor, FirmScore)))


def get_score(score_id: int, actor: Actor | None = None) -> FirmScore:
    return access.get_visible(actor or current_actor(), FirmScore, score_id)


def visible_objections(actor: Actor | None = None) -> Select:
    actor = actor or current_actor()
    return (select(Objection).where(access.visible(actor, Objection))
            .order_by(Objection.submitted_at, Objection.id))


def get_objection(objection_id: int, actor: Actor | None = None) -> Objection:
    return access.get_visible(actor or current_actor(), Objection, objection_id)


def _objection_readable(actor: Actor, owner_id: int | None, _attachment: Attachment) -> bool:
    if owner_id is None:
        return False
    try:
        get_objection(owner_id, actor)
    except NotFound:
        return False
    return True


attachments.register_read_rule("objection", _objection_readable)
attachments.register_replaceable("objection")


# --- rule sets ---------------------------------------------------------------------------------------


def ensure_rule_set() -> RuleSetVersion:
    """The current rule-set version, creating the default (DESIGN §3) on first use.

    When the built-in default changes, a database still on a default nobody edited moves to the new
    default (a new version: periods keep the version they froze), recorded in the audit log. A rule set
    a person saved is kept, with a warning that the built-in default has changed.
    """
    from portal.scoring.rules import DEFAULT_RULE_SET

    row = db.session.scalar(select(RuleSetVersion).where(RuleSetVersion.is_current.is_(True)))
    if row is not None:
        if row.body == DEFAULT_RULE_SET.to_json():
            return row
        if row.created_by_id is not None:
            if default_rule_set_changed():
                current_app.logger.warning(
                    "The built-in default rule set %s differs from the current rule set %s, which a person "
                    "saved: theirs is kept.", DEFAULT_RULE_SET.version, row.label)
            return row
        return _move_to_builtin_default(row)
    row = db.session.scalar(select(RuleSetVersion).where(RuleSetVersion.label == DEFAULT_RULE_SET.version))
    if row is None:
        row = RuleSetVersion(label=DEFAULT_RULE_SET.version, body=DEFAULT_RULE_SET.to_json(), is_current=True)
        db.session.add(row)
    row.is_current = True
    db.session.flush()
    return row


def default_rule_set_changed() -> bool:
    """The built-in default is stored nowhere while the current rule set is one a person saved: the lead
    is told (scoring page) that the new default was not applied over their rule set."""
    from portal.scoring.rules import DEFAULT_RULE_SET

    current = db.session.scalar(select(RuleSetVersion).where(RuleSetVersion.is_current.is_(True)))
    if current is None or current.created_by_id is None:
        return False
    stored = db.session.scalar(select(RuleSetVersion.id).where(RuleSetVersion.body == DEFAULT_RULE_SET.to_json()))
    return stored is None


def _move_to_builtin_default(old: RuleSetVersion) -> RuleSetVersion:
    """Replace an unedited default by the changed built-in default, as a new current version."""
    from portal.scoring.rules import DEFAULT_RULE_SET

    body = DEFAULT_RULE_SET.to_json()
    row = db.session.scalar(select(RuleSetVersion).where(RuleSetVersion.body == body,
                                                         RuleSetVersion.created_by_id.is_(None)))
    if row is None:
        label = DEFAULT_RULE_SET.version
        if db.session.scalar(select(RuleSetVersion.id).where(RuleSetVersion.label == label)):
            # Same label, new content (the label was not bumped): keep both apart by the fingerprint.
            label = f"{label}+{DEFAULT_RULE_SET.fingerprint()[:8]}"
        row = RuleSetVersion(label=label, body=body, is_current=False, created_at=clock.utcnow())
        db.session.add(row)
    old.is_current = False
    db.session.flush()
    row.is_current = True
    db.session.flush()
    audit.record("rule_set.default_update", "rule_set_version", row.id,
                 detail={"from": old.label, "to": row.label, "fingerprint": DEFAULT_RULE_SET.fingerprint()})
    return row


def current_rule_set() -> RuleSetVersion:
    """The current rule-set version for reading. Before any is stored, the built-in default (DESIGN §3),
    unsaved: showing the rules writes nothing; the first write that needs the row stores it
    (ensure_rule_set)."""
    from portal.scoring.rules import DEFAULT_RULE_SET

    row = db.session.scalar(select(RuleSetVersion).where(RuleSetVersion.is_current.is_(True)))
    if row is None:
        row = db.session.scalar(select(RuleSetVersion).where(RuleSetVersion.label == DEFAULT_RULE_SET.version))
    return row or RuleSetVersion(label=DEFAULT_RULE_SET.version, body=DEFAULT_RULE_SET.to_json(), is_current=True)


def rule_set_of(row: RuleSetVersion) -> RuleSet:
    return RuleSet.from_json(row.body)


def list_rule_sets() -> list[RuleSetVersion]:
    return list(db.session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.created_at.desc(),
                                                                      RuleSetVersion.id.desc())))


def get_rule_set(rule_set_id: int) -> RuleSetVersion:
    row = db.session.get(RuleSetVersion, rule_set_id)
    if row is None:
        raise NotFound()
    return row


def message_error(message: Message) -> tuple[str, dict]:
    """A domain Message as the (msgid, params) pair form errors take; msgid parameters get "msg:"."""
    return message.msgid, {
        k: f"msg:{v}" if k in message.translatable else v for k, v in message.params
    }


def problem_field(message: Message) -> str:
    """Which field of the rule-set form a validation problem belongs beside."""
    params = message.params_dict
    if "weights add up" in message.msgid:
        return "weights"
    if "grade band" in message.msgid.lower() or "no grade band" in message.msgid or "veto grade" in message.msgid:
        if "second" in params:  # an overlap or a gap: the upper band's lower limit is what to move
            return f"band_{params['second']}_min"
        grade = params.get("grade")
        if grade and "upper limit" in message.msgid:
            return f"band_{grade}_max"
        return f"band_{grade}_min" if grade else "bands"
    if message.msgid.startswith("Dimension %(code)s") and "code" in params:
        if "minimum evidence" in message.msgid:
            return f"min_{params['code']}"
        return f"weight_{params['code']}"
    if "label" in message.msgid:
        return "label"
    return "body"


def parse_rule_set(body: str) -> RuleSet:
    try:
        return RuleSet.from_json(body)
    except RuleSetFormatError as exc:
        raise ValidationFailed({"body": [(N_("The rule set is not in the expected form: %(problem)s"),
                                          {"problem": str(exc)})]}) from None


def save_rule_set(rule_set: RuleSet, *, make_current: bool = True) -> RuleSetVersion:
    """Store a new, validated version; the lead only. Problems come back beside the form's fields."""
    actor = current_actor()
    _require_lead(actor)
    problems = validate_rule_set(rule_set)
    if problems:
        errors: dict[str, list] = {}
        for problem in problems:
            errors.setdefault(problem_field(problem), []).append(message_error(problem))
        raise ValidationFailed(errors)
    if db.session.scalar(select(RuleSetVersion.id).where(RuleSetVersion.label == rule_set.version)):
        raise ValidationFailed({"label": [N_("A rule set with this version label already exists.")]})
    row = RuleSetVersion(label=rule_set.version, body=rule_set.to_json(), is_current=False,
                         created_by_id=actor.user_id, created_at=clock.utcnow())
    db.session.add(row)
    if make_current:
        for other in db.session.scalars(select(RuleSetVersion).where(RuleSetVersion.is_current.is_(True))):
            other.is_current = False
        db.session.flush()
        row.is_current = True
    db.session.flush()
    audit.record("rule_set.create", "rule_set_version", row.id,
                 detail={"label": row.label, "fingerprint": rule_set.fingerprint(), "current": make_current})
    transactions.commit()
    return row


def make_current(rule_set_id: int) -> RuleSetVersion:
    actor = current_actor()
    _require_lead(actor)
    row = get_rule_set(rule_set_id)
    for other in db.session.scalars(select(RuleSetVersion).where(RuleSetVersion.is_current.is_(True))):
        other.is_current = False
    db.session.flush()
    row.is_current = True
    audit.record("rule_set.make_current", "rule_set_version", row.id, detail={"label": row.label})
    transactions.commit()
    return row


# --- periods -----------------------------------------------------------------------------------------


def parse_period_label(label: str) -> tuple[str, date, date]:
    """``2026Q3`` → quarter July–September 2026; ``2026`` → the calendar year."""
    text = (label or "").strip().upper()
    bad = ValidationFailed({"label": [N_("Write a quarter like 2026Q3 or a year like 2026.")]})
    if len(text) == 4 and text.isdigit():
        year = int(text)
        if not 2000 <= year <= 2100:
            raise bad
        return "year", date(year, 1, 1), date(year, 12, 31)
    if len(text) == 6 and text[:4].isdigit() and text[4] == "Q" and text[5] in "1234":
        year, quarter = int(text[:4]), int(text[5])
        if not 2000 <= year <= 2100:
            raise bad
        first = date(year, 3 * quarter - 2, 1)
        last = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return "quarter", first, date.fromordinal(last.toordinal() - 1)
    raise bad


def open_period(label: str) -> ScoringPeriod:
    """A new draft period frozen on the current rule-set version."""
    actor = current_actor()
    _require_lead(actor)
    kind, starts_on, ends_on = parse_period_label(label)
    label = label.strip().upper()
    if db.session.scalar(select(ScoringPeriod.id).where(ScoringPeriod.label == label)):
        raise ValidationFailed({"label": [N_("This period is already open.")]})
    rule_set = ensure_rule_set()
    period = ScoringPeriod(label=label, kind=kind, starts_on=starts_on, ends_on=ends_on, status="draft",
                           rule_set_id=rule_set.id, created_by_id=actor.user_id)
    db.session.add(period)
    db.session.flush()
    audit.record("scoring_period.open", "scoring_period", period.id,
                 detail={"label": label, "rule_set": rule_set.label})
    transactions.commit()
    return period


@dataclass(frozen=True)
class RunSummary:
    firms: int
    rated: int
    not_rated: int
    changed: int
    queries: int


def _scored_firm_ids(counted: evidence.PeriodEvidence) -> list[int]:
    registered = set(db.session.scalars(select(Firm.id).where(Firm.status.in_(SCORED_FIRM_STATES))))
    return sorted(registered | counted.firm_ids())


def run_period(period_id: int, version=None, *, before_end: bool = False) -> RunSummary:
    """(Re)compute the draft scores of every firm; only rows whose result changed are written.

    A period that has not ended yet is scored only when the caller says so (`before_end`): its evidence
    is incomplete, and a score computed early must be a deliberate, recorded choice.
    """
    actor = current_actor()
    period = _lock_period(period_id)
    transactions.check_version(period, version)
    transition = SCORING_PERIOD.resolve(period.status, "recompute", _roles(actor))
    early = not period_has_ended(period.ends_on, clock.today())
    if early and not before_end:
        raise ValidationFailed({"before_end": [(N_("The period has not ended yet (it ends on %(date)s): its "
                                                   "evidence is incomplete. Confirm that you want draft "
                                                   "scores before the end of the period."),
                                                {"date": period.ends_on.isoformat()})]})
    rule_set = rule_set_of(db.session.get(RuleSetVersion, period.rule_set_id))
    counted = evidence.collect(period.starts_on, period.ends_on)
    existing = {
        s.firm_id: s for s in db.session.scalars(select(FirmScore).where(FirmScore.period_id == period.id))
    }
    firm_ids = _scored_firm_ids(counted)
    changed = rated = 0
    new_rows = []
    for firm_id in firm_ids:
        firm_evidence = counted.for_firm(firm_id)
        result = score_firm(rule_set, firm_evidence)
        text = result.to_json()
        rated += result.rated
        row = existing.pop(firm_id, None)
        if row is not None and row.result == text:
            continue
        changed += 1
        values = {
            "status": result.status, "total": result.total_score, "grade": result.grade,
            "vetoed": result.vetoed, "result": text, "evidence": evidence.evidence_to_json(firm_evidence),
        }
        if row is None:
            new_rows.append({"period_id": period.id, "firm_id": firm_id, **values})
        else:
            for key, value in values.items():
                setattr(row, key, value)
    if new_rows:
        db.session.execute(FirmScore.__table__.insert(), new_rows)
    for stale in existing.values():  # a firm no longer registered and without evidence
        db.session.delete(stale)
        changed += 1
    period.computed_at = clock.utcnow()
    record_transition("scoring_period", period, "recompute", period.status, transition.to_state,
                      audit_detail={"firms": len(firm_ids), "changed": changed, "rated": rated,
                                    "before_end": early})
    period.status = transition.to_state
    transactions.commit()
    return RunSummary(len(firm_ids), rated, len(firm_ids) - rated, changed, counted.queries)


def _lock_period(period_id: int) -> ScoringPeriod:
    period = db.session.scalar(select(ScoringPeriod).where(ScoringPeriod.id == period_id).with_for_update())
    if period is None:
        raise NotFound()
    return period


def objection_workdays() -> int:
    return int(current_app.config.get("SCORING_OBJECTION_WORKDAYS", 10))


def _firm_users(firm_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = sorted(set(firm_ids))
    users: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for uid, firm_id in db.session.execute(
            select(User.id, User.firm_id).where(User.firm_id.in_(ids), User.active.is_(True))
        ):
            users[firm_id].append(uid)
    return users


def _lead_users() -> list[int]:
    return list(db.session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "lead", User.active.is_(True))
    ))


def _notify_firms(period: ScoringPeriod, msgid: str, params: dict, key: str) -> None:
    scores = dict(db.session.execute(
        select(FirmScore.firm_id, FirmScore.id).where(FirmScore.period_id == period.id)
    ).all())
    for firm_id, user_ids in _firm_users(scores).items():
        inbox.notify(user_ids, msgid, params, link=f"/scoring/scores/{scores[firm_id]}",
                     dedupe=f"scoring:{key}:{period.id}:{firm_id}")


def publish_period(period_id: int, version: str | int | None = None) -> ScoringPeriod:
    """Show the draft scores to the firms and open the objection window (working days)."""
    actor = current_actor()
    period = _lock_period(period_id)
    transactions.check_version(period, version)
    transition = SCORING_PERIOD.resolve(period.status, "publish", _roles(actor))
    if period.computed_at is None:
        raise InvalidState(N_("Run the period before publishing it."))
    today = clock.today()
    deadline = add_workdays(today, objection_workdays())
    record_transition("scoring_period", period, "publish", period.status, transition.to_state,
                      audit_detail={"objection_deadline": deadline.isoformat()})
    period.status = transition.to_state
    period.published_at = clock.utcnow()
    period.objection_deadline = deadline
    _notify_firms(period, N_("Your score for %(period)s is published. You may object until %(deadline)s."),
                  {"period": period.label, "deadline": deadline.isoformat()}, "publish")
    transactions.commit()
    return period


# --- results as read by pages ------------------------------------------------------------------------


def result_of(score: FirmScore) -> FirmScoreResult:
    """The score in force: the amended one when an objection changed it, else the original."""
    return FirmScoreResult.from_json(score.amended_result or score.result)


def original_result(score: FirmScore) -> FirmScoreResult:
    return FirmScoreResult.from_json(score.result)


def effective_grade(score: FirmScore) -> str | None:
    return score.amended_grade if score.amended_result else score.grade


def effective_total(score: FirmScore) -> Decimal | None:
    return score.amended_total if score.amended_result else score.total


# --- objections --------------------------------------------------------------------------------------


def objection_codes(score: FirmScore) -> list[str]:
    """Codes a firm may object to: the indicators, deductions and vetoes of its result."""
    result = original_result(score)
    codes = [i.code for d in result.dimensions for i in d.indicators]
    codes += [d.code for d in result.deductions] + [v.code for v in result.vetoes]
    return codes


def _item_of(result: FirmScoreResult, code: str) -> dict:
    for dim in result.dimensions:
        for ind in dim.indicators:
            if ind.code == code:
                return {"dimension": dim.code, **ind.to_dict()}
    for ded in result.deductions:
        if ded.code == code:
            return ded.to_dict()
    for veto in result.vetoes:
        if veto.code == code:
            return veto.to_dict()
    return {"code": code}


def _snapshot(result: FirmScoreResult, code: str) -> dict:
    return {
        "item": _item_of(result, code),
        "total": None if result.total_score is None else str(result.total_score),
        "grade": result.grade,
        "status": result.status,
        "vetoed": result.vetoed,
    }


def submit_objection(score_id: int, indicator_code: str, reason: str,
                     upload: tuple[bytes, str] | None = None) -> Objection:
    """A firm objects to one indicator (or deduction or veto) of its published score, within the window."""
    actor = current_actor()
    score = get_score(score_id, actor)
    if "vendor" not in actor.roles or score.firm_id != actor.firm_id:
        raise NotFound()
    period = db.session.get(ScoringPeriod, score.period_id)
    if period.status != "published":
        raise InvalidState(N_("Objections are accepted only while the score is published."))
    if period.objection_deadline is not None and clock.today() > period.objection_deadline:
        raise InvalidState(N_("The objection window closed on %(deadline)s."),
                           {"deadline": period.objection_deadline.isoformat()})
    errors: dict[str, list] = {}
    if indicator_code not in objection_codes(score):
        errors["indicator_code"] = [N_("Choose an indicator of this score.")]
    if not (reason or "").strip():
        errors["reason"] = [N_("Explain why the score is wrong.")]
    if errors:
        raise ValidationFailed(errors)
    pending = db.session.scalar(select(Objection.id).where(
        Objection.firm_score_id == score.id, Objection.indicator_code == indicator_code,
        Objection.status == "submitted"))
    if pending:
        raise ValidationFailed({"indicator_code": [N_("An objection to this indicator is already waiting for a decision.")]})
    objection = Objection(firm_score_id=score.id, indicator_code=indicator_code, reason=reason.strip(),
                          status=OBJECTION.initial, submitted_by_id=actor.user_id, submitted_at=clock.utcnow(),
                          original=_snapshot(result_of(score), indicator_code), amended={})
    db.session.add(objection)
    db.session.flush()
    if upload is not None and upload[0]:
        attachment = attachments.save_upload(upload[0], upload[1], owner_type="objection", owner_id=objection.id,
                                             kind="evidence", firm_id=score.firm_id, field="attachment")
        objection.attachment_id = attachment.id
    audit.record("objection.submit", "objection", objection.id,
                 detail={"score": score.id, "period": period.label, "indicator": indicator_code})
    inbox.notify(_lead_users(), N_("A firm objected to its score for %(period)s."), {"period": period.label},
                 link=f"/scoring/scores/{score.id}")
    transactions.commit()
    return objection


def _changes_applied(score: FirmScore, exclude: int | None = None) -> FirmEvidence:
    """The stored evidence with every earlier amendment applied, oldest decision first."""
    base = evidence.evidence_from_json(score.evidence)
    amended = db.session.scalars(
        select(Objection).where(Objection.firm_score_id == score.id, Objection.status == "amended")
        .order_by(Objection.decided_at, Objection.id)
    )
    for objection in amended:
        if objection.id != exclude and objection.amended.get("change"):
            base = _apply_change(base, objection.amended["change"])
    return base


def _apply_change(ev: FirmEvidence, change: dict) -> FirmEvidence:
    inputs, deductions, vetoes = dict(ev.inputs), dict(ev.deductions), set(ev.vetoes)
    code = change["code"]
    if change["kind"] == "input":
        inputs[code] = (Decimal(change["numerator"]), int(change["count"]))
    elif change["kind"] == "deduction":
        deductions[code] = int(change["count"])
    elif change["kind"] == "veto":
        vetoes.discard(code)
    return FirmEvidence(inputs=inputs, deductions={k: v for k, v in deductions.items() if v}, vetoes=vetoes,
                        activity=ev.activity or any(c for _n, c in inputs.values()), refs=ev.refs)


def decide_objection(objection_id: int, action: str, reason: str, *, numerator: str | None = None,
                     count: str | None = None, version: str | int | None = None) -> Objection:
    """The lead keeps the score (``uphold``) or amends the objected evidence (``amend``), with reasons.

    An amendment re-scores the firm with the period's frozen rule set; the original result stays in
    ``FirmScore.result`` and the objection keeps both versions of the item, total and grade.
    """
    actor = current_actor()
    _require_lead(actor)
    objection = get_objection(objection_id, actor)
    score = db.session.get(FirmScore, objection.firm_score_id)
    period = db.session.get(ScoringPeriod, score.period_id)
    if period.status != "published":
        raise InvalidState(N_("Objections are decided while the period is published."))
    transition = OBJECTION.resolve(objection.status, action, _roles(actor), reason)
    code = objection.indicator_code
    if action == "amend":
        change = _amendment(code, numerator, count)
        evidence_now = _apply_change(_changes_applied(score), change)
        rule_set = rule_set_of(db.session.get(RuleSetVersion, period.rule_set_id))
        try:
            result = score_firm(rule_set, evidence_now)
        except ValueError as exc:
            raise ValidationFailed({"numerator": [(N_("These numbers are impossible: %(problem)s"),
                                                   {"problem": str(exc)})]}) from None
        score.amended_result = result.to_json()
        score.amended_total = result.total_score
        score.amended_grade = result.grade
        objection.amended = {"change": change, **_snapshot(result, code)}
    objection.status = transition.to_state
    objection.decision_reason = reason.strip()
    objection.decided_by_id = actor.user_id
    objection.decided_at = clock.utcnow()
    record_transition("objection", objection, action, OBJECTION.initial, transition.to_state, reason,
                      audit_detail={"score": score.id, "indicator": code,
                                    "grade": effective_grade(score)})
    msgid = (N_("Your objection for %(period)s was decided: the score was amended.") if action == "amend"
             else N_("Your objection for %(period)s was decided: the score stands."))
    inbox.notify(_firm_users([score.firm_id])[score.firm_id], msgid, {"period": period.label},
                 link=f"/scoring/scores/{score.id}")
    docnumbers.allocate(docnumbers.OBJECTION, objection.id, clock.today())  # 复核决定书
    transactions.commit()
    return objection


def _amendment(code: str, numerator: str | None, count: str | None) -> dict:
    def whole(value, name) -> int:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise ValidationFailed({name: [N_("Enter a whole number.")]}) from None
        if number < 0:
            raise ValidationFailed({name: [N_("Enter a whole number.")]})
        return number

    if code in VETO_CODES:
        return {"kind": "veto", "code": code}
    if code in DEDUCTION_INPUTS:
        return {"kind": "deduction", "code": code, "count": whole(count, "count")}
    if code in INDICATOR_INPUTS:
        try:
            value = Decimal(str(numerator).strip())
        except Exception:
            raise ValidationFailed({"numerator": [N_("Enter a number.")]}) from None
        if not value.is_finite() or value < 0:
            raise ValidationFailed({"numerator": [N_("Enter a number.")]})
        return {"kind": "input", "code": code, "numerator": str(value), "count": whole(count, "count")}
    raise ValidationFailed({"": [N_("This objection names an unknown indicator.")]})


# --- finalising and applying -------------------------------------------------------------------------


def pending_objections(period_id: int) -> int:
    return db.session.scalar(
        select(func.count(Objection.id)).join(FirmScore, FirmScore.id == Objection.firm_score_id)
        .where(FirmScore.period_id == period_id, Objection.status == "submitted")
    ) or 0


def finalise_period(period_id: int, version: str | int | None = None) -> ScoringPeriod:
    """Close the objection window: grades become final and public (Firm.grade)."""
    actor = current_actor()
    period = _lock_period(period_id)
    transactions.check_version(period, version)
    transition = SCORING_PERIOD.resolve(period.status, "finalise", _roles(actor))
    if period.objection_deadline is not None and clock.today() <= period.objection_deadline:
        raise InvalidState(N_("The objection window is open until %(deadline)s."),
                           {"deadline": period.objection_deadline.isoformat()})
    if pending_objections(period.id):
        raise InvalidState(N_("Decide every objection before the period becomes final."))
    record_transition("scoring_period", period, "finalise", period.status, transition.to_state)
    period.status = transition.to_state
    period.finalised_at = clock.utcnow()
    db.session.flush()
    _publish_grades(period)
    _notify_firms(period, N_("Your score for %(period)s is final."), {"period": period.label}, "final")
    transactions.commit()
    return period


def _latest_final_period_ids() -> dict[int, int]:
    """For each firm, the id of its newest final score's period (by end date, then id)."""
    rows = db.session.execute(
        select(FirmScore.firm_id, FirmScore.period_id)
        .join(ScoringPeriod, ScoringPeriod.id == FirmScore.period_id)
        .where(ScoringPeriod.status.in_(FINAL_STATES))
        .order_by(FirmScore.firm_id, ScoringPeriod.ends_on, ScoringPeriod.id)
    )
    latest: dict[int, int] = {}
    for firm_id, period_id in rows:
        latest[firm_id] = period_id
    return latest


def _publish_grades(period: ScoringPeriod) -> None:
    latest = _latest_final_period_ids()
    scores = db.session.scalars(select(FirmScore).where(FirmScore.period_id == period.id))
    for score in scores:
        if latest.get(score.firm_id) != period.id:
            continue  # an older period finalised late does not replace a newer public grade
        firm = db.session.get(Firm, score.firm_id)
        grade = effective_grade(score)
        if firm.grade != grade:
            audit.record("firm.grade", "firm", firm.id,
                         detail={"period": period.label, "old": firm.grade, "new": grade})
            firm.grade = grade


def result_policy() -> ResultPolicy:
    """The bureau's result-application rule: configuration SCORING_RESULT_POLICY (a dict), else DESIGN §3."""
    configured = current_app.config.get("SCORING_RESULT_POLICY")
    if not configured:
        return DEFAULT_POLICY
    values = dict(configured)
    for key in ("badge_grades", "agency_warning_grades", "focus_supervision_grades", "rectification_plan_grades"):
        if key in values:
            values[key] = frozenset(values[key])
    if "inspection_weights" in values:
        values["inspection_weights"] = {g: Decimal(str(w)) for g, w in values["inspection_weights"].items()}
    if "unrated_inspection_weight" in values:
        values["unrated_inspection_weight"] = Decimal(str(values["unrated_inspection_weight"]))
    return ResultPolicy(**values)


def _grade_history(firm_ids: list[int], period: ScoringPeriod) -> dict[int, list[str | None]]:
    """Earlier final grades of the same kind of period, oldest first; a missing period breaks a run."""
    earlier = list(db.session.scalars(
        select(ScoringPeriod).where(ScoringPeriod.kind == period.kind, ScoringPeriod.status.in_(FINAL_STATES),
                                    ScoringPeriod.ends_on < period.starts_on)
        .order_by(ScoringPeriod.ends_on)
    ))
    grades: dict[tuple[int, int], str | None] = {}
    if earlier:
        for score in db.session.scalars(select(FirmScore).where(
                FirmScore.period_id.in_([p.id for p in earlier]), FirmScore.firm_id.in_(firm_ids))):
            grades[(score.period_id, score.firm_id)] = effective_grade(score)
    return {f: [grades.get((p.id, f)) for p in earlier] for f in firm_ids}


def _refused_rectification(firm_ids: list[int], period: ScoringPeriod) -> set[int]:
    lower, upper = localtime.day_bounds_utc(period.starts_on, period.ends_on)
    return set(db.session.scalars(
        select(RectificationOrder.firm_id).where(
            RectificationOrder.refused.is_(True), RectificationOrder.firm_id.in_(firm_ids),
            ((RectificationOrder.issued_at >= lower) & (RectificationOrder.issued_at < upper))
            | ((RectificationOrder.deadline >= period.starts_on) & (RectificationOrder.deadline <= period.ends_on)),
        )
    ))


def apply_period(period_id: int, version: str | int | None = None) -> ScoringPeriod:
    """Carry out the result-application rule for every firm of a final period (recorded, notified)."""
    actor = current_actor()
    period = _lock_period(period_id)
    transactions.check_version(period, version)
    transition = SCORING_PERIOD.resolve(period.status, "apply", _roles(actor))
    policy = result_policy()
    scores = list(db.session.scalars(select(FirmScore).where(FirmScore.period_id == period.id)
                                     .order_by(FirmScore.firm_id)))
    firm_ids = [s.firm_id for s in scores]
    history = _grade_history(firm_ids, period)
    refused = _refused_rectification(firm_ids, period)
    latest = _latest_final_period_ids()
    users = _firm_users(firm_ids)
    now = clock.utcnow()
    for score in scores:
        if latest.get(score.firm_id) != period.id:
            continue  # a newer period already decides this firm's standing
        actions = apply_results(policy, history.get(score.firm_id, []), effective_grade(score),
                                bool(result_of(score).vetoed), score.firm_id in refused)
        _apply_to_firm(period, score, actions, now, users.get(score.firm_id, []))
    record_transition("scoring_period", period, "apply", period.status, transition.to_state)
    period.status = transition.to_state
    period.applied_at = now
    transactions.commit()
    return period


def _apply_to_firm(period: ScoringPeriod, score: FirmScore, actions, now, user_ids: list[int]) -> None:
    firm = db.session.get(Firm, score.firm_id)
    for old in db.session.scalars(select(ResultApplication).where(
            ResultApplication.firm_id == firm.id, ResultApplication.lifted_at.is_(None),
            ResultApplication.action.in_(PERIODIC_ACTIONS))):
        old.lifted_at = now
        old.lift_reason = f"superseded by {period.label}"
    reasons = [m.to_dict() for m in actions.reasons]
    records = [("grade", {"grade": actions.grade, "vetoed": score.vetoed})]
    records.append(("inspection_weight", {"weight": str(actions.inspection_weight)}))
    if actions.badge:
        records.append(("badge", {"grade": actions.grade}))
    if actions.agency_warning:
        records.append(("agency_warning", {"grade": actions.grade}))
    if actions.focus_supervision:
        records.append(("focus_supervision", {"grade": actions.grade,
                                              "plan_required": actions.rectification_plan_required}))
    firm.grade = actions.grade
    firm.good_standing = actions.badge
    firm.focus_supervision = actions.focus_supervision
    firm.inspection_weight = actions.inspection_weight
    for action, detail in records:
        db.session.add(ResultApplication(period_id=period.id, firm_id=firm.id, action=action,
                                         detail={**detail, "reasons": reasons}, applied_at=now))
    if actions.propose_negative_list:
        _propose_negative_list(period, firm, actions, now)
    audit.record("scoring.apply", "firm", firm.id,
                 detail={"period": period.label, "grade": actions.grade, "actions": [a for a, _d in records],
                         "negative_list_proposed": actions.propose_negative_list})
    inbox.notify(user_ids, N_("The results of %(period)s were applied to your firm: grade %(grade)s."),
                 {"period": period.label, "grade": actions.grade or "-"}, link=f"/scoring/scores/{score.id}",
                 dedupe=f"scoring:apply:{period.id}:{firm.id}")


def _propose_negative_list(period: ScoringPeriod, firm: Firm, actions, now) -> None:
    open_entry = db.session.scalar(select(NegativeListEntry.id).where(
        NegativeListEntry.firm_id == firm.id, NegativeListEntry.status.in_(("proposed", "listed"))))
    if open_entry:
        return
    # Kept as messages (msgid and parameters), so each reader sees the reason in their own language.
    reasons = [m.to_dict() for m in actions.reasons if "negative list" in m.msgid]
    entry = NegativeListEntry(firm_id=firm.id, period_id=period.id, status="proposed",
                              proposal_reason=json.dumps(reasons, ensure_ascii=False), proposed_at=now)
    db.session.add(entry)
    db.session.flush()
    db.session.add(ResultApplication(period_id=period.id, firm_id=firm.id, action="negative_list_proposal",
                                     detail={"entry": entry.id, "reasons": reasons}, applied_at=now))
    audit.record("negative_list.propose", "negative_list_entry", entry.id,
                 detail={"firm": firm.id, "period": period.label, "reasons": reasons})
    inbox.notify(_lead_users(), N_("%(firm)s is proposed for the negative list; please decide."),
                 {"firm": firm.name}, link="/scoring/negative-list")


def proposal_reasons(entry: NegativeListEntry) -> list[Message]:
    """Why the firm was proposed, as messages to translate; a reason stored as plain text (before they were
    kept as messages) comes back as one message that is that text."""
    text = entry.proposal_reason or ""
    if text.startswith("["):
        try:
            return [Message.from_dict(item) for item in json.loads(text)]
        except (ValueError, KeyError, TypeError):
            pass
    return [Message(text)] if text else []


def finalise_due() -> list[str]:
    """Finalise and apply every published period whose objection window has passed (idempotent).

    A period with an objection still waiting for the lead's decision is left published: due process
    comes before the calendar.
    """
    done = []
    periods = db.session.scalars(select(ScoringPeriod).where(
        ScoringPeriod.status.in_(("published", "final")), ScoringPeriod.objection_deadline < clock.today()
    ).order_by(ScoringPeriod.ends_on, ScoringPeriod.id)).all()
    for period in periods:
        if period.status == "published":
            if pending_objections(period.id):
                continue
            finalise_period(period.id)
        apply_period(period.id)
        done.append(period.label)
    return done


# --- negative list -----------------------------------------------------------------------------------


def visible_negative_list(actor: Actor | None = None) -> Select:
    actor = actor or current_actor()
    return (select(NegativeListEntry).join(Firm, Firm.id == NegativeListEntry.firm_id)
            .where(access.visible(actor, NegativeListEntry))
            .order_by(NegativeListEntry.proposed_at.desc(), NegativeListEntry.id.desc()))


def decide_negative_list(entry_id: int, decision: str, reason: str, ends_on: date | None = None) -> NegativeListEntry:
    """The lead lists the firm (with reason and end date) or declines the proposal."""
    actor = current_actor()
    _require_lead(actor)
    entry = db.session.scalar(visible_negative_list(actor).where(NegativeListEntry.id == entry_id))
    if entry is None:
        raise NotFound()
    if entry.status != "proposed":
        raise InvalidState(N_("This proposal has already been decided."))
    errors: dict[str, list] = {}
    if not (reason or "").strip():
        errors["reason"] = [N_("Give the reason for the decision.")]
    if decision == "list" and (ends_on is None or ends_on <= clock.today()):
        errors["ends_on"] = [N_("Give an end date after today.")]
    if decision not in ("list", "decline"):
        errors["decision"] = [N_("Choose a decision.")]
    if errors:
        raise ValidationFailed(errors)
    firm = db.session.get(Firm, entry.firm_id)
    now = clock.utcnow()
    entry.decision_reason = reason.strip()
    entry.decided_by_id = actor.user_id
    entry.decided_at = now
    if decision == "list":
        transition = FIRM_REGISTRATION.resolve(firm.status, "negative_list", _roles(actor), reason)
        record_transition("firm", firm, "negative_list", firm.status, transition.to_state, reason,
                          audit_detail={"until": ends_on.isoformat(), "entry": entry.id})
        firm.status = transition.to_state
        firm.status_reason = reason.strip()
        firm.negative_list_until = ends_on
        entry.status = "listed"
        entry.ends_on = ends_on
        docnumbers.allocate(docnumbers.NEGATIVE_LIST, entry.id, clock.today())  # 负面清单决定书
        db.session.add(ResultApplication(period_id=entry.period_id, firm_id=firm.id, action="negative_list",
                                         detail={"entry": entry.id, "until": ends_on.isoformat(),
                                                 "reason": reason.strip()}, applied_at=now))
        msgid = N_("Your firm is on the negative list until %(until)s: %(reason)s")
        params = {"until": ends_on.isoformat(), "reason": reason.strip()}
    else:
        entry.status = "declined"
        audit.record("negative_list.decline", "negative_list_entry", entry.id, detail={"reason": reason.strip()})
        msgid = N_("The proposal to put your firm on the negative list was declined.")
        params = {}
    inbox.notify(_firm_users([firm.id])[firm.id], msgid, params, link="/scoring/")
    transactions.commit()
    return entry


def lift_negative_list(entry_id: int, reason: str, *, expired: bool = False) -> NegativeListEntry:
    """Reinstate a negative-listed firm: by the lead with a reason, or when the end date has passed."""
    actor = current_actor()
    if not expired:
        _require_lead(actor)
        entry = db.session.scalar(visible_negative_list(actor).where(NegativeListEntry.id == entry_id))
    else:
        entry = db.session.get(NegativeListEntry, entry_id)
    if entry is None:
        raise NotFound()
    if entry.status != "listed":
        raise InvalidState(N_("Only a listed firm can be reinstated."))
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [N_("Give the reason for the decision.")]})
    firm = db.session.get(Firm, entry.firm_id)
    now = clock.utcnow()
    # The end date was the lead's decision; the expiry job only carries it out, with the lead's authority.
    roles = ("lead",) if expired else _roles(actor)
    if firm.status == "negative_listed":
        transition = FIRM_REGISTRATION.resolve(firm.status, "reinstate", roles, reason)
        record_transition("firm", firm, "reinstate", firm.status, transition.to_state, reason,
                          audit_detail={"entry": entry.id, "expired": expired})
        firm.status = transition.to_state
        firm.status_reason = ""
    firm.negative_list_until = None
    entry.status = "lifted"
    entry.lifted_at = now
    for row in db.session.scalars(select(ResultApplication).where(
            ResultApplication.firm_id == firm.id, ResultApplication.action == "negative_list",
            ResultApplication.lifted_at.is_(None))):
        row.lifted_at = now
        row.lift_reason = reason.strip()
    inbox.notify(_firm_users([firm.id])[firm.id], N_("Your firm is off the negative list: %(reason)s"),
                 {"reason": reason.strip()}, link="/scoring/")
    transactions.commit()
    return entry


def lift_expired() -> list[int]:
    """Reinstate every firm whose negative-list end date has passed (idempotent)."""
    ids = list(db.session.scalars(select(NegativeListEntry.id).where(
        NegativeListEntry.status == "listed", NegativeListEntry.ends_on < clock.today()
    ).order_by(NegativeListEntry.id)))
    for entry_id in ids:
        lift_negative_list(entry_id, "end date passed", expired=True)
    return ids


# --- pages for regulators ----------------------------------------------------------------------------


def ranking(period_id: int, actor: Actor | None = None) -> list[tuple[FirmScore, Firm]]:
    """Scores of a period within the actor's jurisdiction, best first, not-rated last."""
    actor = actor or current_actor()
    if not access.is_supervisor(actor):
        raise NotFound()
    get_period(period_id, actor)
    stmt = visible_scores(actor).add_columns(Firm).where(FirmScore.period_id == period_id)
    rows = [(s, f) for s, f in db.session.execute(stmt)]
    rows.sort(key=lambda r: (effective_total(r[0]) is None, -(effective_total(r[0]) or 0), r[1].name))
    return rows


def focus_firms(actor: Actor | None = None) -> list[tuple[Firm, ResultApplication]]:
    """Firms on the focus-supervision list (重点监管) within the actor's jurisdiction."""
    actor = actor or current_actor()
    if not access.is_supervisor(actor):
        raise NotFound()
    stmt = (
        select(Firm, ResultApplication)
        .join(ResultApplication, and_(ResultApplication.firm_id == Firm.id,
                                      ResultApplication.action == "focus_supervision",
                                      ResultApplication.lifted_at.is_(None)))
        .where(Firm.focus_supervision.is_(True), access.jurisdiction(actor, Firm.district_code))
        .order_by(Firm.name)
    )
    return [(f, a) for f, a in db.session.execute(stmt)]


def firm_trend(firm_id: int, actor: Actor | None = None) -> list[tuple[str, Decimal | None, str | None]]:
    """(period label, total, grade) of the firm's visible scores, oldest first, quarters only or years."""
    actor = actor or current_actor()
    rows = db.session.execute(
        visible_scores(actor).add_columns(ScoringPeriod.label, ScoringPeriod.kind)
        .where(FirmScore.firm_id == firm_id)
        .order_by(ScoringPeriod.ends_on, ScoringPeriod.kind, ScoringPeriod.id)
    ).all()
    return [(label, effective_total(score), effective_grade(score)) for score, label, _kind in rows]


def applications_of(firm_id: int) -> list[ResultApplication]:
    return list(db.session.scalars(select(ResultApplication).where(ResultApplication.firm_id == firm_id)
                                   .order_by(ResultApplication.applied_at.desc(), ResultApplication.id.desc())))


def export_rule_set(row: RuleSetVersion) -> str:
    """Pretty JSON for download; ``parse_rule_set`` reads it back to the same fingerprint."""
    return json.dumps(json.loads(row.body), ensure_ascii=False, indent=2, sort_keys=True)
