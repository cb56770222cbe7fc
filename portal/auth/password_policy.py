"""Password policy: length, character classes, no username, not a commonly used password."""

from __future__ import annotations

from functools import cache
from importlib import resources

from portal.core.msgids import N_

MIN_LENGTH = 10
MIN_CLASSES = 3
MIN_USERNAME_MATCH = 3

PASSWORD_TOO_SHORT = N_("Use at least 10 characters.")
PASSWORD_TOO_FEW_CLASSES = N_(
    "Use at least three of: lower-case letters, upper-case letters, digits and other characters."
)
PASSWORD_CONTAINS_USERNAME = N_("The password must not contain the user name.")
PASSWORD_TOO_COMMON = N_("This password is too common; choose one that is harder to guess.")


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower case; read once per process on first use."""
    text = resources.files("portal.auth").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def character_classes(password: str) -> int:
    """How many of the four classes (lower, upper, digit, other) the password uses."""
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not (c.islower() or c.isupper() or c.isdigit()) for c in password),
        )
    )


def check_password(password: str, username: str | None = None) -> list[str]:
    """Policy violations (msgids) for a new password; an empty list means acceptable."""
    errors: list[str] = []
    if len(password) < MIN_LENGTH:
        errors.append(PASSWORD_TOO_SHORT)
    if character_classes(password) < MIN_CLASSES:
        errors.append(PASSWORD_TOO_FEW_CLASSES)
    name = (username or "").strip().casefold()
    # One- or two-letter names would match almost any password without making it weaker.
    if len(name) >= MIN_USERNAME_MATCH and name in password.casefold():
        errors.append(PASSWORD_CONTAINS_USERNAME)
    if password.lower() in common_passwords():
        errors.append(PASSWORD_TOO_COMMON)
    return errors
