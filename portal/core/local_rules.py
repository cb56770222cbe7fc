"""Local rules (the bureau's own choices): database value if set, else configuration default."""
from __future__ import annotations

from flask import current_app

from portal.core import audit, clock, transactions
from portal.core.context import current_actor
from portal.core.models import LocalRule
from portal.extensions import db

# key -> (config name holding the default, msgid describing it)
KNOWN_RULES = {
    "block_negative_listed_filings": ("BLOCK_NEGATIVE_LISTED_FILINGS", "Negative-listed firms cannot file new projects"),
    "feedback_milestone_months": ("FEEDBACK_MILESTONE_MONTHS", "Agencies rate long projects every this many months"),
    "site_patrol_days": ("SITE_PATROL_DAYS",
                         "A daily site patrol is due on every day (all) or on working days only (workdays)"),
    "site_patrol_since": ("SITE_PATROL_SINCE",
                          "Daily site patrols are required from this date (empty: not required yet)"),

    "notice_reminder_workdays": ("NOTICE_REMINDER_WORKDAYS", "Working days before a notice's acknowledgement deadline that recipients are reminded"),
    "followup_workdays": ("FOLLOWUP_WORKDAYS", "Working days a firm has to answer a bad rating (bad-rating follow-up)"),

    "acceptance_min_sampled_percent": ("ACCEPTANCE_MIN_SAMPLED_PERCENT",
                                       "Acceptance samples at least this percent of the delivered units"),
    "acceptance_min_pass_rate": ("ACCEPTANCE_MIN_PASS_RATE",
                                 "An acceptance pass rate below this percent fails the acceptance"),
}


def get(key: str):
    row = db.session.get(LocalRule, key)
    if row is not None:
        return row.value.get("value")
    config_name = KNOWN_RULES[key][0]
    return current_app.config.get(config_name)


def set_rule(key: str, value, reason: str) -> None:
    if key not in KNOWN_RULES:
        raise KeyError(key)
    actor = current_actor()
    row = db.session.get(LocalRule, key)
    old = None if row is None else row.value.get("value")
    if row is None:
        row = LocalRule(key=key, value={"value": value})
        db.session.add(row)
    row.value = {"value": value}
    row.changed_by_id = actor.user_id
    row.changed_at = clock.utcnow()
    row.reason = reason
    audit.record("rule.change", "local_rule", key, detail={"old": old, "new": value, "reason": reason})
    transactions.commit()
