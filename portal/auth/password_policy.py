"""Password policy (等保三级): length, character classes, no username, not common, no sequences, keyboard
runs or repeated groups."""

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
PASSWORD_HAS_SEQUENCE = N_("The password must not contain a sequence such as 1234 or abcd.")
PASSWORD_HAS_KEYBOARD_RUN = N_("The password must not contain a run of neighbouring keys such as qwer or asdf.")
PASSWORD_REPEATS = N_("The password must not repeat one character or group of characters.")

# Four characters in a row is where a run stops being chance and becomes the pattern people type.
RUN_LENGTH = 4
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz")
_KEYBOARD_ROWS = ("1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./", "!@#$%^&*()_+")


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
    if _contains_run(password, _SEQUENCES):
        errors.append(PASSWORD_HAS_SEQUENCE)
    if _contains_run(password, _KEYBOARD_ROWS):
        errors.append(PASSWORD_HAS_KEYBOARD_RUN)
    if _repeats(password):
        errors.append(PASSWORD_REPEATS)
    return errors


def _runs(rows: tuple[str, ...]) -> set[str]:
    """Every RUN_LENGTH-long piece of the rows, forwards and backwards."""
    pieces = set()
    for row in rows:
        for text in (row, row[::-1]):
            pieces.update(text[i:i + RUN_LENGTH] for i in range(len(text) - RUN_LENGTH + 1))
    return pieces


@cache
def _run_pieces(rows: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_runs(rows))


def _contains_run(password: str, rows: tuple[str, ...]) -> bool:
    """True when the password (case ignored) holds RUN_LENGTH neighbours of one row: 1234, dcba, qwer."""
    text = password.lower()
    pieces = _run_pieces(rows)
    return any(text[i:i + RUN_LENGTH] in pieces for i in range(len(text) - RUN_LENGTH + 1))


def _repeats(password: str) -> bool:
    """True for RUN_LENGTH equal characters in a row (aaaa) or a password that is one group said again
    and again (Aa1!Aa1!Aa1!): both look long but carry the entropy of their shortest part."""
    if any(len(set(password[i:i + RUN_LENGTH])) == 1 for i in range(len(password) - RUN_LENGTH + 1)):
        return True
    size = len(password)
    return any(size % unit == 0 and password[:unit] * (size // unit) == password for unit in range(1, size // 2 + 1))

