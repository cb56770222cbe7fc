"""A small world for the visibility tests: two districts, two firms, two agencies, filings in and out of
draft, and one or two records of every kind, with a user for every role (and one holding two)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from portal.core import clock
from portal.extensions import db
from portal.feedback.models import Feedback
from portal.incidents.models import Incident
from portal.scoring.models import FirmScore, RuleSetVersion, ScoringPeriod
from portal.supervision.models import Alert, Inspection, Notice, NoticeRecipient, RectificationOrder

A, B = "510502", "510503"


@dataclass
class World:
    firms: dict = field(default_factory=dict)
    agencies: dict = field(default_factory=dict)
    filings: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    feedback: dict = field(default_factory=dict)
    incidents: dict = field(default_factory=dict)
    inspections: dict = field(default_factory=dict)
    orders: dict = field(default_factory=dict)
    alerts: dict = field(default_factory=dict)
    periods: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)
    notices: dict = field(default_factory=dict)

    def ids(self, kind: str, *names: str) -> set[int]:
        return {getattr(self, kind)[n].id for n in names}


def _save(*rows):
    db.session.add_all(rows)
    db.session.commit()
    return rows[0]


def build_world(build) -> World:
    w = World()
    w.firms = {"f1": build.firm(A, name="Firm one"), "f2": build.firm(B, name="Firm two")}
    w.agencies = {"a1": build.agency(A, name="Agency one"), "a2": build.agency(B, name="Agency two")}
    f1, f2 = w.firms["f1"], w.firms["f2"]
    a1, a2 = w.agencies["a1"], w.agencies["a2"]
    # A filing's district is its agency's. p4 and p5 are drafts: only their firms may see them.
    for name, firm, agency, status in (("p1", f1, a1, "registered"), ("p2", f1, a2, "in_progress"),
                                       ("p3", f2, a1, "registered"), ("p4", f2, a2, "draft"),
                                       ("p5", f1, a1, "draft")):
        w.filings[name] = build.filing(firm=firm, agency=agency, status=status, title=f"Project {name}")
    w.users = {
        "regulator": build.user("regulator"),
        "district": build.district_regulator(A),
        "lead": build.user("lead"),
        "vendor": build.user("vendor", firm_id=f1.id),
        "agency": build.user("agency", agency_id=a1.id),
        # Two roles: its own firm f2 (drafts included) and agency a1's non-draft filings.
        "vendor_agency": build.user("vendor", "agency", firm_id=f2.id, agency_id=a1.id),
    }
    now = clock.utcnow()
    for name in ("p1", "p2", "p3"):
        p = w.filings[name]
        w.feedback[name] = _save(Feedback(
            filing_id=p.id, agency_id=p.agency_id, firm_id=p.firm_id, period_key=f"k-{name}", kind="milestone",
            quality=4, timeliness=4, security=4, conduct=4, communication=4, narrative=f"feedback {name}",
            hire_again=True))
        w.incidents[name] = _save(Incident(
            filing_id=p.id, firm_id=p.firm_id, district_code=p.district_code, incident_type="other",
            severity="low", occurred_at=now - timedelta(days=1), description=f"incident on {name}"))
    w.incidents["f2-own"] = _save(Incident(firm_id=f2.id, district_code=B, incident_type="other", severity="low",
                                           occurred_at=now - timedelta(days=1), description="incident at firm two"))
    for name, firm, status in (("f1-checked", f1, "checked"), ("f1-planned", f1, "planned"),
                               ("f2-checked", f2, "checked")):
        w.inspections[name] = _save(Inspection(firm_id=firm.id, district_code=firm.district_code, status=status,
                                               planned_on=clock.today()))
    for name, firm in (("f1", f1), ("f2", f2)):
        w.orders[name] = _save(RectificationOrder(
            number=f"ZG-TEST-{name}", firm_id=firm.id, district_code=firm.district_code, items=["x"],
            requirement="fix it", deadline=clock.today() + timedelta(days=30), status="issued"))
        w.alerts[name] = _save(Alert(key=f"test:{name}", rule="certificate_expiring", object_type="firm",
                                     object_id=firm.id, firm_id=firm.id, district_code=firm.district_code,
                                     message=f"alert {name}", raised_at=now))
    rules = _save(RuleSetVersion(label="v-test", body="{}", is_current=True))
    for label, status in (("2026Q1", "published"), ("2026Q2", "draft")):
        published = status == "published"
        w.periods[label] = _save(ScoringPeriod(
            label=label, kind="quarter", starts_on=date(2026, 1, 1), ends_on=date(2026, 3, 31), status=status,
            rule_set_id=rules.id, published_at=now if published else None,
            objection_deadline=clock.today() + timedelta(days=10) if published else None))
        for name, firm in (("f1", f1), ("f2", f2)):
            w.scores[f"{label}-{name}"] = _save(FirmScore(
                period_id=w.periods[label].id, firm_id=firm.id, status="rated", total=Decimal("80"), grade="B",
                result="ok"))
    for name, firm in (("f1", f1), ("f2", f2)):
        notice = _save(Notice(title=f"Notice to {name}", body="read me", published_at=now))
        _save(NoticeRecipient(notice_id=notice.id, firm_id=firm.id))
        w.notices[name] = notice
    return w
