"""Roster services: ID validation, per-firm uniqueness, encryption at rest, reveal, Excel import and export."""
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from portal.core.errors import NotFound, ValidationFailed
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.firms import roster
from portal.firms.models import StaffMember
from tests.firms.builders import acting, workbook

ID_A = "11010519491231002X"


def _member(**kw):
    data = {"name": "张三", "id_number": ID_A, "phone": "13812345678", "role": "operator",
            "training_days": 5, "assessment_passed": True}
    data.update(kw)
    return data


def test_invalid_id_number_is_refused(app, build):
    user = build.user("vendor")
    with acting(user), pytest.raises(ValidationFailed) as exc:
        roster.add_staff(user.firm_id, _member(id_number="110105194912310021"))
    assert "id_number" in exc.value.field_errors
    assert db.session.scalar(select(StaffMember.id)) is None


def test_id_number_unique_per_firm_but_not_across_firms(app, build):
    user = build.user("vendor")
    other = build.user("vendor")
    with acting(user):
        roster.add_staff(user.firm_id, _member())
        with pytest.raises(ValidationFailed) as exc:
            roster.add_staff(user.firm_id, _member(name="李四"))
    assert exc.value.field_errors["id_number"] == [roster.DUPLICATE_ID]
    with acting(other):
        roster.add_staff(other.firm_id, _member())
    assert db.session.query(StaffMember).count() == 2


def test_id_number_and_phone_are_encrypted_at_rest(app, build):
    user = build.user("vendor")
    with acting(user):
        roster.add_staff(user.firm_id, _member())
    rows = db.session.execute(text("SELECT * FROM staff_member")).all()
    dump = repr(rows)
    assert ID_A not in dump and "13812345678" not in dump
    assert "2345678" not in dump
    audit_dump = repr(db.session.execute(text("SELECT detail FROM audit_event")).all())
    assert ID_A not in audit_dump and "13812345678" not in audit_dump
    if db.engine.dialect.name == "sqlite":
        db.session.commit()
        raw = open(db.engine.url.database, "rb").read()
        assert ID_A.encode() not in raw and b"13812345678" not in raw


def test_reveal_is_supervisor_only_and_audited_with_reason(app, build):
    user = build.user("vendor")
    reviewer = build.user("regulator")
    with acting(user):
        member = roster.add_staff(user.firm_id, _member())
        with pytest.raises(NotFound):
            roster.reveal(member.id, "id_number", "想看")
    with acting(reviewer):
        with pytest.raises(ValidationFailed):
            roster.reveal(member.id, "id_number", "")
        assert roster.reveal(member.id, "id_number", "核查身份") == ID_A
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "personal_data.reveal"))
    assert "核查身份" in event.detail and ID_A not in event.detail


def test_import_with_bad_rows_imports_nothing_and_reports_each_cell(app, build):
    user = build.user("vendor")
    data = workbook([
        ["张三", ID_A, "13812345678", "operator", "2025-01-02", "2025-01-03", 5, "yes", "yes"],
        ["", "123", "12345", "boss", "not a date", "", "x", "maybe", "no"],
        ["王五", ID_A, "", "qa", "", "", 0, "no", "no"],
    ])
    with acting(user), pytest.raises(roster.ImportRejected) as exc:
        roster.import_roster(user.firm_id, data)
    cells = {(p.row, p.column) for p in exc.value.problems}
    assert {(3, "Full name"), (3, "ID number"), (3, "Phone"), (3, "Role"), (3, "Labour contract date"),
            (3, "Training days"), (3, "Assessment passed"), (4, "ID number")} <= cells
    assert not any(p.row == 2 for p in exc.value.problems)
    assert db.session.scalar(select(StaffMember.id)) is None


def test_good_import_adds_every_row(app, build, rng):
    user = build.user("vendor")
    rows = [[f"员工{i}", build.id_number(), f"1381234{i:04d}", "operator", date(2025, 1, 2), "2025-01-03", 5,
             "是", "否"] for i in range(12)]
    with acting(user):
        assert roster.import_roster(user.firm_id, workbook(rows)) == 12
    members = list(db.session.scalars(select(StaffMember).where(StaffMember.firm_id == user.firm_id)))
    assert len(members) == 12 and all(m.assessment_passed and not m.background_checked for m in members)
    assert all(m.contract_date == date(2025, 1, 2) for m in members)


def test_import_rejects_a_non_excel_file(app, build):
    user = build.user("vendor")
    with acting(user), pytest.raises(roster.ImportRejected) as exc:
        roster.import_roster(user.firm_id, b"<html>not a workbook</html>")
    assert exc.value.problems[0].row == 0


def test_import_rejects_an_id_already_on_the_roster(app, build):
    user = build.user("vendor")
    firm = db.session.get(roster.Firm, user.firm_id)
    build.staff(firm, id_number=ID_A)
    with acting(user), pytest.raises(roster.ImportRejected) as exc:
        roster.import_roster(user.firm_id, workbook([["张三", ID_A, "", "operator", "", "", 0, "no", "no"]]))
    assert exc.value.problems[0].reason == roster.DUPLICATE_ID


def test_export_is_masked(app, build):
    user = build.user("vendor")
    with acting(user):
        roster.add_staff(user.firm_id, _member())
        out = BytesIO()
        assert roster.export_roster(roster.current_actor(), user.firm_id, out) == 1
    sheet = load_workbook(out).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "110105********002X" in values and "138****5678" in values
    assert ID_A not in values and "13812345678" not in values


def test_template_workbook_has_the_import_columns(app):
    out = BytesIO()
    roster.template_workbook(out)
    sheet = load_workbook(out).active
    assert [c.value for c in sheet[1]] == [label for _n, label in roster.COLUMNS]


def test_import_reports_an_id_number_repeated_within_the_file(app, build):
    user = build.user("vendor")
    rows = [["张三", ID_A, "", "operator", "", "", 0, "no", "no"], ["李四", ID_A, "", "qa", "", "", 0, "no", "no"]]
    with acting(user), pytest.raises(roster.ImportRejected) as exc:
        roster.import_roster(user.firm_id, workbook(rows))
    [problem] = exc.value.problems
    assert (problem.row, problem.column, problem.params) == (3, "ID number", {"row": 2})
