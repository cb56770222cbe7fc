"""The port to the government-services platform: the protocol, its value objects and its errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable
from urllib.parse import urlencode

AccountType = Literal["natural", "legal"]
ACCOUNT_TYPES: frozenset[str] = frozenset({"natural", "legal"})

# Statuses the platform is known to report. "not_found" is an answer, not an error: the USCC is
# well-formed but the registry has no such entity. The set is open: a status the portal does not know
# yet must not break verification, so EnterpriseInfo accepts any and only "active" counts as active.
ENTERPRISE_STATUSES: frozenset[str] = frozenset(
    {"active", "suspended", "revoked", "deregistered", "not_found"}
)

# Error codes that mean "the user must sign in again" rather than "the request was wrong".
AUTH_ERROR_CODES: frozenset[str] = frozenset(
    {
        "invalid_ticket",
        "ticket_expired",
        "ticket_used",
        "redirect_uri_mismatch",
        "invalid_token",
        "token_expired",
    }
)


@dataclass(frozen=True)
class Token:
    """An access token for one signed-in platform user; expires_at is naive UTC like the database."""

    access_token: str
    expires_at: datetime


@dataclass(frozen=True)
class GovUserInfo:
    """Who signed in through the platform."""

    platform_user_id: str
    name: str
    account_type: AccountType
    uscc: str | None
    real_name_level: int

    def __post_init__(self) -> None:
        if self.account_type not in ACCOUNT_TYPES:
            raise ValueError(f"account_type must be natural or legal, not {self.account_type!r}")
        if not 2 <= self.real_name_level <= 5:
            raise ValueError(f"real_name_level must be 2..5, not {self.real_name_level!r}")
        if self.account_type == "legal" and not self.uscc:
            raise ValueError("a legal-person account carries its USCC")
        if self.account_type == "natural" and self.uscc is not None:
            raise ValueError("a natural-person account has no USCC")


@dataclass(frozen=True)
class EnterpriseInfo:
    """The registry's answer for one USCC; reason explains any status other than active."""

    uscc: str
    registered_name: str
    legal_representative: str
    status: str
    business_scope: str
    reason: str = ""

    def __post_init__(self) -> None:
        if not self.status:
            raise ValueError("an enterprise status is required")

    @property
    def is_active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class PushResult:
    """The platform accepted a message for delivery to a user's app inbox."""

    message_id: str
    platform_user_id: str
    template_code: str


@dataclass(frozen=True)
class CaseRef:
    """The platform's record of a service case; revision counts applied changes (creation is 1)."""

    case_no: str
    platform_case_id: str
    status: str
    revision: int


@dataclass(frozen=True)
class AnchorReceipt:
    """The platform's receipt for an audit-chain anchor: its own copy of the head, outside our database."""

    receipt_id: str
    sequence: int
    chain_hash: str
    anchored_at: str


class GovError(Exception):
    """Base of every failure talking to the platform."""

    def __init__(self, message: str, *, code: str = "error", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, status={self.status!r}, message={self.message!r})"


class GovUnavailable(GovError):
    """The platform could not be reached or did not answer usefully: try again later.

    Timeouts, connection errors, 5xx and 429 answers, malformed answers and an open circuit breaker.
    For a call that changes state, the change may or may not have been applied; callers retry with
    the same idempotency key.
    """


class GovRejected(GovError):
    """The platform answered 4xx: the request itself is wrong and retrying will not help."""


class GovAuthError(GovError):
    """The ticket or access token is bad, expired or already used: the user must sign in again."""


@runtime_checkable
class GovPlatform(Protocol):
    """What the portal needs from the government-services platform."""

    def authorize_url(self, state: str, redirect_uri: str) -> str:
        """URL to send the user's browser to; the platform returns to redirect_uri?ticket=..&state=.."""
        ...

    def exchange_ticket(self, ticket: str, redirect_uri: str) -> Token:
        """Trade a single-use ticket for an access token (never retried: the ticket is spent)."""
        ...

    def user_info(self, token: Token | str) -> GovUserInfo: ...

    def verify_enterprise(self, uscc: str) -> EnterpriseInfo: ...

    def push_message(
        self, platform_user_id: str, template_code: str, params: dict[str, Any], idempotency_key: str
    ) -> PushResult: ...

    def create_case(
        self, case_no: str, title: str, status: str, applicant_uscc: str | None, idempotency_key: str
    ) -> CaseRef: ...

    def update_case(self, case_no: str, status: str, remark: str, idempotency_key: str) -> CaseRef: ...

    def anchor_audit(
        self, sequence: int, chain_hash: str, anchored_at: str, idempotency_key: str
    ) -> AnchorReceipt:
        """Deposit the audit chain's head (sequence, hash, UTC time) with the platform."""
        ...

    def health(self) -> bool:
        """True when the platform answers; never raises."""
        ...


def build_authorize_url(base_url: str, app_id: str, state: str, redirect_uri: str) -> str:
    """The one place the authorisation URL is shaped, shared by the adapter and the fake."""
    query = urlencode({"app_id": app_id, "redirect_uri": redirect_uri, "state": state})
    return f"{base_url.rstrip('/')}/oauth/authorize?{query}"


def access_token_of(token: Token | str) -> str:
    return token.access_token if isinstance(token, Token) else token
