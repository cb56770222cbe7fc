"""Masked display of personal information (ID numbers, phones) for everyone not entitled to the whole value."""

from __future__ import annotations


def _mask(value: str | None, keep_head: int, keep_tail: int) -> str:
    if not value:
        return ""
    hidden = len(value) - keep_head - keep_tail
    if hidden < 4:
        # Too short to hide a meaningful part while showing head and tail: hide it all.
        return "*" * len(value)
    return value[:keep_head] + "*" * hidden + value[len(value) - keep_tail:]


def mask_id_number(value: str | None) -> str:
    """``51050219900101123X`` → ``510502********123X`` (division code and last four shown)."""
    return _mask(value, 6, 4)


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``."""
    return _mask(value, 3, 4)
