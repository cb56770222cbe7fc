"""The configured government platform (fake or HTTP) with a circuit breaker shared by every process."""
from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask, current_app
from sqlalchemy import Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from portal.core import clock
from portal.extensions import db
from portal.gov.breaker import HALF_OPEN, BreakerRecord, BreakerStore, CircuitBreaker, FileBreakerStore
from portal.gov.fake import FakeGovPlatform
from portal.gov.http import HttpGovPlatform
from portal.gov.port import EnterpriseInfo, GovPlatform, GovUserInfo
from portal.integrations.models import BreakerState

BREAKER_NAME = "gov"
_FAKE_KEY = "gov_fake_platform"
_local = threading.local()

# A few fictional platform identities for development and demos with GOV_MODE=fake.
DEMO_USERS = (
    GovUserInfo("gov-demo-natural-3", "Demo Citizen (level 3)", "natural", None, 3),
    GovUserInfo("gov-demo-natural-2", "Demo Citizen (level 2)", "natural", None, 2),
)
DEMO_ENTERPRISES = (
    EnterpriseInfo("915105023AGYGLUY22", "泸州示例档案服务有限公司", "王示例", "active",
                   "档案整理、数字化加工、档案寄存服务"),
    EnterpriseInfo("915105043W7WKKHD9J", "泸州已注销档案服务有限公司", "李示例", "deregistered",
                   "档案整理", reason="该企业已于2025年注销登记。"),
)


def portal_epoch() -> float:
    """The portal clock as epoch seconds, so time travel in tests also ages the fake's tickets."""
    return clock.utcnow().replace(tzinfo=UTC).timestamp()


def _epoch(value: datetime | None) -> float | None:
    return None if value is None else value.replace(tzinfo=UTC).timestamp()


def _naive(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


class DatabaseBreakerStore:
    """BreakerStore on the breaker_state table, on its own connection (not the request's transaction).

    The table has one time column: it holds opened_at while open and trial_started_at while
    half-open (the breaker reads only the one that belongs to the current state). Updates run in a
    short transaction of their own; on SQLite a caller may already hold the write lock in its own
    transaction, so the store waits briefly and otherwise gives up on remembering this one outcome
    rather than blocking the request.
    """

    def __init__(self, engine: Engine, sqlite_wait_ms: int = 200, read_ttl: float = 1.0) -> None:
        self.engine = engine
        self.sqlite_wait_ms = sqlite_wait_ms
        # Reads are cached briefly: every platform call reads the breaker twice, and a breaker opened
        # by another process is noticed here within read_ttl seconds, which is soon enough.
        self.read_ttl = read_ttl
        self._cache: dict[str, tuple[float, BreakerRecord]] = {}
        self._lock = threading.Lock()

    def _remember(self, name: str, record: BreakerRecord) -> BreakerRecord:
        with self._lock:
            self._cache[name] = (time.monotonic(), record)
        return record

    @staticmethod
    def _record(row) -> BreakerRecord:
        if row is None:
            return BreakerRecord()
        moment = _epoch(row.opened_at)
        if row.state == HALF_OPEN:
            return BreakerRecord(state=row.state, failures=row.failures, trial_started_at=moment)
        return BreakerRecord(state=row.state, failures=row.failures, opened_at=moment)

    def get(self, name: str) -> BreakerRecord:
        with self._lock:
            cached = self._cache.get(name)
        if cached is not None and time.monotonic() - cached[0] < self.read_ttl:
            return cached[1]
        return self._remember(name, self.read(name))

    def read(self, name: str) -> BreakerRecord:
        """The stored record, bypassing the cache."""
        with self.engine.connect() as conn:
            row = conn.execute(select(BreakerState).where(BreakerState.name == name)).first()
        return self._record(row)

    def update(self, name: str, change: Callable[[BreakerRecord], BreakerRecord]) -> BreakerRecord:
        dialect = self.engine.dialect.name
        try:
            with self.engine.begin() as conn:
                if dialect == "sqlite":
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(self.sqlite_wait_ms)}")
                    insert = sqlite.insert(BreakerState)
                else:
                    insert = postgresql.insert(BreakerState)
                try:
                    conn.execute(insert.values(name=name, state="closed", failures=0)
                                 .on_conflict_do_nothing(index_elements=["name"]))
                    stmt = select(BreakerState).where(BreakerState.name == name)
                    if dialect != "sqlite":
                        stmt = stmt.with_for_update()
                    current = self._record(conn.execute(stmt).first())
                    new = change(current)
                    moment = new.trial_started_at if new.state == HALF_OPEN else new.opened_at
                    conn.execute(update(BreakerState).where(BreakerState.name == name)
                                 .values(state=new.state, failures=new.failures, opened_at=_naive(moment)))
                finally:
                    if dialect == "sqlite":
                        conn.exec_driver_sql("PRAGMA busy_timeout=30000")
        except OperationalError:
            if dialect != "sqlite":
                raise
            # The caller's own transaction holds SQLite's write lock: decide without storing.
            return change(self.read(name))
        return self._remember(name, new)


class RedisBreakerStore:
    """BreakerStore in Redis (REDIS_URL): one JSON value per breaker, updated under WATCH/MULTI."""

    def __init__(self, url: str, prefix: str = "portal:breaker:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = prefix

    def get(self, name: str) -> BreakerRecord:
        raw = self._redis.get(self._prefix + name)
        return BreakerRecord(**json.loads(raw)) if raw else BreakerRecord()

    def update(self, name: str, change: Callable[[BreakerRecord], BreakerRecord]) -> BreakerRecord:
        import redis

        key = self._prefix + name
        with self._redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    new = change(BreakerRecord(**json.loads(raw)) if raw else BreakerRecord())
                    pipe.multi()
                    pipe.set(key, json.dumps(new.__dict__))
                    pipe.execute()
                    return new
                except redis.WatchError:
                    continue


def breaker_store(app: Flask | None = None) -> BreakerStore:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get("gov_breaker_store")
    if store is None:
        # The state must be written outside the request's transaction: Redis, else a locked file
        # (always on SQLite, whose write lock the request already holds), else the database on a
        # connection of its own (PostgreSQL, where a separate connection is not blocked).
        path = app.config.get("GOV_BREAKER_FILE") or ""
        if app.config.get("REDIS_URL"):
            store = RedisBreakerStore(app.config["REDIS_URL"])
        elif path or app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            store = FileBreakerStore(path or os.path.join(app.instance_path, "gov-breaker.json"), read_ttl=1.0)
        else:
            with app.app_context():
                store = DatabaseBreakerStore(db.engine)
        app.extensions["gov_breaker_store"] = store
    return store


def breaker(app: Flask | None = None) -> CircuitBreaker:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return CircuitBreaker(
        BREAKER_NAME, breaker_store(app),
        failure_threshold=int(app.config.get("GOV_BREAKER_THRESHOLD", 5)),
        reset_timeout=float(app.config.get("GOV_BREAKER_RESET_SECONDS", 30.0)),
    )


def fake_platform(app: Flask | None = None) -> FakeGovPlatform:
    """The process's fake platform (GOV_MODE=fake); tests reach it here to add users or fail calls."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    fake = app.extensions.get(_FAKE_KEY)
    if fake is None:
        fake = FakeGovPlatform(app_id=app.config.get("GOV_APP_ID", "portal-dev"),
                               base_url=app.config.get("GOV_BASE_URL", "https://gov.invalid"),
                               users=DEMO_USERS, enterprises=DEMO_ENTERPRISES, clock=portal_epoch)
        app.extensions[_FAKE_KEY] = fake
    return fake


PURPOSES = ("default", "interactive", "worker")


def platform(interactive: bool = False, *, purpose: str | None = None, app: Flask | None = None) -> GovPlatform:
    """The configured platform, one client per thread and purpose.

    interactive (purpose "interactive"): a person is waiting, so a short timeout and no retry.
    purpose "worker": no retry inside the call, because the outbox retries with its own backoff.
    """
    purpose = purpose or ("interactive" if interactive else "default")
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    mode = app.config.get("GOV_MODE", "fake")
    if mode == "fake":
        return fake_platform(app)
    if mode != "http":
        raise RuntimeError(f"GOV_MODE must be fake or http, not {mode!r}")
    cache = getattr(_local, "platforms", None)
    if cache is None:
        cache = _local.platforms = {}
    key = (id(app), purpose)
    found = cache.get(key)
    if found is None:
        settings = dict(app.config)
        if purpose == "interactive":
            timeout = float(settings.get("GOV_INTERACTIVE_TIMEOUT", 3))
            settings["GOV_READ_TIMEOUT"] = min(timeout, float(settings.get("GOV_READ_TIMEOUT", 5)))
            settings["GOV_CONNECT_TIMEOUT"] = min(timeout, float(settings.get("GOV_CONNECT_TIMEOUT", 2)))
        if purpose in ("interactive", "worker"):
            settings["GOV_RETRIES"] = 0
        found = HttpGovPlatform.from_settings(settings, breaker_store=breaker_store(app))
        cache[key] = found
    return found


def health_snapshot() -> dict:
    """Platform health for the integration page without waiting on a hanging platform.

    While the breaker is open the platform is not called at all; otherwise one short health call.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state = breaker(app).state if app.config.get("GOV_MODE") == "http" else "closed"
    started = time.monotonic()
    reachable = False if state == "open" else platform(interactive=True).health()
    return {"mode": app.config.get("GOV_MODE"), "breaker": state, "reachable": reachable,
            "elapsed_ms": int((time.monotonic() - started) * 1000)}


def reset_clients(app: Flask | None = None) -> None:
    """Forget this thread's cached clients and the breaker store (after the GOV_* settings change)."""
    _local.platforms = {}
    if app is not None:
        app.extensions.pop("gov_breaker_store", None)
