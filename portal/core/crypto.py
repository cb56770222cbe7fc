"""Field encryption for personal data (ID numbers, phones), bound to the app's configured key."""
from __future__ import annotations

from flask import Flask, current_app

from portal.core.fieldcrypto import FieldCipher


def init_app(app: Flask) -> None:
    app.extensions["field_cipher"] = FieldCipher.from_config_value(app.config["FIELD_ENCRYPTION_KEY"])


def cipher() -> FieldCipher:
    return current_app.extensions["field_cipher"]


def encrypt(value: str | None) -> str | None:
    return cipher().encrypt(value) if value else None


def decrypt(token: str | None) -> str:
    return cipher().decrypt(token) if token else ""


def lookup_hash(value: str) -> str:
    return cipher().lookup_hash(value)
