"""Shared fixtures: app (SQLite file by default, PostgreSQL when TEST_DATABASE_URL is set), client,
runner, login helper, builders, time travel and an SQL statement counter."""
from __future__ import annotations

import os
import random
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import g, has_app_context
from hypothesis import settings
from sqlalchemy import event, text

from portal import create_app
from portal.core import cache as aggregates
from portal.core import clock
from portal.extensions import db, limiter
from tests.clients import ReadingClient

PASSWORD = "Test#2026pass!"


# Property tests judge results, not speed: a shared 2-core CI machine can stall one example past
# Hypothesis's 200 ms default deadline (tests/unit/test_identifiers failed so under load).
settings.register_profile("portal", deadline=None)
settings.load_profile("portal")


def _database_url(tmpdir: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmpdir / 'test.db'}"


def _reset_schema(app) -> None:
    """Start every run from an empty schema, built by the migrations (which proves they work)."""
    from flask_migrate import upgrade

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            db.drop_all()
            with engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()


class PortalTestClient(ReadingClient):
    """A test client whose requests do not inherit per-request caches from the shared app context.

    The `app` fixture keeps one app context pushed (so tests can use `db.session`), and Flask reuses
    it for every request; Flask-Login (`g._login_user`) and Flask-Babel (`g._flask_babel`) cache the
    user and the locale on `g`, so without this a second client would act as the first client's user.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
            g.pop("_flask_babel", None)
            g.pop("_data_versions", None)  # portal.core.cache: versions read once per request
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def _app_and_dir():
    from portal import i18n_tools

    i18n_tools.compile_all()
    tmpdir = Path(tempfile.mkdtemp(prefix="portal-tests-"))
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": _database_url(tmpdir),
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_DIR": str(tmpdir / "uploads"),
            "AUDIT_ANCHOR_DIR": str(tmpdir / "audit-anchors"),
            "BACKUP_DIR": str(tmpdir / "backups"),
            "GOV_BREAKER_FILE": str(tmpdir / "gov-breaker.json"),
            "SECRET_KEY": "test-secret",
            "PASSWORD_HASH_FAST": True,
        }
    )
    app.test_client_class = PortalTestClient
    _reset_schema(app)
    yield app, tmpdir


@pytest.fixture
def app(_app_and_dir):
    app, _tmp = _app_and_dir
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        _truncate_all()
        for folder in ("AUDIT_ANCHOR_DIR", "BACKUP_DIR"):  # outside the database: reset them too
            shutil.rmtree(app.config[folder], ignore_errors=True)
        # The fake government platform lives on the session's app: every test starts it afresh.
        limiter.reset()  # rate-limit counters are per test, like the database
        fake = app.extensions.get("gov_fake_platform")
        if fake is not None:
            fake.reset()
        yield app
        db.session.remove()
    clock.reset()


def _truncate_all() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE {} RESTART IDENTITY CASCADE".format(", ".join(f'"{t}"' for t in tables))))
    else:
        for name in tables:
            db.session.execute(text(f'DELETE FROM "{name}"'))
    db.session.commit()
    aggregates.clear()  # values cached from the previous test's rows


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def rng():
    return random.Random(12345)


@pytest.fixture
def travel():
    """Time travel: `travel(days=31)` moves the portal clock forward; reset after the test."""
    from datetime import timedelta

    def _travel(**kwargs):
        clock.travel(timedelta(**kwargs))

    yield _travel
    clock.reset()


@pytest.fixture
def build(app):
    from tests import builders

    return builders.Builder()


@pytest.fixture
def login(client):
    """`login(user)` logs the test client in through the real login form."""

    def _login(user, password: str = PASSWORD, c=None):
        c = c or client
        response = c.post("/auth/login", data={"username": user.username, "password": password})
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return c

    return _login


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, _params, _context, _executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as q: ...; q.count` counts SQL statements sent to the database."""

    @contextmanager
    def _count():
        counter = QueryCounter()
        # Counted live: a cache hit in one measurement and a miss in the other would hide what the page
        # costs when its data has just changed (portal.core.cache).
        cache_seconds = app.config["AGGREGATE_CACHE_SECONDS"]
        app.config["AGGREGATE_CACHE_SECONDS"] = 0
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
            app.config["AGGREGATE_CACHE_SECONDS"] = cache_seconds

    return _count
