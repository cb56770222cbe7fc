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
from portal.core.models import AuditEvent
from portal.extensions import db

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
    stmt = search(f).execution_options(yield_per=2000)
    audit.record("audit.export", "audit_event", None, detail=f.as_detail())
    transactions.commit()
    return _export(stmt)


def _export(stmt: Select) -> Iterator[tuple]:
    for row in db.session.scalars(stmt):
        yield (row.seq, localtime.format_local(row.at, "%Y-%m-%d %H:%M:%S"), row.actor, row.role, row.ip or "",
               row.action, row.object_type or "", row.object_id or "", row.outcome, row.request_id or "",
               row.detail)


def verify_chain() -> audit.ChainReport:
    """Check the whole chain, then record that it was checked and with what result."""
    _require_auditor()
    report = audit.verify()
    audit.record("audit.verify", "audit_event", None, outcome="success" if report.ok else "failure",
                 detail={"rows": report.rows, "first_bad_seq": report.first_bad_seq, "problem": report.problem})
    transactions.commit()
    return report
