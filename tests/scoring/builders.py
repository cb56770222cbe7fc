"""Evidence rows for scoring tests, written straight to the tables the period run counts."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

from portal.core.context import Actor, reset_actor, set_actor
from portal.extensions import db
from portal.feedback.models import Feedback
from portal.filings.models import ChangeFiling
from portal.incidents.models import Incident
from portal.supervision.models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionResult,
    LiaisonConfirmation,
    PenaltyCase,
    RectificationOrder,
)

_n = itertools.count(1)
# Q3 2026: July to September, inside which every default date below falls.
Q3 = "2026Q3"
IN_Q3 = date(2026, 8, 10)


def at(d: date, hour: int = 4) -> datetime:
    """A UTC timestamp on day ``d`` in China time (04:00 UTC is noon in Luzhou)."""
    return datetime(d.year, d.month, d.day, hour)


class ScoringBuilder:
    def __init__(self, build):
        self.build = build

    def project(self, firm, *, start: date = IN_Q3, late: bool = False, status: str = "in_progress",
                submitted: date | None = None, staff=(), **kw):
        submitted = submitted or (start - timedelta(days=5))
        return self.build.filing(firm=firm, status=status, start_date=start, end_date=kw.pop("end", start + timedelta(days=60)),
                                 is_late=late, submitted_at=at(submitted), staff=list(staff), **kw)

    def accepted(self, firm, *, attempts: int = 1, sample: int = 100, pass_rate: str = "98.00",
                 on: date = IN_Q3, **kw):
        return self.project(firm, start=on - timedelta(days=50), status="accepted", accepted_at=at(on),
                            completed_at=at(on - timedelta(days=3)), end=on + timedelta(days=5),
                            acceptance_attempts=attempts, acceptance_sample_size=sample,
                            acceptance_pass_rate=Decimal(pass_rate), **kw)

    def change(self, filing, *, late: bool = False, on: date = IN_Q3):
        row = ChangeFiling(filing_id=filing.id, change_type="staff", status="approved", is_late=late,
                           created_at=at(on), updated_at=at(on))
        return self._save(row)

    def inspection(self, firm, results=("pass",), *, on: date = IN_Q3, refused: bool = False, security=True):
        template = ChecklistTemplate(service_type="digitisation", name=f"Checklist {next(_n)}")
        self._save(template)
        inspection = Inspection(firm_id=firm.id, district_code=firm.district_code, status="checked",
                                planned_on=on, checked_at=None if refused and not results else at(on),
                                refused=refused, template_id=template.id)
        self._save(inspection)
        for k, result in enumerate(results):
            item = ChecklistItem(template_id=template.id, code=f"S{k}", text="Security item", is_security=security)
            self._save(item)
            self._save(InspectionResult(inspection_id=inspection.id, item_id=item.id, result=result,
                                        is_security=security))
        return inspection

    def feedback(self, firm, filing=None, ratings=(5, 5, 5, 5, 5), *, on: date = IN_Q3):
        filing = filing or self.project(firm)
        q, t, s, c, m = ratings
        row = Feedback(filing_id=filing.id, agency_id=filing.agency_id, firm_id=firm.id,
                       period_key=f"k{next(_n)}", kind="milestone", quality=q, timeliness=t, security=s,
                       conduct=c, communication=m, narrative="ok", hire_again=True, created_at=at(on),
                       updated_at=at(on))
        return self._save(row)

    def rectification(self, firm, *, deadline: date = IN_Q3, status: str = "verified",
                      closed: date | None = None, refused: bool = False):
        row = RectificationOrder(number=f"ZG-{next(_n):05d}", firm_id=firm.id, district_code=firm.district_code,
                                 requirement="Fix it", deadline=deadline, status=status,
                                 issued_at=at(deadline - timedelta(days=30)),
                                 closed_at=at(closed) if closed else None, refused=refused)
        return self._save(row)

    def incident(self, firm, kind: str, *, status: str = "upheld", on: date = IN_Q3):
        row = Incident(firm_id=firm.id, district_code=firm.district_code, incident_type=kind, severity="high",
                       occurred_at=at(on - timedelta(days=2)), description="what happened", status=status,
                       decided_at=at(on) if status in ("upheld", "not_upheld") else None)
        return self._save(row)

    def penalty(self, firm, *, on: date = IN_Q3):
        return self._save(PenaltyCase(firm_id=firm.id, legal_basis="Archives Law Art. 48",
                                      decision="Warning and fine", amount=Decimal("20000"), decided_on=on))

    def liaison(self, firm, quarter: str = Q3):
        return self._save(LiaisonConfirmation(firm_id=firm.id, quarter=quarter, contacts={}))

    def _save(self, row):
        db.session.add(row)
        db.session.commit()
        return row


def as_user(user):
    """Context manager: act as ``user`` in service calls (what the web layer does per request)."""
    from contextlib import contextmanager

    from portal.web.context import actor_for_user

    @contextmanager
    def _cm():
        token = set_actor(actor_for_user(user))
        try:
            yield
        finally:
            reset_actor(token)

    return _cm()


def system():
    from contextlib import contextmanager

    @contextmanager
    def _cm():
        token = set_actor(Actor(username="test-system"))
        try:
            yield
        finally:
            reset_actor(token)

    return _cm()


def published_score(build):
    """A firm with a liaison and one project, scored for Q3 and published by the lead.
    Returns (lead, period, score, firm)."""
    from sqlalchemy import select

    from portal.scoring import service as scoring
    from portal.scoring.models import FirmScore

    sb = ScoringBuilder(build)
    lead = build.user("regulator", "lead")
    firm = build.firm()
    sb.liaison(firm)
    sb.project(firm)
    with as_user(lead):
        period = scoring.open_period(Q3)
        scoring.run_period(period.id)
        scoring.publish_period(period.id)
    score = db.session.scalar(select(FirmScore).where(FirmScore.firm_id == firm.id))
    return lead, period, score, firm
