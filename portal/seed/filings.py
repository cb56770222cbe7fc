"""Demo project filings: about 200 projects over the last two years in every workflow state, each with
a consistent timeline, gap-free numbers per year, late filings, change filings and failed acceptances."""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal.auth.models import User
from portal.core import clock, crypto, outbox
from portal.core.identifiers import make_id_number
from portal.core.models import StateTransition
from portal.extensions import db
from portal.filings import numbers as filing_numbers
from portal.filings import service as filings
from portal.filings import submission as filing_rules
from portal.filings.models import ChangeFiling, FilingNumberCounter, ProjectFiling
from portal.firms.models import Certificate, Firm, StaffMember
from portal.orgs.models import Agency

PROJECTS = 200
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平"]
CATEGORIES = ["文书档案", "会计档案", "人事档案", "科技档案", "基建档案", "照片档案", "业务档案"]
SERVICE_WORDS = {"arrangement": "整理", "digitisation": "数字化", "storage": "寄存保管", "consulting": "咨询",
                 "exploitation": "开发利用", "destruction": "鉴定销毁"}
# Final state → weight; every state of the workflow appears.
FINAL_STATES = {
    "draft": 8, "submitted": 10, "confirmed": 8, "declined": 5, "under_review": 10, "returned": 6, "rejected": 4,
    "registered": 14, "in_progress": 40, "completed": 14, "accepted": 16, "closed": 65,
}
# Steps leading to each final state (after "create").
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "confirmed": ["submit", "confirm"],
    "declined": ["submit", "decline"],
    "under_review": ["submit", "confirm", "start_review"],
    "returned": ["submit", "confirm", "start_review", "return"],
    "rejected": ["submit", "confirm", "start_review", "reject"],
    "registered": ["submit", "confirm", "start_review", "register"],
    "in_progress": ["submit", "confirm", "start_review", "register", "start_work"],
    "completed": ["submit", "confirm", "start_review", "register", "start_work", "complete"],
    "accepted": ["submit", "confirm", "start_review", "register", "start_work", "complete", "accept"],
    "closed": ["submit", "confirm", "start_review", "register", "start_work", "complete", "accept", "close"],
}
TO_STATE = {"create": "draft", "submit": "submitted", "confirm": "confirmed", "decline": "declined",
            "start_review": "under_review", "return": "returned", "reject": "rejected", "register": "registered",
            "start_work": "in_progress", "complete": "completed", "accept": "accepted",
            "fail_acceptance": "in_progress", "close": "closed"}
GAPS = {"submit": (1, 6), "confirm": (1, 6), "decline": (2, 8), "start_review": (1, 4), "return": (2, 9),
        "reject": (2, 9), "register": (1, 8), "start_work": (1, 10), "complete": (30, 150), "accept": (4, 20),
        "fail_acceptance": (4, 15), "close": (1, 12)}
RECENT = {"draft": (1, 40), "submitted": (3, 25), "confirmed": (5, 30), "under_review": (8, 40),
          "returned": (10, 50), "declined": (10, 60), "registered": (15, 60), "in_progress": (40, 260),
          "completed": (60, 300)}
REASONS = {
    "decline": "合同尚未签订，请签订后重新报备",
    "return": "工作方案中安全保密措施不具体，请补充视频监控保存期限和介质管理要求",
    "reject": "外包企业经营范围不含档案数字化服务",
    "fail_acceptance": "抽检发现部分图像模糊、著录项缺漏，请返工整改后重新提交验收",
}


def _staff_for(firm: Firm, rng: random.Random) -> list[int]:
    """The firm's qualified active staff; three qualified people are added to an empty roster."""
    ids = filing_rules.qualified_staff_ids(firm.id)
    if ids:
        return ids
    if db.session.scalar(select(func.count(StaffMember.id)).where(StaffMember.firm_id == firm.id)):
        return []
    today = clock.today()
    for role in ("project_manager", "qa", "operator"):
        birth = date(rng.randint(1970, 2000), rng.randint(1, 12), rng.randint(1, 28))
        id_number = make_id_number(firm.district_code, birth, rng)
        member = StaffMember(
            firm_id=firm.id, name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            id_number_enc=crypto.encrypt(id_number), id_number_hash=crypto.lookup_hash(id_number),
            phone_enc=crypto.encrypt(f"13{rng.randint(100000000, 999999999)}"), role=role,
            contract_date=today - timedelta(days=rng.randint(400, 900)),
            commitment_date=today - timedelta(days=rng.randint(300, 390)),
            training_days=rng.randint(5, 10), assessment_passed=True, background_checked=True, active=True,
        )
        db.session.add(member)
    db.session.flush()
    return filing_rules.qualified_staff_ids(firm.id)


def _licence_for(firm: Firm, rng: random.Random) -> None:
    """A current business licence, so demo firms can file (the firms area seeds the full certificates)."""
    if db.session.scalar(select(Certificate.id).where(Certificate.firm_id == firm.id,
                                                      Certificate.cert_type == "business_licence")):
        return
    today = clock.today()
    db.session.add(Certificate(firm_id=firm.id, cert_type="business_licence", number=firm.uscc,
                               issuer="泸州市市场监督管理局", issued_on=today - timedelta(days=rng.randint(800, 3000)),
                               expires_on=None))


def agency_user_of_name(users: dict[str, int], username: str) -> Agency | None:
    user = db.session.get(User, users[username]) if username in users else None
    return db.session.get(Agency, user.agency_id) if user is not None and user.agency_id else None


def _user_ids() -> dict[str, int]:
    return {name: uid for uid, name in db.session.execute(select(User.id, User.username))}


def seed(rng: random.Random) -> None:
    if db.session.scalar(select(func.count(ProjectFiling.id))):
        return
    firms = list(db.session.scalars(select(Firm).order_by(Firm.id)))
    agencies = list(db.session.scalars(select(Agency).order_by(Agency.id)))
    if not firms or not agencies:
        return
    users = _user_ids()
    vendor_of = {u.firm_id: (u.id, u.username) for u in db.session.scalars(
        select(User).where(User.firm_id.is_not(None)).order_by(User.id))}
    agency_user_of = {u.agency_id: (u.id, u.username) for u in db.session.scalars(
        select(User).where(User.agency_id.is_not(None)).order_by(User.id))}
    staff_of = {}
    for firm in firms:
        _licence_for(firm, rng)
        staff_of[firm.id] = _staff_for(firm, rng)
    staff_by_id = {m.id: m for m in db.session.scalars(select(StaffMember))}

    now = clock.utcnow()
    finals = [state for state, weight in FINAL_STATES.items() for _ in range(weight)]
    rng.shuffle(finals)
    projects = []
    # agency01 (the demo agency account people try first) always has an accepted project to rate.
    agency01 = agency_user_of_name(users, "agency01")
    for index, final in enumerate(finals[:PROJECTS]):
        firm = firms[index % len(firms)] if index < len(firms) else rng.choice(firms)
        agency = rng.choice(agencies)
        if final == "accepted" and agency01 is not None:
            agency, agency01 = agency01, None
        projects.append(_project(rng, firm, agency, final, now, staff_of, staff_by_id, vendor_of, agency_user_of, users))
    _number(projects)
    db.session.flush()
    for filing, steps, changes in projects:
        for action, from_state, to_state, at, actor_id, actor_name, reason in steps:
            db.session.add(StateTransition(object_type=filings.OBJECT_TYPE, object_id=filing.id, action=action,
                                           from_state=from_state, to_state=to_state, actor_id=actor_id,
                                           actor_name=actor_name, at=at, reason=reason))
        for change, change_steps in changes:
            change.filing_id = filing.id
            db.session.add(change)
            db.session.flush()
            for action, from_state, to_state, at, actor_id, actor_name, reason in change_steps:
                db.session.add(StateTransition(object_type="change_filing", object_id=change.id, action=action,
                                               from_state=from_state, to_state=to_state, actor_id=actor_id,
                                               actor_name=actor_name, at=at, reason=reason))
    uscc_of = {firm.id: firm.uscc for firm in firms}
    for filing, _steps, _changes in projects:
        if filing.number:
            # Every numbered filing has its platform case (办件), as filings made through the portal do.
            outbox.enqueue("case_create", {"case_no": filing.number, "status": filing.status,
                                           "title": filing.title, "applicant_uscc": uscc_of[filing.firm_id]},
                           idempotency_key=f"case:{filing.id}:seed")
    db.session.flush()


def _regulator_for(agency: Agency, users: dict[str, int], rng: random.Random) -> tuple[int | None, str]:
    name = "district" if agency.district_code == "510502" and rng.random() < 0.6 else "regulator"
    return users.get(name), name


def _project(rng, firm, agency, final, now, staff_of, staff_by_id, vendor_of, agency_user_of, users):
    steps_plan = list(PATHS[final])
    failed_once = final in ("accepted", "closed", "in_progress") and rng.random() < 0.15
    if failed_once:
        if final == "in_progress":
            steps_plan += ["complete", "fail_acceptance"]
        else:
            at = steps_plan.index("accept")
            steps_plan[at:at] = ["fail_acceptance", "complete"]
    # Walk forward from a provisional creation time, then shift so the last step lies in the past.
    # Projects still waiting for someone are recent; finished ones spread over two years.
    low, high = RECENT.get(final, (20, 700))
    created = now - timedelta(days=rng.randint(low, high), hours=rng.randint(0, 10))
    moments = [created]
    for action in steps_plan:
        low, high = GAPS[action]
        moments.append(moments[-1] + timedelta(days=rng.randint(low, high), hours=rng.randint(0, 8),
                                               minutes=rng.randint(0, 59)))
    overflow = moments[-1] - (now - timedelta(hours=rng.randint(2, 72)))
    if overflow > timedelta(0):
        moments = [m - overflow for m in moments]
    submitted_at = moments[1] if steps_plan else None
    late = submitted_at is not None and rng.random() < 0.09
    start_anchor = (submitted_at or moments[0]).date()
    start_date = start_anchor - timedelta(days=rng.randint(1, 12)) if late else start_anchor + timedelta(days=rng.randint(8, 25))
    if "start_work" in steps_plan:
        start_date = min(start_date, moments[steps_plan.index("start_work") + 1].date())
        if not late and submitted_at and start_date < submitted_at.date():
            start_date = submitted_at.date()
    duration = rng.randint(45, 200)
    service = rng.choice(firm.service_types or ["digitisation"])
    category = rng.choice(CATEGORIES)
    year_to = rng.randint(2005, 2023)
    volumes = rng.randint(3, 60) * 100
    quantities = {"volumes": volumes, "pages": volumes * rng.randint(25, 60)}
    if rng.random() < 0.3:
        quantities["items"] = rng.randint(5, 40) * 100
    if service == "storage":
        quantities = {"boxes": rng.randint(50, 800)}
    staff_ids = staff_of.get(firm.id) or []
    chosen = rng.sample(staff_ids, k=min(len(staff_ids), rng.randint(2, 3))) if staff_ids else []
    off_site = rng.random() < 0.12
    filing = ProjectFiling(
        firm_id=firm.id, agency_id=agency.id, district_code=agency.district_code, status=final,
        title=f"{agency.name}{category}{SERVICE_WORDS[service]}项目（{year_to - rng.randint(5, 30)}—{year_to}年）",
        contract_number=f"HT-{created.year}-{rng.randint(100, 999)}",
        contract_date=created.date() - timedelta(days=rng.randint(1, 20)),
        contract_amount=Decimal(rng.randint(30, 900) * 1000),
        contract_scope=f"对{category}{volumes}卷进行{SERVICE_WORDS[service]}",
        quality_standard="DA/T 22-2015《归档文件整理规则》；DA/T 31-2017《纸质档案数字化规范》",
        technical_standard="彩色扫描分辨率不低于300dpi，图像格式TIFF/JPEG，著录项目齐全准确",
        service_types=[service] + (["arrangement"] if service == "digitisation" and rng.random() < 0.5 else []),
        archive_categories=category, year_from=year_to - rng.randint(5, 30), year_to=year_to,
        quantities=quantities, non_classified_declared=True,
        site_type="off_site" if off_site else "agency_premises",
        site_address=firm.operating_address if off_site else agency.name,
        off_site_reason="立档单位无适合加工场地" if off_site else "",
        off_site_safeguards="专车专人交接运输，加工场地门禁及视频监控，全程登记" if off_site else "",
        plan_goals=f"按期完成{category}{SERVICE_WORDS[service]}，质量合格率不低于98%",
        plan_procedure="档案交接—前处理—扫描—图像处理—质检—数据挂接—移交", plan_hardware_software="高速扫描仪、平板扫描仪、内网加工服务器、数字化加工软件",
        plan_staffing="项目经理1名、质检员1名、加工人员若干，分工明确", plan_indicators="图像清晰完整，著录准确率≥99%",
        plan_acceptance_basis="DA/T 31-2017及合同约定，抽检比例不低于5%", plan_security="加工计算机断网，专用存储介质登记，视频监控保存90天",
        plan_schedule=f"{duration}天内完成，分三个阶段", plan_risk_control="档案损毁、数据泄露应急预案",
        security_checklist={**{key: rng.random() > 0.05 for key in filings.SECURITY_CHECKLIST},
                            "video_retention_days": rng.choice([90, 90, 180])},
        start_date=start_date, end_date=start_date + timedelta(days=duration), is_late=late,
        created_at=moments[0], updated_at=moments[-1], delivered_quantities={}, acceptance_attempts=0,
        acceptance_opinion="",
        staff=[staff_by_id[i] for i in chosen if i in staff_by_id],
    )
    vendor_id, vendor_name = vendor_of.get(firm.id, (None, "system"))
    agency_id, agency_name = agency_user_of.get(agency.id, (None, "system"))
    regulator_id, regulator_name = _regulator_for(agency, users, rng)
    who = {"submit": (vendor_id, vendor_name), "start_work": (vendor_id, vendor_name),
           "complete": (vendor_id, vendor_name), "close": (vendor_id, vendor_name),
           "confirm": (agency_id, agency_name), "decline": (agency_id, agency_name),
           "accept": (agency_id, agency_name), "fail_acceptance": (agency_id, agency_name)}
    steps = [("create", None, "draft", moments[0], vendor_id, vendor_name, "")]
    state = "draft"
    for action, at in zip(steps_plan, moments[1:], strict=True):
        actor_id, actor_name = who.get(action, (regulator_id, regulator_name))
        to_state = TO_STATE[action]
        steps.append((action, state, to_state, at, actor_id, actor_name, REASONS.get(action, "")))
        stamp = filings._STAMPS.get(to_state)
        if stamp:
            setattr(filing, stamp, at)
        if action == "start_work" and filing.started_at is None:
            filing.started_at = at
        if action == "complete":
            filing.delivered_quantities = {k: v - (rng.randint(0, 3) if k == "volumes" else 0) for k, v in quantities.items()}
            filing.data_wipe_confirmed = True
        if action in ("accept", "fail_acceptance"):
            filing.acceptance_attempts += 1
            total = sum(quantities.values())
            filing.acceptance_sample_size = max(20, total // 20)
            filing.acceptance_pass_rate = Decimal(rng.randint(960, 1000)) / 10 if action == "accept" else Decimal(rng.randint(820, 940)) / 10
            filing.acceptance_opinion = REASONS["fail_acceptance"] if action == "fail_acceptance" else "验收合格"
            if action == "fail_acceptance":
                filing.completed_at = None
        state = to_state
    filing.submitted_at = submitted_at
    changes = _changes(rng, filing, steps_plan, moments, chosen, staff_of, staff_by_id, vendor_id, vendor_name,
                       regulator_id, regulator_name, now)
    return filing, steps, changes


def _changes(rng, filing, steps_plan, moments, chosen, staff_of, staff_by_id, vendor_id, vendor_name,
             regulator_id, regulator_name, now):
    if "start_work" not in steps_plan or rng.random() > 0.25:
        return []
    begin = moments[steps_plan.index("start_work") + 1]
    end = moments[-1] if filing.status != "in_progress" else now - timedelta(hours=1)
    if end - begin < timedelta(days=2):
        return []
    at = begin + (end - begin) * rng.uniform(0.2, 0.8)
    kind = rng.choice(["schedule", "staff", "scope"])
    if kind == "staff":
        pool = [i for i in staff_of.get(filing.firm_id, []) if i not in chosen]
        if not pool or not chosen:
            kind = "schedule"
    if kind == "schedule":
        before = {"start_date": filing.start_date.isoformat(), "end_date": filing.end_date.isoformat()}
        filing.end_date = filing.end_date + timedelta(days=rng.randint(10, 60))
        after = {"start_date": filing.start_date.isoformat(), "end_date": filing.end_date.isoformat()}
        reason = "立档单位增加待处理档案，延长工期"
    elif kind == "staff":
        before = {"staff": [{"id": i, "name": staff_by_id[i].name} for i in sorted(chosen)]}
        new_ids = sorted(chosen[1:] + [rng.choice(pool)])
        after = {"staff": [{"id": i, "name": staff_by_id[i].name} for i in new_ids]}
        filing.staff = [staff_by_id[i] for i in new_ids]
        reason = "原加工人员离职，更换为已培训合格人员"
    else:
        before = {"contract_scope": filing.contract_scope, "quantities": dict(filing.quantities)}
        quantities = dict(filing.quantities)
        first_unit = next(iter(quantities))
        quantities[first_unit] = int(quantities[first_unit] * 1.2)
        filing.quantities = quantities
        filing.contract_scope = filing.contract_scope + "（补充协议增加20%）"
        after = {"contract_scope": filing.contract_scope, "quantities": quantities}
        reason = "签订补充协议，增加加工数量"
    late = rng.random() < 0.2
    effective = (at - timedelta(days=rng.randint(2, 10))) if late else (at + timedelta(days=rng.randint(1, 10)))
    after["effective_date"] = effective.date().isoformat()
    pending = filing.status == "in_progress" and rng.random() < 0.4
    decided_at = at + timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 6))
    if decided_at >= now:
        pending = True
    status = ("under_review" if rng.random() < 0.5 else "submitted") if pending else "approved"
    change = ChangeFiling(change_type=kind, status=status, before=before, after=after, reason=reason, is_late=late,
                          submitted_by_id=vendor_id, created_at=at, updated_at=decided_at if not pending else at,
                          decided_by_id=None if pending else regulator_id,
                          decided_at=None if pending else decided_at,
                          decision_reason="" if pending else "变更事项符合要求，予以备案")
    steps = [("submit", None, "submitted", at, vendor_id, vendor_name, reason)]
    if status in ("under_review", "approved"):
        steps.append(("start_review", "submitted", "under_review", at + (decided_at - at) / 2, regulator_id,
                      regulator_name, ""))
    if status == "approved":
        steps.append(("approve", "under_review", "approved", decided_at, regulator_id, regulator_name,
                      change.decision_reason))
    if pending and kind != "staff":
        # Not yet approved: the filing keeps its old values.
        for key, value in before.items():
            if key in ("start_date", "end_date"):
                setattr(filing, key, date.fromisoformat(value))
            else:
                setattr(filing, key, value)
    elif pending:
        filing.staff = [staff_by_id[entry["id"]] for entry in before["staff"]]
    return [(change, steps)]


def _number(projects) -> None:
    """Numbers in order of first submission, gap-free per year; the counters continue from there."""
    submitted = sorted((p for p in projects if p[0].submitted_at), key=lambda p: p[0].submitted_at)
    counters: dict[int, int] = {}
    for filing, _steps, _changes in submitted:
        year = filing.submitted_at.year
        counters[year] = counters.get(year, 0) + 1
        filing.number = filing_numbers.format_number(year, counters[year])
    for filing, _steps, _changes in projects:
        db.session.add(filing)
    for year, last in counters.items():
        row = db.session.get(FilingNumberCounter, year)
        if row is None:
            db.session.add(FilingNumberCounter(year=year, last_number=last))
        else:
            row.last_number = max(row.last_number, last)
