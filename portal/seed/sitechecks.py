"""Demo site checks: the bureau requires daily patrols (working days) from three weeks ago; every
in-progress project recorded them, two with missed days and one with a patrol that found the video
off; weekly checks confirmed, disputed or waiting for the agency; monthly self-inspections."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.core import clock, local_rules
from portal.core.context import Actor, reset_actor, set_actor
from portal.extensions import db
from portal.filings.models import ProjectFiling
from portal.sitechecks import rules
from portal.sitechecks.models import SiteMonthlyInspection, SitePatrol, SiteWeeklyCheck
from portal.sitechecks.queries import WORKED_STATES, gaps
from portal.sitechecks.service import checklist_for

WEEKS = 3


def seed(rng: random.Random) -> None:
    if db.session.scalar(select(SitePatrol.id).limit(1)) is not None:
        return
    today = clock.today()
    since = rules.week_start(today) - timedelta(weeks=WEEKS)
    token = set_actor(Actor(username="seed-demo", roles=("system",)))
    try:
        if local_rules.get("site_patrol_since") in (None, ""):
            local_rules.set_rule("site_patrol_since", since.isoformat(), "Demo: patrols required on every site")
    finally:
        reset_actor(token)
    filings = list(db.session.scalars(
        select(ProjectFiling).where(ProjectFiling.status.in_(WORKED_STATES))
        .order_by(ProjectFiling.status != "in_progress", ProjectFiling.id)))
    owed = gaps([(f.id, f.started_at, f.start_date, f.completed_at) for f in filings], since, today - timedelta(days=1))
    filings = [f for f in filings if owed[f.id].due]
    for index, filing in enumerate(filings):
        days = owed[filing.id].due
        vendor = db.session.scalar(select(User.id).where(User.firm_id == filing.firm_id).limit(1))
        agency_user = db.session.scalar(select(User.id).where(User.agency_id == filing.agency_id).limit(1))
        team = [m.id for m in filing.staff]
        skipped = set(rng.sample(days, 1 + index % 2)) if index < 2 and filing.status == "in_progress" else set()
        for n, day in enumerate(days):
            if day in skipped:
                continue
            video = not (index == 2 and n == len(days) // 2)
            visitors = 1 if rng.random() < 0.15 else 0
            media = rng.random() < 0.3
            db.session.add(SitePatrol(
                filing_id=filing.id, firm_id=filing.firm_id, patrol_date=day,
                staff_ids=sorted(rng.sample(team, max(0, len(team) - (1 if len(team) > 1 and rng.random() < 0.2 else 0)))),
                visitors_count=visitors, visitor_names="立档单位档案室 王老师" if visitors else "",
                media_used=media, media_logged=media, media_log_ref=f"U盘登记 {day:%m%d}-1" if media else "",
                video_running=video, internet_isolated=True, all_locked=True, no_personal_devices=True,
                in_order=video, note="" if video else "2号摄像头断电，已恢复并补录说明", recorded_by_id=vendor))
        if filing.status != "in_progress":
            continue
        for w in range(WEEKS):
            week = since + timedelta(weeks=w)
            status = "confirmed" if w < WEEKS - 1 else "recorded"
            if index == 1 and w == 0:
                status = "disputed"
            db.session.add(SiteWeeklyCheck(
                filing_id=filing.id, firm_id=filing.firm_id, week_start=week, patrols_reviewed=True,
                media_log_checked=True, video_retained=True, visitor_log_checked=True,
                findings="" if status != "disputed" else "周三巡查记录缺失", status=status, recorded_by_id=vendor,
                countersigned_by_id=agency_user if status != "recorded" else None,
                countersigned_at=clock.utcnow() - timedelta(days=7 * (WEEKS - w)) if status != "recorded" else None,
                agency_note="周三缺少巡查记录，请说明" if status == "disputed" else ""))
        if index % 2 == 0:
            codes = [code for code, *_ in checklist_for(filing)]
            db.session.add(SiteMonthlyInspection(
                filing_id=filing.id, firm_id=filing.firm_id, month=rules.month_key(since),
                results={code: "pass" for code in codes}, findings="", recorded_by_id=vendor))
    db.session.flush()
