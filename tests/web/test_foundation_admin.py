"""Administration pages: accounts, organisations, roles, lockouts, policy and the audit log."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from portal.auth.models import User
from portal.core import audit, clock
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.orgs.models import Agency, RegulatorOffice


def _errors(response) -> list[str]:
    return re.findall(r'<ul class="errors" id="([\w-]+)-err">', response.get_data(as_text=True))


def _value(response, name) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', response.get_data(as_text=True))
    return match.group(1) if match else None


def test_account_list_search_filter_and_pagination(client, app, build, login):
    login(build.user("sysadmin"))
    for n in range(25):
        build.user("agency", username=f"clerk{n:02d}")
    build.user("regulator", username="inspector.wang")
    page = client.get("/admin/accounts?q=inspector").get_data(as_text=True)
    assert "inspector.wang" in page and "clerk01" not in page
    page = client.get("/admin/accounts?role=regulator").get_data(as_text=True)
    assert "inspector.wang" in page and "clerk01" not in page
    first = client.get("/admin/accounts?q=clerk").get_data(as_text=True)
    assert "clerk00" in first and "clerk24" not in first
    assert 'rel="next"' in first and "q=clerk" in first.split('rel="next"')[0].rsplit("href=", 1)[1]
    second = client.get("/admin/accounts?q=clerk&page=2").get_data(as_text=True)
    assert "clerk24" in second and "clerk00" not in second


def test_create_regulator_with_office_and_lead(client, build, login):
    office = build.office("district", "510503")
    login(build.user("sysadmin"))
    response = client.post("/admin/accounts/new", data={
        "username": "naxi.lead", "display_name": "Naxi Lead", "kind": "lead", "office_id": office.id,
        "agency_id": 0, "firm_id": 0, "password": "Temp#2026first"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "naxi.lead"))
    assert user.role_codes == ("lead", "regulator") and user.office_id == office.id
    assert user.district_code == "510503" and user.must_change_password


def test_create_account_bad_input_keeps_what_was_typed(client, build, login):
    login(build.user("sysadmin"))
    taken = build.user("agency", username="taken.name")
    response = client.post("/admin/accounts/new", data={
        "username": taken.username, "display_name": "Somebody Typed This", "kind": "vendor", "firm_id": 0,
        "office_id": 0, "agency_id": 0, "password": "weak"})
    assert response.status_code == 200
    assert set(_errors(response)) >= {"username", "firm_id", "password"}
    assert _value(response, "username") == "taken.name"
    assert _value(response, "display_name") == "Somebody Typed This"
    assert 'value="vendor" selected' in response.get_data(as_text=True) or \
        re.search(r'<option selected value="vendor"', response.get_data(as_text=True))


def test_create_account_cannot_give_admin_roles(client, build, login):
    login(build.user("sysadmin"))
    client.post("/admin/accounts/new", data={"username": "sneaky", "display_name": "S", "kind": "sysadmin",
                                             "office_id": 0, "agency_id": 0, "firm_id": 0,
                                             "password": "Temp#2026first"})
    assert db.session.scalar(select(User).where(User.username == "sneaky")) is None


def test_disable_enable_and_reset_password(client, build, login):
    target = build.user("vendor")
    login(build.user("sysadmin"))
    client.post(f"/admin/accounts/{target.id}/active", data={"active": "0"})
    db.session.expire_all()
    assert db.session.get(User, target.id).active is False
    client.post(f"/admin/accounts/{target.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert db.session.get(User, target.id).active is True
    weak = client.post(f"/admin/accounts/{target.id}/password", data={"password": "abc", "confirm": "abc"})
    assert "password" in _errors(weak)
    ok = client.post(f"/admin/accounts/{target.id}/password",
                     data={"password": "Reset#2026temp", "confirm": "Reset#2026temp"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).must_change_password is True


def test_admin_cannot_disable_self_through_the_page(client, build, login):
    me = build.user("sysadmin")
    login(me)
    assert client.post(f"/admin/accounts/{me.id}/active", data={"active": "0"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, me.id).active is True


def test_secadmin_assigns_roles_and_sees_separation_refusal_as_field_message(client, build, login):
    target = build.user("sysadmin")
    login(build.user("secadmin"))
    response = client.post(f"/admin/accounts/{target.id}/roles", data={"roles": ["sysadmin", "auditor"]})
    assert response.status_code == 200 and "roles" in _errors(response)
    assert "安全审计员" in response.get_data(as_text=True)
    assert client.post(f"/admin/accounts/{target.id}/roles", data={"roles": ["auditor"]}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).role_codes == ("auditor",)


def test_secadmin_cannot_change_own_roles(client, build, login):
    me = build.user("secadmin")
    login(me)
    assert client.post(f"/admin/accounts/{me.id}/roles", data={"roles": ["auditor"]}).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, me.id).role_codes == ("secadmin",)


def test_secadmin_unlocks_a_locked_account(client, app, build, login):
    target = build.user("vendor")
    target.locked_until = clock.utcnow() + timedelta(minutes=20)
    target.failed_logins = 0
    db.session.commit()
    login(build.user("secadmin"))
    assert "status-rejected" in client.get(f"/admin/accounts/{target.id}").get_data(as_text=True)
    client.post(f"/admin/accounts/{target.id}/unlock")
    db.session.expire_all()
    assert db.session.get(User, target.id).locked_until is None


def test_security_policy_page_shows_configured_values(client, app, build, login):
    login(build.user("secadmin"))
    app.config["LOGIN_LOCK_MINUTES"] = 45
    try:
        page = client.get("/admin/security?lang=en").get_data(as_text=True)
    finally:
        app.config["LOGIN_LOCK_MINUTES"] = 30
    assert "locked for 45 minutes" in page
    assert "after 30 minutes without activity" in page and "12 hours after login" in page


def test_agency_create_validates_any_uscc_category_and_edit(client, build, login, rng):
    from portal.core.identifiers import make_uscc

    login(build.user("sysadmin"))
    bad = client.post("/admin/agencies/new", data={"name": "泸州市档案馆", "uscc": "12510500MB000000X0",
                                                    "district_code": "510502", "agency_type": "government",
                                                    "office_id": 0})
    assert bad.status_code == 200 and "uscc" in _errors(bad)
    assert _value(bad, "name") == "泸州市档案馆" and _value(bad, "uscc") == "12510500MB000000X0"
    code = make_uscc("12", "510502", rng)  # a public institution: valid for an agency
    good = client.post("/admin/agencies/new", data={"name": "泸州市档案馆", "uscc": code, "district_code": "510502",
                                                     "agency_type": "public_institution", "office_id": 0,
                                                     "contact_phone": "138 1234 5678"})
    assert good.status_code == 302, _errors(good)
    agency = db.session.scalar(select(Agency).where(Agency.uscc == code))
    assert agency.contact_phone_enc and "13812345678" not in agency.contact_phone_enc
    edit = client.post(f"/admin/agencies/{agency.id}", data={"name": "泸州市档案馆（改）", "uscc": code,
                                                             "district_code": "510503", "agency_type": "government",
                                                             "office_id": 0})
    assert edit.status_code == 302
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).district_code == "510503"
    clash = client.post("/admin/agencies/new", data={"name": "Another", "uscc": code, "district_code": "510502",
                                                      "agency_type": "government", "office_id": 0})
    assert "uscc" in _errors(clash)


def test_offices_city_and_district(client, build, login):
    login(build.user("sysadmin"))
    missing = client.post("/admin/offices/new", data={"name": "古蔺县档案局", "level": "district", "district_code": ""})
    assert "district_code" in _errors(missing) and _value(missing, "name") == "古蔺县档案局"
    client.post("/admin/offices/new", data={"name": "古蔺县档案局", "level": "district", "district_code": "510525"})
    client.post("/admin/offices/new", data={"name": "市局", "level": "city", "district_code": "510525"})
    offices = {o.name: o for o in db.session.scalars(select(RegulatorOffice))}
    assert offices["古蔺县档案局"].district_code == "510525"
    assert offices["市局"].district_code is None  # a city office covers the whole city
    page = client.get("/admin/offices").get_data(as_text=True)
    assert "古蔺县" in page and "全市" in page


def _audit_rows(n: int) -> None:
    for i in range(n):
        audit.record("test.event", "thing", i, outcome="failure" if i % 5 == 0 else "success")
    db.session.commit()


def test_audit_log_filters_and_pagination(client, build, login):
    login(build.user("auditor"))
    _audit_rows(30)
    page = client.get("/admin/audit?action=test.event&outcome=failure").get_data(as_text=True)
    assert page.count('data-action="test.event"') == 6
    one = client.get("/admin/audit?object_type=thing&object_id=7").get_data(as_text=True)
    assert one.count('data-action="test.event"') == 1
    prefix = client.get("/admin/audit?action=login.").get_data(as_text=True)
    assert 'data-action="login.success"' in prefix and 'data-action="test.event"' not in prefix
    first = client.get("/admin/audit?action=test.event").get_data(as_text=True)
    assert first.count('data-action="test.event"') == 20 and 'rel="next"' in first
    today = clock.today().isoformat()
    assert 'data-action="test.event"' in client.get(f"/admin/audit?date_from={today}&date_to={today}").get_data(as_text=True)
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    assert 'data-action="test.event"' not in client.get(f"/admin/audit?date_from={tomorrow}").get_data(as_text=True)
    bad_date = client.get("/admin/audit?date_from=not-a-date")
    assert bad_date.status_code == 200 and "date_from" in _errors(bad_date)


def test_audit_export_follows_the_filter_and_is_audited(client, build, login):
    login(build.user("auditor"))
    _audit_rows(12)
    xlsx = client.get("/admin/audit/export?action=test.event&outcome=failure")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    # In words, like the page: the action's label (an unlabelled code is "other action"), the outcome.
    assert len(rows) == 1 + 3 and all(r[5] == "其他操作" and r[8] == "失败" for r in rows[1:])
    csv_text = client.get("/admin/audit/export?format=csv&action=test.event").data.decode("utf-8-sig")
    assert len(csv_text.strip().splitlines()) == 1 + 12
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.export")) is not None


def test_verify_chain_button_reports_intact_and_broken(client, build, login):
    login(build.user("auditor"))
    _audit_rows(3)
    ok = client.post("/admin/audit/verify?lang=en", follow_redirects=True).get_data(as_text=True)
    assert "The audit chain is intact" in ok
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "test.event"))
    row.detail = "tampered"
    db.session.commit()
    broken = client.post("/admin/audit/verify?lang=zh_CN", follow_redirects=True).get_data(as_text=True)
    assert f"审计链在序号 {row.seq} 处断裂" in broken and "有记录被篡改" in broken


def test_admin_home_panels(client, build, login):
    login(build.user("sysadmin"))
    assert 'href="/admin/agencies"' in client.get("/home/").get_data(as_text=True)
