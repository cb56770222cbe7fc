"""POST /integrations/gov/callback: signature, timestamp window, nonce, event-id idempotency, feedback."""
from __future__ import annotations

import time

from sqlalchemy import func, select

from portal.extensions import db
from portal.feedback.models import Feedback
from portal.integrations.models import GovCallbackEvent, GovNonce
from tests.govint.fixtures import signed_post

URL = "/integrations/gov/callback"


def _event(filing, agency, event_id="evt-1", **data):
    body = {"filing_number": filing.number, "agency_uscc": agency.uscc, "period_key": "completion",
            "ratings": {"quality": 4, "timeliness": 4, "security": 3, "conduct": 4, "communication": 3},
            "narrative": "", "hire_again": True}
    body.update(data)
    return {"event_id": event_id, "event_type": "feedback.submitted", "occurred_at": int(time.time()),
            "data": body}


def _feedback_count() -> int:
    return db.session.scalar(select(func.count(Feedback.id)))


def test_callback_records_feedback_from_the_platform(app, fake, client, build):
    agency = build.agency()
    filing = build.filing(agency=agency, status="accepted")
    response = signed_post(client, URL, _event(filing, agency))
    assert response.status_code == 201, response.json
    feedback = db.session.get(Feedback, response.json["feedback_id"])
    assert (feedback.filing_id, feedback.agency_id, feedback.source) == (filing.id, agency.id, "platform")
    assert feedback.quality == 4 and feedback.kind == "completion"


def test_callback_with_bad_signature_is_refused(app, fake, client, build):
    agency = build.agency()
    filing = build.filing(agency=agency, status="accepted")
    response = signed_post(client, URL, _event(filing, agency), secret="not-the-secret-at-all")
    assert response.status_code == 401
    assert response.json["error"] == "bad_signature"
    assert _feedback_count() == 0


def test_callback_with_stale_timestamp_is_refused(app, fake, client, build):
    agency = build.agency()
    filing = build.filing(agency=agency, status="accepted")
    response = signed_post(client, URL, _event(filing, agency), timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    assert response.json["error"] == "stale_timestamp"
    assert _feedback_count() == 0


def test_callback_with_replayed_nonce_is_refused(app, fake, client, build):
    agency = build.agency()
    filing = build.filing(agency=agency, status="accepted")
    first = signed_post(client, URL, _event(filing, agency, "evt-a"), nonce="nonce-0001-abcdef")
    second = signed_post(client, URL, _event(filing, agency, "evt-b", period_key="2026-Q1"),
                         nonce="nonce-0001-abcdef")
    assert first.status_code == 201
    assert second.status_code == 401 and second.json["error"] == "replayed_nonce"
    assert _feedback_count() == 1


def test_old_nonces_are_purged(app, fake, client, build, travel):
    agency = build.agency()
    filing = build.filing(agency=agency, status="accepted")
    signed_post(client, URL, _event(filing, agency, "evt-a"), nonce="nonce-old-123456")
    assert db.session.get(GovNonce, "nonce-old-123456") is not None
    travel(seconds=700)
    signed_post(client, URL, _event(filing, agency, "evt-b"), nonce="nonce-new-123456",
                timestamp=int(time.time()) + 700)
    db.session.expire_all()
    assert db.session.get(GovNonce, "nonce-old-123456") is None


def test_duplicate_event_returns_stored_answer_without_second_feedback(app, fake, client, build):
    agency = build.agency()
    filing = build.filing(agency=agency, status="accepted")
    first = signed_post(client, URL, _event(filing, agency, "evt-dup"))
    second = signed_post(client, URL, _event(filing, agency, "evt-dup"))
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert _feedback_count() == 1
    assert db.session.scalar(select(func.count()).select_from(GovCallbackEvent)) == 1


def test_invalid_feedback_answers_422_with_reasons(app, fake, client, build):
    agency = build.agency()
    filing = build.filing(agency=agency, status="accepted")
    event = _event(filing, agency, "evt-bad", narrative="",
                   ratings={"quality": 6, "timeliness": 1, "security": 3, "conduct": 4, "communication": 0})
    response = signed_post(client, URL, event)
    assert response.status_code == 422
    assert set(response.json["reasons"]) >= {"quality", "communication", "narrative"}
    assert _feedback_count() == 0


def test_feedback_from_an_agency_not_named_on_the_filing_is_refused(app, fake, client, build):
    agency, other = build.agency(), build.agency()
    filing = build.filing(agency=agency, status="accepted")
    response = signed_post(client, URL, _event(filing, other, "evt-other"))
    assert response.status_code == 422 and "agency_uscc" in response.json["reasons"]
    unknown = signed_post(client, URL, _event(filing, agency, "evt-unknown", filing_number="LZWB-0000-0000"))
    assert unknown.status_code == 422 and "filing_number" in unknown.json["reasons"]
    assert _feedback_count() == 0


def test_completion_feedback_waits_for_acceptance_as_in_the_portal(app, fake, client, build):
    agency = build.agency()
    filing = build.filing(agency=agency, status="in_progress")
    response = signed_post(client, URL, _event(filing, agency, "evt-early"))
    assert response.status_code == 422 and "period_key" in response.json["reasons"]


def test_narrative_is_required_for_a_top_rating(app, fake, client, build):
    agency = build.agency()
    filing = build.filing(agency=agency, status="accepted")
    ratings = {"quality": 5, "timeliness": 4, "security": 4, "conduct": 4, "communication": 4}
    response = signed_post(client, URL, _event(filing, agency, "evt-5", ratings=ratings))
    assert response.status_code == 422 and "narrative" in response.json["reasons"]
    response = signed_post(client, URL, _event(filing, agency, "evt-6", ratings=ratings,
                                               narrative="Excellent scanning quality."))
    assert response.status_code == 201


def test_second_feedback_for_same_period_is_refused(app, fake, client, build):
    agency = build.agency()
    filing = build.filing(agency=agency, status="accepted")
    assert signed_post(client, URL, _event(filing, agency, "evt-1")).status_code == 201
    response = signed_post(client, URL, _event(filing, agency, "evt-2"))
    assert response.status_code == 422 and "period_key" in response.json["reasons"]
    assert _feedback_count() == 1


def test_callback_is_csrf_exempt_and_needs_no_login(app, fake, client, build):
    app.config["WTF_CSRF_ENABLED"] = True
    agency = build.agency()
    filing = build.filing(agency=agency, status="accepted")
    assert signed_post(client, URL, _event(filing, agency)).status_code == 201


def test_unsigned_callback_is_refused(app, fake, client):
    response = client.post(URL, json={"event_id": "x", "event_type": "feedback.submitted", "data": {}})
    assert response.status_code == 401 and response.json["error"] == "missing_signature"


def test_sandbox_can_deliver_a_callback_to_a_live_portal(app, fake, build):
    """The sandbox's send_callback speaks the same signing contract as the endpoint."""
    from portal.gov.sandbox import send_callback
    from tests.govint.fixtures import APP_ID, SECRET
    from tests.govint.live import live_portal

    agency = build.agency()
    filing = build.filing(agency=agency, status="accepted")
    with live_portal(app) as base:
        status, text = send_callback(base + URL, _event(filing, agency, "evt-live"), app_id=APP_ID, secret=SECRET)
    assert status == 201, text
