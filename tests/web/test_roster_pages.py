"""Roster pages: masking, reveal (regulator only, audited), import report, export."""
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from portal.core.models import AuditEvent
from portal.extensions import db
from portal.firms.models import StaffMember
from tests.firms.builders import fresh, workbook

ID_A = "11010519491231002X"


def test_roster_page_masks_personal_data_for_the_firm_itself(client, build, login):
    vendor = build.user("vendor")
    firm = vendor.firm
    build.staff(firm, id_number=ID_A, phone="13812345678")
    login(vendor)
    page = fresh(client).get(f"/firms/{firm.id}/staff").get_data(as_text=True)
    assert "110105********002X" in page and "138****5678" in page
    assert ID_A not in page and "13812345678" not in page
    edit = fresh(client).get(f"/firms/staff/{db.session.scalar(select(StaffMember.id))}/edit").get_data(as_text=True)
    assert ID_A not in edit and "13812345678" not in edit


def test_regulator_reveal_shows_whole_value_and_is_audited(client, build, login):
    firm = build.firm()
    member = build.staff(firm, id_number=ID_A)
    login(build.user("regulator"))
    page = fresh(client).get(f"/firms/{firm.id}/staff").get_data(as_text=True)
    assert ID_A not in page and "/reveal" in page
    response = fresh(client).post(f"/firms/staff/{member.id}/reveal", data={"what": "id_number", "reason": "核对身份"})
    assert response.status_code == 200 and ID_A in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "personal_data.reveal"))
    assert event is not None and "核对身份" in event.detail


def test_reveal_without_reason_shows_nothing(client, build, login):
    firm = build.firm()
    member = build.staff(firm, id_number=ID_A)
    login(build.user("regulator"))
    response = fresh(client).post(f"/firms/staff/{member.id}/reveal", data={"what": "id_number", "reason": ""})
    assert ID_A not in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "personal_data.reveal")) is None


def test_firm_user_cannot_reveal(client, build, login):
    vendor = build.user("vendor")
    member = build.staff(vendor.firm, id_number=ID_A)
    login(vendor)
    response = fresh(client).post(f"/firms/staff/{member.id}/reveal", data={"what": "id_number", "reason": "x"})
    assert response.status_code == 403 and ID_A not in response.get_data(as_text=True)


def test_district_regulator_cannot_reveal_outside_district(client, build, login):
    firm = build.firm(district_code="510503")
    member = build.staff(firm, id_number=ID_A)
    login(build.district_regulator("510502"))
    response = fresh(client).post(f"/firms/staff/{member.id}/reveal", data={"what": "id_number", "reason": "x"})
    assert response.status_code == 404


def test_export_download_is_masked(client, build, login):
    firm = build.firm()
    build.staff(firm, id_number=ID_A, phone="13812345678")
    login(build.user("regulator"))
    response = fresh(client).get(f"/firms/{firm.id}/staff/export.xlsx")
    sheet = load_workbook(BytesIO(response.data)).active
    values = [str(c.value) for row in sheet.iter_rows() for c in row]
    assert "110105********002X" in values and "138****5678" in values
    assert ID_A not in values and "13812345678" not in values


def test_import_page_lists_row_column_and_reason_and_imports_nothing(client, build, login):
    vendor = build.user("vendor")
    login(vendor)
    data = workbook([["张三", ID_A, "", "operator", "", "", 0, "no", "no"],
                     ["李四", "12345", "", "operator", "", "", 0, "no", "no"]])
    response = fresh(client).post(f"/firms/{vendor.firm_id}/staff/import?lang=en",
                           data={"file": (BytesIO(data), "staff.xlsx")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    table = page.split('data-testid="import-problems"')[1]
    assert "<td>3</td><td>ID number</td>" in table or "<td>3</td><td>身份证号码</td>" in table
    assert db.session.scalar(select(StaffMember.id)) is None


def test_import_page_imports_a_good_file(client, build, login):
    vendor = build.user("vendor")
    login(vendor)
    data = workbook([["张三", ID_A, "13812345678", "operator", "2025-01-02", "2025-01-03", 5, "yes", "yes"]])
    response = fresh(client).post(f"/firms/{vendor.firm_id}/staff/import",
                           data={"file": (BytesIO(data), "staff.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.query(StaffMember).count() == 1


def test_template_download(client, build, login):
    login(build.user("vendor"))
    response = fresh(client).get("/firms/staff/template.xlsx")
    assert response.status_code == 200
    assert load_workbook(BytesIO(response.data)).active.max_column == 9


def test_add_staff_form_keeps_input_on_bad_id(client, build, login):
    vendor = build.user("vendor")
    login(vendor)
    page = fresh(client).post(f"/firms/{vendor.firm_id}/staff/new", data={
        "name": "赵七", "id_number": "110105194912310021", "role": "qa", "training_days": "3"}).get_data(as_text=True)
    assert "赵七" in page and "id_number-err" in page
    assert db.session.scalar(select(StaffMember.id)) is None
