"""A firm on the focus-supervision list (重点监管) submits its rectification plan; a regulator of its
district accepts it or returns it with a reason; the firm resubmits. Pages reachable from the firm's home
and score list and from the regulator's focus list; visibility by core.access; audited, on a timeline,
each side told in its inbox."""
from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.core.context import current_actor
from portal.core.errors import Conflict, NotFound, ValidationFailed
from portal.core.models import AuditEvent, Notification
from portal.core.workflow import InvalidTransition
from portal.extensions import db
from portal.scoring import focus_plans
from portal.scoring.models import FocusPlan, ResultApplication
from tests.scoring.builders import as_user

PLAN = "1. Retrain every operator on media rules by 30 June. 2. Weekly self-check signed by the manager."
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(build):
    firm = build.firm(district_code="510502", focus_supervision=True, grade="D")
    listing = ResultApplication(firm_id=firm.id, action="focus_supervision", applied_at=clock.utcnow(),
                                detail={"grade": "D", "plan_required": True, "reasons": []})
    db.session.add(listing)
    db.session.commit()
    return {
        "firm": firm, "listing": listing,
        "vendor": build.user("vendor", firm_id=firm.id),
        "regulator": build.district_regulator("510502"),
        "elsewhere": build.district_regulator("510503"),
        "other_vendor": build.user("vendor", firm_id=build.firm(district_code="510502").id),
    }


def test_firm_submits_regulator_returns_firm_resubmits_regulator_accepts(client, login, world):
    login(world["vendor"])
    home = client.get("/home/?lang=en").get_data(as_text=True)
    assert 'href="/scoring/focus/plan"' in home
    assert 'data-testid="focus-notice"' in client.get("/scoring/?lang=en").get_data(as_text=True)
    response = client.post("/scoring/focus/plan", data={"plan_text": PLAN, "version": "",
                                                        "attachment": (BytesIO(PDF), "plan.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    plan = db.session.scalar(select(FocusPlan))
    assert plan.status == "submitted" and plan.firm_id == world["firm"].id and len(focus_plans.files_of(plan.id)) == 1
    assert db.session.scalar(select(Notification).where(Notification.user_id == world["regulator"].id,
                                                        Notification.link == f"/scoring/focus/plans/{plan.id}"))
    client.post("/auth/logout")

    login(world["regulator"])
    focus_page = client.get("/scoring/focus?lang=en").get_data(as_text=True)
    assert f'href="/scoring/focus/plans/{plan.id}"' in focus_page
    detail = client.get(f"/scoring/focus/plans/{plan.id}?lang=en").get_data(as_text=True)
    assert PLAN[:40] in detail and 'value="accept"' in detail
    response = client.post(f"/scoring/focus/plans/{plan.id}/decide",
                           data={"action": "return", "reason": "", "version": plan.version_id})
    assert response.status_code == 422  # a return needs its reason
    db.session.expire_all()
    assert db.session.get(FocusPlan, plan.id).status == "submitted"
    client.post(f"/scoring/focus/plans/{plan.id}/decide",
                data={"action": "return", "reason": "Name who signs the weekly check.", "version": plan.version_id})
    db.session.expire_all()
    plan = db.session.get(FocusPlan, plan.id)
    assert plan.status == "returned" and plan.decision_reason == "Name who signs the weekly check."
    assert db.session.scalar(select(Notification).where(Notification.user_id == world["vendor"].id,
                                                        Notification.link == f"/scoring/focus/plans/{plan.id}"))
    client.post("/auth/logout")

    login(world["vendor"])
    page = client.get("/scoring/focus/plan?lang=en").get_data(as_text=True)
    assert "Name who signs the weekly check." in page and 'name="plan_text"' in page
    client.post("/scoring/focus/plan", data={"plan_text": PLAN + " Signed by Wang Wu.", "version": plan.version_id})
    db.session.expire_all()
    plan = db.session.get(FocusPlan, plan.id)
    assert plan.status == "submitted" and plan.plan_text.endswith("Wang Wu.")
    client.post("/auth/logout")

    login(world["regulator"])
    client.post(f"/scoring/focus/plans/{plan.id}/decide", data={"action": "accept", "version": plan.version_id})
    db.session.expire_all()
    assert db.session.get(FocusPlan, plan.id).status == "accepted"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "focus_plan")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["focus_plan.submit", "focus_plan.return", "focus_plan.resubmit", "focus_plan.accept"]
    page = client.get(f"/scoring/focus/plans/{plan.id}?lang=zh_CN").get_data(as_text=True)
    assert "整改方案" in page and "已采纳" in page


def test_visibility_and_refusals(world):
    with as_user(world["vendor"]):
        with pytest.raises(ValidationFailed):
            focus_plans.submit_plan("too short")
        plan = focus_plans.submit_plan(PLAN)
        with pytest.raises(InvalidTransition):  # waiting for the regulator: no second submission
            focus_plans.submit_plan(PLAN, version=plan.version_id)
    with as_user(world["other_vendor"]):
        with pytest.raises(NotFound):
            focus_plans.get_plan(current_actor(), plan.id)
        with pytest.raises(Conflict):
            focus_plans.submit_plan(PLAN)  # not on the focus list
    with as_user(world["elsewhere"]), pytest.raises(NotFound):
        focus_plans.decide_plan(plan.id, "accept", version=plan.version_id)
    db.session.expire_all()
    assert db.session.get(FocusPlan, plan.id).status == "submitted"


def test_pages_are_refused_to_others(client, login, world):
    with as_user(world["vendor"]):
        plan = focus_plans.submit_plan(PLAN)
    login(world["other_vendor"])
    assert client.get(f"/scoring/focus/plans/{plan.id}").status_code == 404
    client.post("/auth/logout")
    login(world["elsewhere"])
    assert client.get(f"/scoring/focus/plans/{plan.id}").status_code == 404
    response = client.post(f"/scoring/focus/plans/{plan.id}/decide", data={"action": "accept",
                                                                          "version": plan.version_id})
    assert response.status_code == 404
