"""Firm pages: self-registration, review, change requests, certificates, attachments, lists."""
import re
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from portal.auth.models import User
from portal.core.models import Attachment
from portal.extensions import db
from portal.firms.models import Certificate, Firm, FirmChangeRequest
from tests.firms.builders import PDF, VALID_USCC, application, fresh, known_to_platform, licence


def _form(data: dict) -> dict:
    return {k: v for k, v in data.items()}


def test_apply_page_keeps_input_and_shows_uscc_message(client):
    response = fresh(client).post("/firms/apply", data=_form(application(uscc="91350100M000100Y44")))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "泸州测试档案服务有限公司" in page and "江阳区1号" in page  # what the user typed is kept
    assert 'aria-invalid="true"' in page and "uscc-err" in page
    assert db.session.scalar(select(Firm.id)) is None


def test_apply_page_shows_the_uscc_error_on_the_first_answer_with_the_other_errors(client):
    """A mistyped code and empty required fields: every error at once, the code's among them."""
    data = _form(application(uscc="91350100M000100Y44", name="", username=""))
    page = fresh(client).post("/firms/apply?lang=zh_CN", data=data).get_data(as_text=True)
    errors = dict(re.findall(r'<ul class="errors" id="([a-z_]+)-err">(.*?)</ul>', page, re.S))
    assert {"uscc", "name", "username"} <= set(errors)
    assert "校验码" in errors["uscc"], errors["uscc"]  # the check character's own message, translated
    assert db.session.scalar(select(Firm.id)) is None


def test_apply_page_reports_duplicate_uscc_beside_the_field(client, build):
    build.firm(uscc=fresh(VALID_USCC))
    page = fresh(client).post("/firms/apply", data=_form(application())).get_data(as_text=True)
    assert "uscc-err" in page
    assert db.session.scalar(select(User.id).where(User.username == "newfirm")) is None


def test_apply_shows_reference_then_status_return_and_resubmission(client, build, login, app):
    reviewer = build.user("regulator")
    page = fresh(client).post("/firms/apply", data=_form(application())).get_data(as_text=True)
    firm = db.session.scalar(select(Firm))
    assert firm.status == "submitted"
    reference = page.split('data-testid="reference"><strong>')[1].split("<")[0]
    assert reference and reference not in (firm.application_ref_hash or "")
    # a different browser looks the application up by its reference
    other = app.test_client()
    status = fresh(other).post("/firms/apply/status", data={"reference": "WRONG-REF"}).get_data(as_text=True)
    assert "reference-err" in status
    fresh(other).post("/firms/apply/status", data={"reference": reference})
    assert "status-submitted" in fresh(other).get("/firms/apply/status").get_data(as_text=True)
    assert fresh(other).get("/firms/apply/edit").status_code == 404  # only a returned application is edited
    # the reviewer returns it with a reason
    reviewer_client = app.test_client()
    login(reviewer, c=fresh(reviewer_client))
    fresh(reviewer_client).post(f"/firms/{firm.id}/decide/return", data={"reason": "请补充场地证明", "version": firm.version_id})
    status = fresh(other).get("/firms/apply/status").get_data(as_text=True)
    assert "请补充场地证明" in status
    response = fresh(other).post("/firms/apply/edit", data=_form(application(premises_security="门禁和监控")))
    assert response.status_code == 302
    db.session.expire_all()
    firm = db.session.get(Firm, firm.id)
    assert firm.status == "submitted" and firm.premises_security == "门禁和监控"


def test_regulator_approves_and_first_user_can_log_in(client, build, login, app):
    reviewer = build.user("regulator")
    known_to_platform(app)
    fresh(client).post("/firms/apply", data=_form(application()) | licence(), content_type="multipart/form-data")
    firm = db.session.scalar(select(Firm))
    other = app.test_client()
    assert fresh(other).post("/auth/login", data={"username": "newfirm", "password": application()["password"]}).status_code != 302
    login(reviewer)
    fresh(client).post(f"/firms/{firm.id}/decide/approve", data={"version": firm.version_id})
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).status == "active"
    assert fresh(other).post("/auth/login", data={"username": "newfirm", "password": application()["password"]}).status_code == 302


def test_vendor_cannot_decide_a_registration(client, build, login):
    user = build.user("vendor")
    firm = build.firm(status="submitted")
    login(user)
    assert fresh(client).post(f"/firms/{firm.id}/decide/approve").status_code == 403
    assert db.session.get(Firm, firm.id).status == "submitted"


def test_change_request_page_shows_old_and_new_side_by_side_and_approve(client, build, login, app):
    vendor = build.user("vendor")
    reviewer = build.user("regulator")
    firm = db.session.get(Firm, vendor.firm_id)
    old_name = firm.name
    login(vendor)
    data = {"name": "新名称有限公司", "legal_representative": firm.legal_representative, "district_code": "510502",
            "service_types": ["digitisation"], "version": firm.version_id}
    assert fresh(client).post(f"/firms/{firm.id}/edit", data=data).status_code == 302
    request = db.session.scalar(select(FirmChangeRequest))
    reg = app.test_client()
    login(reviewer, c=fresh(reg))
    page = fresh(reg).get(f"/firms/change-requests/{request.id}").get_data(as_text=True)
    row = page.split('data-field="name"')[1].split("</tr>")[0]
    assert f"<del>{old_name}</del>" in row and "<ins>新名称有限公司</ins>" in row
    assert 'data-field="legal_representative"' not in page  # unchanged fields are not part of the request
    fresh(reg).post(f"/firms/change-requests/{request.id}/approve", data={"version": request.version_id})
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).name == "新名称有限公司"


def test_change_request_return_needs_reason_and_keeps_firm(client, build, login):
    vendor = build.user("vendor")
    reviewer = build.user("regulator")
    firm = db.session.get(Firm, vendor.firm_id)
    from portal.firms import service as firms
    from tests.firms.builders import acting

    with acting(vendor):
        request = firms.update_registration(firm.id, {"name": "另一个名称"}).change_request
    login(reviewer)
    assert fresh(client).post(f"/firms/change-requests/{request.id}/return", data={"reason": ""}).status_code in (409, 422, 400)
    fresh(client).post(f"/firms/change-requests/{request.id}/return", data={"reason": "名称核准通知书缺失"})
    db.session.expire_all()
    assert db.session.get(FirmChangeRequest, request.id).status == "returned"
    assert db.session.get(Firm, firm.id).name != "另一个名称"


def test_certificate_with_pdf_is_stored_and_downloadable_by_firm_and_regulator(client, build, login, app):
    vendor = build.user("vendor")
    login(vendor)
    response = fresh(client).post(f"/firms/{vendor.firm_id}/certificates/new", data={
        "cert_type": "business_licence", "number": "BL-1", "issuer": "泸州市市场监督管理局",
        "issued_on": "2024-01-01", "expires_on": "2034-01-01", "file": (BytesIO(PDF), "licence.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    cert = db.session.scalar(select(Certificate))
    assert fresh(client).get(f"/files/{cert.attachment_id}").data == PDF
    reg = app.test_client()
    login(build.user("regulator"), c=fresh(reg))
    assert fresh(reg).get(f"/files/{cert.attachment_id}").status_code == 200
    stranger = app.test_client()
    login(build.user("vendor"), c=fresh(stranger))
    assert fresh(stranger).get(f"/files/{cert.attachment_id}").status_code == 404


def test_renamed_html_and_executable_are_refused(client, build, login):
    vendor = build.user("vendor")
    login(vendor)
    for payload, name in ((b"<html><script>alert(1)</script></html>", "licence.pdf"),
                          (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "licence.png")):
        page = fresh(client).post(f"/firms/{vendor.firm_id}/certificates/new", data={
            "cert_type": "business_licence", "number": "BL-2", "file": (BytesIO(payload), name)},
            content_type="multipart/form-data").get_data(as_text=True)
        assert "file-err" in page and "BL-2" in page
    assert db.session.scalar(select(Attachment.id)) is None
    assert db.session.scalar(select(Certificate.id)) is None


def test_oversize_upload_gets_the_413_page(client, build, login, app):
    vendor = build.user("vendor")
    login(vendor)
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    try:
        response = fresh(client).post(f"/firms/{vendor.firm_id}/certificates/new", data={
            "cert_type": "business_licence", "number": "BL-3", "file": (BytesIO(PDF + b"0" * 100_000), "a.pdf")},
            content_type="multipart/form-data")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    assert db.session.scalar(select(Certificate.id)) is None


def test_413_page_is_translated_with_a_back_link_and_a_request_number(client, build, login, app, monkeypatch):
    """With CSRF on (as in production) the oversize body is refused while the CSRF check reads the form,
    before any other before-request function: the page must still carry the request id."""
    vendor = build.user("vendor")
    login(vendor)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    url = f"/firms/{vendor.firm_id}/certificates/new"
    response = fresh(client).post(url + "?lang=zh_CN", data={
        "cert_type": "business_licence", "number": "BL-3", "file": (BytesIO(PDF + b"0" * 100_000), "a.pdf")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    request_id = re.search(r'data-testid="request-id">([^<]*)<', html).group(1)
    assert re.fullmatch(r"[0-9a-f]{32}", request_id) and response.headers["X-Request-Id"] == request_id
    assert f'href="{url}?lang=zh_CN" data-testid="error-back"' in html
    assert "文件过大" in html and "返回表单" in html and "File too large" not in html
    assert db.session.scalar(select(Certificate.id)) is None


def test_firm_user_cannot_touch_another_firms_records(client, build, login):
    vendor = build.user("vendor")
    other_firm = build.firm()
    cert = Certificate(firm_id=other_firm.id, cert_type="iso9001", number="ISO-1")
    db.session.add(cert)
    db.session.commit()
    member = build.staff(other_firm)
    login(vendor)
    assert fresh(client).get(f"/firms/{other_firm.id}").status_code == 404
    assert fresh(client).get(f"/firms/{other_firm.id}/staff").status_code == 404
    assert fresh(client).get(f"/firms/{other_firm.id}/staff/export.xlsx").status_code == 404
    assert fresh(client).post(f"/firms/{other_firm.id}/edit", data={"name": "hijack"}).status_code == 404
    assert fresh(client).post(f"/firms/certificates/{cert.id}/edit", data={"cert_type": "iso9001", "number": "X"}).status_code == 404
    assert fresh(client).post(f"/firms/certificates/{cert.id}/delete").status_code == 404
    assert fresh(client).post(f"/firms/staff/{member.id}/edit", data={"name": "hijack"}).status_code == 404
    assert fresh(client).post(f"/firms/staff/{member.id}/left").status_code == 404
    db.session.expire_all()
    assert db.session.get(Firm, other_firm.id).name != "hijack"
    assert db.session.get(Certificate, cert.id).number == "ISO-1"
    assert db.session.get(type(member), member.id).active is True


def test_district_regulator_sees_only_its_district(client, build, login):
    inside = build.firm(district_code="510502", name="江阳档案甲")
    outside = build.firm(district_code="510503", name="纳溪档案乙")
    login(build.district_regulator("510502"))
    page = fresh(client).get("/firms/").get_data(as_text=True)
    assert "江阳档案甲" in page and "纳溪档案乙" not in page
    assert fresh(client).get(f"/firms/{inside.id}").status_code == 200
    assert fresh(client).get(f"/firms/{outside.id}").status_code == 404
    assert fresh(client).get(f"/firms/{outside.id}/staff").status_code == 404
    sheet = load_workbook(BytesIO(fresh(client).get("/firms/export.xlsx").data)).active
    names = [row[0].value for row in sheet.iter_rows(min_row=3)]
    assert names == ["江阳档案甲"]


def test_firm_list_filters_by_service_type_status_and_text(client, build, login):
    build.firm(name="甲数字化", service_types=["digitisation"])
    build.firm(name="乙保管", service_types=["storage"], status="suspended")
    login(build.user("regulator"))
    page = fresh(client).get("/firms/?service_type=storage").get_data(as_text=True)
    assert "乙保管" in page and "甲数字化" not in page
    page = fresh(client).get("/firms/?status=active").get_data(as_text=True)
    assert "甲数字化" in page and "乙保管" not in page
    page = fresh(client).get("/firms/?q=数字").get_data(as_text=True)
    assert "甲数字化" in page and "乙保管" not in page


def test_firm_list_uses_constant_queries(client, build, login, count_queries, app):
    reviewer = build.user("regulator")
    login(reviewer)
    app.config["PAGE_SIZE"] = 100
    try:
        for _ in range(5):
            build.staff(build.firm())
        fresh(client).get("/firms/")
        db.session.expire_all()  # both measurements start from the same identity-map state
        with count_queries() as small:
            assert fresh(client).get("/firms/").status_code == 200
        for _ in range(45):
            build.staff(build.firm())
        fresh(client)
        db.session.expire_all()
        with count_queries() as large:
            page = fresh(client).get("/firms/").get_data(as_text=True)
    finally:
        app.config["PAGE_SIZE"] = 20
    assert page.count('href="/firms/') >= 50
    assert small.count == large.count, "\n".join(small.statements) + "\n=====\n" + "\n".join(large.statements)


def test_home_panels_for_firm_user_and_regulator(client, build, login, app):
    vendor = build.user("vendor")
    build.firm(status="submitted")
    login(vendor)
    page = fresh(client).get("/home/").get_data(as_text=True)
    assert "本企业备案" in page and "备案状态" in page
    reg = app.test_client()
    login(build.user("regulator"), c=fresh(reg))
    page = fresh(reg).get("/home/").get_data(as_text=True)
    assert "待审核的备案申请" in page  # zh_CN is the default language
    row = page.split("待审核的备案申请")[1].split("</li>")[0]
    assert '<strong class="stat-value">1</strong>' in row


def test_one_click_approval_without_verification_or_licence_is_refused_in_chinese(client, build, login, app):
    """Old code: the regulator approves with one click although the platform answered "not found"."""
    reviewer = build.user("regulator")
    fresh(client).post("/firms/apply", data=_form(application()))
    firm = db.session.scalar(select(Firm))
    assert firm.verification_status == "failed"
    login(reviewer)
    page = fresh(client).get(f"/firms/{firm.id}").get_data(as_text=True)
    assert 'data-testid="approval-blockers"' in page and "营业执照" in page
    response = fresh(client).post(f"/firms/{firm.id}/decide/approve", data={"version": firm.version_id},
                                  follow_redirects=True)
    page = response.get_data(as_text=True)
    # The page comes back (422) with the refusal beside the reason field.
    assert response.status_code == 422 and 'data-testid="decision-errors"' in page and "尚不满足批准条件" in page
    assert "没有在有效期内且附扫描件的营业执照" in page and "企业核验未确认该企业" in page
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).status == "submitted"


def test_approval_with_override_reason_is_shown_on_the_firm_page(client, build, login, app):
    reviewer = build.user("regulator")
    fresh(client).post("/firms/apply", data=_form(application()))
    firm = db.session.scalar(select(Firm))
    login(reviewer)
    fresh(client).post(f"/firms/{firm.id}/decide/approve",
                       data={"version": firm.version_id, "reason": "平台故障，已线下核验营业执照原件"})
    db.session.expire_all()
    firm = db.session.get(Firm, firm.id)
    assert firm.status == "active"
    page = fresh(client).get(f"/firms/{firm.id}").get_data(as_text=True)
    assert 'data-testid="approval-override"' in page and "平台故障，已线下核验营业执照原件" in page


def test_applicant_uploads_the_licence_scan_with_the_application(client, app):
    page = fresh(client).get("/firms/apply").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="licence_file"' in page
    response = fresh(client).post("/firms/apply", data=_form(application()) | licence(),
                                  content_type="multipart/form-data")
    assert response.status_code == 200
    firm = db.session.scalar(select(Firm))
    cert = db.session.scalars(select(Certificate).where(Certificate.firm_id == firm.id)).one()
    assert cert.cert_type == "business_licence" and cert.attachment_id is not None
    assert db.session.get(Attachment, cert.attachment_id).content_type == "application/pdf"
