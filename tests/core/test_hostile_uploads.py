"""Every upload goes through core.uploads.save_upload: hostile files are refused (audited, nothing
stored), image polyglots are stored only as the re-encoded image, good files are accepted."""
from __future__ import annotations

import hashlib
import os

import pytest
from sqlalchemy import func, select

from portal.core import uploads
from portal.core.errors import ValidationFailed
from portal.core.models import Attachment, AuditEvent
from portal.core.upload_rules import clean_filename, pdf_problem
from portal.extensions import db
from tests.core import hostile
from tests.filings.builders import acting_as


@pytest.fixture
def limits(app):
    saved = {key: app.config[key] for key in hostile.LIMITS}
    app.config.update(hostile.LIMITS)
    yield
    app.config.update(saved)


@pytest.fixture
def vendor(build):
    return build.user("vendor")


def stored_files(app) -> list[str]:
    folder = app.config["UPLOAD_DIR"]
    return os.listdir(folder) if os.path.isdir(folder) else []


@pytest.mark.parametrize("sample", hostile.hostile(), ids=lambda s: s.label)
def test_hostile_file_is_refused_and_nothing_is_stored(app, vendor, limits, sample):
    before = stored_files(app)
    with acting_as(vendor), pytest.raises(ValidationFailed) as refused:
        uploads.save_upload(sample.data, sample.name, owner_type="firm", owner_id=vendor.firm_id)
    assert refused.value.field_errors["file"], "a message for the person who uploaded it"
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    assert stored_files(app) == before


@pytest.mark.parametrize("sample", hostile.polyglots(), ids=lambda s: s.label)
def test_image_polyglot_is_stored_only_as_the_reencoded_image(app, vendor, sample):
    with acting_as(vendor):
        attachment = uploads.save_upload(sample.data, sample.name, owner_type="firm", owner_id=vendor.firm_id)
    stored = uploads.read_bytes(attachment)
    assert stored != sample.data
    for marker in (b"<script", b"<html", b"<?php"):
        assert marker not in stored
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
    assert attachment.size == len(stored)


@pytest.mark.parametrize("sample", hostile.good(), ids=lambda s: s.label)
def test_good_file_is_accepted(app, vendor, limits, sample):
    with acting_as(vendor):
        attachment = uploads.save_upload(sample.data, sample.name, owner_type="firm", owner_id=vendor.firm_id)
    assert attachment.original_name == sample.name
    assert uploads.read_bytes(attachment)


def test_refusals_are_audited(app, vendor):
    with acting_as(vendor), pytest.raises(ValidationFailed):
        uploads.save_upload(hostile.pdf_with(b"/OpenAction 3 0 R"), "a.pdf", owner_type="firm",
                            owner_id=vendor.firm_id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "upload.refused"))
    assert event is not None and '"reason": "content"' in event.detail


def test_photo_fields_take_images_only(app, vendor):
    for sample in hostile.good():
        with acting_as(vendor):
            if sample.label in ("jpeg", "png"):
                assert uploads.save_upload(sample.data, sample.name, owner_type="firm", owner_id=vendor.firm_id,
                                           kinds=uploads.IMAGES)
                continue
            with pytest.raises(ValidationFailed):
                uploads.save_upload(sample.data, sample.name, owner_type="firm", owner_id=vendor.firm_id,
                                    kinds=uploads.IMAGES)


def test_images_lose_their_metadata(app, vendor):
    from io import BytesIO

    from PIL import Image
    source = Image.new("RGB", (32, 32), (10, 120, 10))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    out = BytesIO()
    source.save(out, format="JPEG", exif=exif.tobytes())
    assert b"CameraMaker" in out.getvalue()
    with acting_as(vendor):
        attachment = uploads.save_upload(out.getvalue(), "p.jpg", owner_type="firm", owner_id=vendor.firm_id)
    assert b"CameraMaker" not in uploads.read_bytes(attachment)


@pytest.mark.parametrize("raw, clean", [
    ("a.pdf\x00.html", "a.pdf.html"),
    ("report\u202efdp.exe", "reportfdp.exe"),
    ("x\u2066y\u2069.pdf", "xy.pdf"),
    ("line\r\nbreak.pdf", "linebreak.pdf"),
    ("..\\..\\etc/passwd.pdf", "passwd.pdf"),
    ("", "file.pdf"),
    ("...", "file.pdf"),
    ("长" * 300 + ".pdf", "长" * 116 + ".pdf"),
])
def test_file_names_are_cleaned(raw, clean):
    assert clean_filename(raw, "pdf") == clean


def test_names_stored_clean_and_sent_with_rfc6266_filename_star(app, client, build, login):
    from tests.firms.builders import fresh
    vendor = build.user("vendor")
    with acting_as(vendor):
        attachment = uploads.save_upload(hostile.PDF, "合同\u202e\r\n.pdf", owner_type="firm", owner_id=vendor.firm_id)
        # A row stored before names were cleaned is cleaned again on the way out.
        attachment.original_name = "旧\u202e\r\n名.pdf"
        db.session.commit()
    assert attachment.id
    uploads.register_read_rule("firm", lambda actor, owner_id, att: True)
    login(vendor)
    disposition = fresh(client).get(f"/files/{attachment.id}").headers["Content-Disposition"]
    assert "filename*=UTF-8''%E6%97%A7%E5%90%8D.pdf" in disposition
    assert "\r" not in disposition and "\u202e" not in disposition


def test_pdf_scan_ignores_names_that_only_look_like_actions_inside_binary_streams():
    binary = b"\x00/JS \x00/AA\n" * 100
    pdf = hostile.pdf_with(b"", b"<< /Length %d /Filter /DCTDecode >>\nstream\n" % len(binary) + binary
                           + b"\nendstream")
    assert pdf_problem(pdf) is None
