"""The outbox worker: delivery with idempotency keys, backoff, dead letters, replay, case ordering."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.core import clock, outbox
from portal.core.models import AuditEvent, OutboxMessage
from portal.extensions import db
from portal.gov.port import GovRejected, GovUnavailable, GovUserInfo
from portal.integrations.outbox_worker import OutboxWorker


def _push(key: str, user: str = "citizen-1") -> OutboxMessage:
    message = outbox.enqueue("push_message", {"platform_user_id": user, "template_code": "PORTAL_NOTICE",
                                              "params": {"message": "hello"}}, key)
    db.session.commit()
    return message


def _worker(app, **kw) -> OutboxWorker:
    return OutboxWorker(app, concurrency=1, **kw)


def test_outbox_delivers_push_with_its_idempotency_key(app, fake):
    fake.add_user(GovUserInfo("citizen-1", "Citizen", "natural", None, 3))
    message = _push("push:test:1")
    stats = _worker(app).run(once=True)
    db.session.refresh(message)
    assert stats.delivered == 1
    assert message.status == "delivered" and message.delivered_at is not None
    assert [p.idempotency_key for p in fake.pushes] == ["push:test:1"]


def test_outbox_retries_later_with_exponential_backoff(app, fake, travel):
    fake.add_user(GovUserInfo("citizen-1", "Citizen", "natural", None, 3))
    app.config.update(OUTBOX_BACKOFF_SECONDS=10)
    message = _push("push:test:2")
    fake.fail_next(GovUnavailable("down", code="unavailable"), times=2)
    worker = _worker(app)
    worker.run(once=True)
    db.session.refresh(message)
    first_delay = message.next_attempt_at - clock.utcnow()
    assert message.status == "pending" and message.attempts == 1
    assert timedelta(seconds=4) <= first_delay <= timedelta(seconds=10)
    assert worker.run(once=True).claimed == 0  # not due yet
    travel(seconds=11)
    worker.run(once=True)
    db.session.refresh(message)
    second_delay = message.next_attempt_at - clock.utcnow()
    assert message.attempts == 2 and timedelta(seconds=9) <= second_delay <= timedelta(seconds=20)
    travel(seconds=21)
    worker.run(once=True)
    db.session.refresh(message)
    assert message.status == "delivered"
    assert len(fake.pushes) == 1


def test_outbox_moves_message_to_dead_letters_after_max_attempts_and_replay_is_audited(
        app, fake, travel, client, build, login):
    fake.add_user(GovUserInfo("citizen-1", "Citizen", "natural", None, 3))
    app.config.update(OUTBOX_MAX_ATTEMPTS=3, OUTBOX_BACKOFF_SECONDS=1)
    message = _push("push:test:3")
    fake.set_unavailable(True)
    worker = _worker(app)
    for _ in range(3):
        worker.run(once=True)
        travel(seconds=5)
    db.session.refresh(message)
    assert message.status == "dead" and message.attempts == 3
    assert "unavailable" in message.last_error

    fake.set_unavailable(False)
    admin = build.user("sysadmin")
    login(admin)
    page = client.get("/integrations/").get_data(as_text=True)
    assert "push:test:3" in page
    response = client.post(f"/integrations/outbox/{message.id}/replay")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "pending"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "outbox.replay")) is not None
    worker.run(once=True)
    assert db.session.get(OutboxMessage, message.id).status == "delivered"


def test_replay_is_refused_to_non_admins(app, fake, client, build, login):
    message = _push("push:test:4")
    message.status = "dead"
    db.session.commit()
    login(build.user("regulator"))
    assert client.post(f"/integrations/outbox/{message.id}/replay").status_code == 403
    assert db.session.get(OutboxMessage, message.id).status == "dead"


def test_outbox_rejected_request_goes_straight_to_dead_letters(app, fake):
    message = _push("push:test:5", user="nobody")  # the platform answers 404 user_not_found
    _worker(app).run(once=True)
    db.session.refresh(message)
    assert message.status == "dead" and "user_not_found" in message.last_error


def test_case_update_waits_for_its_case_creation(app, fake, travel):
    app.config.update(OUTBOX_BACKOFF_SECONDS=1)
    payload = {"case_no": "LZWB-2026-0001", "title": "Project", "applicant_uscc": None}
    outbox.enqueue("case_create", {**payload, "status": "submitted"}, "case:1:1")
    outbox.enqueue("case_update", {**payload, "status": "under_review"}, "case:1:2")
    outbox.enqueue("case_update", {**payload, "status": "registered"}, "case:1:3")
    db.session.commit()
    fake.fail_next(GovUnavailable("down", code="unavailable"))
    worker = _worker(app)
    for _ in range(8):
        worker.run(once=True)
        travel(seconds=3)
    statuses = db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)).all()
    assert statuses == ["delivered"] * 3
    assert fake.cases["LZWB-2026-0001"].history == [("submitted", ""), ("under_review", ""), ("registered", "")]


def test_two_workers_with_the_same_key_apply_once(app, fake):
    fake.add_user(GovUserInfo("citizen-1", "Citizen", "natural", None, 3))
    message = _push("push:test:6")
    # A worker died after the platform applied the message but before recording it: resend.
    fake.push_message("citizen-1", "PORTAL_NOTICE", {"message": "hello"}, "push:test:6")
    _worker(app).run(once=True)
    db.session.refresh(message)
    assert message.status == "delivered"
    entry = fake.dedupe_log()["push:test:6"]
    assert (entry.received, entry.applied) == (2, 1)


def test_expired_claim_of_a_dead_worker_is_taken_over(app, fake, travel):
    fake.add_user(GovUserInfo("citizen-1", "Citizen", "natural", None, 3))
    app.config.update(OUTBOX_LEASE_SECONDS=30)
    message = _push("push:test:7")
    first = _worker(app, worker_id="dead-worker")
    token, claimed = first.claim()
    assert [c.id for c in claimed] == [message.id]
    second = _worker(app, worker_id="live-worker")
    assert second.run(once=True).claimed == 0  # still leased to the first worker
    travel(seconds=31)
    assert second.run(once=True).delivered == 1


def test_outbox_delivers_over_http_to_the_sandbox(app, sandbox):
    outbox.enqueue("push_message", {"platform_user_id": "sb-user", "template_code": "T", "params": {}}, "push:sb:1")
    outbox.enqueue("case_create", {"case_no": "C-1", "title": "T", "status": "submitted",
                                   "applicant_uscc": None}, "case:9:1")
    outbox.enqueue("case_update", {"case_no": "C-1", "title": "T", "status": "registered"}, "case:9:2")
    db.session.commit()
    stats = OutboxWorker(app, concurrency=4).run(once=True)
    assert stats.delivered == 3
    log = sandbox.sandbox.platform.dedupe_log()
    assert {k: v.applied for k, v in log.items()} == {"push:sb:1": 1, "case:9:1": 1, "case:9:2": 1}


def test_unknown_kind_is_a_dead_letter(app, fake):
    outbox.enqueue("mystery", {}, "mystery:1")
    db.session.commit()
    _worker(app).run(once=True)
    assert db.session.scalar(select(OutboxMessage.status)) == "dead"


def test_outbox_run_command_delivers_pending_messages(app, fake, runner):
    fake.add_user(GovUserInfo("citizen-1", "Citizen", "natural", None, 3))
    _push("push:test:cli")
    result = runner.invoke(args=["outbox", "run", "--once", "--batch", "10"])
    assert result.exit_code == 0, result.output
    assert "delivered 1" in result.output
    assert db.session.scalar(select(OutboxMessage.status)) == "delivered"


def test_gov_rejected_is_not_retried(app, fake):
    fake.add_user(GovUserInfo("citizen-1", "Citizen", "natural", None, 3))
    message = _push("push:test:8")
    fake.fail_next(GovRejected("bad", code="invalid_request", status=400))
    _worker(app).run(once=True)
    db.session.refresh(message)
    assert message.status == "dead" and message.attempts == 1
