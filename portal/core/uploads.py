"""Attachments: content-checked uploads stored outside the web root under random names with SHA-256.

Who may download is decided by the owner object's visibility, through `can_read` hooks that each
area registers for its owner types (deny when no hook claims the owner type).
"""
from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

from flask import current_app

from portal.core import audit
from portal.core.context import Actor, current_actor
from portal.core.errors import NotFound, ValidationFailed
from portal.core.models import Attachment
from portal.core.msgids import N_
from portal.core.upload_rules import ALLOWED, EXTENSIONS, extension_matches, sniff
from portal.extensions import db

# owner_type -> function(actor, owner_id, attachment) -> bool
_READ_RULES: dict[str, Callable[[Actor, int | None, Attachment], bool]] = {}


def register_read_rule(owner_type: str, rule: Callable[[Actor, int | None, Attachment], bool]) -> None:
    _READ_RULES[owner_type] = rule


def storage_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_upload(data: bytes, filename: str, *, field: str = "file", kinds: Iterable[str] = tuple(ALLOWED),
                 owner_type: str | None = None, owner_id: int | None = None) -> str:
    """The one check every uploaded file passes: not empty, within the size limit, one of `kinds` judged
    by its bytes, and a name whose extension agrees (a PDF named .html is refused). Returns the kind."""
    limit = current_app.config["UPLOAD_MAX_MB"] * 1024 * 1024
    if not data:
        raise ValidationFailed({field: [N_("The file is empty.")]})
    if len(data) > limit:
        raise ValidationFailed({field: [N_("The file is larger than the allowed size.")]})
    kinds = tuple(kinds)
    detected = sniff(data)
    if detected is None or detected not in kinds:
        _refused(owner_type, owner_id, filename, data, detected)
        if kinds == tuple(ALLOWED):
            raise ValidationFailed({field: [N_("Only PDF, JPEG, PNG, DOCX and XLSX files are accepted (checked by content, not by name).")]})
        raise ValidationFailed({field: [(N_("Only %(types)s files are accepted here (checked by content, not by name)."),
                                         {"types": ", ".join(k.upper() for k in kinds)})]})
    if not extension_matches(filename, detected):
        _refused(owner_type, owner_id, filename, data, detected)
        raise ValidationFailed({field: [(
            N_("The file name does not match its content: it is a %(kind)s file, so its name must end in %(extensions)s."),
            {"kind": detected.upper(), "extensions": " / ".join(EXTENSIONS[detected])})]})
    return detected


def _refused(owner_type: str | None, owner_id: int | None, filename: str, data: bytes, detected: str | None) -> None:
    audit.record("upload.refused", owner_type, owner_id, outcome="failure",
                 detail={"filename": filename[:200], "size": len(data), "detected": detected})


def save_upload(data: bytes, filename: str, *, owner_type: str, owner_id: int | None, kind: str = "other",
                firm_id: int | None = None, field: str = "file") -> Attachment:
    """Check (check_upload), store, and add the row to the current transaction."""
    detected = check_upload(data, filename, field=field, owner_type=owner_type, owner_id=owner_id)
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
