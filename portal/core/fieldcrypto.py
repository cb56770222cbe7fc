"""Field encryption for personal information (AES-256-GCM) and keyed look-up hashes for equality search."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
_VERSION = re.compile(r"[A-Za-z0-9_-]{1,16}")
_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")


class InvalidKeyError(ValueError):
    """Raised for a missing, malformed or wrong-sized key."""


class DecryptionError(ValueError):
    """Raised when a token is malformed, was tampered with, or was made with a key we do not hold."""


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(master)


def parse_key(value: str) -> bytes:
    """32 raw bytes from a 64-digit hex string or a (standard or URL-safe) base64 string."""
    text = (value or "").strip()
    if not text:
        raise InvalidKeyError("encryption key is empty; set FIELD_ENCRYPTION_KEY to 32 random bytes in base64")
    if _HEX_KEY.fullmatch(text):
        return bytes.fromhex(text)
    try:
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidKeyError("encryption key is neither 64 hex digits nor base64") from exc
    if len(raw) != KEY_BYTES:
        raise InvalidKeyError(
            f"encryption key must be exactly {KEY_BYTES} bytes, got {len(raw)}; "
            "generate one with: python -c 'import os,base64;print(base64.b64encode(os.urandom(32)).decode())'"
        )
    return raw


class FieldCipher:
    """Encrypts short strings into versioned tokens ``v1:<urlsafe base64(nonce + ciphertext + tag)>``.

    Several keys may be held at once so that rows written before a key rotation still decrypt; new
    tokens always use ``current``. The version label is bound into the ciphertext as associated data,
    so a token cannot be relabelled to another key.
    """

    def __init__(self, key: bytes | None = None, *, keys: dict[str, bytes] | None = None,
                 current: str | None = None) -> None:
        if key is not None:
            if keys is not None:
                raise InvalidKeyError("give either key or keys, not both")
            keys = {"v1": key}
        if not keys:
            raise InvalidKeyError("no encryption keys given")
        for version, raw in keys.items():
            if not _VERSION.fullmatch(version):
                raise InvalidKeyError(f"bad key version label {version!r}: use letters, digits, - or _")
            if not isinstance(raw, bytes | bytearray) or len(raw) != KEY_BYTES:
                raise InvalidKeyError(f"key {version!r} must be exactly {KEY_BYTES} bytes")
        current = current or next(iter(keys))
        if current not in keys:
            raise InvalidKeyError(f"current key version {current!r} is not among the keys")
        self.current = current
        self._aead = {v: AESGCM(_derive(bytes(k), b"portal field-encryption v1")) for v, k in keys.items()}
        self._lookup = {v: _derive(bytes(k), b"portal lookup-hash v1") for v, k in keys.items()}

    @classmethod
    def from_config_value(cls, value: str, current: str | None = None) -> FieldCipher:
        """Build from configuration: one key (hex or base64), or ``v2:KEY2,v1:KEY1`` for rotation.

        With several keys the first listed is the current one unless ``current`` names another.
        """
        text = (value or "").strip()
        if ":" not in text:
            return cls(parse_key(text))
        keys: dict[str, bytes] = {}
        for part in text.split(","):
            version, sep, key_text = part.strip().partition(":")
            if not sep or not version:
                raise InvalidKeyError("write rotated keys as version:key pairs separated by commas")
            if version in keys:
                raise InvalidKeyError(f"key version {version!r} given twice")
            keys[version] = parse_key(key_text)
        return cls(keys=keys, current=current or next(iter(keys)))

    @staticmethod
    def generate_key() -> str:
        """A fresh key in the base64 form that from_config_value accepts."""
        return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[self.current].encrypt(nonce, plaintext.encode("utf-8"), self.current.encode())
        return f"{self.current}:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")

    def decrypt(self, token: str) -> str:
        version, sep, body = (token or "").partition(":")
        if not sep or version not in self._aead:
            raise DecryptionError(f"token key version {version!r} is unknown")
        try:
            blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError) as exc:
            raise DecryptionError("token is not valid base64") from exc
        if len(blob) < NONCE_BYTES + 16:
            raise DecryptionError("token is too short")
        try:
            plain = self._aead[version].decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], version.encode())
        except InvalidTag as exc:
            raise DecryptionError("token was altered or made with another key") from exc
        return plain.decode("utf-8")

    def token_version(self, token: str) -> str:
        return (token or "").partition(":")[0]

    def needs_rotation(self, token: str) -> bool:
        """True when the token was made with a key other than the current one."""
        return self.token_version(token) != self.current

    def rotate(self, token: str) -> str:
        """Re-encrypt a token under the current key (no-op copy if it already uses it)."""
        return token if not self.needs_rotation(token) else self.encrypt(self.decrypt(token))

    def lookup_hash(self, value: str) -> str:
        """Deterministic keyed hash (hex HMAC-SHA256) for unique indexes and equality search.

        The value is hashed as given: normalise it first (e.g. upper-case an ID number's X).
        """
        return self._lookup_with(self.current, value)

    def lookup_hash_candidates(self, value: str) -> list[str]:
        """Look-up hashes under every held key, current first: search with ``IN`` during a rotation."""
        versions = [self.current] + [v for v in self._lookup if v != self.current]
        return [self._lookup_with(v, value) for v in versions]

    def _lookup_with(self, version: str, value: str) -> str:
        return hmac.new(self._lookup[version], value.encode("utf-8"), hashlib.sha256).hexdigest()
