"""The public directory lists registered firms only, with published facts only."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.extensions import db
from portal.public import queries as directory
from portal.scoring.models import FirmScore, RuleSetVersion, ScoringPeriod


def _period(label, status, ends_on):
    rule_set = db.session.query(RuleSetVersion).first()
    if rule_set is None:
        rule_set = RuleSetVersion(label="default", body="{}", is_current=True)
        db.session.add(rule_set)
        db.session.flush()
    period = ScoringPeriod(label=label, kind="quarter", starts_on=date(ends_on.year, ends_on.month - 2, 1),
                           ends_on=ends_on, status=status, rule_set_id=rule_set.id)
    db.session.add(period)
    db.session.flush()
    return period


def test_only_registered_statuses_are_listed(build):
    shown = [build.firm(status=s, name=f"Shown {s}") for s in ("active", "expiring", "suspended", "negative_listed")]
    for s in ("draft", "submitted", "under_review", "returned", "revoked", "lapsed"):
        build.firm(status=s, name=f"Hidden {s}")
    page = directory.search()
    assert {e.name for e in page.items} == {f.name for f in shown}


def test_grade_comes_from_the_latest_final_or_applied_period_never_a_draft(build):
    firm = build.firm(grade="A")  # a stray grade on the firm row is not trusted
    final = _period("2026Q1", "final", date(2026, 3, 31))
    draft = _period("2026Q2", "draft", date(2026, 6, 30))
    db.session.add(FirmScore(period_id=final.id, firm_id=firm.id, status="rated", total=Decimal("82"), grade="B",
                             result="ok"))
    db.session.add(FirmScore(period_id=draft.id, firm_id=firm.id, status="rated", total=Decimal("50"), grade="D",
                             result="ok"))
    db.session.commit()
    entry = directory.search().items[0]
    assert (entry.grade, entry.grade_period) == ("B", "2026Q1")
    ungraded = build.firm(name="Zz ungraded")
    assert next(e for e in directory.search().items if e.id == ungraded.id).grade is None


def test_search_by_name_district_and_service_type(build):
    build.firm(name="泸州恒信档案服务有限公司", district_code="510502", service_types=["digitisation"])
    build.firm(name="泸州瑞达档案管理咨询有限公司", district_code="510503", service_types=["storage"])
    assert [e.name for e in directory.search(query="恒信").items] == ["泸州恒信档案服务有限公司"]
    assert [e.district_code for e in directory.search(district="510503").items] == ["510503"]
    assert [e.service_types for e in directory.search(service_type="storage").items] == [["storage"]]
