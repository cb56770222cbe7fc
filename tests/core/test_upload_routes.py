"""Uploads pass one check in portal.core.uploads: type by content AND a name that agrees with it."""
from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy import select

from portal.core.models import Attachment, AuditEvent
from portal.extensions import db
from portal.firms.models import StaffMember
from tests.filings.builders import PDF, FilingWorld
from tests.firms.builders import fresh, workbook


@pytest.fixture
def world(build):
    return FilingWorld(build)


def _upload(client, filing, data: bytes, name: str):
    return client.post(f"/filings/{filing.id}/attachments?lang=en",
                       data={"kind": "other", "file": (BytesIO(data), name)},
                       content_type="multipart/form-data", follow_redirects=True)


def test_pdf_bytes_named_html_are_refused_with_a_clear_message(client, login, world, build):
    filing = build.filing(firm=world.firm, agency=world.agency, status="draft")
    login(world.vendor)
    page = _upload(client, filing, PDF, "report.html").get_data(as_text=True)
    assert db.session.scalar(select(Attachment.id)) is None
    assert "it is a PDF file, so its name must end in .pdf" in page
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "upload.refused")).one()
    assert refused.outcome == "failure" and "report.html" in str(refused.detail)


def test_pdf_named_pdf_is_accepted(client, login, world, build):
    filing = build.filing(firm=world.firm, agency=world.agency, status="draft")
    login(world.vendor)
    _upload(client, filing, PDF, "report.pdf")
    assert db.session.scalars(select(Attachment.original_name)).all() == ["report.pdf"]


def test_roster_import_checks_the_upload_too(client, login, build):
    vendor = build.user("vendor")
    login(vendor)
    data = workbook([["张三", build.id_number(), "", "operator", "", "", 0, "no", "no"]])
    response = fresh(client).post(f"/firms/{vendor.firm_id}/staff/import?lang=en",
                                  data={"file": (BytesIO(data), "staff.html")}, content_type="multipart/form-data")
    assert "it is a XLSX file, so its name must end in .xlsx" in response.get_data(as_text=True)
    assert db.session.scalar(select(StaffMember.id)) is None
