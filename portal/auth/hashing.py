"""Password hashing with argon2id (argon2-cffi); cheap parameters only for tests."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import RFC_9106_LOW_MEMORY


class PasswordHashing:
    """hash / verify / needs_rehash over one argon2id parameter set."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self._hasher = hasher

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, hashed: str | None, password: str) -> bool:
        """True only when ``password`` matches ``hashed``; a missing or corrupt hash never matches."""
        if not hashed:
            return False
        try:
            return self._hasher.verify(hashed, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, hashed: str) -> bool:
        """True when the stored hash used other parameters; re-hash after the next successful login."""
        try:
            return self._hasher.check_needs_rehash(hashed)
        except (InvalidHashError, ValueError):
            return True


def make_hasher(fast: bool = False) -> PasswordHashing:
    """RFC 9106 low-memory argon2id (64 MiB, t=3, p=4); ``fast`` is for test suites only."""
    if fast:
        return PasswordHashing(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=16, salt_len=16))
    return PasswordHashing(PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY))
