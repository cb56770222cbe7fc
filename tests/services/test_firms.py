"""Firm registration services: self-registration, review, change requests, re-check, certificate rules."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.core import clock
from portal.core import local_rules as rules
from portal.core.errors import Conflict, NotFound, ValidationFailed
from portal.core.models import Notification
from portal.extensions import db
from portal.firms import service as firms
from portal.firms.models import Certificate, Firm, FirmChangeRequest
from portal.supervision import alerts
from tests.firms.builders import LICENCE_UPLOAD, VALID_USCC, acting, application, known_to_platform


def test_application_creates_submitted_firm_with_inactive_user_and_notifies_jurisdiction(app, build):
    city = build.user("regulator")
    local = build.district_regulator("510502")
    elsewhere = build.district_regulator("510503")
    result = firms.apply(application())
    firm = db.session.get(Firm, result.firm.id)
    assert firm.status == "submitted"
    # The fake platform's registry does not know this USCC: recorded for the regulator, not refused.
    assert firm.verification_status == "failed" and firm.verification_note
    user = db.session.scalar(select(User).where(User.username == "newfirm"))
    assert user.firm_id == firm.id and user.active is False and user.has_role("vendor")
    notified = set(db.session.scalars(select(Notification.user_id)))
    assert {city.id, local.id} <= notified and elsewhere.id not in notified
    # only a hash of the reference is stored
    assert firm.application_ref_hash and result.reference not in firm.application_ref_hash
    assert firms.application_by_reference(result.reference).id == firm.id


def test_application_with_non_enterprise_uscc_is_refused(app):
    with pytest.raises(ValidationFailed) as exc:
        firms.apply(application(uscc="11350100M000100Y43"))
    assert "uscc" in exc.value.field_errors
    assert db.session.scalar(select(Firm.id)) is None


def test_application_with_duplicate_uscc_is_refused(app, build):
    build.firm(uscc=VALID_USCC)
    with pytest.raises(ValidationFailed) as exc:
        firms.apply(application())
    assert "uscc" in exc.value.field_errors
    assert db.session.scalar(select(User.id).where(User.username == "newfirm")) is None


def test_application_password_must_follow_policy(app):
    with pytest.raises(ValidationFailed) as exc:
        firms.apply(application(password="short"))
    assert "password" in exc.value.field_errors


def test_approval_activates_firm_and_first_user_for_a_year(app, build):
    reviewer = build.user("regulator")
    known_to_platform(app)
    result = firms.apply(application(licence_number="L-1"), licence_upload=LICENCE_UPLOAD)
    with acting(reviewer):
        firms.approve_registration(result.firm.id)
    firm = db.session.get(Firm, result.firm.id)
    assert firm.status == "active"
    assert firm.valid_until == clock.today() + timedelta(days=365)
    assert db.session.scalar(select(User.active).where(User.username == "newfirm")) is True


def test_district_regulator_cannot_review_outside_its_district(app, build):
    outsider = build.district_regulator("510503")
    result = firms.apply(application())
    with acting(outsider), pytest.raises(NotFound):
        firms.approve_registration(result.firm.id)
    assert db.session.get(Firm, result.firm.id).status == "submitted"


def test_returned_application_shows_reason_and_can_be_resubmitted(app, build):
    reviewer = build.user("regulator")
    result = firms.apply(application())
    with acting(reviewer):
        firms.return_registration(result.firm.id, "营业执照扫描件不清晰")
    firm = firms.application_by_reference(result.reference)
    assert firm.status == "returned"
    assert firms.application_reason(firm) == "营业执照扫描件不清晰"
    firms.resubmit_application(firm.id, {**application(), "legal_representative": "王五五"})
    firm = db.session.get(Firm, firm.id)
    assert firm.status == "submitted" and firm.legal_representative == "王五五"


def test_return_requires_a_reason(app, build):
    reviewer = build.user("regulator")
    result = firms.apply(application())
    with acting(reviewer), pytest.raises(Exception) as exc:
        firms.return_registration(result.firm.id, "  ")
    assert type(exc.value).__name__ == "ReasonRequired"
    assert db.session.get(Firm, result.firm.id).status == "submitted"


def test_key_field_change_of_active_firm_becomes_change_request(app, build):
    user = build.user("vendor")
    firm = db.session.get(Firm, user.firm_id)
    old_name = firm.name
    with acting(user):
        outcome = firms.update_registration(firm.id, {"name": "改名后的公司", "equipment_summary": "新设备"})
    firm = db.session.get(Firm, firm.id)
    assert firm.name == old_name  # not applied yet
    assert firm.equipment_summary == "新设备"  # non-key applies directly
    request = outcome.change_request
    assert request.old_values == {"name": old_name} and request.new_values == {"name": "改名后的公司"}
    rows = firms.change_rows(request)
    assert [(r.field, r.old, r.new, r.changed) for r in rows] == [("name", old_name, "改名后的公司", True)]


def test_second_change_request_waits_for_the_first(app, build):
    user = build.user("vendor")
    with acting(user):
        firms.update_registration(user.firm_id, {"name": "第一次"})
        with pytest.raises(ValidationFailed):
            firms.update_registration(user.firm_id, {"name": "第二次"})
    assert db.session.query(FirmChangeRequest).count() == 1


def test_approved_change_request_applies_new_values(app, build):
    user = build.user("vendor")
    reviewer = build.user("regulator")
    with acting(user):
        request = firms.update_registration(user.firm_id, {"service_types": ["storage"],
                                                           "legal_representative": "新法人"}).change_request
    with acting(reviewer):
        firms.approve_change_request(request.id, request.version_id)
    firm = db.session.get(Firm, user.firm_id)
    assert firm.service_types == ["storage"] and firm.legal_representative == "新法人"
    assert db.session.get(FirmChangeRequest, request.id).status == "approved"


def test_returned_change_request_leaves_firm_unchanged(app, build):
    user = build.user("vendor")
    reviewer = build.user("regulator")
    firm = db.session.get(Firm, user.firm_id)
    old_name = firm.name
    with acting(user):
        request = firms.update_registration(firm.id, {"name": "新名称"}).change_request
    with acting(reviewer):
        firms.return_change_request(request.id, "缺少变更证明")
    assert db.session.get(Firm, firm.id).name == old_name
    assert db.session.get(FirmChangeRequest, request.id).decision_reason == "缺少变更证明"


def test_stale_version_is_refused(app, build):
    user = build.user("vendor")
    reviewer = build.user("regulator")
    with acting(user):
        request = firms.update_registration(user.firm_id, {"name": "新名称"}).change_request
    with acting(reviewer), pytest.raises(Conflict):
        firms.approve_change_request(request.id, request.version_id + 1)


def test_recheck_cycle_extends_validity(app, build):
    user = build.user("vendor")
    reviewer = build.user("regulator")
    firm = db.session.get(Firm, user.firm_id)
    firm.valid_until = clock.today() + timedelta(days=30)
    db.session.commit()
    alerts.scan()  # the nightly scan is what marks a firm as expiring
    assert db.session.get(Firm, firm.id).status == "expiring"
    with acting(user):
        firms.submit_recheck(firm.id, "材料已更新")
    with acting(reviewer):
        firms.return_recheck(firm.id, "缺少场地证明")
    assert db.session.get(Firm, firm.id).status == "expiring"
    with acting(user):
        firms.submit_recheck(firm.id)
    before = db.session.get(Firm, firm.id).valid_until
    with acting(reviewer):
        firms.approve_recheck(firm.id)
    firm = db.session.get(Firm, firm.id)
    assert firm.status == "active" and firm.valid_until == before + timedelta(days=365)


def _cert(firm, cert_type, expires, number="N-1"):
    cert = Certificate(firm_id=firm.id, cert_type=cert_type, number=number, expires_on=expires)
    db.session.add(cert)
    db.session.commit()
    return cert


@pytest.mark.clause("IR28")
def test_expired_business_licence_blocks_and_is_named(app, build):
    firm = build.firm()
    today = date(2026, 6, 1)
    _cert(firm, "business_licence", date(2026, 5, 31), "BL-9")
    problems = firms.blocking_certificate_problems(firm, today)
    assert problems == [(firms.CERT_EXPIRED, {"certificate": "msg:Business licence", "number": "BL-9",
                                              "date": "2026-05-31"})]
    _cert(firm, "business_licence", date(2027, 5, 31), "BL-10")
    assert firms.blocking_certificate_problems(firm, today) == []


def test_secrecy_qualification_required_only_when_claimed(app, build):
    firm = build.firm()
    today = date(2026, 6, 1)
    _cert(firm, "business_licence", date(2030, 1, 1))
    _cert(firm, "secrecy_qualification", date(2026, 1, 1), "BM-1")
    assert firms.blocking_certificate_problems(firm, today) == []
    firm.secrecy_level = "二级"
    db.session.commit()
    problems = firms.blocking_certificate_problems(firm, today)
    assert [p[1]["certificate"] for p in problems] == ["msg:Secrecy qualification"]


@pytest.mark.clause("IR28")
def test_missing_business_licence_blocks(app, build):
    firm = build.firm()
    assert firms.blocking_certificate_problems(firm, date(2026, 6, 1))[0][0] == firms.CERT_MISSING


def test_firm_can_file_checks_status_validity_and_negative_list_rule(app, build):
    firm = build.firm(valid_until=clock.today() + timedelta(days=30))
    _cert(firm, "business_licence", clock.today() + timedelta(days=400))
    assert firms.firm_can_file(firm) == []
    firm.valid_until = clock.today() - timedelta(days=1)
    assert [m for m, _p in firms.firm_can_file(firm)] == [firms.REGISTRATION_EXPIRED]
    firm.valid_until = clock.today() + timedelta(days=30)
    firm.status = "negative_listed"
    assert [m for m, _p in firms.firm_can_file(firm)] == [firms.NEGATIVE_LISTED]
    rules.set_rule("block_negative_listed_filings", False, "test")
    assert firms.firm_can_file(firm) == []
    firm.status = "suspended"
    assert [m for m, _p in firms.firm_can_file(firm)] == [firms.FIRM_NOT_ACTIVE]


def test_district_regulator_sees_only_its_district(app, build):
    inside = build.firm(district_code="510502")
    outside = build.firm(district_code="510503")
    reg = build.district_regulator("510502")
    with acting(reg):
        ids = set(db.session.scalars(firms.visible_firms().with_only_columns(Firm.id)))
        assert ids == {inside.id}
        with pytest.raises(NotFound):
            firms.get_firm(None, outside.id)


def test_registration_validity_is_configurable(app, build):
    reviewer = build.user("regulator")
    known_to_platform(app)
    result = firms.apply(application(licence_number="L-1"), licence_upload=LICENCE_UPLOAD)
    app.config["FIRM_REGISTRATION_VALID_DAYS"] = 730
    try:
        with acting(reviewer):
            firms.approve_registration(result.firm.id)
    finally:
        app.config["FIRM_REGISTRATION_VALID_DAYS"] = 365
    assert db.session.get(Firm, result.firm.id).valid_until == clock.today() + timedelta(days=730)


@pytest.mark.clause("IR28", "SEC2014-vetting")
def test_application_verified_when_registry_agrees(app, build):
    from portal.gov.port import EnterpriseInfo
    from portal.integrations import gov_client

    gov_client.fake_platform().add_enterprise(EnterpriseInfo(
        VALID_USCC, "泸州测试档案服务有限公司", "王五", "active", "档案整理"))
    firm = firms.apply(application()).firm
    assert db.session.get(Firm, firm.id).verification_status == "verified"


@pytest.mark.clause("IR28", "SEC2014-vetting")
def test_application_refused_for_deregistered_enterprise_with_registry_reason(app, build):
    from portal.gov.port import EnterpriseInfo
    from portal.integrations import gov_client

    gov_client.fake_platform().add_enterprise(EnterpriseInfo(
        VALID_USCC, "泸州测试档案服务有限公司", "王五", "deregistered", "", reason="已注销（2025-06-30）"))
    with pytest.raises(ValidationFailed) as refused:
        firms.apply(application())
    assert "已注销（2025-06-30）" in refused.value.field_errors["uscc"][0]
    assert db.session.scalar(select(Firm.id).where(Firm.uscc == VALID_USCC)) is None
    assert db.session.scalar(select(User.id).where(User.username == "newfirm")) is None


def test_application_pending_when_platform_unreachable(app, build):
    from portal.integrations import gov_client

    gov_client.fake_platform().set_unavailable(True)
    try:
        firm = firms.apply(application()).firm
    finally:
        gov_client.fake_platform().set_unavailable(False)
    assert db.session.get(Firm, firm.id).verification_status == "pending"


# --- approval gated on verification and licence (issue 14 item 3) ----------------------------------

@pytest.mark.clause("IR28")
def test_approval_is_refused_without_verification_or_licence_and_no_reason(app, build):
    """Old code: one-click approval while the platform answers "not found" and no licence is on file."""
    reviewer = build.user("regulator")
    result = firms.apply(application())
    assert result.firm.verification_status == "failed"  # the platform does not know this USCC
    with acting(reviewer), pytest.raises(ValidationFailed) as exc:
        firms.approve_registration(result.firm.id)
    messages = [m if isinstance(m, str) else m[0] for m in exc.value.field_errors["reason"]]
    assert firms.APPROVAL_UNVERIFIED in messages and firms.APPROVAL_NO_LICENCE in messages
    db.session.rollback()
    firm = db.session.get(Firm, result.firm.id)
    assert firm.status == "submitted" and firm.valid_until is None
    assert db.session.scalar(select(User.active).where(User.username == "newfirm")) is False


def test_a_matching_verification_without_the_licence_scan_still_needs_a_reason(app, build):
    reviewer = build.user("regulator")
    known_to_platform(app)
    result = firms.apply(application())
    assert result.firm.verification_status == "verified"
    # a licence typed in by hand, without its scan, does not count
    db.session.add(Certificate(firm_id=result.firm.id, cert_type="business_licence", number="L-2"))
    db.session.commit()
    with acting(reviewer), pytest.raises(ValidationFailed) as exc:
        firms.approve_registration(result.firm.id)
    assert [m if isinstance(m, str) else m[0] for m in exc.value.field_errors["reason"]][1:] == [firms.APPROVAL_NO_LICENCE]


def test_an_expired_licence_does_not_count(app, build, travel):
    reviewer = build.user("regulator")
    known_to_platform(app)
    result = firms.apply(application(licence_number="L-3", licence_expires_on=clock.today() + timedelta(days=10)),
                         licence_upload=LICENCE_UPLOAD)
    travel(days=11)
    with acting(reviewer), pytest.raises(ValidationFailed):
        firms.approve_registration(result.firm.id)


@pytest.mark.clause("IR28")
def test_override_reason_approves_and_is_kept_and_audited(app, build):
    from portal.core.models import AuditEvent

    reviewer = build.user("regulator")
    result = firms.apply(application())
    with acting(reviewer):
        firms.approve_registration(result.firm.id, override_reason="  营业执照原件已现场核验  ")
    firm = db.session.get(Firm, result.firm.id)
    assert firm.status == "active" and firm.approval_override_reason == "营业执照原件已现场核验"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "firm.approval_override")).one()
    assert event.object_id == str(firm.id) and "营业执照原件已现场核验" in event.detail and event.actor == reviewer.username


@pytest.mark.clause("IR28")
def test_verified_firm_with_licence_scan_from_the_application_approves_without_reason(app, build):
    reviewer = build.user("regulator")
    known_to_platform(app)
    result = firms.apply(application(licence_number="L-4"), licence_upload=LICENCE_UPLOAD)
    cert = db.session.scalars(select(Certificate).where(Certificate.firm_id == result.firm.id)).one()
    assert cert.cert_type == "business_licence" and cert.attachment_id is not None
    with acting(reviewer):
        firms.approve_registration(result.firm.id)
    firm = db.session.get(Firm, result.firm.id)
    assert firm.status == "active" and firm.approval_override_reason == ""


def test_application_licence_scan_goes_through_the_upload_checks(app):
    with pytest.raises(ValidationFailed) as exc:
        firms.apply(application(licence_number="L-5"), licence_upload=(b"<html><script>x</script>", "licence.pdf"))
    assert "licence_file" in exc.value.field_errors
    assert db.session.scalar(select(Firm.id)) is None  # nothing half-done
    with pytest.raises(ValidationFailed) as exc:
        firms.apply(application(), licence_upload=LICENCE_UPLOAD)
    assert "licence_number" in exc.value.field_errors
