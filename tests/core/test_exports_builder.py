"""The one Excel export builder (portal.core.exports): typed cells, formula-safe text, frozen header,
auto-filter, rows streamed from an iterator without a cap."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from portal.core import exports
from portal.core.exports import Column, Sheet, write_workbook, write_xlsx

EVIL = '=HYPERLINK("http://evil.example/x","click")'


def _book(columns, rows, **kw):
    out = BytesIO()
    written = write_xlsx(out, columns, rows, sheet_title=kw.pop("sheet_title", "Rows"), **kw)
    out.seek(0)
    return written, load_workbook(out)


def test_cells_are_typed_by_column_kind():
    columns = (Column("Name", lambda r: r[0]), Column("Count", lambda r: r[1], "number"),
               Column("Day", lambda r: r[2], "date"), Column("At", lambda r: r[3], "datetime"),
               Column("Share", lambda r: r[4], "percent"), Column("Amount", lambda r: r[5], "number"))
    _n, book = _book(columns, [("甲", 12, date(2026, 3, 1), datetime(2026, 3, 1, 9, 30), 0.25, Decimal("1.5"))])
    row = list(book.active.iter_rows(min_row=2))[0]
    assert [c.value for c in row[:2]] == ["甲", 12] and row[1].data_type == "n"
    assert row[2].is_date and row[2].value == datetime(2026, 3, 1) and row[2].number_format == "yyyy-mm-dd"
    assert row[3].is_date and row[3].value == datetime(2026, 3, 1, 9, 30)
    assert row[3].number_format == "yyyy-mm-dd hh:mm"
    assert row[4].value == 0.25 and row[4].number_format == "0.0%"
    assert row[5].value == 1.5


def test_a_value_of_another_type_is_written_as_text_and_none_as_an_empty_cell():
    columns = (Column("Count", lambda r: r[0], "number"), Column("Day", lambda r: r[1], "date"),
               Column("Note", lambda r: r[2]))
    _n, book = _book(columns, [("n/a", "soon", None), (True, "", 7)])
    rows = [[c.value for c in row] for row in book.active.iter_rows(min_row=2)]
    assert rows == [["n/a", "soon", None], ["True", None, "7"]]


@pytest.mark.parametrize("text", [EVIL, "+1+2", "-1+2", "@SUM(A1)", "\t=1+1", "\r=1+1", "=1+1"])
def test_formula_like_text_is_stored_as_literal_text(text):
    _n, book = _book((Column("Name", lambda r: r),), [text])
    cell = book.active["A2"]
    assert cell.data_type == "s" and cell.data_type != "f"
    assert cell.value == text.replace("\r", "\n")  # XML readers turn a stored CR into LF
    assert cell.quotePrefix is True  # Excel keeps it text when the cell is edited


def test_ordinary_text_is_not_marked():
    _n, book = _book((Column("Name", lambda r: r),), ["档案数字化 A-1"])
    cell = book.active["A2"]
    assert cell.value == "档案数字化 A-1" and cell.data_type == "s" and not cell.quotePrefix


def test_header_is_frozen_and_filtered_over_all_rows():
    columns = (Column("A", lambda r: r), Column("B", lambda r: r, "number", width=33))
    _n, book = _book(columns, range(5))
    sheet = book.active
    assert [c.value for c in sheet[1]] == ["A", "B"] and sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B6"
    assert sheet.column_dimensions["B"].width == 33


def test_title_row_sits_above_the_header():
    _n, book = _book((Column("A", lambda r: r),), [1, 2], title_row="Firms on 2026-03-01")
    sheet = book.active
    assert sheet["A1"].value == "Firms on 2026-03-01" and sheet["A2"].value == "A" and sheet["A3"].value == "1"
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref == "A2:A4"


def test_headers_and_sheet_title_are_translated_when_written():
    _n, book = _book((Column("Firm", lambda r: r),), ["x"], sheet_title="Firms", translate=str.upper)
    assert book.sheetnames == ["FIRMS"] and book.active["A1"].value == "FIRM"


def test_headers_are_chinese_by_default_outside_a_request(app):
    _n, book = _book((Column("Firm", lambda r: r),), ["x"], sheet_title="Firms")
    assert book.active["A1"].value == "外包企业" and book.sheetnames == ["外包企业"]


def test_rows_are_read_from_an_iterator_and_none_is_dropped():
    produced = 0

    def rows():
        nonlocal produced
        for i in range(25_000):
            produced += 1
            yield i

    written, book = _book((Column("N", lambda r: r, "number"),), rows())
    assert written == produced == 25_000
    values = [r[0] for r in book.active.iter_rows(min_row=2, values_only=True)]
    assert values == list(range(25_000))


def test_a_sheet_full_to_the_row_limit_continues_on_another_sheet(monkeypatch):
    monkeypatch.setattr(exports, "SHEET_ROWS", 4)  # header + 3 rows per sheet
    written, book = _book((Column("N", lambda r: r, "number"),), range(8), sheet_title="Audit log")
    assert written == 8
    assert book.sheetnames == ["Audit log", "Audit log (2)", "Audit log (3)"]
    got = [[r[0] for r in ws.iter_rows(values_only=True)] for ws in book.worksheets]
    assert got == [["N", 0, 1, 2], ["N", 3, 4, 5], ["N", 6, 7]]


def test_several_sheets_and_an_empty_one_keep_their_header():
    out = BytesIO()
    write_workbook(out, [Sheet("One", (Column("A", lambda r: r),), ["a"]),
                         Sheet("Two: [x]/y?", (Column("B", lambda r: r),), [])])
    book = load_workbook(BytesIO(out.getvalue()))
    assert book.sheetnames == ["One", "Two- -x--y-"]
    assert [[c.value for c in row] for row in book.worksheets[1].iter_rows()] == [["B"]]


def test_control_characters_do_not_break_the_file():
    _n, book = _book((Column("Note", lambda r: r),), ["a\x01b\x0bc"])
    assert book.active["A2"].value == "abc"


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        Column("A", lambda r: r, "money")


def test_csv_safe_quotes_formula_like_text_only():
    assert exports.csv_safe(EVIL) == "'" + EVIL
    assert exports.csv_safe("-5") == "'-5"
    assert exports.csv_safe("plain") == "plain" and exports.csv_safe(-5) == -5


# --- streamed ----------------------------------------------------------------------------------------

def test_first_chunk_leaves_before_all_rows_are_read():
    read = 0

    def rows():
        nonlocal read
        for i in range(50_000):
            read += 1
            yield (i, f"项目 {i}")

    chunks = exports.workbook_chunks([Sheet("Rows", (Column("N", lambda r: r[0], "number"),
                                                     Column("T", lambda r: r[1])), rows())])
    first = next(chunks)
    assert first.startswith(b"PK") and read < 1_000
    rest = b"".join(chunks)
    assert read == 50_000
    book = load_workbook(BytesIO(first + rest))
    assert book.active.max_row == 50_001 and book.active["A50001"].value == 49_999


def test_a_streamed_download_is_a_typed_workbook(app):
    with app.test_request_context():
        response = exports.xlsx_response("x.xlsx", (Column("Day", lambda r: r, "date"),), [date(2026, 10, 1)],
                                         sheet_title="Rows", title_row="标题")
        assert response.is_streamed and response.headers["Cache-Control"] == "no-store"
        assert "attachment" in response.headers["Content-Disposition"]
        data = b"".join(response.response)
    cell = load_workbook(BytesIO(data)).active["A3"]
    assert cell.is_date and cell.value == datetime(2026, 10, 1)


def test_an_error_before_the_first_rows_is_raised_before_the_response(app):
    def rows():
        raise LookupError("no such filter")
        yield  # pragma: no cover

    with app.test_request_context(), pytest.raises(LookupError):
        exports.xlsx_response("x.xlsx", (Column("A", lambda r: r),), rows(), sheet_title="Rows")


# --- the title row -----------------------------------------------------------------------------------

@dataclass
class _Filter:
    status: str = ""
    district: str = ""
    date_from: date | None = None
    mine: bool = False


_CRITERIA = (exports.Criterion("status", "Status", {"in_progress": "实施中"}.get),
             exports.Criterion("district", "District", {"510502": "江阳区"}.get),
             exports.Criterion("date_from", "From"), exports.Criterion("mine", "Mine", lambda v: "是"))


def test_title_row_names_the_filter_in_words_and_the_local_time(app):
    at = datetime(2026, 12, 6, 4, 30)  # stored UTC: 12:30 in China
    text = exports.title_row("Project filings", _CRITERIA, _Filter("in_progress", "510502", date(2026, 10, 1)),
                             at=at)
    assert text == "项目报备（状态：实施中；区县：江阳区；起始日期：2026-10-01），导出时间：2026-12-06 12:30"
    assert "510502" not in text and "in_progress" not in text


def test_title_row_without_a_filter_says_so(app):
    text = exports.title_row("Project filings", _CRITERIA, _Filter(), at=datetime(2026, 12, 6, 4, 30))
    assert text == "项目报备（未筛选，全部可见记录），导出时间：2026-12-06 12:30"


def test_memo_looks_each_msgid_up_once():
    calls = []
    cached = exports.memo(lambda s: calls.append(s) or s.upper())
    assert [cached("yes"), cached("no"), cached("yes")] == ["YES", "NO", "YES"] and calls == ["yes", "no"]
