"""Demo scoring: the last two quarters scored, published, objected to (one objection upheld, one
amended), finalised and applied, so grades show in the directory and one firm is on the focus list.

Runs after the other areas' seeds and scores whatever evidence they left. When the two quarters hold
almost no evidence (a database seeded by this area alone), it first records a small, deterministic set
of projects, acceptances, feedback, inspections and rectification orders in those quarters, so the
scores have something real to explain; nothing is ever scored without evidence rows behind it.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal.auth.models import User
from portal.core import clock, transactions
from portal.core.context import reset_actor, set_actor
from portal.extensions import db
from portal.feedback.models import Feedback
from portal.filings.models import FilingNumberCounter, ProjectFiling
from portal.firms.models import Firm, StaffMember
from portal.incidents.models import Incident
from portal.orgs.models import Agency
from portal.scoring import service as scoring
from portal.scoring.models import FirmScore, ScoringPeriod
from portal.supervision.models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionResult,
    LiaisonConfirmation,
    RectificationOrder,
)
from portal.web.context import actor_for_user

MIN_PROJECTS = 20  # fewer projects than this in the two quarters: add the demo evidence


def last_two_quarters(today: date) -> list[tuple[str, date, date]]:
    """(label, first day, last day) of the two quarters before the current one, oldest first."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    out = []
    for _ in range(2):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        label = f"{year}Q{quarter}"
        _kind, first, last = scoring.parse_period_label(label)
        out.insert(0, (label, first, last))
    return out


def _at(day: date, hour: int = 2) -> datetime:
    return datetime.combine(day, time(hour))


def seed(rng: random.Random) -> None:
    quarters = last_two_quarters(clock.today())
    if db.session.scalar(select(ScoringPeriod.id).where(ScoringPeriod.label.in_([q[0] for q in quarters]))):
        return
    lead = db.session.scalar(select(User).where(User.username == "lead"))
    firms = list(db.session.scalars(select(Firm).where(Firm.status == "active").order_by(Firm.id)))
    if lead is None or not firms:
        return
    first, last = quarters[0][1], quarters[-1][2]
    projects = db.session.scalar(select(func.count(ProjectFiling.id)).where(
        ProjectFiling.start_date >= first, ProjectFiling.start_date <= last)) or 0
    if projects < MIN_PROJECTS:
        _demo_evidence(rng, firms, quarters)
        transactions.commit()
    try:
        for index, (label, _first, last_day) in enumerate(quarters):
            _score_quarter(rng, lead, label, last_day, with_objections=index == len(quarters) - 1)
    finally:
        clock.freeze(None)


def _score_quarter(rng: random.Random, lead: User, label: str, last_day: date, with_objections: bool) -> None:
    """Run, publish, object, decide, finalise and apply one quarter at the dates it would have happened."""
    lead_token = set_actor(actor_for_user(lead))
    try:
        clock.freeze(_at(last_day + timedelta(days=6)))
        period = scoring.open_period(label)
        scoring.run_period(period.id)
        _ensure_focus_case(period)
        scoring.publish_period(period.id)
    finally:
        reset_actor(lead_token)
    if with_objections:
        clock.freeze(_at(last_day + timedelta(days=8)))
        _objections(rng, period, lead)
    clock.freeze(_at(period.objection_deadline + timedelta(days=1), 3))
    lead_token = set_actor(actor_for_user(lead))
    try:
        scoring.finalise_period(period.id)
        scoring.apply_period(period.id)
    finally:
        reset_actor(lead_token)


def _ensure_focus_case(period: ScoringPeriod) -> None:
    """The demo promises a firm on the focus list: if nobody scored D, the weakest firm's upheld leak
    incident of the quarter (recorded here) vetoes its grade."""
    scores = list(db.session.scalars(select(FirmScore).where(FirmScore.period_id == period.id,
                                                             FirmScore.status == "rated")))
    if not scores or any(s.grade == "D" for s in scores):
        return
    weakest = min(scores, key=lambda s: (s.total if s.total is not None else Decimal(101), s.firm_id))
    firm = db.session.get(Firm, weakest.firm_id)
    day = period.ends_on - timedelta(days=20)
    db.session.add(Incident(firm_id=firm.id, district_code=firm.district_code, incident_type="leak",
                            severity="high", occurred_at=_at(day), status="upheld", reporter_role="agency",
                            description="扫描件经个人邮箱外发，造成档案信息泄露。",
                            conclusion="经调查属实，违反保密协议。", decided_at=_at(day + timedelta(days=5)),
                            veto=True))
    transactions.commit()
    scoring.run_period(period.id)


def _objections(rng: random.Random, period: ScoringPeriod, lead: User) -> None:
    """One objection the lead upholds and one the lead amends, each from a different firm."""
    scores = list(db.session.scalars(select(FirmScore).where(FirmScore.period_id == period.id,
                                                             FirmScore.status == "rated",
                                                             FirmScore.vetoed.is_(False))
                                     .order_by(FirmScore.firm_id)))
    amend = next((s for s in scores if _late_filings(s)), None)
    uphold = next((s for s in scores if s is not amend and "feedback.quality" in s.evidence.get("inputs", {})),
                  None)
    decided = []
    for score, code, reason in (
        (amend, "filing.before_start", "其中一个项目已于开工前通过纸质方式向档案局报备，附报备回执。"),
        (uphold, "feedback.quality", "立档单位对质量的评价与验收结论不一致，请求复核。"),
    ):
        if score is None:
            continue
        vendor = db.session.scalar(select(User).where(User.firm_id == score.firm_id).order_by(User.id))
        if vendor is None:
            continue
        token = set_actor(actor_for_user(vendor))
        try:
            decided.append((scoring.submit_objection(score.id, code, reason), score))
        finally:
            reset_actor(token)
    clock.freeze(clock.utcnow() + timedelta(days=3))
    token = set_actor(actor_for_user(lead))
    try:
        for objection, score in decided:
            if objection.indicator_code == "filing.before_start":
                numerator, count = score.evidence["inputs"]["filing.before_start"]
                scoring.decide_objection(objection.id, "amend", "经核对纸质报备回执，该项目确于开工前报备，予以更正。",
                                         numerator=str(int(Decimal(numerator)) + 1), count=str(count))
            else:
                scoring.decide_objection(objection.id, "uphold", "评价由立档单位依据验收情况独立作出，维持原评分。")
    finally:
        reset_actor(token)


def _late_filings(score: FirmScore) -> bool:
    pair = score.evidence.get("inputs", {}).get("filing.before_start")
    return bool(pair) and Decimal(pair[0]) < pair[1]


# --- demo evidence -----------------------------------------------------------------------------------


def _next_number(year: int) -> str:
    counter = db.session.get(FilingNumberCounter, year)
    if counter is None:
        counter = FilingNumberCounter(year=year, last_number=0)
        db.session.add(counter)
    prefix = f"LZWB-{year}-"
    used = db.session.scalar(select(func.max(ProjectFiling.number)).where(ProjectFiling.number.like(f"{prefix}%")))
    counter.last_number = max(counter.last_number, int(used[len(prefix):]) if used else 0) + 1
    db.session.flush()
    return f"{prefix}{counter.last_number:04d}"


def _template() -> tuple[ChecklistTemplate, list[ChecklistItem]]:
    template = db.session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.name == "安全保密检查（评分演示）"))
    if template is None:
        template = ChecklistTemplate(service_type="digitisation", name="安全保密检查（评分演示）")
        db.session.add(template)
        db.session.flush()
        for k, text in enumerate(["加工计算机未连接互联网", "使用经批准的专用存储介质并登记", "视频监控全覆盖并保存",
                                  "无个人电子设备进入加工区", "访客登记与每日签到", "介质出场前数据清除并核查"]):
            db.session.add(ChecklistItem(template_id=template.id, code=f"S{k + 1}", text=text,
                                         basis="数字化外包安全管理规定", is_security=True, position=k))
        db.session.flush()
    items = list(db.session.scalars(select(ChecklistItem).where(ChecklistItem.template_id == template.id)
                                    .order_by(ChecklistItem.position)))
    return template, items


def _demo_evidence(rng: random.Random, firms: list[Firm], quarters) -> None:
    agencies = list(db.session.scalars(select(Agency).order_by(Agency.id)))
    if not agencies:
        return
    template, items = _template()
    # A spread of firm quality, so the grades spread from A to D; the last three firms stay idle
    # in the period and are "not rated".
    working = firms[:-3] if len(firms) > 6 else firms
    quality = {f.id: 0.25 + 0.75 * (k / max(len(working) - 1, 1)) for k, f in enumerate(working)}
    rng.shuffle(working)
    for label, first, _last in quarters:
        for firm in working:
            q = quality[firm.id]
            local = [a for a in agencies if a.district_code == firm.district_code] or agencies
            staff = list(db.session.scalars(select(StaffMember).where(StaffMember.firm_id == firm.id,
                                                                      StaffMember.active.is_(True))))
            filings = []
            for _ in range(rng.randint(2, 4)):
                start = first + timedelta(days=rng.randint(3, 60))
                late = rng.random() < 0.7 * (1 - q)
                accepted = rng.random() < 0.5
                attempts = 1 if rng.random() < 0.4 + 0.6 * q else 2
                agency = rng.choice(local)
                filing = ProjectFiling(
                    number=_next_number(start.year), firm_id=firm.id, agency_id=agency.id,
                    district_code=agency.district_code, title=f"{agency.name}文书档案数字化（{label}）",
                    status="accepted" if accepted else "in_progress", contract_number=f"HT-{label}-{firm.id}",
                    contract_date=start - timedelta(days=20), contract_amount=Decimal(rng.randint(5, 60) * 10000),
                    contract_scope="文书档案整理与数字化", quality_standard="DA/T 22-2015",
                    technical_standard="DA/T 31-2017", service_types=["digitisation"],
                    quantities={"volumes": rng.randint(500, 5000)}, non_classified_declared=True,
                    start_date=start, end_date=start + timedelta(days=rng.randint(20, 40)), is_late=late,
                    submitted_at=_at(start + timedelta(days=3) if late else start - timedelta(days=rng.randint(3, 15))),
                    registered_at=_at(start - timedelta(days=1)), started_at=_at(start),
                )
                if accepted:
                    done = filing.end_date + timedelta(days=rng.randint(-5, 3 if q > 0.5 else 12))
                    filing.completed_at = _at(done)
                    filing.accepted_at = _at(done + timedelta(days=rng.randint(2, 8)))
                    filing.acceptance_attempts = attempts
                    filing.acceptance_sample_size = rng.randint(50, 200)
                    filing.acceptance_pass_rate = Decimal(str(round(min(100.0, 82 + 18 * q + rng.uniform(-3, 3)), 2)))
                if staff:
                    filing.staff = rng.sample(staff, min(2, len(staff)))
                db.session.add(filing)
                filings.append(filing)
            db.session.flush()
            for filing in filings[:2]:
                base = 1 + 4 * q
                ratings = [max(1, min(5, round(base + rng.uniform(-1, 1)))) for _ in range(5)]
                db.session.add(Feedback(
                    filing_id=filing.id, agency_id=filing.agency_id, firm_id=firm.id, period_key=f"{label}-m",
                    kind="milestone", quality=ratings[0], timeliness=ratings[1], security=ratings[2],
                    conduct=ratings[3], communication=ratings[4], hire_again=q > 0.5,
                    narrative="服务规范，响应及时。" if q > 0.6 else "进度偏慢，需加强质量控制。",
                    created_at=_at(filing.start_date + timedelta(days=15)),
                    updated_at=_at(filing.start_date + timedelta(days=15))))
            if rng.random() < 0.6:
                day = first + timedelta(days=rng.randint(20, 80))
                inspection = Inspection(firm_id=firm.id, filing_id=filings[0].id, district_code=firm.district_code,
                                        template_id=template.id, kind="random", status="passed", planned_on=day,
                                        checked_at=_at(day), findings="现场检查")
                db.session.add(inspection)
                db.session.flush()
                for item in items:
                    db.session.add(InspectionResult(inspection_id=inspection.id, item_id=item.id, is_security=True,
                                                    result="pass" if rng.random() < 0.45 + 0.55 * q else "fail"))
            if rng.random() < 0.35:
                deadline = first + timedelta(days=rng.randint(30, 85))
                on_time = rng.random() < q
                db.session.add(RectificationOrder(
                    number=f"ZG-{label}-{firm.id:03d}", firm_id=firm.id, district_code=firm.district_code,
                    items=["介质登记不完整"], requirement="完善存储介质登记并提交整改报告", deadline=deadline,
                    status="verified", issued_at=_at(deadline - timedelta(days=30)),
                    closed_at=_at(deadline - timedelta(days=3) if on_time else deadline + timedelta(days=6))))
            quarter_label = label
            if rng.random() < 0.9 and not db.session.scalar(select(LiaisonConfirmation.id).where(
                    LiaisonConfirmation.firm_id == firm.id, LiaisonConfirmation.quarter == quarter_label)):
                db.session.add(LiaisonConfirmation(firm_id=firm.id, quarter=quarter_label, contacts={},
                                                   confirmed_at=_at(first + timedelta(days=5))))
        db.session.flush()
