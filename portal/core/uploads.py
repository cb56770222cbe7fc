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

from portal.core import audit, scanner
from portal.core import upload_rules as rules
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


# Owner types whose current file is named by a foreign key on the owner (a certificate's scan): a
# replaced or deleted owner leaves the old row unreferenced, and `flask attachments purge-orphans`
# removes it after the grace period (portal.core.attachment_retention).
REPLACEABLE_OWNERS: set[str] = set()


def register_replaceable(owner_type: str) -> None:
    REPLACEABLE_OWNERS.add(owner_type)


def storage_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _refuse(field: str, message, owner_type: str | None, owner_id: int | None, filename: str, data: bytes,
            detected: str | None, reason: str) -> ValidationFailed:
    audit.record("upload.refused", owner_type, owner_id, outcome="failure",
                 detail={"filename": rules.clean_filename(filename)[:200], "size": len(data),
                         "detected": detected, "reason": reason})
    return ValidationFailed({field: [message]})


def inspect_upload(data: bytes, filename: str, *, field: str = "file", kinds: Iterable[str] = tuple(ALLOWED),
                   owner_type: str | None = None, owner_id: int | None = None) -> tuple[str, bytes, str]:
    """The one check every uploaded file passes, cheapest first: size; a zip's directory (unpacked size,
    entry count) before anything in it is read; type by content among `kinds`; a name that agrees with
    the type; no active content (PDF scripts/actions, Office macros/external links/HTML); images decoded
    within the pixel cap and re-encoded; the virus scanner when configured.
    Returns (kind, bytes to store, cleaned name); raises ValidationFailed (audited) otherwise."""
    config = current_app.config

    def refuse(message, reason: str, detected: str | None = None) -> ValidationFailed:
        return _refuse(field, message, owner_type, owner_id, filename, data, detected, reason)

    if not data:
        raise ValidationFailed({field: [N_("The file is empty.")]})
    if len(data) > config["UPLOAD_MAX_MB"] * 1024 * 1024:
        raise ValidationFailed({field: [N_("The file is larger than the allowed size.")]})
    if data.startswith(b"PK\x03\x04"):
        problem = rules.zip_problem(data, max_unzipped_bytes=config["UPLOAD_MAX_UNZIPPED_MB"] * 1024 * 1024,
                                    max_entries=config["UPLOAD_MAX_ZIP_ENTRIES"])
        if problem:
            raise refuse(problem, "zip")
    kinds = tuple(kinds)
    detected = sniff(data)
    if detected is None or detected not in kinds:
        if kinds == tuple(ALLOWED):
            message = N_("Only PDF, JPEG, PNG, DOCX and XLSX files are accepted (checked by content, not by name).")
        else:
            message = (N_("Only %(types)s files are accepted here (checked by content, not by name)."),
                       {"types": ", ".join(k.upper() for k in kinds)})
        raise refuse(message, "type", detected)
    safe_name = rules.clean_filename(filename, detected)
    if not extension_matches(safe_name, detected):
        raise refuse((N_("The file name does not match its content: it is a %(kind)s file, so its name must "
                         "end in %(extensions)s."),
                      {"kind": detected.upper(), "extensions": " / ".join(EXTENSIONS[detected])}), "name", detected)
    if detected == "pdf":
        problem = rules.pdf_problem(data)
    elif detected in ("docx", "xlsx"):
        problem = rules.ooxml_problem(data)
    else:
        try:
            data = rules.reencode_image(data, detected, max_pixels=config["UPLOAD_MAX_PIXELS"])
        except rules.ImageRefused as exc:
            problem = exc.args[0]
        else:
            problem = None
    if problem:
        raise refuse(problem, "content", detected)
    if config.get("CLAMD_SOCKET"):
        try:
            signature = scanner.clamd_scan(config["CLAMD_SOCKET"], data)
        except scanner.ScannerUnavailable as exc:
            current_app.logger.error("virus scanner unavailable: %s", exc)
            raise refuse(N_("The file could not be checked for viruses; please try again later."),
                         "scanner-unavailable", detected) from None
        if signature:
            audit.record("upload.infected", owner_type, owner_id, outcome="failure",
                         detail={"filename": safe_name[:200], "signature": signature[:200]})
            raise refuse(N_("The file contains a virus or other malware and was refused."), "virus", detected)
    return detected, data, safe_name


IMAGES = ("jpeg", "png")


def spreadsheet_problem(data: bytes) -> str | None:
    """For workbooks read by the server (staff import): the size caps, checked from the zip directory
    before openpyxl parses anything, then the Office checks (no DTD/entities, macros, external links).
    None when the workbook may be parsed; otherwise the msgid saying why not."""
    if not data.startswith(b"PK\x03\x04"):
        return None  # openpyxl refuses it as not a workbook
    config = current_app.config
    return (rules.zip_problem(data, max_unzipped_bytes=config["UPLOAD_MAX_UNZIPPED_MB"] * 1024 * 1024,
                              max_entries=config["UPLOAD_MAX_ZIP_ENTRIES"])
            or rules.ooxml_problem(data))


def save_upload(data: bytes, filename: str, *, owner_type: str, owner_id: int | None, kind: str = "other",
                firm_id: int | None = None, field: str = "file", kinds: Iterable[str] = tuple(ALLOWED)) -> Attachment:
    """Check by content and size, store, and add the row to the current transaction.

    `kinds` narrows the accepted types (photo fields pass IMAGES). Images are stored re-encoded
    (inspect_upload): the stored bytes and SHA-256 are those of the clean copy."""
    detected, data, safe_name = inspect_upload(data, filename, field=field, kinds=kinds,
                                               owner_type=owner_type, owner_id=owner_id)
    stored_name = secrets.token_hex(20)
    target = storage_dir() / stored_name
    with open(target, "xb") as fh:
        fh.write(data)
    os.chmod(target, 0o600)
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
