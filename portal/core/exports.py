"""One way to send a generated Excel workbook: as an attachment, never cached (it may hold
jurisdiction-scoped or personal data)."""
from __future__ import annotations

from io import BytesIO

from flask import Response, send_file

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_download(data: bytes, filename: str) -> Response:
    response = send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
