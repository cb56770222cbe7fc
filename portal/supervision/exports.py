"""Excel exports of the supervision lists (the current filter, every page) with openpyxl."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO

from flask import Response

from portal.core.exports import xlsx_download

MAX_ROWS = 50000


def workbook_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append(list(headers))
    for count, row in enumerate(rows):
        if count >= MAX_ROWS:
            break
        ws.append(["" if v is None else v for v in row])
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, data: bytes) -> Response:
    return xlsx_download(data, filename)
