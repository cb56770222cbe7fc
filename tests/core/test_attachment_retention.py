"""Orphaned attachments (replaced certificate scans, files of rolled-back uploads) are purged after the
grace period, audited; files still referenced are never touched (issue 13 item 12)."""
from __future__ import annotations

import json
import os
import time

import pytest
from sqlalchemy import select

from portal.core import attachment_retention
from portal.core import uploads as attachments
from portal.core.models import Attachment, AuditEvent
from portal.extensions import db
from portal.firms import service as firms
from tests.firms.builders import PDF, acting


@pytest.fixture(autouse=True)
def own_upload_dir(app, tmp_path):
    """Earlier tests' files outlive their truncated rows in the session's upload folder: use a fresh one."""
    saved = app.config["UPLOAD_DIR"]
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    yield
    app.config["UPLOAD_DIR"] = saved


CERT = {"cert_type": "business_licence", "number": "L-9"}
PDF2 = PDF.replace(b"1.4", b"1.5")


def _replace_a_scan(build):
    vendor = build.user("vendor")
    with acting(vendor):
        cert = firms.add_certificate(vendor.firm_id, CERT, (PDF, "old.pdf"))
        old = db.session.get(Attachment, cert.attachment_id)
        firms.update_certificate(cert.id, CERT, (PDF2, "new.pdf"))
        document = firms.add_document(vendor.firm_id, PDF, "rules.pdf")
    return cert, old.id, old.stored_name, document


def test_a_replaced_certificate_scan_is_purged_after_the_grace_period(app, build, travel, runner):
    cert, old_id, old_name, document = _replace_a_scan(build)
    directory = attachments.storage_dir()
    assert (directory / old_name).is_file()

    result = runner.invoke(args=["attachments", "purge-orphans"])
    assert result.exit_code == 0 and result.output.startswith("removed 0 ")  # within the grace period
    assert db.session.get(Attachment, old_id) is not None

    travel(days=app.config["ATTACHMENT_ORPHAN_GRACE_DAYS"] + 1)
    assert runner.invoke(args=["attachments", "purge-orphans", "--dry-run"]).output.startswith("would remove 1 ")
    assert (directory / old_name).is_file()
    result = runner.invoke(args=["attachments", "purge-orphans"])
    assert result.output.startswith("removed 1 orphaned file(s) (1 unreferenced row(s)"), result.output
    db.session.expire_all()
    assert db.session.get(Attachment, old_id) is None and not (directory / old_name).exists()
    # what is still referenced stays: the current scan and the firm's documents (a row is their reference)
    current = db.session.get(Attachment, db.session.get(type(cert), cert.id).attachment_id)
    assert (directory / current.stored_name).is_file()
    assert (directory / db.session.get(Attachment, document.id).stored_name).is_file()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attachment.purge_orphans")).one()
    assert [row["id"] for row in json.loads(event.detail)["rows"]] == [old_id]


def test_a_deleted_certificate_leaves_its_scan_to_be_purged(app, build, travel):
    vendor = build.user("vendor")
    with acting(vendor):
        cert = firms.add_certificate(vendor.firm_id, CERT, (PDF, "old.pdf"))
        attachment_id = cert.attachment_id
        firms.delete_certificate(cert.id)
    travel(days=31)
    assert attachment_retention.purge().rows == [attachment_id]


def test_a_stored_file_without_a_row_is_purged_only_when_old(app, build, travel):
    directory = attachments.storage_dir()
    stray, fresh_stray, foreign = directory / ("ab" * 20), directory / ("cd" * 20), directory / "README"
    for path in (stray, fresh_stray, foreign):
        path.write_bytes(b"left behind by a rolled-back upload")
    old = time.time() - 40 * 86400
    os.utime(stray, (old, old))
    os.utime(foreign, (old, old))
    result = attachment_retention.purge()
    assert result.files == [stray.name] and result.rows == []
    assert not stray.exists() and fresh_stray.exists() and foreign.exists()  # only our own names, only old ones


def test_the_grace_period_is_configurable(app, build, travel):
    _cert, old_id, _name, _doc = _replace_a_scan(build)
    app.config["ATTACHMENT_ORPHAN_GRACE_DAYS"] = 2
    try:
        travel(days=1)
        assert attachment_retention.purge().rows == []
        travel(days=2)
        assert attachment_retention.purge().rows == [old_id]
    finally:
        app.config["ATTACHMENT_ORPHAN_GRACE_DAYS"] = 30
