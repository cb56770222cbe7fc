"""Field encryption, look-up hashes, key parsing and rotation."""

import base64
import hashlib
import hmac
import os

import pytest

from portal.core.fieldcrypto import DecryptionError, FieldCipher, InvalidKeyError, parse_key

K1 = bytes(range(32))
K2 = bytes(range(32, 64))
DEV_KEY = "ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="


def test_round_trip_including_unicode():
    cipher = FieldCipher(K1)
    for plain in ["51050219900101123X", "13812345678", "", "泸州市江阳区 档案馆"]:
        token = cipher.encrypt(plain)
        assert token.startswith("v1:")
        assert plain == cipher.decrypt(token)
        if plain:
            assert plain not in token


def test_token_shape_is_nonce_ciphertext_tag():
    token = FieldCipher(K1).encrypt("13812345678")
    body = token.split(":", 1)[1]
    assert set(body) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert len(raw) == 12 + 11 + 16


def test_same_plaintext_encrypts_differently_each_time():
    cipher = FieldCipher(K1)
    assert cipher.encrypt("13812345678") != cipher.encrypt("13812345678")


def test_tampering_is_detected():
    cipher = FieldCipher(K1)
    token = cipher.encrypt("51050219900101123X")
    version, body = token.split(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    for index in (0, 12, len(raw) - 1):
        altered = bytearray(raw)
        altered[index] ^= 0x01
        forged = version + ":" + base64.urlsafe_b64encode(bytes(altered)).decode().rstrip("=")
        with pytest.raises(DecryptionError):
            cipher.decrypt(forged)


@pytest.mark.parametrize("token", ["", "v1", "v1:", "v1:!!!!", "v1:AAAA", "v9:" + "A" * 60, "plaintext"])
def test_malformed_tokens_raise_decryption_error(token):
    with pytest.raises(DecryptionError):
        FieldCipher(K1).decrypt(token)


def test_wrong_key_cannot_decrypt():
    token = FieldCipher(K1).encrypt("13812345678")
    with pytest.raises(DecryptionError):
        FieldCipher(K2).decrypt(token)


def test_relabelled_version_is_rejected():
    both = FieldCipher(keys={"v1": K1, "v2": K1}, current="v1")
    token = both.encrypt("13812345678")
    with pytest.raises(DecryptionError):
        both.decrypt("v2:" + token.split(":", 1)[1])


def test_rotation_reads_old_tokens_and_writes_with_current_key():
    old = FieldCipher(K1)
    old_token = old.encrypt("51050219900101123X")
    rotated = FieldCipher(keys={"v1": K1, "v2": K2}, current="v2")
    assert rotated.decrypt(old_token) == "51050219900101123X"
    new_token = rotated.encrypt("51050219900101123X")
    assert new_token.startswith("v2:")
    assert rotated.needs_rotation(old_token) and not rotated.needs_rotation(new_token)
    re_encrypted = rotated.rotate(old_token)
    assert re_encrypted.startswith("v2:") and rotated.decrypt(re_encrypted) == "51050219900101123X"
    assert rotated.rotate(new_token) == new_token
    with pytest.raises(DecryptionError):
        old.decrypt(new_token)


def test_lookup_hash_is_deterministic_keyed_and_separate_from_encryption():
    cipher = FieldCipher(K1)
    digest = cipher.lookup_hash("51050219900101123X")
    assert digest == cipher.lookup_hash("51050219900101123X")
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert digest != cipher.lookup_hash("51050219900101123Y")
    assert digest != FieldCipher(K2).lookup_hash("51050219900101123X")
    # The look-up key is derived from the master key, never the master key itself or no key at all.
    assert digest != hmac.new(K1, b"51050219900101123X", hashlib.sha256).hexdigest()
    assert digest != hashlib.sha256(b"51050219900101123X").hexdigest()


def test_lookup_hash_candidates_cover_every_key_current_first():
    rotated = FieldCipher(keys={"v1": K1, "v2": K2}, current="v2")
    candidates = rotated.lookup_hash_candidates("13812345678")
    assert candidates == [FieldCipher(K2).lookup_hash("13812345678"), FieldCipher(K1).lookup_hash("13812345678")]


def test_config_value_base64_hex_and_urlsafe():
    assert parse_key(DEV_KEY) == b"dev-only-field-key-32-bytes-long"
    assert parse_key(K1.hex()) == K1
    assert parse_key(base64.urlsafe_b64encode(K2).decode().rstrip("=")) == K2
    cipher = FieldCipher.from_config_value(DEV_KEY)
    assert cipher.decrypt(cipher.encrypt("x")) == "x"


@pytest.mark.parametrize(
    "value,fragment",
    [
        ("", "empty"),
        (base64.b64encode(b"short").decode(), "exactly 32 bytes"),
        (base64.b64encode(os.urandom(64)).decode(), "exactly 32 bytes"),
        ("not base64 at all!", "neither"),
        ("ab" * 31, "exactly 32 bytes"),
    ],
)
def test_bad_config_values_give_clear_errors(value, fragment):
    with pytest.raises(InvalidKeyError, match=fragment):
        FieldCipher.from_config_value(value)


def test_config_value_with_rotated_keys():
    value = f"v2:{base64.b64encode(K2).decode()},v1:{K1.hex()}"
    cipher = FieldCipher.from_config_value(value)
    assert cipher.current == "v2"
    assert cipher.decrypt(FieldCipher(K1).encrypt("a")) == "a"
    assert FieldCipher.from_config_value(value, current="v1").current == "v1"
    with pytest.raises(InvalidKeyError, match="twice"):
        FieldCipher.from_config_value(f"v1:{K1.hex()},v1:{K2.hex()}")


def test_constructor_rejects_bad_keys():
    with pytest.raises(InvalidKeyError):
        FieldCipher(b"too short")
    with pytest.raises(InvalidKeyError):
        FieldCipher(keys={})
    with pytest.raises(InvalidKeyError):
        FieldCipher(keys={"v1": K1}, current="v2")
    with pytest.raises(InvalidKeyError):
        FieldCipher(keys={"bad:label": K1})
    with pytest.raises(InvalidKeyError):
        FieldCipher(K1, keys={"v1": K1})


def test_generated_key_is_accepted():
    assert len(parse_key(FieldCipher.generate_key())) == 32
