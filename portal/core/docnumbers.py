"""Official document numbers (文书号): one per document, sequential per kind and year, never reused.

The scheme is configuration: `DOCUMENT_NUMBER_FORMAT` (default ``{prefix}〔{year}〕{seq}号``) and one prefix
per kind in `DOCUMENT_NUMBER_PREFIXES` ("kind=prefix" pairs joined by ","; kinds not listed use
`DOCUMENT_NUMBER_PREFIX`). The number is formatted once, when allocated, and stored: changing the scheme
later never renumbers a document already issued.

`allocate()` runs inside the caller's unit of work (the decision that issues the document commits it).
On PostgreSQL allocators of one kind and year queue on a transaction-scoped advisory lock; the unique
keys remain the last guard (a twin insert fails inside a savepoint and is retried with the new maximum).
SQLite serialises writers itself.
"""
from __future__ import annotations

import zlib
from datetime import date

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from portal.core import localtime
from portal.core.errors import Conflict
from portal.core.models import DocumentNumber
from portal.core.transactions import CONFLICT_MESSAGE
from portal.extensions import db

RECEIPT = "receipt"  # 备案回执 (a registered project filing)
INSPECTION = "inspection"  # 检查记录
RECTIFICATION = "rectification"  # 整改通知书
SUMMONS = "summons"  # 约谈记录
NEGATIVE_LIST = "negative_list"  # 负面清单决定书
OBJECTION = "objection"  # 复核决定书
KINDS = (RECEIPT, INSPECTION, RECTIFICATION, SUMMONS, NEGATIVE_LIST, OBJECTION)

DEFAULT_FORMAT = "{prefix}〔{year}〕{seq}号"
DEFAULT_PREFIX = "泸档外监"
DEFAULT_PREFIXES = ("receipt=泸档外备,inspection=泸档外检,rectification=泸档外改,summons=泸档外谈,"
                    "negative_list=泸档外负,objection=泸档外复")
ATTEMPTS = 8
LOCK_SPACE = 4815  # pg_advisory_xact_lock's first key: document numbers


def parse_prefixes(text: str) -> dict[str, str]:
    """"kind=prefix,kind=prefix" → {kind: prefix}; unknown kinds and empty pairs are ignored."""
    prefixes: dict[str, str] = {}
    for pair in (text or "").split(","):
        kind, sep, prefix = pair.partition("=")
        if sep and kind.strip() in KINDS and prefix.strip():
            prefixes[kind.strip()] = prefix.strip()
    return prefixes


def format_number(kind: str, year: int, seq: int, *, fmt: str | None = None,
                  prefixes: dict[str, str] | None = None, default_prefix: str | None = None) -> str:
    """The printed number of the `seq`-th document of `kind` in `year`, by the configured scheme."""
    config = current_app.config if (fmt is None or prefixes is None or default_prefix is None) else {}
    fmt = fmt if fmt is not None else config.get("DOCUMENT_NUMBER_FORMAT") or DEFAULT_FORMAT
    if prefixes is None:
        prefixes = parse_prefixes(config.get("DOCUMENT_NUMBER_PREFIXES", DEFAULT_PREFIXES))
    if default_prefix is None:
        default_prefix = config.get("DOCUMENT_NUMBER_PREFIX") or DEFAULT_PREFIX
    return fmt.format(prefix=prefixes.get(kind, default_prefix), year=year, seq=seq, kind=kind)


def find(kind: str, subject_id: int) -> DocumentNumber | None:
    return db.session.execute(
        select(DocumentNumber).where(DocumentNumber.kind == kind, DocumentNumber.subject_id == subject_id)
    ).scalar_one_or_none()


def number_of(kind: str, subject_id: int) -> str | None:
    row = find(kind, subject_id)
    return row.number if row else None


def allocate(kind: str, subject_id: int, issued_on: date | None = None) -> DocumentNumber:
    """The document's number: the one it already has, or the next of its kind and year (not committed:
    the caller's unit of work commits it with the decision that issues the document)."""
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    existing = find(kind, subject_id)
    if existing is not None:
        return existing
    issued_on = issued_on or localtime.today()
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if postgresql:
        # One allocator per kind and year at a time: the lock is held to the end of the caller's
        # transaction, so the maximum read next includes every number committed before.
        db.session.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"),
                           {"space": LOCK_SPACE, "key": zlib.crc32(f"{kind}:{issued_on.year}".encode()) - 2**31})
    for _attempt in range(ATTEMPTS):
        last = db.session.execute(
            select(func.max(DocumentNumber.seq))
            .where(DocumentNumber.kind == kind, DocumentNumber.year == issued_on.year)
        ).scalar()
        seq = (last or 0) + 1
        row = DocumentNumber(kind=kind, year=issued_on.year, seq=seq, subject_id=subject_id,
                             number=format_number(kind, issued_on.year, seq), issued_on=issued_on)
        if not postgresql:
            # SQLite serialises writers, and pysqlite's SAVEPOINT outside a BEGIN would commit on
            # release: a plain flush keeps the number inside the caller's transaction.
            db.session.add(row)
            db.session.flush()
            return row
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            existing = find(kind, subject_id)  # someone else numbered this very document meanwhile
            if existing is not None:
                return existing
            continue  # someone else took this sequence number: read the new maximum
        return row
    raise Conflict(CONFLICT_MESSAGE)


def ensure_and_commit(kind: str, subject_id: int, issued_on: date | None = None) -> DocumentNumber:
    """For a document issued before numbering existed: number it when it is first printed."""
    from portal.core import audit, transactions

    existing = find(kind, subject_id)
    if existing is not None:
        return existing
    with transactions.unit_of_work():
        row = allocate(kind, subject_id, issued_on)
        audit.record("document.number", kind, subject_id, detail={"number": row.number})
    return row
