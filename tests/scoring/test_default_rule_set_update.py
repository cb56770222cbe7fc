"""A changed built-in default rule set reaches an existing database when the stored default was never
edited by a person (a new current version, audited; periods keep the version they froze); a rule set a
person saved is kept, with a warning."""
from __future__ import annotations

import dataclasses
import logging

import pytest
from sqlalchemy import select

from portal.core.models import AuditEvent
from portal.extensions import db
from portal.scoring import rules as scoring_rules
from portal.scoring import service as scoring
from portal.scoring.models import RuleSetVersion, ScoringPeriod
from portal.scoring.rules import DEFAULT_RULE_SET
from tests.scoring.builders import as_user


@pytest.fixture
def lead(build):
    return build.user("regulator", "lead")


def _heavier_feedback(version: str):
    return dataclasses.replace(
        DEFAULT_RULE_SET, version=version,
        dimensions=tuple(dataclasses.replace(d, weight={"feedback": 35, "security": 5}.get(d.code, d.weight))
                         for d in DEFAULT_RULE_SET.dimensions))


def _current() -> RuleSetVersion:
    return db.session.scalar(select(RuleSetVersion).where(RuleSetVersion.is_current.is_(True)))


def test_unedited_default_moves_to_the_changed_builtin_default(lead, monkeypatch):
    with as_user(lead):
        old_period = scoring.open_period("2025Q1")
    stored = _current()
    assert stored.label == DEFAULT_RULE_SET.version and stored.created_by_id is None
    new_default = _heavier_feedback("default-2099.1")
    monkeypatch.setattr(scoring_rules, "DEFAULT_RULE_SET", new_default)
    with as_user(lead):
        new_period = scoring.open_period("2025Q2")
    current = _current()
    assert current.label == "default-2099.1" and current.body == new_default.to_json()
    assert new_period.rule_set_id == current.id
    assert db.session.get(ScoringPeriod, old_period.id).rule_set_id == stored.id  # frozen
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rule_set.default_update"))
    assert event is not None and str(event.object_id) == str(current.id)
    assert DEFAULT_RULE_SET.version in event.detail and "default-2099.1" in event.detail
    with as_user(lead):
        scoring.open_period("2025Q3")  # nothing more to do: no second update
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "rule_set.default_update")).all()) == 1


def test_changed_content_under_the_same_label_gets_its_own_version(lead, monkeypatch):
    with as_user(lead):
        scoring.open_period("2025Q1")
    monkeypatch.setattr(scoring_rules, "DEFAULT_RULE_SET", _heavier_feedback(DEFAULT_RULE_SET.version))
    with as_user(lead):
        scoring.open_period("2025Q2")
    current = _current()
    assert current.label.startswith(DEFAULT_RULE_SET.version + "+") and '"weight":35' in current.body.replace(" ", "")


def test_a_persons_rule_set_is_kept_with_a_warning(client, login, lead, monkeypatch, caplog):
    mine = _heavier_feedback("bureau-2026")
    with as_user(lead):
        scoring.open_period("2025Q1")
        saved = scoring.save_rule_set(mine)
    monkeypatch.setattr(scoring_rules, "DEFAULT_RULE_SET", _heavier_feedback("default-2099.1"))
    login(lead)
    page = client.get("/scoring/?lang=en").get_data(as_text=True)
    assert 'data-testid="default-rule-set-changed"' in page
    from flask import current_app

    # Listen on the app's own logger: another test's logging set-up may stop it reaching the root logger.
    current_app.logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.WARNING, logger=current_app.logger.name), as_user(lead):
            period = scoring.open_period("2025Q2")
    finally:
        current_app.logger.removeHandler(caplog.handler)
    assert _current().id == saved.id and period.rule_set_id == saved.id
    assert any("is kept" in r.getMessage() for r in caplog.records)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rule_set.default_update")) is None


def test_no_warning_while_the_default_is_unchanged(client, login, lead):
    with as_user(lead):
        scoring.open_period("2025Q1")
    login(lead)
    assert 'data-testid="default-rule-set-changed"' not in client.get("/scoring/?lang=en").get_data(as_text=True)
