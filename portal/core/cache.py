"""Cached aggregates: counts and summaries over large tables, computed once per *data version* and then
served from this process's memory until a commit changes a table they read.

Every commit that wrote rows raises the `data_version` counter of each table it touched (session
events below, in a short transaction of its own right after the commit). A cached value remembers
the versions of its tables; a request reads all versions in one primary-key scan of a ~50-row table,
so a stale value is never served, in any process: the version is raised only after the data is
committed, and a reader reads the version before the data. A time limit (`AGGREGATE_CACHE_SECONDS`)
bounds values that also depend on the clock, and a write outside the ORM (raw SQL) is the one thing
that must call `touch()` itself.

A value names the tables it depends on: `value(name, key, tables, compute)` declares them, and
`count(query, key=...)` takes them from `tables=` or else from the statement itself (`tables_read`, a
walk of its expression tree through SQLAlchemy's public visitors). The `key` is always the caller's own:
a hashable naming every value the result depends on (filters, the actor's scope); a count without one
is computed live.

Cached values are plain data (ints, dicts, tuples), never ORM objects; callers must not mutate them.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import Select, event, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors
from sqlalchemy.sql.expression import ColumnClause, TableClause, TextClause

from portal.core.models import DataVersion
from portal.extensions import db

# Tables written on nearly every request or event, and never aggregated through this cache: a count
# over them is computed live (their writes would only churn versions).
UNVERSIONED = frozenset({"audit_event", "audit_chain_head", "user_session", "outbox_message", "data_version",
                         "gov_nonce", "sso_state", "breaker_state", "security_event_count"})
MAX_ENTRIES = 16384  # a few per signed-in user (unread badge) besides the shared counts
log = logging.getLogger(__name__)
_TOUCHED = "aggregates.touched"
_VERSIONS = "_data_versions"


class _Store:
    """A small LRU of cached values: key → (versions, expires_at, value)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.entries: OrderedDict = OrderedDict()
        self.max_entries = max_entries
        self.lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key, versions):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] != versions or entry[1] < time.monotonic():
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key, versions, ttl: float, value) -> None:
        with self.lock:
            self.entries[key] = (versions, time.monotonic() + ttl, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.hits = self.misses = 0


def _store() -> _Store:
    return current_app.extensions["aggregates"]


def clear() -> None:
    """Forget every cached value of this process (tests; after restoring a database)."""
    _store().clear()
    g.pop(_VERSIONS, None)


def stats() -> dict[str, int]:
    s = _store()
    return {"entries": len(s.entries), "hits": s.hits, "misses": s.misses}


# --- versions ---------------------------------------------------------------------------------------------

def _table_names(tables: Iterable) -> tuple[str, ...]:
    names = set()
    for t in tables:
        names.add(t if isinstance(t, str) else getattr(t, "__tablename__", None) or t.name)
    return tuple(sorted(names))


def _all_versions() -> dict[str, int]:
    """All tables' versions, read once per request (a long-running command reads them each time)."""
    versions = g.get(_VERSIONS) if has_request_context() else None
    if versions is None:
        versions = dict(db.session.execute(select(DataVersion.table_name, DataVersion.version)).all())
        if has_request_context():
            g._data_versions = versions
    return versions


def _versions_of(tables: tuple[str, ...]) -> tuple[int, ...] | None:
    """The tables' current versions, or None when one is unversioned (the value is then not cached)."""
    if any(t in UNVERSIONED for t in tables):
        return None
    versions = _all_versions()
    missing = [t for t in tables if t not in versions]
    if missing:
        _create_versions(db.session.get_bind(), missing)
        g.pop(_VERSIONS, None)
        versions = _all_versions()
        if any(t not in versions for t in tables):
            return None
    return tuple(versions[t] for t in tables)


def _create_versions(engine, tables: Iterable[str]) -> None:
    """Start a table's counter at a random point, so a table emptied and refilled (tests, restores)
    never meets a value cached under the same number before."""
    rows = [{"table_name": t, "version": random.randrange(1, 2**62)} for t in tables]
    if not rows:
        return
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    with engine.begin() as conn:
        conn.execute(insert(DataVersion).on_conflict_do_nothing(index_elements=["table_name"]), rows)


def touch(*tables) -> None:
    """Raise the versions of `tables` now (after a write that bypassed the ORM session's events)."""
    _bump(db.session.get_bind(), set(_table_names(tables)))


def _bump(engine, tables: set[str]) -> None:
    tables = {t for t in tables if t not in UNVERSIONED}
    if not tables:
        return
    with engine.begin() as conn:
        found = conn.execute(update(DataVersion).where(DataVersion.table_name.in_(sorted(tables)))
                             .values(version=DataVersion.version + 1)).rowcount
    if found < len(tables):
        with engine.connect() as conn:
            have = set(conn.execute(select(DataVersion.table_name)
                                    .where(DataVersion.table_name.in_(sorted(tables)))).scalars())
        _create_versions(engine, tables - have)
    if has_app_context():
        g.pop(_VERSIONS, None)


# --- cached values --------------------------------------------------------------------------------------

def value(name: str, key: Any, tables: Iterable, compute: Callable[[], Any], ttl: float | None = None) -> Any:
    """`compute()` once per version of `tables` (models or table names) and per `key`."""
    ttl = current_app.config["AGGREGATE_CACHE_SECONDS"] if ttl is None else ttl
    if ttl <= 0:  # caching switched off (AGGREGATE_CACHE_SECONDS=0)
        return compute()
    names = _table_names(tables)
    versions = _versions_of(names)
    if versions is None:
        return compute()
    store, cache_key = _store(), (name, key)
    entry = store.get(cache_key, versions)
    if entry is not None:
        return entry[2]
    result = compute()
    store.put(cache_key, versions, ttl, result)
    return result


def count(query: Select, key: Hashable | None = None, tables: Iterable | None = None) -> int:
    """The number of rows `query` returns. With a `key` (a hashable naming the query and every value it
    depends on), cached per version of `tables`, or where none are given of every table the statement
    reads; without a key, or when the statement holds raw SQL text, counted live."""
    stmt = select(func.count()).select_from(query.order_by(None).subquery())

    def compute() -> int:
        return db.session.scalar(stmt) or 0

    if key is None:
        return compute()
    if tables is None:
        tables = tables_read(query)
        if tables is None:
            return compute()
    return value("count", key, tables, compute)


def tables_read(*statements) -> tuple[str, ...] | None:
    """The names of every table the statements read, from their expression trees walked with SQLAlchemy's
    public `visitors.iterate`: tables, and the tables of the columns they compare (an ORM relationship
    join shows its target only in its join condition; an alias is walked to its table). Eager loads
    (joinedload) are not part of the statement's rows and are left out. None when a statement holds raw
    SQL text, whose tables cannot be known. (A superset is harmless: more invalidation, never less.)"""
    names: set[str] = set()
    walked: list = []  # aliases and subqueries queued already
    pending = list(statements)
    while pending:
        for element in visitors.iterate(pending.pop()):
            if isinstance(element, TableClause):
                names.add(element.name)
            elif isinstance(element, TextClause):
                return None
            elif isinstance(element, ColumnClause) and element.table is not None:
                source = element.table
                if isinstance(source, TableClause):
                    names.add(source.name)
                elif all(source is not w for w in walked):
                    walked.append(source)
                    pending.append(source)
    return tuple(sorted(names))


# --- session events: which tables a transaction wrote -------------------------------------------------

def _mark(session: Session, tables: Iterable[str]) -> None:
    session.info.setdefault(_TOUCHED, set()).update(tables)


def _after_flush(session: Session, _context) -> None:
    touched: set[str] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        mapper = getattr(obj, "__mapper__", None)
        if mapper is None:
            continue
        touched.update(t.name for t in mapper.tables)
        touched.update(r.secondary.name for r in mapper.relationships if r.secondary is not None)
    if touched:
        _mark(session, touched)


def _do_orm_execute(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None:
            _mark(state.session, [table.name])


def _after_commit(session: Session) -> None:
    outer = session.get_transaction()
    if outer is not None and outer.is_active:
        return  # a savepoint was released; the enclosing transaction is still open
    touched = session.info.pop(_TOUCHED, None)
    if not touched:
        return
    try:
        _bump(session.get_bind(), touched)
    except SQLAlchemyError:
        # The data is committed already; failing the request now would report a save that happened as
        # lost. Values cached from these tables then live until AGGREGATE_CACHE_SECONDS at most.
        log.exception("could not raise the data versions of %s", sorted(touched))


def _after_rollback(session: Session) -> None:
    session.info.pop(_TOUCHED, None)


_installed = False


def init_app(app) -> None:
    global _installed
    app.config.setdefault("AGGREGATE_CACHE_SECONDS", 300)
    app.extensions["aggregates"] = _Store()
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _do_orm_execute)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
        _installed = True
