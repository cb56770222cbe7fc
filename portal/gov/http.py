"""HTTP adapter for the government platform: signed requests, timeouts, retries and a circuit breaker."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests

from .breaker import OPEN, BreakerStore, CircuitBreaker
from .fake import naive_utc
from .port import (
    AUTH_ERROR_CODES,
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
from .signing import HMAC_SHA256, SIGN_METHODS, canonical_query, sign_request


class HttpGovPlatform:
    """GovPlatform over HTTP, speaking the contract the sandbox implements.

    Every attempt is signed afresh (new timestamp and nonce). Only idempotent calls are retried: GETs
    and calls that carry an idempotency key; a ticket exchange is tried once because the ticket is spent
    on arrival. retries counts attempts after the first. Every failed attempt that means "unavailable"
    counts against the breaker; while it is open calls fail with GovUnavailable(code="circuit_open")
    without touching the network.
    """

    def __init__(
        self,
        base_url: str,
        app_id: str,
        secret: str | bytes,
        sign_method: str = HMAC_SHA256,
        connect_timeout: float = 2.0,
        read_timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 0.2,
        breaker: CircuitBreaker | None = None,
        *,
        max_backoff: float = 5.0,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if sign_method not in SIGN_METHODS:
            raise ValueError(f"unsupported sign method {sign_method!r}")
        if retries < 0:
            raise ValueError("retries cannot be negative")
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.sign_method = sign_method
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.breaker = breaker if breaker is not None else CircuitBreaker("gov")
        self.session = session if session is not None else _session_for(self.base_url)
        self._secret = secret
        self._clock = clock
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        self._base_path = urlsplit(self.base_url).path

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], breaker_store: BreakerStore | None = None
    ) -> HttpGovPlatform:
        """Build from GOV_* settings such as app.config; pass a shared breaker_store in production.

        Required: GOV_BASE_URL, GOV_APP_ID, GOV_SECRET. Optional: GOV_SIGN_METHOD, GOV_CONNECT_TIMEOUT,
        GOV_READ_TIMEOUT, GOV_RETRIES, GOV_BACKOFF, GOV_BREAKER_THRESHOLD, GOV_BREAKER_RESET_SECONDS.
        """
        missing = [key for key in ("GOV_BASE_URL", "GOV_APP_ID", "GOV_SECRET") if not settings.get(key)]
        if missing:
            raise ValueError(f"missing setting(s): {', '.join(missing)}")
        breaker = CircuitBreaker(
            "gov",
            breaker_store,
            failure_threshold=int(settings.get("GOV_BREAKER_THRESHOLD", 5)),
            reset_timeout=float(settings.get("GOV_BREAKER_RESET_SECONDS", 30.0)),
        )
        return cls(
            str(settings["GOV_BASE_URL"]),
            str(settings["GOV_APP_ID"]),
            settings["GOV_SECRET"],
            sign_method=str(settings.get("GOV_SIGN_METHOD", HMAC_SHA256)),
            connect_timeout=float(settings.get("GOV_CONNECT_TIMEOUT", 2.0)),
            read_timeout=float(settings.get("GOV_READ_TIMEOUT", 5.0)),
            retries=int(settings.get("GOV_RETRIES", 3)),
            backoff=float(settings.get("GOV_BACKOFF", 0.2)),
            breaker=breaker,
        )

    def close(self) -> None:
        self.session.close()

    # -- the port -------------------------------------------------------------------------------

    def authorize_url(self, state: str, redirect_uri: str) -> str:
        return build_authorize_url(self.base_url, self.app_id, state, redirect_uri)

    def exchange_ticket(self, ticket: str, redirect_uri: str) -> Token:
        data = self._call(
            "POST", "/oauth/token", body={"ticket": ticket, "redirect_uri": redirect_uri}, idempotent=False
        )
        return _parse(
            lambda: Token(str(data["access_token"]), naive_utc(self._clock() + int(data["expires_in"])))
        )

    def user_info(self, token: Token | str) -> GovUserInfo:
        data = self._call("GET", "/userinfo", idempotent=True, bearer=access_token_of(token))
        return _parse(
            lambda: GovUserInfo(
                platform_user_id=str(data["platform_user_id"]),
                name=str(data["name"]),
                account_type=data["account_type"],
                uscc=data.get("uscc"),
                real_name_level=int(data["real_name_level"]),
            )
        )

    def verify_enterprise(self, uscc: str) -> EnterpriseInfo:
        data = self._call("GET", f"/enterprise/{quote(uscc, safe='')}", idempotent=True)
        return _parse(
            lambda: EnterpriseInfo(
                uscc=str(data["uscc"]),
                registered_name=str(data["registered_name"]),
                legal_representative=str(data["legal_representative"]),
                status=str(data["status"]),
                business_scope=str(data["business_scope"]),
                reason=str(data.get("reason") or ""),
            )
        )

    def push_message(
        self, platform_user_id: str, template_code: str, params: dict[str, Any], idempotency_key: str
    ) -> PushResult:
        body = {
            "platform_user_id": platform_user_id,
            "template_code": template_code,
            "params": params,
            "idempotency_key": idempotency_key,
        }
        data = self._call("POST", "/messages", body=body, idempotent=True)
        return _parse(
            lambda: PushResult(
                str(data["message_id"]), str(data["platform_user_id"]), str(data["template_code"])
            )
        )

    def create_case(
        self, case_no: str, title: str, status: str, applicant_uscc: str | None, idempotency_key: str
    ) -> CaseRef:
        body = {
            "case_no": case_no,
            "title": title,
            "status": status,
            "applicant_uscc": applicant_uscc,
            "idempotency_key": idempotency_key,
        }
        return _case_ref(self._call("POST", "/cases", body=body, idempotent=True))

    def update_case(self, case_no: str, status: str, remark: str, idempotency_key: str) -> CaseRef:
        body = {"status": status, "remark": remark, "idempotency_key": idempotency_key}
        return _case_ref(self._call("PUT", f"/cases/{quote(case_no, safe='')}", body=body, idempotent=True))

    def anchor_audit(
        self, sequence: int, chain_hash: str, anchored_at: str, idempotency_key: str
    ) -> AnchorReceipt:
        body = {
            "sequence": sequence,
            "chain_hash": chain_hash,
            "anchored_at": anchored_at,
            "idempotency_key": idempotency_key,
        }
        data = self._call("POST", "/audit-anchors", body=body, idempotent=True)
        return _parse(
            lambda: AnchorReceipt(
                str(data["receipt_id"]), int(data["sequence"]), str(data["chain_hash"]), str(data["anchored_at"])
            )
        )

    def health(self) -> bool:
        try:
            self._call("GET", "/health", idempotent=False)
        except GovError:
            return False
        return True

    # -- transport ------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        bearer: str | None = None,
    ) -> dict[str, Any]:
        attempts = 1 + (self.retries if idempotent else 0)
        last_error: GovUnavailable | None = None
        for attempt in range(attempts):
            if attempt:
                if self.breaker.state == OPEN:
                    raise last_error or _circuit_open()
                self._sleep(self._delay(attempt))
            if not self.breaker.allow():
                raise _circuit_open() from last_error
            try:
                data = self._send(method, path, body=body, query=query, bearer=bearer)
            except GovUnavailable as exc:
                self.breaker.record_failure()
                last_error = exc
                continue
            except GovError:
                # A 4xx answer proves the platform is up.
                self.breaker.record_success()
                raise
            self.breaker.record_success()
            return data
        raise last_error or _circuit_open()

    def _delay(self, attempt: int) -> float:
        """Exponential backoff with equal jitter: half the step is fixed, half random."""
        step = min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))
        return step / 2 + self._rng.uniform(0, step / 2)

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None,
        query: dict[str, str] | None,
        bearer: str | None,
    ) -> dict[str, Any]:
        payload = (
            b"" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        )
        query_string = canonical_query(query)
        url = self.base_url + path + (f"?{query_string}" if query_string else "")
        headers = sign_request(
            method,
            unquote(self._base_path + path),
            query_string,
            payload,
            app_id=self.app_id,
            secret=self._secret,
            sign_method=self.sign_method,
            timestamp=int(self._clock()),
        )
        headers["Accept"] = "application/json"
        if body is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        try:
            response = self.session.request(
                method,
                url,
                data=payload or None,
                headers=headers,
                timeout=(self.connect_timeout, self.read_timeout),
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise GovUnavailable(f"{method} {path} timed out: {exc}", code="timeout") from exc
        except requests.ConnectionError as exc:
            raise GovUnavailable(
                f"{method} {path} could not connect: {exc}", code="connection_error"
            ) from exc
        except requests.RequestException as exc:
            raise GovUnavailable(f"{method} {path} failed: {exc}", code="request_failed") from exc
        return _interpret(method, path, response)


def _session_for(base_url: str) -> requests.Session:
    """A keep-alive session with the environment's proxy and CA bundle settings for `base_url` read once.

    requests otherwise reads them from os.environ on every request (a walk of the whole environment,
    a quarter of the outbox worker's time per message); netrc credentials are not used (calls are signed).
    """
    session = requests.Session()
    settings = session.merge_environment_settings(base_url, {}, None, None, None)
    session.proxies.update(settings["proxies"])
    session.verify = settings["verify"]
    session.trust_env = False
    return session


def _circuit_open() -> GovUnavailable:
    return GovUnavailable("government platform circuit is open; not calling", code="circuit_open")


def _interpret(method: str, path: str, response: requests.Response) -> dict[str, Any]:
    status = response.status_code
    try:
        document = response.json()
    except ValueError:
        document = None
    error = document.get("error") if isinstance(document, dict) else None
    code = str(error.get("code")) if isinstance(error, dict) and error.get("code") else f"http_{status}"
    message = (
        str(error.get("message")) if isinstance(error, dict) and error.get("message") else response.reason
    )
    where = f"{method} {path} → {status}"
    if status >= 500 or status == 429:
        raise GovUnavailable(f"{where}: {message}", code=code, status=status)
    if 400 <= status < 500:
        if code in AUTH_ERROR_CODES:
            raise GovAuthError(message, code=code, status=status)
        raise GovRejected(message, code=code, status=status)
    if not 200 <= status < 300:
        raise GovUnavailable(f"{where}: unexpected status", code="unexpected_status", status=status)
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict):
        raise GovUnavailable(f"{where}: answer has no data object", code="bad_response", status=status)
    return data


def _parse(build: Callable[[], Any]) -> Any:
    try:
        return build()
    except (KeyError, TypeError, ValueError) as exc:
        raise GovUnavailable(f"platform answer is malformed: {exc!r}", code="bad_response") from exc


def _case_ref(data: dict[str, Any]) -> CaseRef:
    return _parse(
        lambda: CaseRef(
            str(data["case_no"]), str(data["platform_case_id"]), str(data["status"]), int(data["revision"])
        )
    )
