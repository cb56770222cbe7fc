"""Orphaned attachments removed after a grace period (issue 13 item 12): files no row references.

Two kinds of orphan: a stored file with no `attachment` row (its upload's transaction was rolled
back), and an `attachment` row of a replaceable owner type (a certificate scan, a signed commitment)
that no foreign key names any more because a newer file replaced it or the owner was deleted.
Rows of other owner types are the reference themselves (a filing's documents) and are never touched.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from flask import current_app
from sqlalchemy import delete, select, union

from portal.core import audit, clock, transactions
from portal.core import uploads as attachments
from portal.core.models import Attachment
from portal.extensions import db

DEFAULT_GRACE_DAYS = 30
STORED_NAME = re.compile(r"^[0-9a-f]{40}$")  # what save_upload names files; nothing else is touched


@dataclass
class Purged:
    rows: list[int] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    bytes: int = 0


def grace_days() -> int:
    return max(0, int(current_app.config.get("ATTACHMENT_ORPHAN_GRACE_DAYS", DEFAULT_GRACE_DAYS)))


def _referenced_ids():
    """Every attachment id named by a foreign key anywhere in the schema."""
    table = Attachment.__table__
    selects = []
    for other in db.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table is table and fk.column.name == "id":
                selects.append(select(fk.parent.label("id")).where(fk.parent.is_not(None)))
    return union(*selects) if selects else None


def orphan_rows(cutoff) -> list[Attachment]:
    if not attachments.REPLACEABLE_OWNERS:
        return []
    stmt = select(Attachment).where(Attachment.owner_type.in_(sorted(attachments.REPLACEABLE_OWNERS)),
                                    Attachment.uploaded_at < cutoff)
    referenced = _referenced_ids()
    if referenced is not None:
        stmt = stmt.where(Attachment.id.not_in(select(referenced.subquery().c.id)))
    return list(db.session.scalars(stmt.order_by(Attachment.id)))


def purge(*, dry_run: bool = False) -> Purged:
    """Remove orphaned rows and files older than ATTACHMENT_ORPHAN_GRACE_DAYS; audited in one row."""
    now = clock.utcnow()
    cutoff = now - timedelta(days=grace_days())
    directory = attachments.storage_dir()
    result = Purged()
    rows = orphan_rows(cutoff)
    doomed = [(row.id, row.stored_name, row.sha256, row.owner_type, row.owner_id) for row in rows]
    result.rows = [row.id for row in rows]
    known = set(db.session.scalars(select(Attachment.stored_name)))
    cutoff_epoch = cutoff.replace(tzinfo=UTC).timestamp()
    stray = []
    for entry in os.scandir(directory):
        if entry.is_file() and STORED_NAME.match(entry.name) and entry.name not in known \
                and entry.stat().st_mtime < cutoff_epoch:
            stray.append(entry.name)
    result.files = sorted(stray) + [name for _id, name, *_rest in doomed]
    if dry_run or not result.files:
        db.session.rollback()
        return result
    if doomed:
        db.session.execute(delete(Attachment).where(Attachment.id.in_(result.rows)))
    audit.record("attachment.purge_orphans", "attachment", None, detail={
        "grace_days": grace_days(), "rows": [{"id": i, "sha256": h, "owner": f"{t}:{o}"} for i, _n, h, t, o in doomed],
        "files_without_row": len(stray)})
    transactions.commit()
    # Files go after the commit: a failure here leaves a file without a row, purged next time.
    for name in result.files:
        path = directory / name
        try:
            result.bytes += path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue
    return result
