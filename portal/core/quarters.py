"""Calendar quarters (`2026Q4`): bounds, labels, parsing and the quarters before one. Pure, no Flask."""
from __future__ import annotations

from datetime import date, timedelta


def quarter_bounds(day: date) -> tuple[date, date]:
    """First and last day of the quarter holding `day`."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = (date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)) - timedelta(days=1)
    return start, end


def quarter_label(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def parse_quarter(label: str | None) -> tuple[date, date] | None:
    """`2026Q4` → its first and last day; None when the label is not a quarter."""
    text = (label or "").strip().upper()
    if len(text) != 6 or text[4] != "Q" or not text[:4].isdigit() or text[5] not in "1234":
        return None
    year = int(text[:4])
    if not 2000 <= year <= 2100:
        return None
    return quarter_bounds(date(year, 3 * (int(text[5]) - 1) + 1, 1))


def quarters_ending(day: date, count: int) -> list[tuple[date, date]]:
    """The `count` quarters up to and including the one holding `day`, oldest first."""
    bounds = [quarter_bounds(day)]
    while len(bounds) < count:
        bounds.append(quarter_bounds(bounds[-1][0] - timedelta(days=1)))
    return bounds[::-1]
