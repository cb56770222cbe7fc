"""Signed callbacks from the government platform: verify, deduplicate by event id, then act.

An agency's feedback submitted in the platform's app arrives as event_type "feedback.submitted" and
becomes a Feedback record under the same rules as one entered in the portal.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.core import audit, audit_counts, clock, transactions
from portal.core.context import Actor, reset_actor, set_actor
from portal.core.errors import ValidationFailed
from portal.core.msgids import N_
from portal.extensions import db
from portal.feedback.models import RATING_FIELDS, Feedback
from portal.filings.models import ProjectFiling
from portal.gov.signing import SignatureError, verify_request
from portal.integrations.models import GovCallbackEvent, GovNonce
from portal.orgs.models import Agency
from portal.web.i18n import translate

FEEDBACK_SUBMITTED = "feedback.submitted"


def _epoch_now() -> float:
    from datetime import UTC

    return clock.utcnow().replace(tzinfo=UTC).timestamp()


class DatabaseNonceStore:
    """NonceStore on gov_nonce, in the caller's transaction (the view commits it at once)."""

    def __init__(self, window: int) -> None:
        self.window = window

    def add_if_absent(self, app_id: str, nonce: str, expires_at: float) -> bool:
        now = clock.utcnow()
        # Nonces older than twice the window can never be replayed (their timestamp fails the check).
        db.session.execute(delete(GovNonce).where(GovNonce.seen_at < now - timedelta(seconds=2 * self.window)))
        try:
            with db.session.begin_nested():
                db.session.add(GovNonce(nonce=nonce, seen_at=now))
                db.session.flush()
        except IntegrityError:
            return False
        return True


@dataclass
class CallbackResult:
    status: int
    body: dict[str, Any]


def _credentials() -> dict[str, str]:
    cfg = current_app.config
    app_id = cfg.get("GOV_CALLBACK_APP_ID") or cfg.get("GOV_APP_ID")
    secret = cfg.get("GOV_CALLBACK_SECRET") or cfg.get("GOV_SECRET")
    return {app_id: secret}


def handle(method: str, path: str, query: str, body: bytes, headers: Mapping[str, str]) -> CallbackResult:
    """Check the signature, timestamp and nonce, then apply the event at most once."""
    window = int(current_app.config.get("GOV_CALLBACK_WINDOW_SECONDS", 300))
    try:
        verify_request(method=method, path=path, query=query, body=body, headers=headers,
                       credentials=_credentials(), nonce_store=DatabaseNonceStore(window),
                       now=_epoch_now(), window=window)
    except SignatureError as exc:
        db.session.rollback()
        # Forged callbacks cost the sender nothing: repeats are counted, not logged row by row.
        audit_counts.record_repeatable("gov.callback.refused", exc.code, "gov_callback", None,
                                       detail={"code": exc.code})
        return CallbackResult(401, {"error": exc.code, "message": exc.message})
    transactions.commit()  # the nonce is spent whatever happens next

    try:
        event = json.loads(body or b"{}")
    except ValueError:
        return CallbackResult(400, {"error": "invalid_json", "message": "body is not JSON"})
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict) \
            or not isinstance(event.get("event_id"), str) or not event["event_id"] \
            or len(event["event_id"]) > 64 or not isinstance(event.get("event_type"), str):
        return CallbackResult(400, {"error": "invalid_event",
                                    "message": "event_id, event_type and data are required"})

    stored = db.session.get(GovCallbackEvent, event["event_id"])
    if stored is not None:
        return CallbackResult(stored.status_code, json.loads(stored.response or "{}"))

    result = _dispatch(event["event_type"], event["data"])
    record = GovCallbackEvent(event_id=event["event_id"], event_type=event["event_type"][:40],
                              received_at=clock.utcnow(), status_code=result.status,
                              response=json.dumps(result.body, ensure_ascii=False))
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:
        # The same event raced in on another connection and won: answer what it answered.
        db.session.rollback()
        stored = db.session.get(GovCallbackEvent, event["event_id"])
        return CallbackResult(stored.status_code, json.loads(stored.response or "{}"))
    audit.record("gov.callback", "gov_callback", event["event_id"],
                 detail={"type": event["event_type"], "status": result.status})
    transactions.commit()
    return CallbackResult(result.status, result.body)


def _dispatch(event_type: str, data: dict[str, Any]) -> CallbackResult:
    if event_type != FEEDBACK_SUBMITTED:
        return CallbackResult(400, {"error": "unknown_event_type",
                                    "message": f"event type {event_type!r} is not handled"})
    try:
        feedback = feedback_from_platform(data)
    except ValidationFailed as exc:
        db.session.rollback()
        reasons = {name or "form": [translate(m) if isinstance(m, str) else translate(*m) for m in messages]
                   for name, messages in exc.field_errors.items()}
        return CallbackResult(422, {"error": "invalid", "message": "the feedback was not accepted",
                                    "reasons": reasons})
    return CallbackResult(201, {"feedback_id": feedback.id})


# -- feedback from the platform's app -------------------------------------------------------------

def feedback_problems(filing: ProjectFiling | None, agency: Agency | None) -> dict[str, list[str]]:
    """What the platform's references must satisfy before the portal's own feedback rules apply:
    the filing and the agency exist and the agency is the one named on the filing."""
    errors: dict[str, list[str]] = {}
    if filing is None:
        errors.setdefault("filing_number", []).append(N_("No project with this filing number."))
    if agency is None:
        errors.setdefault("agency_uscc", []).append(N_("No agency with this USCC."))
    if filing is not None and agency is not None and filing.agency_id != agency.id:
        errors.setdefault("agency_uscc", []).append(N_("This agency is not named on the filing."))
    return errors


def _rating(value: Any) -> int | None:
    # The portal's rules take whole numbers; anything else from the wire counts as "no rating".
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def feedback_from_platform(data: Mapping[str, Any]) -> Feedback:
    """Record a feedback submitted in the platform's app through the portal's own feedback service,
    acting as the agency, so the same rules apply (ratings 1-5, narrative for 1, 2 or 5, one per
    agency, project and period, a period open for rating). Commits."""
    from portal.feedback import service as feedback_service

    number = data.get("filing_number")
    uscc = data.get("agency_uscc")
    filing = db.session.scalar(select(ProjectFiling).where(ProjectFiling.number == number)) \
        if isinstance(number, str) else None
    agency = db.session.scalar(select(Agency).where(Agency.uscc == uscc)) if isinstance(uscc, str) else None
    errors = feedback_problems(filing, agency)
    if errors:
        raise ValidationFailed(errors)
    assert filing is not None and agency is not None
    raw = data.get("ratings") if isinstance(data.get("ratings"), dict) else data
    ratings = {name: _rating(raw.get(name)) for name in RATING_FIELDS}
    hire_again = data.get("hire_again") if isinstance(data.get("hire_again"), bool) else None
    narrative = data.get("narrative") if isinstance(data.get("narrative"), str) else ""
    period_key = data.get("period_key") if isinstance(data.get("period_key"), str) else ""
    token = set_actor(Actor(username="gov-platform", roles=("agency",), agency_id=agency.id))
    try:
        created = feedback_service.submit_feedback(filing.id, period_key, ratings, narrative, hire_again)
    finally:
        reset_actor(token)
    created.source = "platform"
    transactions.commit()
    return created
