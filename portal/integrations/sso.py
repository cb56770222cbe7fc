"""Single sign-on with the government-services account: state → ticket → token → user info → portal user.

The state is single-use, short-lived and bound to the browser session (the session holds a random
binding whose hash the SsoState row keeps). A platform identity is linked to one portal account
(User.gov_user_id); the first time, the person proves the portal account with its password. A
legal-person identity may only link to a user of the firm or agency with that USCC.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from portal.auth import accounts
from portal.auth.models import User
from portal.core import audit, clock, transactions
from portal.core.digests import same_secret
from portal.core.errors import ServiceError
from portal.core.msgids import N_
from portal.extensions import db
from portal.firms.models import Firm
from portal.gov.port import GovAuthError, GovError, GovUnavailable, GovUserInfo
from portal.integrations import gov_client
from portal.integrations.models import SsoState
from portal.orgs.models import Agency

MIN_FILING_LEVEL = 3

BAD_STATE = N_("This sign-in attempt is not valid any more (it expired, was already used or was started "
               "in another browser). Please start again.")
BAD_TICKET = N_("The government-services platform did not accept the sign-in (the ticket is invalid, "
                "expired or already used). Please start again.")
UNAVAILABLE = N_("The government-services platform is not reachable at the moment. Please try again "
                 "later or log in with your portal password.")
WRONG_ORGANISATION = N_("This portal account does not belong to the organisation of your "
                        "government-services account.")
ALREADY_LINKED = N_("This portal account is already linked to another government-services account.")


class SsoError(ServiceError):
    status_code = 400


@dataclass(frozen=True)
class PendingLink:
    """A platform identity waiting to be linked (kept in the signed session for a few minutes)."""

    platform_user_id: str
    name: str
    account_type: str
    uscc: str | None
    real_name_level: int
    expires: float

    @classmethod
    def from_info(cls, info: GovUserInfo, minutes: int) -> PendingLink:
        from datetime import UTC

        expires = (clock.utcnow() + timedelta(minutes=minutes)).replace(tzinfo=UTC).timestamp()
        return cls(info.platform_user_id, info.name, info.account_type, info.uscc, info.real_name_level,
                   expires)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def expired(self) -> bool:
        from datetime import UTC

        return clock.utcnow().replace(tzinfo=UTC).timestamp() > self.expires


@dataclass
class Completed:
    """Either a logged-in user (login) or an identity that must be linked first (pending)."""

    login: accounts.LoginResult | None
    pending: PendingLink | None
    info: GovUserInfo


def _hash(binding: str) -> str:
    return hashlib.sha256(binding.encode()).hexdigest()


def _minutes() -> int:
    return int(current_app.config.get("GOV_SSO_STATE_MINUTES", 10))


def begin(binding: str, redirect_uri: str) -> str:
    """Record a fresh state bound to the session and return the platform's authorisation URL."""
    state = secrets.token_urlsafe(24)
    now = clock.utcnow()
    # States are worthless after their few minutes; keep a day of them for the record, no more.
    db.session.execute(delete(SsoState).where(SsoState.created_at < now - timedelta(days=1)))
    db.session.add(SsoState(state=state, session_binding=_hash(binding), created_at=now))
    transactions.commit()
    return gov_client.platform(interactive=True).authorize_url(state, redirect_uri)


def _spend_state(state: str, binding: str | None) -> None:
    row = db.session.get(SsoState, state) if state else None
    now = clock.utcnow()
    valid = (
        row is not None and binding is not None and row.used_at is None
        and same_secret(row.session_binding, _hash(binding))
        and now - row.created_at <= timedelta(minutes=_minutes())
    )
    if row is not None and row.used_at is None:
        row.used_at = now  # spent even when refused: a state is good for one try only
    audit.record("sso.state", "sso", None, outcome="success" if valid else "failure",
                 detail={"valid": valid})
    transactions.commit()
    if not valid:
        raise SsoError(BAD_STATE)


def _linked_user(info: GovUserInfo) -> User | None:
    return db.session.scalar(select(User).where(User.gov_user_id == info.platform_user_id))


def complete(state: str, ticket: str, binding: str | None, redirect_uri: str, *, ip: str | None = None,
             user_agent: str | None = None) -> Completed:
    """Check the state, trade the ticket and log the linked user in (or hand back a pending link)."""
    _spend_state(state, binding)
    platform = gov_client.platform(interactive=True)
    try:
        token = platform.exchange_ticket(ticket or "", redirect_uri)
        info = platform.user_info(token)
    except GovAuthError as exc:
        audit.record_and_commit("sso.ticket_refused", "sso", None, outcome="failure", detail={"code": exc.code})
        raise SsoError(BAD_TICKET) from exc
    except GovUnavailable as exc:
        raise SsoError(UNAVAILABLE) from exc
    except GovError as exc:
        audit.record_and_commit("sso.ticket_refused", "sso", None, outcome="failure", detail={"code": exc.code})
        raise SsoError(BAD_TICKET) from exc
    user = _linked_user(info)
    if user is None:
        return Completed(None, PendingLink.from_info(info, _minutes()), info)
    user.gov_real_name_level = info.real_name_level
    return Completed(accounts.login_via_sso(user, ip, user_agent, {"level": info.real_name_level}), None, info)


def organisation_matches(user: User, uscc: str | None) -> bool:
    """A legal-person identity belongs to a firm or agency; only its own users may link to it."""
    if uscc is None:
        return True
    firm_id = db.session.scalar(select(Firm.id).where(Firm.uscc == uscc))
    agency_id = db.session.scalar(select(Agency.id).where(Agency.uscc == uscc))
    return (firm_id is not None and user.firm_id == firm_id) or (
        agency_id is not None and user.agency_id == agency_id)


def link(pending: PendingLink, username: str, password: str, *, ip: str | None = None,
         user_agent: str | None = None) -> accounts.LoginResult:
    """First sign-in: the portal password proves the account once; then the identity is linked."""
    if pending.expired:
        raise SsoError(BAD_STATE)
    result = accounts.authenticate(username, password, ip=ip, user_agent=user_agent)  # LoginFailed
    user = result.user
    problem = None
    if not organisation_matches(user, pending.uscc):
        problem = WRONG_ORGANISATION
    elif user.gov_user_id and user.gov_user_id != pending.platform_user_id:
        problem = ALREADY_LINKED
    elif _linked_user(GovUserInfo(pending.platform_user_id, pending.name, pending.account_type,  # type: ignore[arg-type]
                                  pending.uscc, pending.real_name_level)) not in (None, user):
        problem = ALREADY_LINKED
    if problem is not None:
        accounts.logout(result.session_token)
        audit.record_and_commit("sso.link_refused", "user", user.id, outcome="failure",
                                detail={"platform_user_id": pending.platform_user_id})
        raise SsoError(problem)
    user.gov_user_id = pending.platform_user_id
    user.gov_real_name_level = pending.real_name_level
    audit.record("sso.linked", "user", user.id,
                 detail={"platform_user_id": pending.platform_user_id, "account_type": pending.account_type,
                         "level": pending.real_name_level})
    transactions.commit()
    return result


def can_submit_filings(user: User) -> bool:
    """Accounts signed in through the platform below real-name level 3 may look but not file."""
    return user.gov_real_name_level is None or user.gov_real_name_level >= MIN_FILING_LEVEL
