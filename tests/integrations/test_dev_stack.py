"""`make run` (flask dev-stack): the portal, the platform sandbox, the outbox worker and the scheduled
jobs start together, demo filings reach the platform as cases, and everything stops together."""
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flask(*args, env):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=True)


def _children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout
    return bool(state.strip()) and not state.strip().startswith("Z")


def test_dev_stack_delivers_demo_cases_and_stops_with_the_portal(tmp_path):
    env = dict(os.environ, FLASK_CONFIG="development", DATABASE_URL=f"sqlite:///{tmp_path / 'dev.db'}",
               UPLOAD_DIR=str(tmp_path / "uploads"), AUDIT_ANCHOR_DIR=str(tmp_path / "anchors"),
               BACKUP_DIR=str(tmp_path / "backups"), GOV_BREAKER_FILE=str(tmp_path / "breaker.json"))
    env.pop("TEST_DATABASE_URL", None)
    _flask("db", "upgrade", env=env)
    _flask("seed-demo", env=env)
    with sqlite3.connect(tmp_path / "dev.db") as conn:
        numbered = conn.execute("SELECT count(*) FROM project_filing WHERE number IS NOT NULL").fetchone()[0]
    assert numbered > 100
    port, sandbox_port = _free_port(), _free_port()
    stack = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "dev-stack", "--port", str(port),
                              "--sandbox-port", str(sandbox_port)], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: list[int] = []
    try:
        deadline = time.monotonic() + 60
        cases = []
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                    cases = requests.get(f"http://127.0.0.1:{sandbox_port}/_admin/cases", timeout=2).json()["data"]
                    if len(cases) >= numbered:
                        break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        children = _children_of(stack.pid)
        assert len(children) == 4, "sandbox, outbox worker, scheduler and web server"
        # The demo's numbered filings all became platform cases through the worker and the sandbox.
        assert len(cases) == numbered
        # The jobs queue messages of their own at start (the audit anchor): the worker drains them too.
        while True:
            with sqlite3.connect(tmp_path / "dev.db") as conn:
                pending = conn.execute("SELECT count(*) FROM outbox_message WHERE status <> 'delivered'").fetchone()[0]
            if pending == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert pending == 0
    finally:
        stack.send_signal(signal.SIGTERM)
        stack.wait(timeout=30)
    time.sleep(0.5)
    assert [pid for pid in children if _alive(pid)] == []
