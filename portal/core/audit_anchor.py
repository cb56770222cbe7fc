"""Anchors of the audit chain outside the database: a signed, chained file and a copy at the platform.

The chain in the database proves that no row was edited in place, but whoever can write the database
can cut off its tail and rewrite the head row, or empty both tables, and the chain still verifies. An
anchor records the head (sequence, hash, time) somewhere that person cannot rewrite: one JSON line per
anchor in AUDIT_ANCHOR_DIR (each line signed with a key derived from AUDIT_HMAC_KEY and naming the
previous line's signature), and an "audit_anchor" outbox message that deposits the same head with the
government platform. Because every row's hash covers the one before, a chain that still holds the
last anchor's hash at the last anchor's sequence holds every row up to it unchanged.

A restore from a backup (portal.core.backup) legitimately goes back in time; it appends a "restore"
line naming the snapshot, and later checks start from that line.
"""
from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from portal.core import audit, clock, outbox, transactions
from portal.core.models import AuditChainHead, AuditEvent
from portal.extensions import db

ANCHOR_FILE = "anchors.jsonl"
OUTBOX_KIND = "audit_anchor"
ANCHOR, RESTORE = "anchor", "restore"
_SIGNED = ("n", "kind", "seq", "hash", "at", "note", "prev")


class AnchorError(Exception):
    """The anchor file or the chain disagrees with what was anchored; no new anchor is written."""


@dataclass(frozen=True)
class Anchor:
    n: int  # line number in the file, from 1
    kind: str  # ANCHOR or RESTORE
    seq: int
    hash: str
    at: str  # UTC, when the head was read
    note: str
    prev: str  # the previous line's signature (audit.GENESIS for the first line)
    sig: str


@dataclass(frozen=True)
class AnchorCheck:
    ok: bool
    anchors: int
    last: Anchor | None
    problem: str = ""


def anchor_path() -> Path:
    return Path(current_app.config["AUDIT_ANCHOR_DIR"]) / ANCHOR_FILE


def _file_key() -> bytes:
    # A key of its own (derived), so a signed anchor line can never pass for a chain row or vice versa.
    return hmac.new(current_app.config["AUDIT_HMAC_KEY"].encode(), b"audit-anchor-file", hashlib.sha256).digest()


def _signature(key: bytes, fields: dict) -> str:
    body = json.dumps({name: fields[name] for name in _SIGNED}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def parse(lines: list[str], key: bytes) -> list[Anchor]:
    """Every line, checked: its signature, its number and its link to the line before. AnchorError else."""
    anchors: list[Anchor] = []
    prev = audit.GENESIS
    for number, line in enumerate(lines, start=1):
        try:
            fields = json.loads(line)
            anchor = Anchor(**{name: fields[name] for name in (*_SIGNED, "sig")})
        except (ValueError, TypeError, KeyError) as exc:
            raise AnchorError(f"anchor file line {number} is unreadable ({exc.__class__.__name__})") from exc
        if not hmac.compare_digest(anchor.sig, _signature(key, fields)):
            raise AnchorError(f"anchor file line {number} has a wrong signature (edited or forged)")
        if anchor.n != number or anchor.prev != prev:
            raise AnchorError(f"anchor file line {number} does not follow line {number - 1} "
                              "(lines were removed, inserted or reordered)")
        if anchors and anchor.kind == ANCHOR and anchor.seq < anchors[-1].seq:
            raise AnchorError(f"anchor file line {number} goes back to seq {anchor.seq} without a restore")
        anchors.append(anchor)
        prev = anchor.sig
    return anchors


def read_anchors(path: Path | None = None) -> list[Anchor]:
    path = path or anchor_path()
    if not path.exists():
        return []
    return parse(path.read_text(encoding="utf-8").splitlines(), _file_key())


def _chain_problem(anchor: Anchor) -> str:
    """Why the database's chain cannot be the one that was anchored ("" when it can)."""
    head = db.session.get(AuditChainHead, 1)
    head_seq = head.last_seq if head is not None else 0
    last_row = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0
    where = f"the {anchor.kind} of {anchor.at} (line {anchor.n}) at seq {anchor.seq}"
    if max(head_seq, last_row) < anchor.seq:
        return (f"the audit chain ends at seq {max(head_seq, last_row)}, before {where}: "
                "rows were cut off or deleted")
    if anchor.seq == 0:
        return ""
    found = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == anchor.seq))
    if found is None:
        return f"the audit chain has no row at seq {anchor.seq}, anchored by {where}"
    if found != anchor.hash:
        return f"the audit chain does not hold the hash anchored by {where}: rows were rewritten"
    return ""


def check() -> AnchorCheck:
    """The anchor file is intact and the chain still holds its last anchor."""
    try:
        anchors = read_anchors()
    except AnchorError as exc:
        return AnchorCheck(False, 0, None, str(exc))
    if not anchors:
        return AnchorCheck(True, 0, None)
    problem = _chain_problem(anchors[-1])
    return AnchorCheck(not problem, len(anchors), anchors[-1], problem)


def _append(kind: str, seq: int, chain_hash: str, note: str = "") -> Anchor:
    """Append one signed line under an exclusive lock; refuse to extend a file that is already broken."""
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = _file_key()
    with open(path, "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        anchors = parse(fh.read().splitlines(), key)
        fields = {"n": len(anchors) + 1, "kind": kind, "seq": seq, "hash": chain_hash,
                  "at": clock.utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "note": note,
                  "prev": anchors[-1].sig if anchors else audit.GENESIS}
        anchor = Anchor(**fields, sig=_signature(key, fields))
        fh.write(json.dumps(asdict(anchor), sort_keys=True, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return anchor


def _deposit(anchor: Anchor) -> None:
    """The platform's copy, through the outbox (delivered by the worker, retried until it arrives)."""
    outbox.enqueue(OUTBOX_KIND, {"sequence": anchor.seq, "hash": anchor.hash, "anchored_at": anchor.at,
                                 "kind": anchor.kind, "line": anchor.n},
                   idempotency_key=f"audit-anchor:{anchor.n}:{anchor.seq}")
    transactions.commit()


def verify_chain(after: tuple[int, str] | None = None, attempts: int = 3, workers: int = 1) -> audit.ChainReport:
    """audit.verify, tolerant of writers: it reads the head row before the rows, so a row committed in
    between looks "inserted" (or the head "deleted"). That settles within moments; tampering does not."""
    report = audit.verify(after=after, workers=workers)
    for _ in range(attempts - 1):
        if report.ok or report.problem not in ("inserted", "deleted"):
            break
        db.session.rollback()
        time.sleep(0.2)
        report = audit.verify(after=after, workers=workers)
    return report


@dataclass(frozen=True)
class AnchorResult:
    anchor: Anchor
    written: bool  # False: the head had not moved since the last anchor


def anchor_head(verified: audit.ChainReport | None = None) -> AnchorResult:
    """Anchor the chain's head, after checking the file, the last anchor and every row since it.

    `verified` is a full audit.verify() the caller has just run (then only the anchors are checked).
    Raises AnchorError instead of anchoring a chain that does not continue the last anchor.
    """
    anchors = read_anchors()
    last = anchors[-1] if anchors else None
    if last is not None and (problem := _chain_problem(last)):
        raise AnchorError(problem)
    if verified is None:
        verified = verify_chain(after=(last.seq, last.hash) if last else None)
    if not verified.ok:
        raise AnchorError(f"audit chain broken at seq {verified.first_bad_seq}: row {verified.problem}")
    if last is not None and (last.seq, last.hash) == (verified.last_seq, verified.last_hash):
        return AnchorResult(last, written=False)
    anchor = _append(ANCHOR, verified.last_seq, verified.last_hash)
    _deposit(anchor)
    return AnchorResult(anchor, written=True)


def mark_restore(snapshot: str) -> Anchor:
    """After a restore: a line saying the chain now continues from the snapshot's head."""
    head = db.session.get(AuditChainHead, 1)
    seq, chain_hash = (head.last_seq, head.last_hash) if head is not None else (0, audit.GENESIS)
    db.session.rollback()
    return _append(RESTORE, seq, chain_hash, note=snapshot)
