"""Signing: canonical string, HMAC-SHA256 and HMAC-SM3, and every check verify_request makes."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from portal.gov.signing import (
    HMAC_SHA256,
    HMAC_SM3,
    InMemoryNonceStore,
    SignatureError,
    canonical_query,
    canonical_string,
    compute_signature,
    hmac_sm3,
    sign_request,
    sm3_digest,
    verify_request,
)

from .support import FakeClock

SECRET = "s3cret-key"
NOW = 1_764_000_000
BODY = b'{"case_no":"LZ-1","status":"received"}'


class SM3Hash:
    """A hashlib-style SM3 object so the standard library's hmac can build HMAC-SM3 independently."""

    digest_size = 32
    block_size = 64
    name = "sm3"

    def __init__(self, data: bytes = b"") -> None:
        self._buffer = bytearray(data)

    def update(self, data: bytes) -> None:
        self._buffer += data

    def digest(self) -> bytes:
        return sm3_digest(bytes(self._buffer))

    def hexdigest(self) -> str:
        return self.digest().hex()

    def copy(self) -> SM3Hash:
        return SM3Hash(bytes(self._buffer))


def test_sm3_published_vectors() -> None:
    # GB/T 32905-2016, appendix A: "abc" and the 512-bit "abcd" * 16.
    assert sm3_digest(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert (
        sm3_digest(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


@pytest.mark.parametrize(
    "key",
    [b"", b"key", b"k" * 64, b"a much longer key than one SM3 block of sixty-four bytes, to be hashed first"],
)
@pytest.mark.parametrize("message", [b"", b"abc", "中文消息".encode() * 40])
def test_hmac_sm3_matches_the_standard_library_construction(key: bytes, message: bytes) -> None:
    assert hmac_sm3(key, message) == hmac.new(key, message, SM3Hash).digest()


def test_hmac_sm3_differs_from_plain_sm3_and_from_sha256() -> None:
    mac = hmac_sm3(b"key", b"abc")
    assert len(mac) == 32
    assert mac != sm3_digest(b"abc")
    assert mac != hmac.new(b"key", b"abc", hashlib.sha256).digest()


def test_canonical_string_layout() -> None:
    text = canonical_string("post", "/cases/泸档 1", {"b": "2", "a": "1 x"}, BODY, 1700000000, "nonce-123")
    assert text.split("\n") == [
        "POST",
        "/cases/泸档 1",
        "a=1%20x&b=2",
        hashlib.sha256(BODY).hexdigest(),
        "1700000000",
        "nonce-123",
    ]


def test_canonical_query_is_order_independent_and_accepts_raw_strings() -> None:
    expected = "a=1%20x&a=2&b=%E4%B8%AD"
    assert canonical_query([("b", "中"), ("a", "2"), ("a", "1 x")]) == expected
    assert canonical_query("b=%E4%B8%AD&a=2&a=1+x") == expected
    assert canonical_query(None) == canonical_query("") == ""


def test_sha256_signature_is_hmac_of_the_canonical_string() -> None:
    text = canonical_string("GET", "/health", None, b"", NOW, "abcdefgh")
    assert (
        compute_signature(SECRET, text, HMAC_SHA256)
        == hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()
    )


def test_unknown_sign_method_is_refused() -> None:
    with pytest.raises(ValueError):
        compute_signature(SECRET, "x", "HMAC-MD5")


def signed(
    method: str = "POST", path: str = "/cases", query: Any = "x=1", body: bytes = BODY, **kw: Any
) -> dict[str, str]:
    options: dict[str, Any] = {"app_id": "portal", "secret": SECRET, "timestamp": NOW}
    options.update(kw)
    return sign_request(method, path, query, body, **options)


def verify(
    headers: dict[str, str],
    *,
    method: str = "POST",
    path: str = "/cases",
    query: Any = "x=1",
    body: bytes = BODY,
    now: float = NOW,
    store: InMemoryNonceStore | None = None,
    **kw: Any,
) -> str:
    return verify_request(
        method=method,
        path=path,
        query=query,
        body=body,
        headers=headers,
        credentials={"portal": SECRET},
        nonce_store=store if store is not None else InMemoryNonceStore(FakeClock(NOW)),
        now=now,
        **kw,
    )


@pytest.mark.parametrize("sign_method", [HMAC_SHA256, HMAC_SM3])
def test_a_correctly_signed_request_verifies(sign_method: str) -> None:
    headers = signed(sign_method=sign_method)
    assert headers["X-Sign-Method"] == sign_method
    assert verify(headers) == "portal"


def test_header_names_are_case_insensitive() -> None:
    headers = {k.lower(): v for k, v in signed().items()}
    assert verify(headers) == "portal"


@pytest.mark.parametrize(
    "tamper",
    [
        {"body": b'{"case_no":"LZ-1","status":"completed"}'},
        {"path": "/cases/other"},
        {"query": "x=2"},
        {"query": "x=1&y=1"},
        {"method": "PUT"},
    ],
    ids=["body", "path", "query-value", "query-extra", "method"],
)
def test_tampered_request_fails_signature(tamper: dict[str, Any]) -> None:
    with pytest.raises(SignatureError) as caught:
        verify(signed(), **tamper)
    assert caught.value.code == "bad_signature"


def test_query_order_does_not_matter() -> None:
    headers = signed(query="a=1&b=2")
    assert verify(headers, query="b=2&a=1") == "portal"


def test_wrong_secret_fails_signature() -> None:
    with pytest.raises(SignatureError) as caught:
        verify(signed(secret="other"))
    assert caught.value.code == "bad_signature"


def test_sm3_signature_presented_as_sha256_fails() -> None:
    headers = signed(sign_method=HMAC_SM3)
    headers["X-Sign-Method"] = HMAC_SHA256
    with pytest.raises(SignatureError) as caught:
        verify(headers)
    assert caught.value.code == "bad_signature"


@pytest.mark.parametrize("skew", [-300, 300])
def test_timestamp_at_the_edge_of_the_window_is_accepted(skew: int) -> None:
    assert verify(signed(), now=NOW + skew) == "portal"


@pytest.mark.parametrize("skew", [-301, 301, 86400])
def test_stale_or_future_timestamp_is_refused(skew: int) -> None:
    with pytest.raises(SignatureError) as caught:
        verify(signed(), now=NOW + skew)
    assert caught.value.code == "stale_timestamp"


def test_replayed_nonce_is_refused() -> None:
    store = InMemoryNonceStore(FakeClock(NOW))
    headers = signed()
    verify(headers, store=store)
    with pytest.raises(SignatureError) as caught:
        verify(headers, store=store)
    assert caught.value.code == "replayed_nonce"


def test_same_nonce_with_new_timestamp_is_still_a_replay() -> None:
    store = InMemoryNonceStore(FakeClock(NOW))
    verify(signed(nonce="fixed-nonce-1"), store=store)
    with pytest.raises(SignatureError) as caught:
        verify(signed(nonce="fixed-nonce-1", timestamp=NOW + 1), store=store, now=NOW + 1)
    assert caught.value.code == "replayed_nonce"


def test_forged_request_does_not_burn_the_nonce() -> None:
    store = InMemoryNonceStore(FakeClock(NOW))
    genuine = signed(nonce="nonce-genuine")
    forged = dict(genuine, **{"X-Signature": "0" * 64})
    with pytest.raises(SignatureError):
        verify(forged, store=store)
    assert verify(genuine, store=store) == "portal"


def test_nonce_store_forgets_nonces_once_their_window_has_passed() -> None:
    clock = FakeClock(NOW)
    store = InMemoryNonceStore(clock)
    assert store.add_if_absent("portal", "n-1", NOW + 300)
    assert not store.add_if_absent("portal", "n-1", NOW + 300)
    assert store.add_if_absent("other-app", "n-1", NOW + 300)
    clock.advance(301)
    assert store.add_if_absent("portal", "n-2", NOW + 601)
    assert len(store) == 1


def test_unknown_app_is_refused() -> None:
    with pytest.raises(SignatureError) as caught:
        verify(signed(app_id="intruder"))
    assert caught.value.code == "unknown_app"


def test_missing_headers_are_refused() -> None:
    headers = signed()
    del headers["X-Nonce"]
    with pytest.raises(SignatureError) as caught:
        verify(headers)
    assert caught.value.code == "missing_signature"


def test_sign_method_outside_the_allowed_set_is_refused() -> None:
    with pytest.raises(SignatureError) as caught:
        verify(signed(sign_method=HMAC_SHA256), allowed_methods={HMAC_SM3})
    assert caught.value.code == "unsupported_sign_method"


def test_each_signing_gets_a_fresh_nonce() -> None:
    assert signed()["X-Nonce"] != signed()["X-Nonce"]
