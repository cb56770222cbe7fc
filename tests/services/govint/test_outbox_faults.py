"""Bounded fault runs of the outbox (the full 2,000-message run is tests/perf/fault_outbox.py)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _run(*args: str, timeout: int = 300) -> str:
    result = subprocess.run([sys.executable, str(ROOT / "tests/perf/fault_outbox.py"), *args],
                            cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "RESULT        : PASS" in result.stdout
    return result.stdout


@pytest.mark.slow
def test_outbox_delivers_each_message_exactly_once_despite_faults_and_killed_workers():
    """300 messages, 30% failed calls, 5% time out after applying, the worker SIGKILLed 4 times."""
    output = _run("--messages", "300", "--kills", "4", "--kill-min", "0.8", "--kill-max", "1.5")
    assert "kills: 4" in output


def _own_postgres_database() -> str:
    """A sibling of the test database (the fault script rebuilds its schema from scratch)."""
    from sqlalchemy import create_engine, text

    base, name = os.environ["TEST_DATABASE_URL"].rsplit("/", 1)
    fault_name = f"{name}_outbox"
    engine = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": fault_name}).first() is None:
            conn.execute(text(f'CREATE DATABASE "{fault_name}"'))
    engine.dispose()
    return f"{base}/{fault_name}"


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif("postgresql" not in os.environ.get("TEST_DATABASE_URL", ""), reason="needs PostgreSQL")
def test_two_workers_on_postgres_never_send_the_same_message():
    """No faults: any second sending would show in the sandbox's dedupe log as received > 1."""
    _run("--messages", "400", "--kills", "0", "--workers", "3", "--no-faults", "--read-timeout", "10",
         "--lease", "60",
         "--db", _own_postgres_database())


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif("postgresql" not in os.environ.get("TEST_DATABASE_URL", ""), reason="needs PostgreSQL")
def test_two_workers_on_postgres_with_faults_and_kills_deliver_exactly_once():
    _run("--messages", "300", "--kills", "3", "--workers", "2", "--db", _own_postgres_database())
