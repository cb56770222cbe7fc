"""Query-count guard: a page must send the same number of SQL statements however much data it shows.

Use in any web test (needs the `app` fixture's application context)::

    assert_constant_queries(client, "/filings/", grow=lambda: make_more_filings(30))
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import event

from portal.extensions import db


class StatementLog:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, _params, _context, _executemany) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def recording() -> Iterator[StatementLog]:
    """Record every statement sent through the app's engine inside the block."""
    log = StatementLog()
    # Counted live: aggregates served from the cache would make the count depend on what changed last.
    cache_seconds = current_app.config["AGGREGATE_CACHE_SECONDS"]
    current_app.config["AGGREGATE_CACHE_SECONDS"] = 0
    event.listen(db.engine, "before_cursor_execute", log)
    try:
        yield log
    finally:
        event.remove(db.engine, "before_cursor_execute", log)
        current_app.config["AGGREGATE_CACHE_SECONDS"] = cache_seconds


def count_request(client, url: str, status: int = 200) -> StatementLog:
    """GET `url` and return the statements it sent; fails when the answer is not `status`."""
    db.session.expire_all()  # rows the test holds must not spare the request its queries
    with recording() as log:
        response = client.get(url)
    assert response.status_code == status, f"GET {url} answered {response.status_code}, expected {status}"
    return log


def assert_constant_queries(client, url: str, grow: Callable[[], object], status: int = 200) -> int:
    """Request `url`, call `grow()` to add data the page shows, request again: the counts must match.

    A first, unmeasured request warms caches that legitimately query once (session bookkeeping).
    Returns the statement count so a test can also pin an upper bound.
    """
    client.get(url)
    before = count_request(client, url, status)
    grow()
    db.session.commit()
    after = count_request(client, url, status)
    if before.count != after.count:
        extra = "\n".join(f"  {s[:160]}" for s in after.statements)
        raise AssertionError(
            f"GET {url}: {before.count} statements before growing the data, {after.count} after "
            f"(an N+1 query?). Statements after:\n{extra}"
        )
    return after.count


def sent_by(client, url: str) -> list[tuple[str, object]]:
    """The statements, with their parameters, that a GET of `url` sends as the app runs (the aggregate
    cache as configured, unlike `count_request`); fails unless the page answers 200."""
    sent: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, params, _context, _many):
        sent.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return sent


def sqlite_plans(statements: list[tuple[str, object]]) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN of each (statement, parameters), its steps joined by " / "."""
    with db.engine.connect() as conn:
        return [" / ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + s, p))
                for s, p in statements]
