"""`make run`: the portal with everything it needs in the background, stopped together.

Starts, as child processes sharing one environment:
  - the platform sandbox (`flask gov sandbox`), which keeps the platform's state for every other
    process (the in-process fake forgets it between processes), preloaded with the registered firms;
  - the outbox worker (`flask outbox run`), delivering queued platform messages to the sandbox;
  - the scheduler (`flask jobs run`), running the scheduled jobs production runs from systemd timers;
  - the web server (`flask run`) in the foreground.
When the web server stops (Ctrl-C) or any child dies, every other child is stopped.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

CHILD_STOP_SECONDS = 10


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def write_enterprises(path: Path) -> int:
    """The firms registered in the portal's database as sandbox registry entries (JSON list)."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.firms.models import Firm

    rows = db.session.execute(select(Firm.uscc, Firm.name, Firm.legal_representative, Firm.business_scope))
    entries = [{"uscc": uscc, "registered_name": name, "legal_representative": rep or "",
                "status": "active", "business_scope": scope or ""} for uscc, name, rep, scope in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries, ensure_ascii=False), "utf-8")
    return len(entries)


def _wait_healthy(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).ok:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return False


def _stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + CHILD_STOP_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def run(host: str, port: int, sandbox_port: int, enterprises_file: Path, echo=print) -> int:
    """Run the stack until the web server exits; returns its exit code."""
    env = dict(os.environ, GOV_MODE="http", GOV_BASE_URL=f"http://127.0.0.1:{sandbox_port}")
    children: list[subprocess.Popen] = []

    def terminate(_signum, _frame) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        children.append(subprocess.Popen(
            _flask("gov", "sandbox", "--host", "127.0.0.1", "--port", str(sandbox_port),
                   "--enterprises", str(enterprises_file)), env=env))
        # /_admin/* answers unsigned (the contract endpoints need a signature).
        if not _wait_healthy(f"http://127.0.0.1:{sandbox_port}/_admin/faults", 20):
            echo("the platform sandbox did not start; see its output above")
            return 1
        echo(f"platform sandbox on http://127.0.0.1:{sandbox_port}")
        children.append(subprocess.Popen(_flask("outbox", "run", "--quiet"), env=env))
        children.append(subprocess.Popen(_flask("jobs", "run"), env=env))
        web = subprocess.Popen(_flask("run", "--host", host, "--port", str(port)), env=env)
        children.append(web)
        while True:
            for child in children:
                code = child.poll()
                if code is not None:
                    if child is not web:
                        echo(f"a background process stopped ({' '.join(child.args[3:5])}, exit {code}); "
                             "stopping the portal")
                    return code if child is web else 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        _stop(children)
