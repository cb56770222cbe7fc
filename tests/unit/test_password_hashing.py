"""argon2id password hashing."""

import pytest

from portal.auth.hashing import make_hasher


@pytest.fixture(scope="module")
def fast():
    return make_hasher(fast=True)


def test_hash_is_argon2id_and_salted(fast):
    first, second = fast.hash("Demo#2026pass"), fast.hash("Demo#2026pass")
    assert first.startswith("$argon2id$")
    assert first != second


def test_verify_returns_bool(fast):
    hashed = fast.hash("Demo#2026pass")
    assert fast.verify(hashed, "Demo#2026pass") is True
    assert fast.verify(hashed, "demo#2026pass") is False
    assert fast.verify(hashed, "") is False


@pytest.mark.parametrize("stored", [None, "", "not-a-hash", "$argon2id$v=19$m=8,t=1,p=1$broken"])
def test_missing_or_corrupt_hash_never_matches(fast, stored):
    assert fast.verify(stored, "anything") is False


def test_production_parameters_and_rehash_detection(fast):
    production = make_hasher()
    cheap_hash = fast.hash("pw")
    assert production.needs_rehash(cheap_hash) is True
    assert fast.needs_rehash(cheap_hash) is False
    # A strong hash verifies with the cheap hasher too: parameters travel inside the hash string.
    strong = production.hash("pw")
    assert "m=65536,t=3,p=4" in strong
    assert fast.verify(strong, "pw") is True
    assert production.needs_rehash(strong) is False
    assert production.needs_rehash("garbage") is True
