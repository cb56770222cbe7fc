"""The one Excel export builder: declared columns, typed and formula-safe cells, rows streamed from an
iterator into openpyxl's write-only workbook, and the download response (attachment, never cached).

Every export in the portal goes through here, so the rules below hold everywhere:
- a text cell that a spreadsheet could read as a formula (`=`, `+`, `-`, `@`, tab, CR first) is stored
  as a literal string and marked "quote prefix", so Excel shows it as typed and keeps it text on edit;
- numbers are numbers and dates are dates (sortable and filterable in Excel);
- no export is cut short: rows are read from an iterator (callers fetch with `yield_per`), and a sheet
  that reaches Excel's row limit continues on a further sheet instead of dropping rows.
"""
from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from flask import Response, current_app, has_app_context, has_request_context, send_file
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("text", "number", "date", "datetime", "percent")
# Leading characters that make Excel, LibreOffice or a CSV import read a cell as a formula (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Excel's limit of rows per sheet; an export longer than that continues on "<title> (2)", ...
SHEET_ROWS = 1_048_576
# Rows fetched per database round trip by the callers' export queries (execution_options(yield_per=...)).
BATCH = 1000

_NUMBER_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "percent": "0.0%"}
_DEFAULT_WIDTHS = {"text": 18, "number": 10, "date": 12, "datetime": 17, "percent": 10}
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)


@dataclass(frozen=True)
class Column:
    """One export column: `header` is a msgid translated when the file is written (the reader's language
    in a request, Chinese otherwise); `value` turns a row into the cell's value; `kind` types the cell."""

    header: str
    value: Callable[[Any], Any]
    kind: str = "text"
    width: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}; use one of {KINDS}")


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: `title` is a msgid; `title_row` is shown as given above the header."""

    title: str
    columns: Sequence[Column]
    rows: Iterable
    title_row: str | None = None


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula if it were typed or imported."""
    return text.startswith(FORMULA_PREFIXES)


def csv_safe(value: Any) -> Any:
    """A value for a CSV cell: text that a spreadsheet would run as a formula gets a leading `'`
    (CSV has no cell types, so the quote is the only guard); other values are unchanged."""
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


# --- writing ----------------------------------------------------------------------------------------


def write_xlsx(stream: IO[bytes], columns: Sequence[Column], rows: Iterable, *, sheet_title: str,
               title_row: str | None = None, translate: Callable[[str], str] | None = None) -> int:
    """Write a one-sheet workbook to a binary stream; returns the number of data rows written."""
    return write_workbook(stream, [Sheet(sheet_title, columns, rows, title_row)], translate=translate)


def write_workbook(stream: IO[bytes], sheets: Sequence[Sheet], *,
                   translate: Callable[[str], str] | None = None) -> int:
    """Write every sheet to a binary stream; returns the number of data rows written (all sheets)."""
    with _export_language():
        translate = translate or _default_translate()
        book = Workbook(write_only=True)
        written = sum(_write_sheet(book, sheet, translate) for sheet in sheets)
        book.save(stream)
    return written


def _write_sheet(book: Workbook, sheet: Sheet, translate: Callable[[str], str]) -> int:
    headers = [translate(c.header) for c in sheet.columns]
    title = translate(sheet.title)
    top = 2 if sheet.title_row else 1  # the header's row number
    per_sheet = SHEET_ROWS - top
    kinds = [c.kind for c in sheet.columns]
    getters = [c.value for c in sheet.columns]
    part, ws, in_sheet, total = 1, None, 0, 0
    for row in sheet.rows:
        if ws is None or in_sheet == per_sheet:
            if ws is not None:
                _finish(ws, len(headers), top, in_sheet)
                part += 1
            ws = _start(book, _sheet_title(title, part), sheet, headers, top)
            in_sheet = 0
        ws.append([_cell(ws, kind, get(row)) for kind, get in zip(kinds, getters, strict=True)])
        in_sheet += 1
        total += 1
    if ws is None:  # no rows: still a sheet with its header
        ws = _start(book, _sheet_title(title, 1), sheet, headers, top)
    _finish(ws, len(headers), top, in_sheet)
    return total


def _start(book: Workbook, title: str, sheet: Sheet, headers: list[str], top: int):
    ws = book.create_sheet(title)
    # Column widths and frozen panes are written with the sheet's first row, so they are set first.
    for index, (column, header) in enumerate(zip(sheet.columns, headers, strict=True), start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width or _width(column.kind, header)
    ws.freeze_panes = f"A{top + 1}"
    if sheet.title_row:
        ws.append([_text_cell(ws, sheet.title_row, bold=True)])
    ws.append([_text_cell(ws, h, bold=True) for h in headers])
    return ws


def _finish(ws, width: int, top: int, rows: int) -> None:
    # The filter is written after the rows (write-only sheets write it at close), so it spans them all.
    ws.auto_filter.ref = f"A{top}:{get_column_letter(max(width, 1))}{top + rows}"


def _cell(ws, kind: str, value: Any):
    if value is None or value == "":
        return None
    if kind in ("number", "percent") and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _formatted(ws, value, kind) if kind == "percent" else value
    if kind == "date" and isinstance(value, date):
        return _formatted(ws, value.date() if isinstance(value, datetime) else value, "date")
    if kind == "datetime" and isinstance(value, date):
        return _formatted(ws, value, "datetime" if isinstance(value, datetime) else "date")
    # Text, and any value of another type than its column declares: written as text, never a formula.
    return _text_cell(ws, value if isinstance(value, str) else str(value))


def _formatted(ws, value: Any, kind: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = _NUMBER_FORMATS[kind]
    return cell


def _text_cell(ws, text: str, bold: bool = False):
    text = ILLEGAL_CHARACTERS_RE.sub("", text)  # control characters are not allowed in the file format
    if not formula_like(text) and not bold:
        return text
    cell = WriteOnlyCell(ws, value=text)
    if formula_like(text):
        # openpyxl turns a string starting with "=" into a formula; this keeps the stored value a string,
        # and "quote prefix" tells Excel to keep it text when someone edits the cell.
        cell.data_type = "s"
        cell.quotePrefix = True
    if bold:
        cell.font = _BOLD
    return cell


def _width(kind: str, header: str) -> int:
    # East Asian characters take about two columns of width.
    shown = sum(2 if ord(ch) > 0x2E80 else 1 for ch in header)
    return max(_DEFAULT_WIDTHS[kind], min(shown + 2, 40))


def _sheet_title(title: str, part: int) -> str:
    clean = _SHEET_TITLE_FORBIDDEN.sub("-", title).strip("'") or "Sheet"
    suffix = f" ({part})" if part > 1 else ""
    return clean[:31 - len(suffix)] + suffix


def _default_translate() -> Callable[[str], str]:
    return babel_gettext if has_app_context() else (lambda s: s)


@contextmanager
def _export_language():
    """In a request the reader's language; elsewhere (commands, jobs) the portal's default, Chinese."""
    if has_request_context() or not has_app_context():
        yield
        return
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")):
        yield


# --- sending ----------------------------------------------------------------------------------------


def send_xlsx(filename: str, write: Callable[[IO[bytes]], Any]) -> Response:
    """Call `write(stream)` to produce a workbook, then send it as an attachment that is never cached
    (exports hold jurisdiction-scoped or personal data).

    The workbook is written to a temporary file before the response starts, so an error while reading
    the rows still becomes a proper error page, and memory stays flat however long the export is: rows
    go from the database cursor to openpyxl's own temporary files, and the file is sent in chunks.
    """
    spool = tempfile.TemporaryFile()
    try:
        write(spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    response = send_file(spool, mimetype=XLSX, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


def xlsx_response(filename: str, columns: Sequence[Column], rows: Iterable, *, sheet_title: str,
                  title_row: str | None = None, translate: Callable[[str], str] | None = None) -> Response:
    """A one-sheet export as a download."""
    return send_xlsx(filename, lambda out: write_xlsx(out, columns, rows, sheet_title=sheet_title,
                                                      title_row=title_row, translate=translate))


def workbook_response(filename: str, sheets: Sequence[Sheet], *,
                      translate: Callable[[str], str] | None = None) -> Response:
    """A several-sheet export as a download."""
    return send_xlsx(filename, lambda out: write_workbook(out, sheets, translate=translate))
