"""Bounded-offset pagination for SELECT statements, with a cheap total count."""
from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Select, func, select

from portal.core import cache as aggregates
from portal.extensions import db

MAX_PAGE = 500
DEFERRED_FROM = 100  # offsets from which a page is found by id first (see paginate)


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int
    more: bool = False  # counted up to a bound only: `total` rows and more (see paginate's `bounded`)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def count(query: Select, key: Hashable | None = None, tables: Iterable | None = None) -> int:
    """Rows of `query`; with a `key` naming the query and its values (see portal.core.cache.count), from
    the aggregate cache while none of its tables (`tables`, else those the statement reads) has changed."""
    return aggregates.count(query, key, tables)


def clamp(page: int | None, total: int, per_page: int) -> int:
    """The page to show: at least 1, at most the last page and MAX_PAGE (offsets stay bounded)."""
    return min(max(1, page or 1), max(1, -(-total // per_page)), MAX_PAGE)


def count_at_most(query: Select, bound: int) -> int:
    """Rows of `query`, counting no further than `bound` + 1 (a long table is not read to its end)."""
    limited = query.order_by(None).limit(bound + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(limited)) or 0


def paginate(query: Select, page: int | None, per_page: int | None = None, scalars: bool = True,
             count_key: Hashable | None = None, count_tables: Iterable | None = None,
             bounded: bool = False) -> Page:
    """One page of `query`; the total is cached under `count_key` when given (see `count`). `bounded`:
    for a table of millions of rows counted live (the audit log), count only as far as the last page
    anyone can reach (MAX_PAGE) and say "more" beyond it."""
    per_page = per_page or current_app.config.get("PAGE_SIZE", 20)
    more = False
    if bounded:
        total = count_at_most(query, MAX_PAGE * per_page)
        more = total > MAX_PAGE * per_page
        total = min(total, MAX_PAGE * per_page)
    else:
        total = count(query, count_key, count_tables)
    page = clamp(page, total, per_page)
    offset = (page - 1) * per_page
    stmt = query.limit(per_page).offset(offset)
    if offset >= DEFERRED_FROM and (key := _primary_key(query)) is not None:
        ids = list(db.session.scalars(page_ids(query, key, page, per_page)))
        stmt = query.where(key.in_(ids)).limit(per_page) if ids else query.limit(0)
    items = list(db.session.scalars(stmt)) if scalars else list(db.session.execute(stmt))
    return Page(items=items, page=page, per_page=per_page, total=total, more=more)


def page_ids(query: Select, key, page: int, per_page: int) -> Select:
    """Deferred join: the ids of one page of `query`, id only, so the database skips the offset on a
    narrow scan (off a covering index where one exists); then only those rows are loaded with their
    related rows. `paginate` runs it first; `filing_search.rows_page` nests it as a subquery.

    correlate(None): nested, it keeps its own FROM even where the outer statement names the same
    tables (SQLAlchemy would otherwise be free to correlate them away)."""
    return query.with_only_columns(key).correlate(None).limit(per_page).offset((page - 1) * per_page)


def _primary_key(query: Select):
    """The single-column primary key of the query's first entity, or None (then plain OFFSET is used)."""
    described = query.column_descriptions
    entity = described[0].get("entity") if described else None
    mapper = getattr(entity, "__mapper__", None)
    if mapper is None or described[0].get("expr") is not entity or len(mapper.primary_key) != 1:
        return None
    return mapper.primary_key[0]
