"""The firm registration review screen (and a change request's): the record first, one decision panel
beside it with the checks that apply and one reason field, a stepper of the registration workflow; a
refused decision comes back in Chinese beside the reason field with nothing typed lost."""
from __future__ import annotations

import re

from sqlalchemy import select

from portal.extensions import db
from portal.firms import service as firms
from portal.firms.models import Firm, FirmChangeRequest
from tests.firms.builders import acting, fresh

PANEL = '<aside class="card decision-panel'


def _panel(page: str) -> str:
    return page[page.index(PANEL):page.index("</aside>")]


def test_registration_review_shows_record_first_then_one_decision_panel_with_checks_and_stepper(
        client, build, login):
    firm = build.firm(status="submitted")
    login(build.user("regulator"))
    page = fresh(client).get(f"/firms/{firm.id}?lang=en").get_data(as_text=True)
    assert page.index("Registration record") < page.index(PANEL)
    panel = _panel(page)
    assert panel.count("<form") == 1 and panel.count("<textarea") == 1
    for action in ("start_review", "approve", "return"):
        assert f'data-testid="act-{action}"' in panel and f'formaction="/firms/{firm.id}/decide/{action}"' in panel
    assert re.search(r'data-action="return"\s+data-reason-required', panel)
    assert not re.search(r'data-action="start_review"\s+data-reason-required', panel)
    # The builder's firm has no licence scan and was never verified: both checks say so in words.
    checks = re.findall(r'<li class="check-(\w+)"><span><strong>([^<]+)</strong>: ([^<]+)</span>', panel)
    assert [(state, name) for state, name, _detail in checks] == [
        ("bad", "Enterprise verification"), ("bad", "Business licence")]
    assert all(detail.strip() for _state, _name, detail in checks)
    # Without a licence scan or a verification, approving needs a reason too.
    assert re.search(r'data-action="approve"\s+data-reason-required', panel)
    stepper = page[page.index('data-testid="stepper"'):page.index(PANEL)]
    labels = re.findall(r'<span class="step-label">([^<]+)</span>', stepper)
    assert labels == ["draft", "submitted", "under review", "active"]
    assert re.search(r'step-current" aria-current="step">\s*<span[^>]*>\d+</span>\s*'
                     r'<span class="step-label">submitted</span>', stepper)


def test_the_firm_itself_sees_no_decision_panel(client, build, login):
    vendor = build.user("vendor")
    db.session.get(Firm, vendor.firm_id).status = "submitted"
    db.session.commit()
    login(vendor)
    page = fresh(client).get(f"/firms/{vendor.firm_id}?lang=en").get_data(as_text=True)
    assert 'data-testid="stepper"' in page and 'data-testid="checks"' not in page
    assert "/decide/" not in page


def test_return_without_a_reason_is_refused_in_chinese_beside_the_field(client, build, login):
    firm = build.firm(status="under_review")
    login(build.user("regulator"))
    response = fresh(client).post(f"/firms/{firm.id}/decide/return", data={"version": firm.version_id, "reason": "  "})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = page[page.index('data-testid="decision-errors"'):].split("</ul>")[0]
    assert "须填写理由" in errors and "退回" in errors
    assert re.search(r'data-action="return"[^>]*aria-pressed="true"', _panel(page))
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).status == "under_review"
    fresh(client).post(f"/firms/{firm.id}/decide/return", data={"version": firm.version_id, "reason": "请补充场地证明"})
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).status == "returned"


def test_a_refused_decision_keeps_the_typed_reason(client, build, login):
    firm = build.firm(status="under_review")
    login(build.user("regulator"))
    typed = "场地证明缺失，" * 300  # longer than the 2000 characters a reason may have
    response = fresh(client).post(f"/firms/{firm.id}/decide/return", data={"version": firm.version_id, "reason": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert typed in _panel(page) and 'data-testid="decision-errors"' in page and "2000" in page
    assert f'name="version" value="{firm.version_id}"' in _panel(page)
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).status == "under_review"


def test_change_request_review_has_the_same_panel_and_refuses_a_return_without_reason(client, build, login):
    vendor = build.user("vendor")
    with acting(vendor):
        request = firms.update_registration(vendor.firm_id, {"name": "另一个名称有限公司"}).change_request
    login(build.user("regulator"))
    page = fresh(client).get(f"/firms/change-requests/{request.id}?lang=en").get_data(as_text=True)
    assert page.index('data-testid="change-content"') < page.index(PANEL)
    panel = _panel(page)
    assert panel.count("<form") == 1 and 'data-testid="checks"' in panel and 'data-testid="verify-on-approval"' in panel
    assert 'data-testid="act-approve"' in panel and re.search(r'data-action="return"\s+data-reason-required', panel)
    assert 'data-testid="stepper"' in page
    response = fresh(client).post(f"/firms/change-requests/{request.id}/return?lang=zh_CN",
                                  data={"version": request.version_id, "reason": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "须填写理由" in page and "另一个名称有限公司" in page
    db.session.expire_all()
    assert db.session.scalar(select(FirmChangeRequest.status).where(FirmChangeRequest.id == request.id)) == "submitted"
