"""Enterprise verification by USCC at registration and key-field changes, deferred when the platform is down.

verify_firm() tries the platform once with a short timeout. An answer decides at once (verified, or
failed with the reason); no answer leaves the firm "pending" and queues a "verify_enterprise" outbox
message, which the worker retries until the platform answers and then records the outcome and tells
the regulators.
"""
from __future__ import annotations

import unicodedata
import uuid

from sqlalchemy import select

from portal.core import audit, inbox, outbox
from portal.core.access import regulators_for_district
from portal.core.models import OutboxMessage
from portal.core.msgids import N_
from portal.extensions import db
from portal.firms.models import Firm
from portal.gov.port import EnterpriseInfo, GovAuthError, GovRejected, GovUnavailable
from portal.integrations import gov_client

VERIFY_KIND = "verify_enterprise"
# Registry states that end an application at once (the firm no longer exists as an enterprise);
# other mismatches are recorded for the regulator to weigh.
REFUSING_STATUSES = ("deregistered", "revoked")
VERIFIED, PENDING, FAILED = "verified", "pending", "failed"

NOTE_PENDING = N_("The government-services platform could not be reached; verification will be retried.")
NOTE_DEREGISTERED = N_("The registry reports this enterprise as %(status)s: %(reason)s")
NOTE_NAME = N_("The registered name on the platform is %(name)s.")
NOTE_REPRESENTATIVE = N_("The legal representative on the platform is %(name)s.")
NOTE_REJECTED = N_("The platform refused the USCC: %(reason)s")
MSG_RESULT = N_("Enterprise verification of %(firm)s: %(result)s.")


def _text(msgid: str, params: dict | None = None) -> str:
    """Notes are stored once for every reader, so in the bureau's default language."""
    from flask import current_app
    from flask_babel import force_locale

    from portal.web.i18n import translate

    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")):
        return translate(msgid, params)


def _same(a: str, b: str) -> bool:
    """Registry names compared without width, case or spacing differences (全角/半角 brackets)."""
    def norm(s: str) -> str:
        return "".join(unicodedata.normalize("NFKC", s or "").split()).casefold()

    return norm(a) == norm(b)


def judge(firm: Firm, info: EnterpriseInfo) -> tuple[str, str]:
    """Compare the platform's registry entry with what the firm declared: (status, note)."""
    if not info.is_active:
        return FAILED, _text(NOTE_DEREGISTERED, {"status": info.status, "reason": info.reason or "-"})
    problems = []
    if not _same(info.registered_name, firm.name):
        problems.append(_text(NOTE_NAME, {"name": info.registered_name}))
    if not _same(info.legal_representative, firm.legal_representative):
        problems.append(_text(NOTE_REPRESENTATIVE, {"name": info.legal_representative}))
    if problems:
        return FAILED, " ".join(problems)
    return VERIFIED, ""


def _set(firm: Firm, status: str, note: str) -> None:
    old = firm.verification_status
    firm.verification_status = status
    firm.verification_note = note
    audit.record("firm.verification", "firm", firm.id, detail={"old": old, "new": status, "note": note})


def verify_firm(firm: Firm) -> tuple[str, str]:
    """Verify the firm's USCC, name and legal representative now, or queue it (caller commits).

    Sets firm.verification_status/verification_note and returns them. The firm needs an id (flush).
    """
    status, note, _refused = verify_firm_for_application(firm)
    return status, note


def verify_firm_for_application(firm: Firm) -> tuple[str, str, bool]:
    """Like verify_firm, and also says whether the registry state refuses the application outright."""
    if firm.id is None:
        db.session.flush()
    try:
        info = gov_client.platform(interactive=True).verify_enterprise(firm.uscc)
    except (GovUnavailable, GovAuthError):
        # No usable answer now (our credentials may be rotating): decide later rather than wrongly.
        note = _text(NOTE_PENDING)
        _set(firm, PENDING, note)
        enqueue_verification(firm)
        return PENDING, note, False
    except GovRejected as exc:
        note = _text(NOTE_REJECTED, {"reason": exc.message})
        _set(firm, FAILED, note)
        return FAILED, note, False
    status, note = judge(firm, info)
    _set(firm, status, note)
    return status, note, info.status in REFUSING_STATUSES


def enqueue_verification(firm: Firm) -> None:
    """Queue a verification unless one for this firm is already waiting (it reads the current values)."""
    prefix = f"verify:{firm.id}:"
    waiting = db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.idempotency_key.like(prefix + "%"), OutboxMessage.status == "pending"))
    if waiting is None:
        outbox.enqueue(VERIFY_KIND, {"firm_id": firm.id, "uscc": firm.uscc}, prefix + uuid.uuid4().hex)


def apply_deferred(firm_id: int, info: EnterpriseInfo | None, rejected_reason: str | None = None) -> tuple[str, str]:
    """The worker's half: record the platform's answer for a pending firm and tell the regulators."""
    firm = db.session.get(Firm, firm_id)
    if firm is None:
        return "gone", ""
    if info is not None:
        status, note = judge(firm, info)
    else:
        status, note = FAILED, _text(NOTE_REJECTED, {"reason": rejected_reason or ""})
    _set(firm, status, note)
    inbox.notify(regulators_for_district(firm.district_code), MSG_RESULT,
                 {"firm": firm.name, "result": f"msg:{'Verified' if status == VERIFIED else 'Failed'}"},
                 link=f"/firms/{firm.id}")
    return status, note


def retry_pending(limit: int = 200) -> dict[str, int]:
    """The scheduled retry (`flask gov verify-pending`): firms still "pending" whose queued message is
    no longer waiting (it went dead after its attempts, or was never queued) are tried again now; no
    answer queues them again. Firms with a waiting message are left to the outbox worker."""
    from portal.core import transactions

    waiting = select(OutboxMessage.idempotency_key).where(
        OutboxMessage.kind == VERIFY_KIND, OutboxMessage.status == "pending")
    waiting_ids = {int(key.split(":")[1]) for key in db.session.scalars(waiting) if key.count(":") >= 2}
    firms = [f for f in db.session.scalars(select(Firm).where(Firm.verification_status == PENDING)
                                           .order_by(Firm.id).limit(limit)) if f.id not in waiting_ids]
    counts = {"checked": 0, "verified": 0, "failed": 0, "queued": 0}
    platform = gov_client.platform(purpose="worker")
    unavailable = False
    for firm in firms:
        if not unavailable:
            try:
                info = platform.verify_enterprise(firm.uscc)
            except GovRejected as exc:
                status, _note = apply_deferred(firm.id, None, exc.message)
            except (GovUnavailable, GovAuthError):
                unavailable = True  # the breaker is open or the platform hangs: queue the rest
            else:
                status, _note = apply_deferred(firm.id, info)
            if not unavailable:
                counts["checked"] += 1
                counts[status] += 1
                transactions.commit()
                continue
        enqueue_verification(firm)
        counts["queued"] += 1
        transactions.commit()
    return counts


# Labels used as "msg:" parameters above, listed for extraction.
_LABELS = (N_("Verified"), N_("Failed"))
