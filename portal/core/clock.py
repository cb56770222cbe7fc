"""The one source of "now" (UTC, naive) so tests can travel in time instead of sleeping."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

_offset = timedelta(0)
_frozen: datetime | None = None


def utcnow() -> datetime:
    """Current UTC time as a naive datetime (the database stores naive UTC everywhere)."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC).replace(tzinfo=None) + _offset


def today() -> date:
    """Today on the bureau's calendar (portal.core.localtime.today, kept here for its many callers)."""
    from portal.core import localtime  # localtime reads this module's utcnow, so import it late

    return localtime.today()


def travel(delta: timedelta) -> None:
    """Move the clock forward (tests only)."""
    global _offset
    _offset += delta


def freeze(at: datetime | None) -> None:
    """Freeze the clock at `at` (None unfreezes); tests only."""
    global _frozen
    _frozen = at


def reset() -> None:
    global _offset, _frozen
    _offset = timedelta(0)
    _frozen = None
