"""Attachments: content-checked uploads stored outside the web root under random names with SHA-256.

Who may download is decided by the owner object's visibility, through `can_read` hooks that each
area registers for its owner types (deny when no hook claims the owner type).
"""
from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from flask import current_app

from portal.core import audit
from portal.core.context import Actor, current_actor
from portal.core.errors import NotFound, ValidationFailed
from portal.core.models import Attachment
from portal.core.msgids import N_
from portal.core.upload_rules import ALLOWED, sniff
from portal.extensions import db

# owner_type -> function(actor, owner_id, attachment) -> bool
_READ_RULES: dict[str, Callable[[Actor, int | None, Attachment], bool]] = {}


def register_read_rule(owner_type: str, rule: Callable[[Actor, int | None, Attachment], bool]) -> None:
    _READ_RULES[owner_type] = rule


def storage_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(data: bytes, filename: str, *, owner_type: str, owner_id: int | None, kind: str = "other",
                firm_id: int | None = None, field: str = "file") -> Attachment:
    """Check by content and size, store, and add the row to the current transaction."""
    limit = current_app.config["UPLOAD_MAX_MB"] * 1024 * 1024
    if not data:
        raise ValidationFailed({field: [N_("The file is empty.")]})
    if len(data) > limit:
        raise ValidationFailed({field: [N_("The file is larger than the allowed size.")]})
    detected = sniff(data)
    if detected is None:
        audit.record("upload.refused", owner_type, owner_id, outcome="failure",
                     detail={"filename": filename[:200], "size": len(data)})
        raise ValidationFailed({field: [N_("Only PDF, JPEG, PNG, DOCX and XLSX files are accepted (checked by content, not by name).")]})
    stored_name = secrets.token_hex(20)
    target = storage_dir() / stored_name
    with open(target, "xb") as fh:
        fh.write(data)
    os.chmod(target, 0o600)
    safe_name = os.path.basename(filename.replace("\\", "/"))[:200] or f"file.{detected}"
    attachment = Attachment(
        firm_id=firm_id, owner_type=owner_type, owner_id=owner_id, kind=kind, original_name=safe_name,
        stored_name=stored_name, content_type=ALLOWED[detected], size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), uploaded_by_id=current_actor().user_id,
    )
    db.session.add(attachment)
    db.session.flush()
    audit.record("upload.stored", "attachment", attachment.id,
                 detail={"owner_type": owner_type, "owner_id": owner_id, "sha256": attachment.sha256})
    return attachment


def get_readable(attachment_id: int, actor: Actor | None = None) -> Attachment:
    """The attachment if the actor may read its owner; NotFound otherwise (never confirms existence)."""
    actor = actor or current_actor()
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound()
    rule = _READ_RULES.get(attachment.owner_type)
    if rule is None or not rule(actor, attachment.owner_id, attachment):
        audit.record_and_commit("attachment.denied", "attachment", attachment_id, outcome="failure")
        raise NotFound()
    return attachment


def path_of(attachment: Attachment) -> Path:
    return storage_dir() / attachment.stored_name


def read_bytes(attachment: Attachment) -> bytes:
    data = path_of(attachment).read_bytes()
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise NotFound(N_("The stored file failed its integrity check."))
    return data
