"""What every official document (文书) shows besides its body: number, issuing office and date.

A document issued before numbering existed is numbered when it is first printed (see
`portal.core.docnumbers.ensure_and_commit`); afterwards it always shows that same number."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app

from portal.core import docnumbers
from portal.web.i18n import gettext


@dataclass(frozen=True)
class Document:
    number: str
    office: str
    issued_on: date


def issuing_office() -> str:
    return current_app.config.get("ISSUING_OFFICE") or gettext("Luzhou Archives Bureau")


def document_for(kind: str, subject_id: int, issued_on: date | None) -> Document:
    row = docnumbers.ensure_and_commit(kind, subject_id, issued_on)
    return Document(number=row.number, office=issuing_office(), issued_on=row.issued_on)
