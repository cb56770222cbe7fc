"""Data and tokens for the API tests: a few firms in two districts with filings in several states,
scores in a published and a draft period, a notice, and a bearer token for each role with API access."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.api import tokens as api_tokens
from portal.core import clock
from portal.extensions import db
from portal.scoring.models import FirmScore, RuleSetVersion, ScoringPeriod
from portal.supervision.models import Notice, NoticeRecipient

# Every role the API admits (portal.api.views' @roles), with how to build its user.
API_ROLES = ("vendor", "agency", "regulator", "district_regulator", "lead")


def api_data(build) -> dict:
    firms = [build.firm(district_code=d) for d in ("510502", "510502", "510521")]
    agency = build.agency()
    filings = [build.filing(firm=firm, status=status, agency=agency)
               for firm in firms for status in ("submitted", "registered", "in_progress")]
    rules = RuleSetVersion(label="v1", body="{}", is_current=True)
    db.session.add(rules)
    db.session.flush()
    scores = []
    for n, status in enumerate(("published", "draft")):
        period = ScoringPeriod(label=f"2026Q{n + 1}", kind="quarter", starts_on=date(2026, 1 + 3 * n, 1),
                               ends_on=date(2026, 3 + 3 * n, 28), status=status, rule_set_id=rules.id)
        db.session.add(period)
        db.session.flush()
        for firm, grade in zip(firms, "ABC", strict=True):
            score = FirmScore(period_id=period.id, firm_id=firm.id, status="rated", total=Decimal("77.25"),
                              grade=grade, result="ok")
            db.session.add(score)
            scores.append(score)
    notice = Notice(title="年度检查通知", body="请按时提交材料。", published_at=clock.utcnow())
    db.session.add(notice)
    db.session.flush()
    db.session.add(NoticeRecipient(notice_id=notice.id, firm_id=firms[0].id))
    db.session.commit()
    return {"firms": firms, "agency": agency, "filings": filings, "scores": scores, "notice": notice}


def role_user(build, role: str, data: dict):
    if role == "vendor":
        return build.user("vendor", firm_id=data["firms"][0].id)
    if role == "agency":
        return build.user("agency", agency_id=data["agency"].id)
    if role == "district_regulator":
        return build.district_regulator("510502")
    return build.user(role)


def bearer(user) -> dict[str, str]:
    token, _row = api_tokens.create(user.username)
    return {"Authorization": f"Bearer {token}"}


def role_tokens(build, data: dict) -> dict[str, dict[str, str]]:
    return {role: bearer(role_user(build, role, data)) for role in API_ROLES}
