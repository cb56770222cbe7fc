"""Demo feedback and incidents: mostly good ratings, some low ones with narratives, firm replies, edits
with history, and incidents in every state (one upheld leak with a rectification order).

Runs after the filings step; when no filings exist it creates ten small ones itself. agency01 always
keeps one accepted project without completion feedback, for the demo and the phone test.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from portal.auth.models import User
from portal.core import clock
from portal.core.context import Actor, reset_actor, set_actor
from portal.extensions import db
from portal.feedback import rules
from portal.feedback.models import RATING_FIELDS, Feedback, FeedbackReply, FeedbackVersion
from portal.filings.models import FilingNumberCounter, ProjectFiling
from portal.firms.models import Firm
from portal.followups.models import FollowUp
from portal.incidents.models import Incident
from portal.orgs.models import Agency

LOW_NARRATIVES = [
    "扫描图像约有百分之三歪斜、缺页，返工两次才达到合同质量标准。",
    "进度比计划晚了三周，事先没有书面说明，也未提出调整方案。",
    "现场发现加工人员使用未登记的U盘，已当场制止并要求整改。",
    "项目经理中途更换两次，新人员未经培训就上岗，沟通成本很高。",
    "问题反馈后两天才回复，周报经常缺失。",
]
HIGH_NARRATIVES = [
    "抽检500页未发现差错，著录信息准确，质量超出合同要求。",
    "提前十天完成全部数字化加工，期间主动报告进度和风险。",
    "严格执行保密协议，每日交接介质登记完整，离场前数据清除有核验记录。",
    "项目团队专业规范，还帮助我单位完善了档案整理细则。",
    "沟通顺畅，问题当天响应并解决。",
]
REPLIES = [
    "感谢贵单位的评价，我们将继续保持服务质量。",
    "已对相关人员进行再培训，并增加了质检抽检比例，请继续监督。",
    "对进度延误深表歉意，已调整人员配置，后续项目将提前报告风险。",
    "收到意见，已更换项目经理并完善沟通机制。",
]
INCIDENT_STORIES = {
    "leak": "加工人员用手机拍摄档案内容并发送至个人微信群，经视频监控核实。",
    "loss": "交接清点时发现少一卷文书档案，现场反复查找未果。",
    "device_media_violation": "加工区发现一台接入互联网的笔记本电脑，未经登记。",
    "personnel_violation": "一名未签保密承诺书的临时人员进入加工现场。",
    "unauthorised_copy": "服务器日志显示有人将档案图像复制到未登记的移动硬盘。",
    "other": "加工场所空调故障，库房温湿度超出标准两天。",
}


def seed(rng: random.Random) -> None:
    token = set_actor(Actor(username="seed-demo"))
    try:
        _ensure_filings(rng)
        reserved = _reserve_for_agency01(rng)
        db.session.flush()
        if (db.session.scalar(select(func.count(Feedback.id))) or 0) == 0:
            _seed_feedback(rng, reserved)
        if (db.session.scalar(select(func.count(Incident.id))) or 0) == 0:
            _seed_incidents(rng, reserved)
        if (db.session.scalar(select(func.count(FollowUp.id))) or 0) == 0:
            _seed_followups()
    finally:
        reset_actor(token)


# -- filings (only when the filings step made none) -------------------------------------------------

def _next_number(year: int) -> str:
    counter = db.session.get(FilingNumberCounter, year)
    if counter is None:
        last = db.session.scalar(
            select(ProjectFiling.number).where(ProjectFiling.number.like(f"LZWB-{year}-%"))
            .order_by(ProjectFiling.number.desc()).limit(1)
        )
        counter = FilingNumberCounter(year=year, last_number=int(last.rsplit("-", 1)[1]) if last else 0)
        db.session.add(counter)
    counter.last_number += 1
    return f"LZWB-{year}-{counter.last_number:04d}"


def _filing(rng: random.Random, firm: Firm, agency: Agency, status: str, days_ago: int) -> ProjectFiling:
    now = clock.utcnow()
    start = now - timedelta(days=days_ago)
    finished = status in ("accepted", "closed")
    end = start + timedelta(days=rng.choice([90, 150, 240]))
    filing = ProjectFiling(
        number=_next_number(start.year), firm_id=firm.id, agency_id=agency.id, district_code=agency.district_code,
        title=f"{agency.name}{rng.choice(['文书档案数字化', '会计档案整理', '人事档案数字化', '基建档案整理'])}项目",
        status=status, contract_number=f"HT-{start.year}-{rng.randint(100, 999)}",
        contract_date=(start - timedelta(days=20)).date(), contract_amount=rng.randint(5, 60) * 10000,
        contract_scope="文书档案整理与数字化加工", quality_standard="DA/T 22-2015、DA/T 31-2017",
        technical_standard="DA/T 31-2017 图像分辨率不低于 300 dpi", service_types=["arrangement", "digitisation"],
        quantities={"volumes": rng.randint(500, 3000)}, non_classified_declared=True,
        site_address=f"{agency.name}档案室", start_date=start.date(), end_date=end.date(),
        submitted_at=start - timedelta(days=25), confirmed_at=start - timedelta(days=22),
        registered_at=start - timedelta(days=15), started_at=start,
        completed_at=now - timedelta(days=days_ago // 3) if finished else None,
        accepted_at=now - timedelta(days=max(1, days_ago // 4)) if finished else None,
        closed_at=now - timedelta(days=max(1, days_ago // 5)) if status == "closed" else None,
    )
    db.session.add(filing)
    db.session.flush()
    return filing


def _ensure_filings(rng: random.Random) -> None:
    if (db.session.scalar(select(func.count(ProjectFiling.id))) or 0) > 0:
        return
    firms = list(db.session.scalars(select(Firm).order_by(Firm.id).limit(10)))
    agencies = list(db.session.scalars(select(Agency).order_by(Agency.id).limit(10)))
    if not firms or not agencies:
        return
    plan = ["accepted", "closed", "in_progress", "accepted", "closed", "in_progress", "closed", "accepted",
            "in_progress", "closed"]
    for i, status in enumerate(plan):
        _filing(rng, firms[i % len(firms)], agencies[(i + 1) % len(agencies)], status, rng.randint(100, 400))


def _reserve_for_agency01(rng: random.Random) -> int | None:
    """agency01's accepted project left unrated (created when the filings seed gave it none)."""
    agency_id = db.session.scalar(select(User.agency_id).where(User.username == "agency01"))
    if agency_id is None:
        return None
    filing_id = db.session.scalar(
        select(ProjectFiling.id).where(ProjectFiling.agency_id == agency_id, ProjectFiling.status == "accepted",
                                       ProjectFiling.accepted_at.is_not(None))
        .order_by(ProjectFiling.accepted_at.desc(), ProjectFiling.id).limit(1)
    )
    if filing_id is not None:
        return filing_id
    firm = db.session.scalar(select(Firm).where(Firm.status == "active").order_by(Firm.id).limit(1))
    agency = db.session.get(Agency, agency_id)
    if firm is None:
        return None
    filing = _filing(rng, firm, agency, "accepted", 160)
    filing.accepted_at = clock.utcnow() - timedelta(days=3)
    return filing.id


# -- feedback --------------------------------------------------------------------------------------

def _ratings(rng: random.Random, tone: str) -> dict[str, int]:
    weights = {"good": [0, 1, 8, 65, 26], "mixed": [3, 12, 40, 35, 10], "bad": [25, 40, 25, 10, 0]}[tone]
    return {k: rng.choices(rules.LEVELS, weights)[0] for k in RATING_FIELDS}


def _narrative(rng: random.Random, ratings: dict[str, int]) -> str:
    if any(v in (1, 2) for v in ratings.values()):
        return rng.choice(LOW_NARRATIVES)
    if any(v == 5 for v in ratings.values()):
        return rng.choice(HIGH_NARRATIVES)
    return rng.choice(["", "", "整体符合合同要求。"])


def _agency_user(agency_id: int) -> int | None:
    return db.session.scalar(select(User.id).where(User.agency_id == agency_id).order_by(User.id).limit(1))


def _firm_user(firm_id: int) -> int | None:
    return db.session.scalar(select(User.id).where(User.firm_id == firm_id).order_by(User.id).limit(1))


def _add_feedback(rng: random.Random, filing: ProjectFiling, period_key: str, kind: str, at: datetime) -> None:
    tone = rng.choices(["good", "mixed", "bad"], [75, 18, 7])[0]
    # Nothing in the demo happens in the future: a rating, its edit and the reply all lie in the past.
    now = clock.utcnow()
    at = min(at, now - timedelta(hours=3))
    ratings = _ratings(rng, tone)
    fb = Feedback(
        filing_id=filing.id, agency_id=filing.agency_id, firm_id=filing.firm_id, period_key=period_key,
        kind=kind, narrative=_narrative(rng, ratings), hire_again=sum(ratings.values()) >= 15,
        source="portal", created_by_id=_agency_user(filing.agency_id), edit_count=0, created_at=at,
        updated_at=at, **ratings,
    )
    db.session.add(fb)
    db.session.flush()
    if rng.random() < 0.12:
        # An edit inside the window: the earlier, harsher version stays in the history.
        old = {**{k: max(1, getattr(fb, k) - 1) for k in RATING_FIELDS}}
        db.session.add(FeedbackVersion(
            feedback_id=fb.id, replaced_at=min(at + timedelta(days=2), now - timedelta(hours=2)),
            replaced_by_id=fb.created_by_id,
            snapshot={**old, "narrative": rng.choice(LOW_NARRATIVES), "hire_again": fb.hire_again, "edit_count": 0},
        ))
        fb.edit_count = 1
    lowish = min(ratings.values()) <= 3
    if rng.random() < (0.7 if lowish else 0.25):
        db.session.add(FeedbackReply(feedback_id=fb.id, body=rng.choice(REPLIES),
                                     created_by_id=_firm_user(filing.firm_id),
                                     created_at=min(at + timedelta(days=rng.randint(3, 12)), now - timedelta(hours=1))))


def _seed_feedback(rng: random.Random, reserved: int | None) -> None:
    filings = list(db.session.scalars(
        select(ProjectFiling).where(ProjectFiling.status.in_(("in_progress", "completed", "accepted", "closed")))
        .order_by(ProjectFiling.id)
    ))
    months = 3
    today = clock.today()
    for filing in filings:
        if filing.id == reserved:
            continue
        start = filing.started_at.date() if filing.started_at else filing.start_date
        for day in rules.milestone_dates(start, filing.end_date, today, months)[:2]:
            if rng.random() < 0.5:
                _add_feedback(rng, filing, rules.milestone_key(day), rules.MILESTONE,
                              datetime.combine(day, datetime.min.time()) + timedelta(hours=rng.randint(1, 9)))
        if filing.status in ("accepted", "closed") and filing.accepted_at and rng.random() < 0.8:
            _add_feedback(rng, filing, rules.COMPLETION, rules.COMPLETION,
                          filing.accepted_at + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 8)))


# -- bad-rating follow-ups (差评整改) -----------------------------------------------------------------

def _seed_followups() -> None:
    """Two follow-ups on the newest bad ratings: one waiting for the firm, one answered and waiting for
    the agency's confirmation (回访). Written directly, as the rest of the demo history is."""
    from portal.core import localtime
    from portal.core.workdays import add_workdays
    from portal.followups import rules as followup_rules

    low = or_(*(getattr(Feedback, k) <= 2 for k in RATING_FIELDS))
    rows = list(db.session.execute(
        select(Feedback, ProjectFiling.district_code).join(ProjectFiling, ProjectFiling.id == Feedback.filing_id)
        .where(low).order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(2)))
    for i, (fb, district) in enumerate(rows):
        opened = localtime.local_date(fb.created_at)
        answered = i == 1
        fu = FollowUp(
            feedback_id=fb.id, filing_id=fb.filing_id, firm_id=fb.firm_id, agency_id=fb.agency_id,
            district_code=district, status=followup_rules.ANSWERED if answered else followup_rules.OPEN,
            dimensions=[k for k in RATING_FIELDS if getattr(fb, k) <= 2], opened_on=opened,
            deadline=followup_rules.deadline(opened, followup_rules.DEFAULT_WORKDAYS, add_workdays),
            answer="已更换项目负责人，增加质检抽查比例至 10%，并每周向立档单位报送进度。" if answered else "",
            answered_at=min(fb.created_at + timedelta(days=5), clock.utcnow() - timedelta(hours=1)) if answered else None,
            answered_by_id=_firm_user(fb.firm_id) if answered else None,
            created_at=fb.created_at, updated_at=fb.created_at,
        )
        db.session.add(fu)
    db.session.flush()


# -- incidents -------------------------------------------------------------------------------------

def _seed_incidents(rng: random.Random, reserved: int | None) -> None:
    from portal.core.timeline import record_transition
    from portal.incidents.service import issue_rectification_from_incident

    filings = list(db.session.scalars(
        select(ProjectFiling).where(ProjectFiling.status.in_(("in_progress", "completed", "accepted", "closed")),
                                    ProjectFiling.id != (reserved or 0))
        .order_by(ProjectFiling.id)
    ))
    if not filings:
        return
    regulator = db.session.scalar(select(User).where(User.username == "regulator"))
    plan = [
        ("leak", "critical", "upheld", "agency"),
        ("device_media_violation", "medium", "upheld", "regulator"),
        ("loss", "high", "not_upheld", "agency"),
        ("personnel_violation", "medium", "investigating", "vendor"),
        ("unauthorised_copy", "high", "investigating", "agency"),
        ("other", "low", "reported", "vendor"),
        ("device_media_violation", "low", "reported", "agency"),
    ]
    picks = rng.sample(filings, min(len(plan), len(filings)))
    for (kind, severity, final, reporter), filing in zip(plan, picks, strict=False):
        occurred = clock.utcnow() - timedelta(days=rng.randint(5, 60), hours=rng.randint(0, 12))
        reporter_id = _agency_user(filing.agency_id) if reporter == "agency" else (
            _firm_user(filing.firm_id) if reporter == "vendor" else (regulator.id if regulator else None))
        incident = Incident(
            filing_id=filing.id, firm_id=filing.firm_id, district_code=filing.district_code, incident_type=kind,
            severity=severity, occurred_at=occurred, description=INCIDENT_STORIES[kind], status="reported",
            reported_by_id=reporter_id, reporter_role=reporter, veto=False,
        )
        db.session.add(incident)
        db.session.flush()
        record_transition("incident", incident, "report", None, "reported")
        if final == "reported":
            continue
        incident.status = "investigating"
        record_transition("incident", incident, "investigate", "reported", "investigating")
        if final == "investigating":
            continue
        reason = ("经调取视频监控和询问相关人员，事实清楚，予以认定。" if final == "upheld"
                  else "经核查，该卷档案系立档单位自行借出，未移交外包企业，不予认定。")
        incident.status = final
        incident.conclusion = reason
        incident.decided_by_id = regulator.id if regulator else None
        incident.decided_at = clock.utcnow() - timedelta(days=rng.randint(1, 4))
        incident.veto = final == "upheld" and kind in ("loss", "leak", "unauthorised_copy", "tampering_destruction")
        record_transition("incident", incident, "uphold" if final == "upheld" else "dismiss", "investigating", final,
                          reason)
        if incident.veto:
            db.session.flush()
            issue_rectification_from_incident(
                incident, "立即删除外传图像并书面报告删除情况；对全体加工人员重新进行保密培训和考核；"
                          "加工区禁止携带个人手机，落实每日安检登记。")
