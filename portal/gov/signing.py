"""Request signing shared by the portal, the sandbox and the callback endpoint (HMAC-SHA256 or HMAC-SM3)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol
from urllib.parse import parse_qsl, quote

from gmssl import func as _gm_func
from gmssl import sm3 as _gm_sm3

HMAC_SHA256 = "HMAC-SHA256"
HMAC_SM3 = "HMAC-SM3"
SIGN_METHODS: frozenset[str] = frozenset({HMAC_SHA256, HMAC_SM3})

HEADER_APP_ID = "X-App-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"
HEADER_SIGN_METHOD = "X-Sign-Method"
SIGNED_HEADERS = (HEADER_APP_ID, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE, HEADER_SIGN_METHOD)

DEFAULT_WINDOW_SECONDS = 300
_NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_SM3_BLOCK = 64

Query = str | Mapping[str, str] | Iterable[tuple[str, str]] | None


def sm3_digest(data: bytes) -> bytes:
    """SM3 (GB/T 32905-2016) digest; gmssl answers in hex, HMAC needs the raw 32 bytes."""
    return bytes.fromhex(_gm_sm3.sm3_hash(_gm_func.bytes_to_list(data)))


def hmac_sm3(key: bytes, message: bytes) -> bytes:
    """HMAC over SM3 per RFC 2104 with SM3's 64-byte block; gmssl ships no HMAC of its own."""
    if len(key) > _SM3_BLOCK:
        key = sm3_digest(key)
    key = key.ljust(_SM3_BLOCK, b"\x00")
    inner = sm3_digest(bytes(b ^ 0x36 for b in key) + message)
    return sm3_digest(bytes(b ^ 0x5C for b in key) + inner)


def canonical_query(query: Query) -> str:
    """Sorted, RFC 3986-encoded query so both ends agree however the client ordered its parameters."""
    if query is None:
        pairs: list[tuple[str, str]] = []
    elif isinstance(query, str):
        pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    elif isinstance(query, Mapping):
        pairs = [(str(k), str(v)) for k, v in query.items()]
    else:
        pairs = [(str(k), str(v)) for k, v in query]
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(pairs))


def canonical_string(
    method: str, path: str, query: Query, body: bytes, timestamp: str | int, nonce: str
) -> str:
    """METHOD, decoded path, sorted query, hex SHA-256 of the body, timestamp and nonce, one per line."""
    return "\n".join(
        [
            method.upper(),
            path or "/",
            canonical_query(query),
            hashlib.sha256(body or b"").hexdigest(),
            str(timestamp),
            nonce,
        ]
    )


def compute_signature(secret: str | bytes, canonical: str, sign_method: str = HMAC_SHA256) -> str:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    message = canonical.encode("utf-8")
    if sign_method == HMAC_SHA256:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    if sign_method == HMAC_SM3:
        return hmac_sm3(key, message).hex()
    raise ValueError(f"unsupported sign method {sign_method!r}")


def new_nonce() -> str:
    return secrets.token_hex(16)


def sign_request(
    method: str,
    path: str,
    query: Query,
    body: bytes,
    *,
    app_id: str,
    secret: str | bytes,
    sign_method: str = HMAC_SHA256,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The five X- headers for one request; sign every attempt afresh so retries carry new nonces."""
    ts = str(int(time.time()) if timestamp is None else int(timestamp))
    nonce = nonce or new_nonce()
    signature = compute_signature(secret, canonical_string(method, path, query, body, ts, nonce), sign_method)
    return {
        HEADER_APP_ID: app_id,
        HEADER_TIMESTAMP: ts,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature,
        HEADER_SIGN_METHOD: sign_method,
    }


class SignatureError(Exception):
    """A request's signature headers do not hold up; code says which check failed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NonceStore(Protocol):
    """Remembers nonces until their timestamp leaves the window; shared by every process that verifies."""

    def add_if_absent(self, app_id: str, nonce: str, expires_at: float) -> bool:
        """Record the nonce and return True, or return False when it was already recorded."""
        ...


class InMemoryNonceStore:
    """Single-process nonce store for the sandbox and tests; the portal supplies a database-backed one."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def add_if_absent(self, app_id: str, nonce: str, expires_at: float) -> bool:
        with self._lock:
            now = self._clock()
            # Expired nonces can never be replayed (their timestamp fails the window), so forget them.
            for key in [k for k, exp in self._seen.items() if exp < now]:
                del self._seen[key]
            key = (app_id, nonce)
            if key in self._seen:
                return False
            self._seen[key] = expires_at
            return True

    def __len__(self) -> int:
        return len(self._seen)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, candidate in headers.items():
            if key.lower() == lowered:
                return candidate
    return value


def verify_request(
    *,
    method: str,
    path: str,
    query: Query,
    body: bytes,
    headers: Mapping[str, str],
    credentials: Mapping[str, str | bytes],
    nonce_store: NonceStore,
    now: float | None = None,
    window: int = DEFAULT_WINDOW_SECONDS,
    allowed_methods: Iterable[str] = SIGN_METHODS,
) -> str:
    """Check a signed request and return its app id, or raise SignatureError.

    credentials maps each accepted app id to its secret. The nonce is recorded only after the
    signature holds, so forged requests cannot burn a legitimate client's nonces.
    """
    values = {name: _header(headers, name) for name in SIGNED_HEADERS}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise SignatureError("missing_signature", f"missing header(s): {', '.join(missing)}")
    app_id = values[HEADER_APP_ID] or ""
    timestamp = values[HEADER_TIMESTAMP] or ""
    nonce = values[HEADER_NONCE] or ""
    signature = values[HEADER_SIGNATURE] or ""
    sign_method = values[HEADER_SIGN_METHOD] or ""

    secret = credentials.get(app_id)
    if secret is None:
        raise SignatureError("unknown_app", f"unknown app id {app_id!r}")
    if sign_method not in set(allowed_methods):
        raise SignatureError("unsupported_sign_method", f"sign method {sign_method!r} is not accepted")
    if not timestamp.isdigit():
        raise SignatureError("bad_timestamp", "timestamp must be whole seconds since the epoch")
    if not _NONCE_RE.match(nonce):
        raise SignatureError("bad_nonce", "nonce must be 8-64 characters of [A-Za-z0-9_-]")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > window:
        raise SignatureError("stale_timestamp", f"timestamp is outside the ±{window} s window")
    expected = compute_signature(
        secret, canonical_string(method, path, query, body, timestamp, nonce), sign_method
    )
    if not hmac.compare_digest(expected.encode("ascii"), signature.lower().encode("ascii", "replace")):
        raise SignatureError("bad_signature", "signature does not match")
    if not nonce_store.add_if_absent(app_id, nonce, int(timestamp) + window):
        raise SignatureError("replayed_nonce", "nonce has already been used")
    return app_id
