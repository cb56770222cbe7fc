"""Download an attachment as an attachment (never rendered inline)."""
from __future__ import annotations

from io import BytesIO

from flask import send_file

from portal.core import audit
from portal.core import uploads as attachments
from portal.core.upload_rules import clean_filename
from portal.files.blueprint import bp
from portal.web.permissions import authenticated


@bp.route("/<int:attachment_id>")
@authenticated
def download(attachment_id: int):
    attachment = attachments.get_readable(attachment_id)
    data = attachments.read_bytes(attachment)
    audit.record_and_commit("attachment.download", "attachment", attachment.id)
    response = send_file(BytesIO(data), mimetype=attachment.content_type, as_attachment=True,
                         download_name=clean_filename(attachment.original_name), max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
