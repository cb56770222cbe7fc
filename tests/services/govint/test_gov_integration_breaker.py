"""The breaker state is shared through the database, so every process sees the platform as down."""
from __future__ import annotations

from portal.extensions import db
from portal.gov.breaker import CircuitBreaker
from portal.integrations import gov_client
from portal.integrations.gov_client import DatabaseBreakerStore
from portal.integrations.models import BreakerState


def test_breaker_opened_in_one_process_is_open_for_another(app):
    first = CircuitBreaker("shared", DatabaseBreakerStore(db.engine, read_ttl=0), failure_threshold=2,
                           reset_timeout=60)
    second = CircuitBreaker("shared", DatabaseBreakerStore(db.engine, read_ttl=0), failure_threshold=2,
                            reset_timeout=60)
    first.record_failure()
    assert second.state == "closed"
    second.record_failure()  # the failures add up across "processes"
    assert first.state == "open" and not first.allow() and not second.allow()
    row = db.session.get(BreakerState, "shared")
    assert row.state == "open" and row.failures == 2 and row.opened_at is not None


def test_half_open_lets_exactly_one_trial_through_and_success_closes(app):
    now = [1_000_000.0]
    store = DatabaseBreakerStore(db.engine, read_ttl=0)
    breaker = CircuitBreaker("trial", store, failure_threshold=1, reset_timeout=10, clock=lambda: now[0])
    breaker.record_failure()
    now[0] += 11
    assert breaker.state == "half_open"
    assert breaker.allow() is True
    assert breaker.allow() is False  # the trial is out; nobody else goes
    breaker.record_success()
    assert breaker.state == "closed" and store.read("trial").failures == 0


def test_breaker_write_inside_an_open_sqlite_transaction_does_not_block(app):
    if db.engine.dialect.name != "sqlite":
        return
    from portal.core.models import OutboxMessage

    db.session.add(OutboxMessage(kind="push_message", payload={}, idempotency_key="lock:1"))
    db.session.flush()  # this transaction now holds SQLite's write lock
    breaker = CircuitBreaker("locked", DatabaseBreakerStore(db.engine, read_ttl=0, sqlite_wait_ms=50),
                             failure_threshold=1)
    breaker.record_failure()  # answers instead of waiting for the lock
    db.session.rollback()


def test_fake_mode_platform_is_the_shared_fake(app):
    app.config["GOV_MODE"] = "fake"
    assert gov_client.platform() is gov_client.fake_platform(app)
    assert gov_client.platform(interactive=True).health() is True


def test_redis_store_shares_the_breaker_between_processes(app, tmp_path):
    import shutil
    import socket
    import subprocess
    import time

    import pytest

    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([server, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"redis://127.0.0.1:{port}/0"
        first = gov_client.RedisBreakerStore(url)
        for _ in range(50):
            try:
                first.get("x")
                break
            except Exception:  # noqa: BLE001 - waiting for the server to accept connections
                time.sleep(0.1)
        second = gov_client.RedisBreakerStore(url)
        a = CircuitBreaker("gov", first, failure_threshold=2, reset_timeout=60)
        b = CircuitBreaker("gov", second, failure_threshold=2, reset_timeout=60)
        a.record_failure()
        b.record_failure()
        assert a.state == "open" and b.state == "open"
        b.record_success()
        assert a.state == "closed"
        app.config["REDIS_URL"] = url
        app.extensions.pop("gov_breaker_store", None)
        assert isinstance(gov_client.breaker_store(app), gov_client.RedisBreakerStore)
    finally:
        app.config["REDIS_URL"] = ""
        app.extensions.pop("gov_breaker_store", None)
        process.terminate()
        process.wait(timeout=5)
