"""Password policy: length, classes, user name, common passwords."""

import pytest

from portal.auth import password_policy as policy
from portal.auth.password_policy import check_password, common_passwords


def test_demo_password_is_acceptable():
    # DESIGN §6: every demo account uses this password, so the policy must allow it.
    assert check_password("Demo#2026pass", "vendor01") == []


@pytest.mark.parametrize("password", ["Xk7#pq2Lmz", "correct Horse battery 9", "档案Luzhou-7qz!", "tR0ub4dor&3x"])
def test_strong_passwords_pass(password):
    assert check_password(password, "regulator") == []


def test_too_short():
    assert check_password("Xk7#pq2Lm", "u1x") == [policy.PASSWORD_TOO_SHORT]
    assert check_password("Xk7#pq2Lmz", "u1x") == []


@pytest.mark.parametrize("password", ["alllowercaseletters", "ALLUPPERCASE", "1234509876543", "lowerUPPERmix", "lower123456789"])
def test_fewer_than_three_classes(password):
    assert policy.PASSWORD_TOO_FEW_CLASSES in check_password(password, "someone")


@pytest.mark.parametrize("password", ["lower UPPER mix", "lower1234UPPER", "UPPER-1234-5678", "lower_12345678"])
def test_three_classes_are_enough(password):
    assert policy.PASSWORD_TOO_FEW_CLASSES not in check_password(password, "someone")


def test_username_inside_password_case_insensitively():
    assert check_password("My-VENDOR01-key", "vendor01") == [policy.PASSWORD_CONTAINS_USERNAME]
    assert check_password("My-VENDOR01-key", "  Vendor01 ") == [policy.PASSWORD_CONTAINS_USERNAME]
    assert check_password("My-VENDOR01-key", "agency01") == []


def test_very_short_usernames_are_not_matched():
    assert check_password("Xk7#pq2Lmz", "x") == []


@pytest.mark.parametrize(
    "password",
    ["Password@123", "P@ssw0rd123", "Qwerty@123", "Woaini1314!", "Admin@2024", "1qaz@WSX123", "Luzhou@2025", "Welcome@2026"],
)
def test_common_passwords_are_rejected_case_insensitively(password):
    assert policy.PASSWORD_TOO_COMMON in check_password(password, "someone")


def test_common_list_is_large_lower_case_and_contains_classics():
    words = common_passwords()
    assert len(words) > 5000
    assert {"123456", "password", "qwerty", "iloveyou", "1qaz2wsx", "woaini1314", "5201314"} <= words
    assert all(w == w.lower() for w in words)
    assert "demo#2026pass" not in words


def test_several_violations_are_reported_together():
    errors = check_password("admin", "admin")
    assert errors == [
        policy.PASSWORD_TOO_SHORT,
        policy.PASSWORD_TOO_FEW_CLASSES,
        policy.PASSWORD_CONTAINS_USERNAME,
        policy.PASSWORD_TOO_COMMON,
    ]


def test_messages_match_the_configured_minimum():
    assert str(policy.MIN_LENGTH) in policy.PASSWORD_TOO_SHORT
