"""Demo supervision records: checklists, inspections (planned, drawn, failed), rectification orders in
every state, notices with partial receipts and liaison confirmations (some firms overdue)."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from portal.auth.models import User
from portal.core import clock, transactions
from portal.core.context import reset_actor, set_actor
from portal.core.workdays import add_workdays
from portal.extensions import db
from portal.firms.models import Firm
from portal.supervision import alerts, inspections, notices, rectification
from portal.supervision.models import Inspection, LiaisonConfirmation, Notice, RectificationOrder
from portal.web.context import actor_for_user


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def seed(rng: random.Random) -> None:
    regulator, lead, district = _user("regulator"), _user("lead"), _user("district")
    firms = list(db.session.scalars(select(Firm).order_by(Firm.id)))
    if regulator is None or lead is None or len(firms) < 12:
        return  # the organisations step did not run
    vendors = {f.id: _user(f"vendor{i + 1:02d}") for i, f in enumerate(firms)}
    inspections.ensure_default_templates()
    transactions.commit()
    if (db.session.scalar(select(func.count(Inspection.id))) or 0) == 0:
        _inspections(rng, regulator, lead, district, firms)
    # Other areas' seeds may already have issued orders (from incidents); ours come from inspections.
    if (db.session.scalar(select(func.count(RectificationOrder.id))
                          .where(RectificationOrder.incident_id.is_(None))) or 0) == 0:
        _rectifications(regulator, lead, firms, vendors)
    if (db.session.scalar(select(func.count(Notice.id))) or 0) == 0:
        _notices(regulator, firms, vendors)
    if (db.session.scalar(select(func.count(LiaisonConfirmation.id))) or 0) == 0:
        _liaison(firms, vendors)
    alerts.scan()


def _as(user):
    return actor_for_user(user)


def _record(actor, inspection, fail_codes: tuple[str, ...]) -> None:
    items = inspections.template_items(inspection.template_id)
    results = [inspections.ItemResult(i.id, "fail" if i.code in fail_codes else "pass",
                                      "现场未见记录" if i.code in fail_codes else "") for i in items]
    token = set_actor(actor)
    try:
        inspections.record_results(actor, inspection.id, results, "检查发现问题，需整改" if fail_codes else "符合要求")
    finally:
        reset_actor(token)


def _inspections(rng: random.Random, regulator, lead, district, firms) -> None:
    city = _as(regulator)
    token = set_actor(city)
    try:
        today = clock.today()
        # Planned by hand.
        inspections.plan_inspection(city, firms[3].id, today + timedelta(days=7), regulator.id, lead.id)
        # A random draw of three firms (seed from the demo generator, so demo data are reproducible).
        inspections.random_draw(city, 3, "firm", today + timedelta(days=14), seed=f"{rng.getrandbits(64):016x}")
        # Done: one passed and published, one with failed security items.
        passed = inspections.plan_inspection(city, firms[1].id, today - timedelta(days=20), regulator.id, lead.id)
        _record(city, passed, ())
        inspections.conclude(city, passed.id, "pass")
        inspections.publish(_as(lead), passed.id)
        failed = inspections.plan_inspection(city, firms[2].id, today - timedelta(days=10), regulator.id, lead.id)
        _record(city, failed, ("D5-5", "S-4"))
    finally:
        reset_actor(token)


def _rectifications(regulator, lead, firms, vendors) -> None:
    city = _as(regulator)
    token = set_actor(city)
    try:
        failed = db.session.scalar(select(Inspection).where(Inspection.status == "checked").limit(1))
        orders = []
        if failed is not None:
            orders.append(rectification.issue_from_inspection(city, failed.id, "按检查意见整改并提交佐证材料"))
        for firm in firms[4:10]:
            orders.append(rectification.issue_by_hand(city, firm.id, ["访客登记不完整", "介质使用未登记"],
                                                      "完善访客登记和介质管理制度，提交整改报告"))
        issued, answered, rejected, verified, overdue, escalated = orders[:6]
    finally:
        reset_actor(token)

    def respond(order, text):
        vendor = vendors.get(order.firm_id)
        if vendor is None:
            return
        t = set_actor(_as(vendor))
        try:
            rectification.respond(_as(vendor), order.id, text)
        finally:
            reset_actor(t)

    respond(answered, "已补充访客登记簿并建立介质台账")
    respond(rejected, "已整改")
    token = set_actor(city)
    try:
        rectification.reject(city, rejected.id, "未提供佐证材料，请补充照片和台账复印件")
    finally:
        reset_actor(token)
    respond(verified, "已完成整改，附台账")
    token = set_actor(city)
    try:
        rectification.verify(city, verified.id)
        for order in (overdue, escalated):
            order.deadline = clock.today() - timedelta(days=3)
        transactions.commit()
        alerts.scan(city)
        rectification.escalate(_as(lead), escalated.id, "逾期未整改", clock.today(), "企业负责人、监督指导科",
                               "约谈企业负责人，责令七日内完成整改")
    finally:
        reset_actor(token)
    del issued


def _notices(regulator, firms, vendors) -> None:
    city = _as(regulator)
    token = set_actor(city)
    try:
        first = notices.publish_notice(city, "关于开展档案服务外包安全自查的通知",
                                       "各档案服务企业：请于本月底前完成安全自查，并在平台确认。")
        notices.publish_notice(city, "关于更新联络人信息的提醒", "请各企业核实并确认本季度联络人信息。",
                               firm_ids=[f.id for f in firms[:5]], requires_ack=False)
        # To the agencies (立档单位) with an acknowledgement deadline ten working days ahead.
        notices.publish_notice(city, "关于做好外包项目差评回访工作的通知",
                               "各立档单位：对评价为不满意、非常不满意的外包项目，请在企业反馈整改情况后及时回访确认。",
                               audience="agencies", ack_deadline=add_workdays(clock.today(), 10))
    finally:
        reset_actor(token)
    for i, firm in enumerate(firms[:15]):
        vendor = vendors.get(firm.id)
        if vendor is None:
            continue
        t = set_actor(_as(vendor))
        try:
            notices.open_notice(_as(vendor), first.id)
            if i % 2 == 0:
                notices.acknowledge_notice(_as(vendor), first.id)
        finally:
            reset_actor(t)


def _liaison(firms, vendors) -> None:
    for firm in firms[:10]:
        vendor = vendors.get(firm.id)
        if vendor is None:
            continue
        t = set_actor(_as(vendor))
        try:
            from portal.core import crypto

            notices.confirm_liaison(_as(vendor), firm.liaison_name or "联络人",
                                    crypto.decrypt(firm.liaison_phone_enc) or "13800000000", firm.liaison_email)
        finally:
            reset_actor(t)
    for firm in firms[-6:]:
        firm.liaison_confirmed_at = clock.utcnow() - timedelta(days=120)
    transactions.commit()
