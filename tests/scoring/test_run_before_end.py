"""Scoring a period that has not ended needs an explicit confirmation (page checkbox, CLI --before-end);
without it the run is refused with a translated message and nothing is computed."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.core.errors import ValidationFailed
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.scoring import service as scoring
from portal.scoring.models import FirmScore, ScoringPeriod
from portal.scoring.rules import period_has_ended
from tests.scoring.builders import as_user


@pytest.fixture
def lead(build):
    return build.user("regulator", "lead")


def _current_quarter(lead) -> ScoringPeriod:
    today = clock.today()
    with as_user(lead):
        return scoring.open_period(f"{today.year}Q{(today.month - 1) // 3 + 1}")


def _scores(period) -> int:
    return len(db.session.scalars(select(FirmScore.id).where(FirmScore.period_id == period.id)).all())


def test_period_has_ended_only_after_its_last_day():
    day = clock.today()
    assert not period_has_ended(day, day)
    assert period_has_ended(day, day + timedelta(days=1))


def test_running_an_open_period_is_refused_without_confirmation(build, lead):
    build.firm()
    period = _current_quarter(lead)
    with as_user(lead), pytest.raises(ValidationFailed) as exc:
        scoring.run_period(period.id)
    assert set(exc.value.field_errors) == {"before_end"}
    db.session.expire_all()
    assert db.session.get(ScoringPeriod, period.id).computed_at is None and _scores(period) == 0
    with as_user(lead):
        summary = scoring.run_period(period.id, before_end=True)
    assert summary.firms >= 1 and _scores(period) >= 1
    detail = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.object_type == "scoring_period")
                                .order_by(AuditEvent.id.desc())).first()
    assert json.loads(detail)["before_end"] is True


def test_an_ended_period_runs_without_confirmation(build, lead, travel):
    build.firm()
    period = _current_quarter(lead)
    travel(days=(period.ends_on - clock.today()).days + 1)
    with as_user(lead):
        scoring.run_period(period.id)
    assert _scores(period) >= 1


def test_page_asks_for_confirmation_and_refuses_in_chinese(client, login, build, lead):
    build.firm()
    period = _current_quarter(lead)
    login(lead)
    page = client.get(f"/scoring/periods/{period.id}?lang=zh_CN").get_data(as_text=True)
    assert 'name="before_end"' in page
    response = client.post(f"/scoring/periods/{period.id}/run?lang=zh_CN", data={"version": period.version_id},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "尚未结束" in page and _scores(period) == 0
    client.post(f"/scoring/periods/{period.id}/run", data={"version": period.version_id, "before_end": "y"})
    assert _scores(period) >= 1


def test_cli_needs_before_end(runner, build, lead):
    build.firm()
    period = _current_quarter(lead)
    result = runner.invoke(args=["scoring", "run", str(period.id)])
    assert result.exit_code != 0 and "has not ended" in result.output and _scores(period) == 0
    result = runner.invoke(args=["scoring", "run", str(period.id), "--before-end"])
    assert result.exit_code == 0, result.output
    assert _scores(period) >= 1
