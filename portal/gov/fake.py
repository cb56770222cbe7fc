"""In-memory government platform: the fake for unit tests and the engine behind the sandbox server."""

from __future__ import annotations

import json
import random
import re
import string
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from .port import (
    AnchorReceipt,
    CaseRef,
    EnterpriseInfo,
    GovAuthError,
    GovError,
    GovRejected,
    GovUnavailable,
    GovUserInfo,
    PushResult,
    Token,
    access_token_of,
    build_authorize_url,
)

# GB 32100-2015 alphabet: digits and capitals without I, O, S, V, Z. The check digit is the domain's
# business; the platform only refuses what cannot be a USCC at all.
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
CASE_STATUS_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
CHAIN_HASH_RE = re.compile(r"^[0-9a-f]{64}$")
IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_TOKEN_ALPHABET = string.ascii_letters + string.digits


def naive_utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class RecordedPush:
    message_id: str
    platform_user_id: str
    template_code: str
    params: dict[str, Any]
    idempotency_key: str
    sent_at: float


@dataclass
class CaseRecord:
    """The platform's copy of a service case; history holds (status, remark) per applied change."""

    case_no: str
    platform_case_id: str
    title: str
    status: str
    applicant_uscc: str | None
    revision: int = 1
    history: list[tuple[str, str]] = field(default_factory=list)

    def ref(self) -> CaseRef:
        return CaseRef(self.case_no, self.platform_case_id, self.status, self.revision)


@dataclass
class DedupeEntry:
    """How often one idempotency key arrived and how often it changed anything (never more than once)."""

    operation: str
    received: int = 0
    applied: int = 0


@dataclass
class _Ticket:
    platform_user_id: str
    redirect_uri: str
    expires_at: float
    used: bool = False


@dataclass
class _Applied:
    fingerprint: str
    result: Any


class FakeGovPlatform:
    """Implements GovPlatform in memory with the platform's semantics.

    Tickets are single-use, bound to their redirect URI and expire after ticket_ttl seconds; access
    tokens expire after token_ttl. State-changing calls are deduplicated by idempotency key: a repeat
    returns the first result and changes nothing, a key reused for a different request is refused.
    Tests set up users, tickets and enterprises with add_user, mint_ticket and add_enterprise, make the
    platform fail with set_unavailable or fail_next, and assert on pushes, cases and dedupe_log().
    """

    def __init__(
        self,
        *,
        app_id: str = "fake-app",
        base_url: str = "https://gov.invalid",
        clock: Callable[[], float] = time.time,
        ticket_ttl: float = 120.0,
        token_ttl: float = 7200.0,
        users: Iterable[GovUserInfo] = (),
        enterprises: Iterable[EnterpriseInfo] = (),
        synthesize_unknown_enterprises: bool = False,
        seed: int | None = None,
    ) -> None:
        self.app_id = app_id
        self.base_url = base_url
        self.ticket_ttl = ticket_ttl
        self.token_ttl = token_ttl
        self.synthesize_unknown_enterprises = synthesize_unknown_enterprises
        self._clock = clock
        self._seed = seed
        self._lock = threading.RLock()
        self._initial_users = list(users)
        self._initial_enterprises = list(enterprises)
        self.reset()

    # -- test set-up and inspection -------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything except the users and enterprises given to the constructor."""
        with self._lock:
            self._rng: random.Random = (
                random.Random(self._seed) if self._seed is not None else random.SystemRandom()
            )
            self._users: dict[str, GovUserInfo] = {u.platform_user_id: u for u in self._initial_users}
            self._enterprises: dict[str, EnterpriseInfo] = {e.uscc: e for e in self._initial_enterprises}
            self._tickets: dict[str, _Ticket] = {}
            self._tokens: dict[str, tuple[str, float]] = {}
            self._applied: dict[str, _Applied] = {}
            self._dedupe: dict[str, DedupeEntry] = {}
            self._sequence = 0
            self._unavailable = False
            self._queued_failures: list[GovError] = []
            self.pushes: list[RecordedPush] = []
            self.cases: dict[str, CaseRecord] = {}
            self.anchors: list[AnchorReceipt] = []

    def add_user(self, user: GovUserInfo) -> None:
        with self._lock:
            self._users[user.platform_user_id] = user

    def get_user(self, platform_user_id: str) -> GovUserInfo | None:
        with self._lock:
            return self._users.get(platform_user_id)

    def users(self) -> list[GovUserInfo]:
        with self._lock:
            return list(self._users.values())

    def add_enterprise(self, info: EnterpriseInfo) -> None:
        with self._lock:
            self._enterprises[info.uscc] = info

    def mint_ticket(self, platform_user_id: str, redirect_uri: str) -> str:
        """What the platform does when the user signs in on its page: a ticket for the return URL."""
        with self._lock:
            if platform_user_id not in self._users:
                raise GovRejected(f"no user {platform_user_id!r}", code="user_not_found", status=404)
            ticket = "ST-" + self._random_token()
            self._tickets[ticket] = _Ticket(platform_user_id, redirect_uri, self._clock() + self.ticket_ttl)
            return ticket

    def set_unavailable(self, unavailable: bool = True) -> None:
        """Make every call fail with GovUnavailable (and health() answer False) until switched back."""
        with self._lock:
            self._unavailable = unavailable

    def fail_next(self, error: GovError, times: int = 1) -> None:
        """Raise error from the next `times` calls, before they change anything."""
        with self._lock:
            self._queued_failures.extend([error] * times)

    def dedupe_log(self) -> dict[str, DedupeEntry]:
        with self._lock:
            return {key: DedupeEntry(**asdict(entry)) for key, entry in self._dedupe.items()}

    # -- the port -------------------------------------------------------------------------------

    def authorize_url(self, state: str, redirect_uri: str) -> str:
        return build_authorize_url(self.base_url, self.app_id, state, redirect_uri)

    def exchange_ticket(self, ticket: str, redirect_uri: str) -> Token:
        with self._lock:
            self._check_available()
            found = self._tickets.get(ticket)
            if found is None:
                raise GovAuthError("unknown ticket", code="invalid_ticket", status=401)
            if found.used:
                raise GovAuthError("ticket has already been used", code="ticket_used", status=401)
            if self._clock() >= found.expires_at:
                raise GovAuthError("ticket has expired", code="ticket_expired", status=401)
            if found.redirect_uri != redirect_uri:
                raise GovAuthError(
                    "redirect_uri differs from the one the ticket was issued for",
                    code="redirect_uri_mismatch",
                    status=401,
                )
            found.used = True
            access_token = "AT-" + self._random_token()
            expires_at = self._clock() + self.token_ttl
            self._tokens[access_token] = (found.platform_user_id, expires_at)
            return Token(access_token, naive_utc(expires_at))

    def token_expires_in(self, access_token: str) -> int:
        """Seconds the token has left; the sandbox answers OAuth-style expires_in from it."""
        with self._lock:
            _, expires_at = self._tokens[access_token]
            return max(0, int(round(expires_at - self._clock())))

    def user_info(self, token: Token | str) -> GovUserInfo:
        with self._lock:
            self._check_available()
            found = self._tokens.get(access_token_of(token))
            if found is None:
                raise GovAuthError("unknown access token", code="invalid_token", status=401)
            platform_user_id, expires_at = found
            if self._clock() >= expires_at:
                raise GovAuthError("access token has expired", code="token_expired", status=401)
            return self._users[platform_user_id]

    def verify_enterprise(self, uscc: str) -> EnterpriseInfo:
        with self._lock:
            self._check_available()
            _check_uscc(uscc)
            known = self._enterprises.get(uscc)
            if known is not None:
                return known
            if self.synthesize_unknown_enterprises:
                return EnterpriseInfo(
                    uscc=uscc,
                    registered_name=f"Sandbox Enterprise {uscc[-6:]}",
                    legal_representative="Sandbox Representative",
                    status="active",
                    business_scope="Archive arrangement, digitisation and custody services",
                )
            return EnterpriseInfo(
                uscc=uscc,
                registered_name="",
                legal_representative="",
                status="not_found",
                business_scope="",
                reason="No enterprise is registered under this USCC.",
            )

    def push_message(
        self, platform_user_id: str, template_code: str, params: dict[str, Any], idempotency_key: str
    ) -> PushResult:
        # Round-trip through JSON so the fake records exactly what the HTTP path would deliver.
        params = json.loads(json.dumps(params, ensure_ascii=False))
        request = {"platform_user_id": platform_user_id, "template_code": template_code, "params": params}

        def apply() -> PushResult:
            if not template_code:
                raise GovRejected("template_code is required", code="invalid_request", status=400)
            if not isinstance(params, dict):
                raise GovRejected("params must be an object", code="invalid_request", status=400)
            if platform_user_id not in self._users:
                raise GovRejected(f"no user {platform_user_id!r}", code="user_not_found", status=404)
            message_id = f"MSG-{self._next_sequence():08d}"
            self.pushes.append(
                RecordedPush(
                    message_id, platform_user_id, template_code, params, idempotency_key, self._clock()
                )
            )
            return PushResult(message_id, platform_user_id, template_code)

        return self._idempotent("push_message", idempotency_key, request, apply)

    def create_case(
        self, case_no: str, title: str, status: str, applicant_uscc: str | None, idempotency_key: str
    ) -> CaseRef:
        request = {"case_no": case_no, "title": title, "status": status, "applicant_uscc": applicant_uscc}

        def apply() -> CaseRef:
            _check_case_no(case_no)
            _check_status(status)
            if not title:
                raise GovRejected("title is required", code="invalid_request", status=400)
            if applicant_uscc is not None:
                _check_uscc(applicant_uscc)
            if case_no in self.cases:
                raise GovRejected(f"case {case_no} already exists", code="case_exists", status=409)
            record = CaseRecord(
                case_no=case_no,
                platform_case_id=f"GC-{self._next_sequence():08d}",
                title=title,
                status=status,
                applicant_uscc=applicant_uscc,
                history=[(status, "")],
            )
            self.cases[case_no] = record
            return record.ref()

        return self._idempotent("create_case", idempotency_key, request, apply)

    def update_case(self, case_no: str, status: str, remark: str, idempotency_key: str) -> CaseRef:
        request = {"case_no": case_no, "status": status, "remark": remark}

        def apply() -> CaseRef:
            _check_status(status)
            record = self.cases.get(case_no)
            if record is None:
                raise GovRejected(f"no case {case_no}", code="case_not_found", status=404)
            record.status = status
            record.revision += 1
            record.history.append((status, remark))
            return record.ref()

        return self._idempotent("update_case", idempotency_key, request, apply)

    def anchor_audit(
        self, sequence: int, chain_hash: str, anchored_at: str, idempotency_key: str
    ) -> AnchorReceipt:
        request = {"sequence": sequence, "chain_hash": chain_hash, "anchored_at": anchored_at}

        def apply() -> AnchorReceipt:
            if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
                raise GovRejected("sequence must be a whole number >= 0", code="invalid_request", status=400)
            if not CHAIN_HASH_RE.match(chain_hash or ""):
                raise GovRejected("chain_hash must be 64 lower-case hex digits", code="invalid_request",
                                  status=400)
            if not anchored_at or len(anchored_at) > 40:
                raise GovRejected("anchored_at is required", code="invalid_request", status=400)
            receipt = AnchorReceipt(f"AN-{self._next_sequence():08d}", sequence, chain_hash, anchored_at)
            self.anchors.append(receipt)
            return receipt

        return self._idempotent("anchor_audit", idempotency_key, request, apply)

    def health(self) -> bool:
        with self._lock:
            try:
                self._check_available()
            except GovError:
                return False
            return True

    # -- internals ------------------------------------------------------------------------------

    def _idempotent(self, operation: str, key: str, request: dict[str, Any], apply: Callable[[], Any]) -> Any:
        with self._lock:
            self._check_available()
            if not IDEMPOTENCY_KEY_RE.match(key or ""):
                raise GovRejected(
                    "idempotency_key must be 1-128 characters of [A-Za-z0-9_.:-]",
                    code="invalid_request",
                    status=400,
                )
            fingerprint = json.dumps([operation, request], sort_keys=True, ensure_ascii=False)
            previous = self._applied.get(key)
            if previous is not None:
                if previous.fingerprint != fingerprint:
                    raise GovRejected(
                        "idempotency_key was already used for a different request",
                        code="idempotency_key_reused",
                        status=409,
                    )
                self._dedupe[key].received += 1
                return previous.result
            result = apply()
            self._applied[key] = _Applied(fingerprint, result)
            self._dedupe[key] = DedupeEntry(operation, received=1, applied=1)
            return result

    def _check_available(self) -> None:
        if self._queued_failures:
            raise self._queued_failures.pop(0)
        if self._unavailable:
            raise GovUnavailable("platform is unavailable", code="unavailable", status=503)

    def _next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def _random_token(self) -> str:
        return "".join(self._rng.choice(_TOKEN_ALPHABET) for _ in range(32))


def _check_uscc(uscc: str) -> None:
    if not USCC_RE.match(uscc or ""):
        raise GovRejected("not a well-formed USCC", code="invalid_uscc", status=400)


def _check_case_no(case_no: str) -> None:
    if not case_no or "/" in case_no or len(case_no) > 64 or not case_no.isprintable():
        raise GovRejected(
            "case_no must be 1-64 printable characters without '/'", code="invalid_request", status=400
        )


def _check_status(status: str) -> None:
    if not CASE_STATUS_RE.match(status or ""):
        raise GovRejected(
            "status must be lower-case letters, digits and underscores", code="invalid_request", status=400
        )
