"""Enterprise verification at registration: match, mismatch, deregistered, pending → worker."""
from __future__ import annotations

from sqlalchemy import select

from portal.core.models import AuditEvent, Notification, OutboxMessage
from portal.extensions import db
from portal.firms.models import Firm
from portal.firms.verification import verify_firm
from portal.gov.port import EnterpriseInfo, GovUnavailable
from portal.integrations.outbox_worker import OutboxWorker


def _registry(firm: Firm, **kw) -> EnterpriseInfo:
    values = {"uscc": firm.uscc, "registered_name": firm.name, "legal_representative": firm.legal_representative,
              "status": "active", "business_scope": "档案整理"}
    values.update(kw)
    return EnterpriseInfo(**values)


def test_matching_registry_entry_verifies_the_firm(app, fake, build):
    firm = build.firm(status="submitted", name="泸州测试档案（集团）有限公司")
    fake.add_enterprise(_registry(firm, registered_name="泸州测试档案(集团)有限公司"))  # half-width brackets
    assert verify_firm(firm) == ("verified", "")
    db.session.commit()
    assert db.session.get(Firm, firm.id).verification_status == "verified"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "firm.verification"))
    assert event.object_id == str(firm.id) and '"new": "verified"' in event.detail


def test_name_or_representative_mismatch_fails_with_the_registry_values(app, fake, build):
    firm = build.firm(status="submitted")
    fake.add_enterprise(_registry(firm, registered_name="Another Name Ltd", legal_representative="Zhao Liu"))
    status, note = verify_firm(firm)
    assert status == "failed"
    assert "Another Name Ltd" in note and "Zhao Liu" in note


def test_deregistered_firm_is_refused_with_the_platform_reason(app, fake, build):
    firm = build.firm(status="submitted")
    fake.add_enterprise(_registry(firm, status="deregistered", reason="Deregistered on 2025-03-01"))
    status, note = verify_firm(firm)
    assert status == "failed" and "Deregistered on 2025-03-01" in note


def test_unknown_uscc_fails(app, fake, build):
    firm = build.firm(status="submitted")
    assert verify_firm(firm)[0] == "failed"


def test_unreachable_platform_leaves_pending_then_worker_verifies_and_tells_regulators(app, fake, build, travel):
    regulator = build.user("regulator")
    firm = build.firm(status="submitted")
    fake.add_enterprise(_registry(firm))
    fake.set_unavailable(True)
    status, _note = verify_firm(firm)
    db.session.commit()
    assert status == "pending"
    assert db.session.get(Firm, firm.id).verification_status == "pending"
    queued = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "verify_enterprise"))
    assert queued.payload["firm_id"] == firm.id

    # A second attempt while still pending does not queue a second message.
    verify_firm(firm)
    db.session.commit()
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 1

    worker = OutboxWorker(app, concurrency=1)
    worker.run(once=True)
    assert db.session.get(Firm, firm.id).verification_status == "pending"  # still down: retried later
    fake.set_unavailable(False)
    travel(hours=2)
    worker.run(once=True)
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).verification_status == "verified"
    assert db.session.get(OutboxMessage, queued.id).status == "delivered"
    notes = db.session.scalars(select(Notification).where(Notification.user_id == regulator.id)).all()
    assert len(notes) == 1 and firm.name in notes[0].params["firm"]


def test_timeout_over_http_is_pending_not_an_error(app, sandbox, build):
    firm = build.firm(status="submitted")
    sandbox.sandbox.set_faults(sandbox.sandbox.faults.__class__(error_rate=1.0))
    status, _ = verify_firm(firm)
    assert status == "pending"


def test_fake_failure_queue_counts_as_unreachable(app, fake, build):
    firm = build.firm(status="submitted")
    fake.fail_next(GovUnavailable("timeout", code="timeout"))
    assert verify_firm(firm)[0] == "pending"


def test_worker_checks_the_uscc_the_firm_has_now(app, fake, build):
    firm = build.firm(status="submitted")
    fake.set_unavailable(True)
    verify_firm(firm)
    db.session.commit()
    fake.set_unavailable(False)
    corrected = build.firm().uscc  # a well-formed USCC the firm corrects its application to
    db.session.delete(db.session.scalar(select(Firm).where(Firm.uscc == corrected)))
    db.session.commit()
    firm.uscc = corrected
    db.session.commit()
    fake.add_enterprise(_registry(firm))
    OutboxWorker(app, concurrency=1).run(once=True)
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).verification_status == "verified"
