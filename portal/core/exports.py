"""The one Excel export builder: declared columns, typed and formula-safe cells, rows streamed from an
iterator into a workbook streamed chunk by chunk, and the download response (attachment, never cached).

Every export in the portal goes through here, so the rules below hold everywhere:
- a text cell that a spreadsheet could read as a formula (`=`, `+`, `-`, `@`, tab, CR first) is stored
  as a literal string and marked "quote prefix", so Excel shows it as typed and keeps it text on edit;
- numbers are numbers and dates are dates (sortable and filterable in Excel);
- no export is cut short: rows are read from an iterator (callers fetch with `fetch_rows`, in batches),
  a sheet that reaches Excel's row limit continues on a further sheet, and a list longer than MAX_ROWS
  is refused before its first byte with a message asking to narrow the filter;
- a download is streamed: its first bytes leave after the first rows, memory holds one chunk however
  long the export is (measured by tests/perf/bench_exports.py: 100,000 filings in a few seconds);
- every export carries a title row made by `title_row` from the list's filter, in words, with the time.
"""
from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from flask import Response, current_app, has_app_context, has_request_context, stream_with_context
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from openpyxl.utils import get_column_letter
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from portal.core import clock
from portal.core.errors import ValidationFailed
from portal.core.localtime import format_local
from portal.core.msgids import N_
from portal.extensions import db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("text", "number", "date", "datetime", "timestamp", "percent")
# Leading characters that make Excel, LibreOffice or a CSV import read a cell as a formula (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Excel's limit of rows per sheet; an export longer than that continues on "<title> (2)", ...
SHEET_ROWS = 1_048_576
# Rows fetched per database round trip by the callers' export queries (execution_options(yield_per=...)).
BATCH = 1000
# The longest export, so that every download ends well within a web worker's time limit (gunicorn's
# default is 30 s; 100,000 rows take a few seconds, see tests/perf/bench_exports.py). A longer list is
# refused before its first byte with a message asking to narrow the filter, never cut short.
MAX_ROWS = 100_000
TOO_MANY_ROWS = N_("This export would hold %(rows)s rows; at most %(limit)s rows can be exported at once. "
                   "Narrow the filter (for example a district, a status or a period) and export again.")

_DEFAULT_WIDTHS = {"text": 18, "number": 10, "date": 12, "datetime": 17, "timestamp": 20, "percent": 10}
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


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


# --- reading the rows --------------------------------------------------------------------------------


def refuse_too_long(stmt: Select) -> None:
    """ValidationFailed (a page in the reader's language) when the query holds more than MAX_ROWS rows."""
    rows = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    if rows > MAX_ROWS:
        raise ValidationFailed(message=TOO_MANY_ROWS,
                               params={"rows": f"{rows:,}", "limit": f"{MAX_ROWS:,}"})


def fetch_rows(stmt: Select, *, scalars: bool = False) -> Iterator:
    """The rows of an export query, refused (see `refuse_too_long`) when there are more than MAX_ROWS of
    them, else read as `stream_rows` reads them."""
    refuse_too_long(stmt)
    return stream_rows(stmt, scalars=scalars)


def stream_rows(stmt: Select, *, scalars: bool = False) -> Iterator:
    """An export's rows, BATCH at a time, through a session of the export's own. A download outlives its
    request: the request's session is closed once the view returns, while the rows are still being written
    (and its objects could no longer load); this one is closed when the rows end or the download is dropped."""
    session = Session(db.engine)
    try:
        stmt = stmt.execution_options(yield_per=BATCH)
        yield from (session.scalars(stmt) if scalars else session.execute(stmt))
    finally:
        session.close()


def batched(rows: Iterable, size: int) -> Iterator[list]:
    """`rows` in lists of `size` (the last one shorter), so the names a batch needs come in one query."""
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def memo(translate: Callable[[str], str]) -> Callable[[str], str]:
    """`translate` remembered for one export: a column's labels (statuses, yes/no, types) repeat on
    every row, and looking each up in the catalogue again cost a third of a 100,000-row export."""
    known: dict[str, str] = {}

    def cached(msgid: str) -> str:
        text = known.get(msgid)
        if text is None:
            text = known[msgid] = translate(msgid)
        return text

    return cached


# --- the title row -----------------------------------------------------------------------------------


_TITLE_ROW = N_("%(title)s (%(filters)s), exported %(time)s")
_FILTER_PART = N_("%(label)s: %(value)s")
# Between two parts of the filter in the title row (Chinese uses its own semicolon).
_FILTER_SEPARATOR = N_("; ")
_NO_FILTER = N_("no filter, every row you may see")


@dataclass(frozen=True)
class Criterion:
    """How one field of a list's filter object reads in an export's title row: `label` is a msgid,
    `words` turns the field's value into words (a status label, a district's name), never a code."""

    field: str
    label: str
    words: Callable[[Any], str] | None = None


def title_row(title: str, criteria: Sequence[Criterion] = (), filters: Any = None, *,
              translate: Callable[[str], str] | None = None, at: datetime | None = None) -> str:
    """The line above an export's header: what it is, the filter it was made with (in words) and when.

    `filters` is the list's filter object (or a mapping of the same fields); `criteria` say which of its
    fields are shown, under which label, and how each value reads.
    A criterion whose field is empty (None, "", False, an empty list) is left out; dates read as
    YYYY-MM-DD. `at` is a stored (naive UTC) time, now by default, written in China time.
    """
    with _export_language():
        translate = translate or _default_translate()
        parts = []
        for criterion in criteria:
            value = (filters.get(criterion.field) if isinstance(filters, Mapping)
                     else getattr(filters, criterion.field, None))
            if value is None or value is False or value == "" or value == [] or value == ():
                continue
            if criterion.words is not None:
                shown = criterion.words(value)
            elif isinstance(value, date):
                shown = value.isoformat()
            else:
                shown = str(value)
            if shown:
                parts.append(translate(_FILTER_PART) % {"label": translate(criterion.label), "value": shown})
        described = translate(_FILTER_SEPARATOR).join(parts) if parts else translate(_NO_FILTER)
        return translate(_TITLE_ROW) % {"title": translate(title), "filters": described,
                                        "time": format_local(at or clock.utcnow())}


# --- writing ----------------------------------------------------------------------------------------
# A workbook is a zip of XML parts. The parts are written here, in order, to a zip archive that needs no
# seeking (entries carry data descriptors), so the bytes can leave as the rows are read: the first bytes
# go out after the first rows, memory holds one chunk, and no temporary file is needed.

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Cell formats (the index is the cell's s="..." attribute), declared once in _STYLES below.
# 0 plain, 1 bold, 2 quote prefix, 3 date, 4 date and minute, 5 percent, 6 bold with quote prefix,
# 7 date and second ("timestamp": the audit log's times).
_STYLES = (
    _XML_HEAD + f'<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="4"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/><numFmt numFmtId="166" formatCode="0.0%"/>'
    '<numFmt numFmtId="167" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="8"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" quotePrefix="1"/>'
    '<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
_ROOT_RELS = (_XML_HEAD + f'<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
              f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
# Control characters other than tab, LF and CR are not allowed in XML 1.0.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_EPOCH = datetime(1899, 12, 30)
# Bytes gathered before a chunk leaves; the first chunk leaves as soon as the first rows are written.
CHUNK = 64 * 1024


class _Pipe:
    """The zip archive's output: bytes pile up here until the generator hands them on."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: the bytes are taken by `take`."""

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts, self.size = [], 0
        return data


class _Book:
    """One workbook being streamed; `rows` counts the data rows written so far (every sheet)."""

    def __init__(self, sheets: Sequence[Sheet], translate: Callable[[str], str]) -> None:
        self.sheets = sheets
        self.translate = translate
        self.rows = 0
        self.parts: list[tuple[str, int, str, int]] = []  # (name, header row, last column, last row) per sheet
        self.started = False  # whether the first chunk (header and first rows) has left

    def chunks(self) -> Iterator[bytes]:
        pipe = _Pipe()
        with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for sheet in self.sheets:
                yield from self._sheet(archive, pipe, sheet)
            self._package(archive)
        yield pipe.take()

    def _sheet(self, archive: zipfile.ZipFile, pipe: _Pipe, sheet: Sheet) -> Iterator[bytes]:
        headers = [self.translate(c.header) for c in sheet.columns]
        title = self.translate(sheet.title)
        top = 2 if sheet.title_row else 1  # the header's row number
        per_sheet = SHEET_ROWS - top
        letters = [get_column_letter(i) for i in range(1, len(headers) + 1)]
        columns = [(letter, _cell_writer(column.kind), column.value)
                   for letter, column in zip(letters, sheet.columns, strict=True)]
        rows = iter(sheet.rows)
        part = 0
        row = next(rows, _END)  # the query runs before the first byte, so its errors are error pages
        while True:
            part += 1
            name = _sheet_title(title, part)
            number = len(self.parts) + 1
            with archive.open(f"xl/worksheets/sheet{number}.xml", "w") as out:
                out.write(_sheet_head(sheet, headers, top, first=number == 1).encode())
                in_sheet, line = 0, top
                buffer: list[str] = []
                while row is not _END and in_sheet < per_sheet:
                    line += 1
                    buffer.append(f'<row r="{line}">' + "".join(
                        write(f"{letter}{line}", get(row)) for letter, write, get in columns) + "</row>")
                    in_sheet += 1
                    self.rows += 1
                    row = next(rows, _END)
                    if len(buffer) == 200 or row is _END:
                        out.write("".join(buffer).encode())
                        buffer = []
                        if pipe.size >= CHUNK or not self.started:
                            self.started = True
                            yield pipe.take()
                out.write("".join(buffer).encode())
                last = letters[-1] if letters else "A"
                # The filter is written after the rows, so it spans them all.
                ref = f"A{top}:{last}{top + in_sheet}"
                out.write(f'</sheetData><autoFilter ref="{ref}"/></worksheet>'.encode())
            self.parts.append((name, top, last, top + in_sheet))
            yield pipe.take()
            if row is _END:
                return

    def _package(self, archive: zipfile.ZipFile) -> None:
        sheets, names, rels, types = [], [], [], []
        for index, (name, top, last, end) in enumerate(self.parts):
            number = index + 1
            sheets.append(f'<sheet name={quoteattr(name)} sheetId="{number}" r:id="rId{number}"/>')
            # Excel keeps each sheet's filter range as this hidden name too.
            quoted = "'" + name.replace("'", "''") + "'"
            names.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
                         f"{escape(quoted)}!$A${top}:${last}${end}</definedName>")
            rels.append(f'<Relationship Id="rId{number}" Type="{_REL_NS}/worksheet" '
                        f'Target="worksheets/sheet{number}.xml"/>')
            types.append(f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
        styles = len(self.parts) + 1
        archive.writestr("xl/workbook.xml", _XML_HEAD + f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
                         '<bookViews><workbookView/></bookViews>'
                         f'<sheets>{"".join(sheets)}</sheets><definedNames>{"".join(names)}</definedNames>'
                         "</workbook>")
        archive.writestr("xl/_rels/workbook.xml.rels", _XML_HEAD + f'<Relationships xmlns="{_PKG_REL_NS}">'
                         + "".join(rels) + f'<Relationship Id="rId{styles}" Type="{_REL_NS}/styles" '
                         'Target="styles.xml"/></Relationships>')
        archive.writestr("xl/styles.xml", _STYLES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("[Content_Types].xml", _XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types">'
                         '<Default Extension="rels" ContentType="application/'
                         'vnd.openxmlformats-package.relationships+xml"/>'
                         '<Default Extension="xml" ContentType="application/xml"/>'
                         '<Override PartName="/xl/workbook.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                         '<Override PartName="/xl/styles.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                         + "".join(types) + "</Types>")


_END = object()


def _sheet_head(sheet: Sheet, headers: list[str], top: int, first: bool) -> str:
    # Column widths and the frozen header come before the rows in the sheet's XML.
    widths = "".join(
        f'<col min="{i}" max="{i}" width="{column.width or _width(column.kind, header)}" customWidth="1"/>'
        for i, (column, header) in enumerate(zip(sheet.columns, headers, strict=True), start=1))
    selected = ' tabSelected="1"' if first else ""
    head = (_XML_HEAD + f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            f'<sheetViews><sheetView workbookViewId="0"{selected}><pane ySplit="{top}" topLeftCell="A{top + 1}" '
            'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{widths}</cols>" if widths else "") + "<sheetData>")
    rows = []
    if sheet.title_row:
        rows.append('<row r="1">' + _text("A1", sheet.title_row, bold=True) + "</row>")
    rows.append(f'<row r="{top}">' + "".join(_text(f"{get_column_letter(i)}{top}", h, bold=True)
                                              for i, h in enumerate(headers, start=1)) + "</row>")
    return head + "".join(rows)


def _text(ref: str, value: str, bold: bool = False) -> str:
    text = _ILLEGAL.sub("", value)
    if formula_like(text):
        # Stored as a string (never a formula), and "quote prefix" tells Excel to keep it text on edit.
        style = ' s="6"' if bold else ' s="2"'
    else:
        style = ' s="1"' if bold else ""
    if not text:
        return ""
    return f'<c r="{ref}" t="inlineStr"{style}><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def _number(value) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return None
    return repr(value) if isinstance(value, float) else str(value)


def _serial(value: date) -> str:
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None) - _EXCEL_EPOCH
        return repr(delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000)
    return str((value - _EXCEL_EPOCH.date()).days)


def _cell_writer(kind: str) -> Callable[[str, Any], str]:
    """The XML of one cell of a column of this kind; a value of another type is written as text."""

    def cell(ref: str, value: Any) -> str:
        if value is None or value == "":
            return ""
        if kind in ("number", "percent"):
            number = _number(value)
            if number is not None:
                style = ' s="5"' if kind == "percent" else ""
                return f'<c r="{ref}"{style}><v>{number}</v></c>'
        elif kind == "date" and isinstance(value, date):
            day = value.date() if isinstance(value, datetime) else value
            return f'<c r="{ref}" s="3"><v>{_serial(day)}</v></c>'
        elif kind in ("datetime", "timestamp") and isinstance(value, date):
            style = (' s="4"' if kind == "datetime" else ' s="7"') if isinstance(value, datetime) else ' s="3"'
            return f'<c r="{ref}"{style}><v>{_serial(value)}</v></c>'
        return _text(ref, value if isinstance(value, str) else str(value))

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


def workbook_chunks(sheets: Sequence[Sheet], *, translate: Callable[[str], str] | None = None,
                    counted: list[int] | None = None) -> Iterator[bytes]:
    """The workbook's bytes, chunk by chunk, as its rows are read; `counted` (a list) receives the
    number of data rows written when the last chunk has gone."""
    with _export_language():
        book = _Book(sheets, translate or _default_translate())
        yield from book.chunks()
    if counted is not None:
        counted.append(book.rows)


def write_xlsx(stream: IO[bytes], columns: Sequence[Column], rows: Iterable, *, sheet_title: str,
               title_row: str | None = None, translate: Callable[[str], str] | None = None) -> int:
    """Write a one-sheet workbook to a binary stream; returns the number of data rows written."""
    return write_workbook(stream, [Sheet(sheet_title, columns, rows, title_row)], translate=translate)


def write_workbook(stream: IO[bytes], sheets: Sequence[Sheet], *,
                   translate: Callable[[str], str] | None = None) -> int:
    """Write every sheet to a binary stream; returns the number of data rows written (all sheets)."""
    counted: list[int] = []
    for chunk in workbook_chunks(sheets, translate=translate, counted=counted):
        stream.write(chunk)
    return counted[0]


# --- sending ----------------------------------------------------------------------------------------


def _attachment(response: Response, filename: str) -> Response:
    # Exports hold jurisdiction-scoped or personal data: never kept by a browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


def send_xlsx(filename: str, write: Callable[[IO[bytes]], Any]) -> Response:
    """For a workbook that must be complete before it is sent (a small one whose writer records what it
    wrote, such as a firm's roster): call `write(stream)` into memory, then send it as an attachment."""
    out = BytesIO()
    write(out)
    return _attachment(Response(out.getvalue(), mimetype=XLSX), filename)


def workbook_response(filename: str, sheets: Sequence[Sheet], *,
                      translate: Callable[[str], str] | None = None) -> Response:
    """A workbook as a streamed download: the bytes leave while the rows are read.

    The first chunk is made before the response starts, so the query runs and a bad filter or a refused
    object still becomes an error page; an error after that ends the download with a broken file (the
    zip's directory never arrives), which the spreadsheet program reports instead of opening half a list.
    """
    chunks = workbook_chunks(sheets, translate=translate)
    first = next(chunks)  # in the view: the query runs now, inside the request
    # The rest is written once the view has returned, with the request's contexts pushed again by
    # stream_with_context (only then: a download never read leaves nothing pushed). Its rows come through
    # the export's own session (`stream_rows`), which outlives the request's.
    return _attachment(Response(_then(first, stream_with_context(chunks)), mimetype=XLSX), filename)


def _then(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest  # closing this generator closes `rest`, which ends the contexts it pushed


def xlsx_response(filename: str, columns: Sequence[Column], rows: Iterable, *, sheet_title: str,
                  title_row: str | None = None, translate: Callable[[str], str] | None = None) -> Response:
    """A one-sheet export as a streamed download."""
    return workbook_response(filename, [Sheet(sheet_title, columns, rows, title_row)], translate=translate)
