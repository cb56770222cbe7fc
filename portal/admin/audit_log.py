"""Reading the audit log (audit admin only): filtered search, export of the same filter, chain check."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, select

from portal.core import audit, localtime, transactions
from portal.core.constants import AUDITOR
from portal.core.context import current_actor
from portal.core.errors import NotAllowed
from portal.core.exports import batched, refuse_too_long, stream_rows
from portal.core.models import AuditEvent
from portal.core.msgids import N_
from portal.extensions import db

OTHER_RECORD = N_("Other record")  # an object type without a label of its own

OUTCOMES = ("success", "failure")
EXPORT_COLUMNS = ("seq", "at", "actor", "role", "ip", "action", "object_type", "object_id", "outcome",
                  "request_id", "detail")


@dataclass
class AuditFilter:
    date_from: date | None = None  # China Standard Time calendar days, inclusive
    date_to: date | None = None
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    outcome: str = ""
    request_id: str = ""

    def as_detail(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v}


def _require_auditor() -> None:
    if AUDITOR not in current_actor().roles:
        raise NotAllowed()


def search(f: AuditFilter) -> Select:
    """Rows matching the filter, newest first; exact matches use the indexes (action, object, time)."""
    _require_auditor()
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if f.date_from:
        stmt = stmt.where(AuditEvent.at >= localtime.day_start_utc(f.date_from))
    if f.date_to:
        stmt = stmt.where(AuditEvent.at < localtime.day_start_utc(f.date_to + timedelta(days=1)))
    if f.actor:
        stmt = stmt.where(AuditEvent.actor == f.actor.strip())
    if f.action:
        action = f.action.strip()
        # "login." lists every login event; a full code matches exactly.
        stmt = stmt.where(AuditEvent.action.startswith(action) if action.endswith(".") else AuditEvent.action == action)
    if f.object_type:
        stmt = stmt.where(AuditEvent.object_type == f.object_type.strip())
    if f.object_id:
        stmt = stmt.where(AuditEvent.object_id == f.object_id.strip())
    if f.outcome in OUTCOMES:
        stmt = stmt.where(AuditEvent.outcome == f.outcome)
    if f.request_id:
        stmt = stmt.where(AuditEvent.request_id == f.request_id.strip())
    return stmt


def export_rows(f: AuditFilter) -> Iterator[tuple]:
    """Every row of the current filter (times in China Standard Time), fetched in batches; the export is
    audited. An export longer than a sheet continues on further sheets (portal.core.exports)."""
    stmt = search(f)
    refuse_too_long(stmt)  # before anything is recorded
    audit.record("audit.export", "audit_event", None, detail=f.as_detail())
    transactions.commit()
    # Executed after the commit: a commit would close PostgreSQL's server-side cursor under the rows.
    return _export(stmt)


def _export(stmt: Select) -> Iterator[tuple]:
    """Rows in words, like the page: action label, the actor's name, role names, details as label: value."""
    from flask_babel import gettext

    for batch in batched(stream_rows(stmt, scalars=True), 2000):
        yield from _export_rows(batch, gettext)


def _export_rows(batch: list[AuditEvent], gettext) -> Iterator[tuple]:
    for r in readable(batch, gettext):
        row = r.event
        yield (row.seq, localtime.to_local(row.at).replace(microsecond=0), r.actor, r.roles, row.ip or "",
               r.action, r.object, row.object_id or "", gettext("Failure") if row.outcome == "failure"
               else gettext("Success"), row.request_id or "", "；".join(f"{k}: {v}" for k, v in r.detail))


@dataclass
class ReadableEvent:
    """An audit row in words: action label, the actor's name and roles, details as label: value pairs."""

    event: AuditEvent
    action: str
    actor: str
    username: str  # the person's login name beside their name; "" for the system or a visitor
    roles: str
    object: str
    detail: list[tuple[str, str]]


def _firm_refs(detail) -> set[int]:
    if isinstance(detail, str) and detail.startswith("{"):
        import json

        detail = json.loads(detail)
    chosen = detail.get("chosen") if isinstance(detail, dict) else None
    ids = {int(ref.partition(":")[2]) for ref in chosen or [] if isinstance(ref, str) and ref.startswith("firm:")
           and ref.partition(":")[2].isdigit()}
    for key in ("firm_id", "firm"):
        if isinstance(detail, dict) and isinstance(detail.get(key), int):
            ids.add(detail[key])
    return ids


def readable(events, gettext) -> list[ReadableEvent]:
    """The page's rows in words; names of people and firms come from two batch queries, whatever the page size."""
    from portal.auth.models import User
    from portal.core.audit_labels import (
        ACTOR_NAMES,
        OBJECT_LABELS,
        describe_action,
        describe_detail,
        role_names,
    )
    from portal.firms.models import Firm
    from portal.scoring.rules import APPLICATION_LABELS

    events = list(events)
    usernames = {e.actor for e in events if e.actor}
    people = dict(db.session.execute(select(User.username, User.display_name)
                                     .where(User.username.in_(usernames))).all()) if usernames else {}
    firm_ids = set().union(*(_firm_refs(e.detail) for e in events)) if events else set()
    firms = dict(db.session.execute(select(Firm.id, Firm.name).where(Firm.id.in_(firm_ids))).all()) if firm_ids else {}

    def extra(key, value):
        if key == "actions" and isinstance(value, str) and value in APPLICATION_LABELS:
            return gettext(APPLICATION_LABELS[value])
        if key == "chosen" and isinstance(value, str) and value.startswith("firm:"):
            return firms.get(int(value.partition(":")[2]), gettext("Firm"))
        if key in ("firm_id", "firm") and isinstance(value, int) and not isinstance(value, bool):
            return firms.get(value, gettext("Firm"))
        if key == "username" and isinstance(value, str):
            return people.get(value, value)
        return None

    rows = []
    for e in events:
        what = gettext(OBJECT_LABELS.get(e.object_type, OTHER_RECORD)) if e.object_type else ""
        rows.append(ReadableEvent(
            event=e, action=describe_action(e.action, gettext),
            actor=people.get(e.actor) or (gettext(ACTOR_NAMES[e.actor or "system"]) if (e.actor or "system")
                                          in ACTOR_NAMES else e.actor),
            username=e.actor if e.actor in people else "",
            roles=role_names(e.role, gettext), object=what,
            detail=describe_detail(e.detail, e.object_type, gettext, extra)))
    return rows


def action_choices(gettext) -> list[tuple[str, str]]:
    """(code, label) for the action filter's list: every labelled action, and the groups ("login.")."""
    from portal.core.audit_labels import ACTION_LABELS, OBJECT_LABELS

    groups = sorted({code.partition(".")[0] for code in ACTION_LABELS if "." in code})
    listed = [(code, gettext(label)) for code, label in sorted(ACTION_LABELS.items())]
    return listed + [(f"{group}.", gettext("All of: %(group)s", group=gettext(OBJECT_LABELS[group])))
                     for group in groups if group in OBJECT_LABELS]


def verify_chain() -> audit.ChainReport:
    """Check the whole chain, then record that it was checked and with what result."""
    _require_auditor()
    report = audit.verify()
    audit.record("audit.verify", "audit_event", None, outcome="success" if report.ok else "failure",
                 detail={"rows": report.rows, "first_bad_seq": report.first_bad_seq, "problem": report.problem})
    transactions.commit()
    return report
