"""Bounded-offset pagination for SELECT statements, with a cheap total count."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Select, func, select

from portal.extensions import db

MAX_PAGE = 500


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def paginate(query: Select, page: int | None, per_page: int | None = None, scalars: bool = True) -> Page:
    per_page = per_page or current_app.config.get("PAGE_SIZE", 20)
    total = count(query)
    last = max(1, -(-total // per_page))
    page = min(max(1, page or 1), last, MAX_PAGE)
    stmt = query.limit(per_page).offset((page - 1) * per_page)
    items = list(db.session.scalars(stmt)) if scalars else list(db.session.execute(stmt))
    return Page(items=items, page=page, per_page=per_page, total=total)
