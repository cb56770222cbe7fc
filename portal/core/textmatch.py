"""Substring match for lists and search: the one place the portal builds a LIKE pattern from user text."""
from __future__ import annotations

from sqlalchemy import ColumnElement


def contains(column, text: str) -> ColumnElement[bool]:
    """`column` contains `text`, ignoring case on SQLite and PostgreSQL alike (ILIKE), with the LIKE
    wildcards of `text` (% and _) and the escape character matched as themselves. The one substring
    match of the portal's lists, search, admin filters and API."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")
