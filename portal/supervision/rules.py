"""Pure rules of supervision (no Flask, no SQLAlchemy): when an inspection may pass or close."""
from __future__ import annotations

from collections.abc import Iterable


def can_pass(results: Iterable[str], refused: bool) -> bool:
    """An inspection passes only when it was not refused and no checklist item failed (a failed safety
    item, or any other, needs a rectification order first)."""
    return not refused and all(result != "fail" for result in results)


def can_close_after_rectification(order_statuses: Iterable[str]) -> bool:
    """An inspection that required rectification closes once it has orders and every one is verified."""
    statuses = list(order_statuses)
    return bool(statuses) and all(status == "verified" for status in statuses)
